//! The reads the decision asks for (I/O): the resource's credential, one poll of the
//! recorded operation, one GET of the service, the unit prices (the day cache of the Retail
//! Prices API), and the preflight reads (`/skus`, subnets; see [`super::reads`]). Each fills
//! one fact; nothing is decided here.

use kube::ResourceExt;

use super::azure_log::{log_failure, no_client};
use super::context::Context;
use super::decide::{Facts, Need};
use crate::api::ApimCapacity;
use crate::azure::{ApimApi, ArmClient};

/// Gathers one fact. The Azure client made with the resource's credential is kept in
/// `azure` for the reads and the write that follow.
pub async fn gather(
    need: Need,
    obj: &ApimCapacity,
    ctx: &Context,
    facts: &mut Facts,
    azure: &mut Option<ArmClient>,
) {
    match need {
        Need::Credentials => {
            let namespace = obj.namespace().unwrap_or_default();
            let secret = obj
                .spec
                .credentials
                .as_ref()
                .map(|c| c.secret_ref.name.as_str());
            let credential = credential(ctx, &namespace, secret).await;
            if let Err(e) = &credential {
                log_failure("getting a credential", e);
            }
            facts.credentials = Some(credential.map(|credential| {
                *azure = Some(ctx.arm.with_credential(credential));
            }));
        }
        Need::Poll(handle) => {
            let answer = match azure {
                Some(api) => api.poll_operation(&handle).await,
                None => Err(no_client()),
            };
            if let Err(e) = &answer {
                log_failure("polling the recorded operation", e);
            }
            facts.poll = Some(answer);
        }
        Need::Service(service) => {
            let answer = match azure {
                Some(api) => api.get_service(&service).await,
                None => Err(no_client()),
            };
            if let Err(e) = &answer {
                log_failure("reading the service", e);
            }
            facts.service = Some(answer);
        }
        Need::Prices(wanted) => {
            let quotes = match &ctx.prices {
                Some(prices) => prices.quotes(&wanted, jiff::Timestamp::now()).await,
                None => crate::cost::Quotes::default(),
            };
            facts.prices = Some(quotes);
        }
        Need::Skus(service) => {
            facts.skus = Some(super::reads::skus(ctx, azure.as_ref(), &service).await);
        }
        Need::Subnets(wanted, again) => {
            let service = obj.spec.service.service_ref();
            let api = azure.as_ref();
            let reads = super::reads::subnets(ctx, api, &service, wanted, again).await;
            facts.subnets = Some(reads);
        }
        Need::AutoscaleSettings(request) => {
            let answer = super::gather_autoscale::settings(ctx, azure.as_ref(), obj, &request);
            facts.autoscale_settings = Some(answer.await);
        }
        Need::Metrics(request) => {
            let answer = super::gather_autoscale::metrics(ctx, azure.as_ref(), obj, &request);
            facts.metrics = Some(answer.await);
        }
    }
}

/// The resource's credential: from the Secret it names (read through its watch), else the
/// operator's own identity.
async fn credential(
    ctx: &Context,
    namespace: &str,
    secret: Option<&str>,
) -> Result<crate::azure::ArmCredential, crate::azure::AzureError> {
    let Some(name) = secret else {
        return ctx.credentials.own();
    };
    let (version, parts) = ctx.secrets.read(namespace, name).await?;
    ctx.credentials.for_secret(namespace, name, version, parts)
}
