//! The reads of autoscale (I/O): the Azure autoscale settings of a resource group (kept
//! [`SETTINGS_TTL`]) and the metrics of a service (kept for the autoscale interval, so each
//! evaluation costs one request and the reconciles in between none), answered from
//! [`super::autoscale_cache`] while kept. Failures are logged and answered as text; they are
//! not remembered.

use std::time::Duration;

use super::autoscale_cache::{Kept, SETTINGS_TTL, keep, kept};
use super::azure_log::{log_failure, no_client};
use super::context::Context;
use crate::api::ApimCapacity;
use crate::autoscale::{ArmGet, AutoscaleSetting, MetricReadings};
use crate::azure::{ArmClient, AzureError};

/// The kept answer under `key`, else the answer of `read` (kept when it succeeded).
async fn kept_or_read<T: Clone>(
    cache: &Kept<T>,
    key: String,
    ttl: Duration,
    what: &str,
    read: impl std::future::Future<Output = Result<T, AzureError>>,
) -> Result<T, String> {
    if let Some(value) = kept(cache, &key, ttl) {
        return Ok(value);
    }
    match read.await {
        Ok(value) => {
            keep(cache, key, value.clone());
            Ok(value)
        }
        Err(e) => {
            log_failure(what, &e);
            Err(e.to_string())
        }
    }
}

/// The autoscale settings of the resource group `request` lists.
pub async fn settings(
    ctx: &Context,
    azure: Option<&ArmClient>,
    obj: &ApimCapacity,
    request: &ArmGet,
) -> Result<Vec<AutoscaleSetting>, String> {
    let service = &obj.spec.service;
    let key = format!("{}/{}", service.subscription_id, service.resource_group).to_lowercase();
    let read = async {
        match azure {
            Some(api) => {
                api.list_autoscale_settings(request, &service.subscription_id)
                    .await
            }
            None => Err(no_client()),
        }
    };
    let cache = &ctx.autoscale_reads.settings;
    kept_or_read(
        cache,
        key,
        SETTINGS_TTL,
        "listing the Azure autoscale settings",
        read,
    )
    .await
}

/// The metrics of the service, read once per autoscale interval.
pub async fn metrics(
    ctx: &Context,
    azure: Option<&ArmClient>,
    obj: &ApimCapacity,
    request: &ArmGet,
) -> Result<MetricReadings, String> {
    let service = obj.spec.service.service_ref();
    let read = async {
        match azure {
            Some(api) => api.get_metrics(request, &service.subscription_id).await,
            None => Err(no_client()),
        }
    };
    let cache = &ctx.autoscale_reads.metrics;
    let ttl = ctx.settings.autoscale_interval;
    kept_or_read(
        cache,
        service.key(),
        ttl,
        "reading the service's metrics",
        read,
    )
    .await
}
