//! The kube-runtime glue: watch ApimCapacity resources and reconcile each one.
//!
//! [`decide`] holds the reconcile pipeline, [`reconcile`] the status write and requeue,
//! [`crate::status`] the pure status computation, [`crate::plan`] the pure planner.

pub mod context;
pub mod convert;
pub mod decide;
pub mod events;
pub mod outcomes;
pub mod ownership;
pub mod reconcile;

use std::sync::Arc;

use futures::StreamExt;
use kube::runtime::{Controller, WatchStreamExt, predicates, reflector, watcher};
use kube::{Api, Client};

use crate::api::ApimCapacity;
use crate::azure::{
    ArmClient, ArmConfig, AzureCloud, AzureError, CaBundle, CredentialFactory, CredentialOptions,
    CredentialSource,
};
use crate::cli::{CloudArg, RunArgs};
use crate::domain::UnitLimits;
use crate::http::Health;
use crate::metrics::Metrics;
use context::{Context, Settings};

/// Why the controller could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read the Kubernetes configuration: {0}")]
    KubeConfig(String),
    #[error("invalid --unit-limits: {0}")]
    UnitLimits(#[from] crate::domain::limits::LimitOverrideError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    #[error("cannot serve metrics and health on {addr}: {source}")]
    Http {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the controller until SIGTERM or Ctrl-C.
pub async fn run(args: RunArgs) -> Result<(), RunError> {
    let client = kube_client(&args).await?;
    let limits = UnitLimits::default().with_overrides(&args.unit_limits)?;
    let arm_config = arm_config(&args);
    let source = credential_source();
    tracing::info!(credential = ?source, arm = %arm_config.base_url, "Azure identity and endpoint");
    let own = crate::azure::credentials::build_credential(&source, &CredentialOptions::default())?
        .ok_or_else(|| AzureError::Config("no Azure identity configured".into()))?;
    let arm = ArmClient::new(arm_config, own)?;
    let credentials = CredentialFactory::new(
        &source,
        CredentialOptions {
            authority_host: args.authority_host.clone(),
            http_client: Some(arm.http_client().clone()),
        },
    )?;
    let metrics = Arc::new(Metrics::default());
    let health = Health::new(metrics.clone());

    let api: Api<ApimCapacity> = Api::all(client.clone());
    let (reader, writer) = reflector::store();
    let ready_flag = health.clone();
    let stream = reflector(writer, watcher(api, watcher::Config::default()))
        .inspect(move |event| {
            if matches!(event, Ok(watcher::Event::InitDone)) {
                ready_flag.set_ready(true);
            }
        })
        .applied_objects()
        .predicate_filter(predicates::generation, Default::default());
    let instance = std::env::var("POD_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("apimcap-{}", std::process::id()));
    let ctx = Arc::new(Context::new(
        client.clone(),
        arm,
        credentials,
        Settings {
            limits,
            resync_interval: args.resync_interval,
            min_retry_after: args.min_retry_after,
            backoff_base: args.min_retry_after.max(std::time::Duration::from_secs(1)),
            backoff_max: std::time::Duration::from_secs(300),
        },
        instance,
        metrics.clone(),
        reader.clone(),
    ));

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut http_stop = stop_rx.clone();
    let addr = args.metrics_addr;
    let listener_health = health.clone();
    let http = tokio::spawn(async move {
        crate::http::serve(addr, listener_health, async move {
            let _ = http_stop.wait_for(|stop| *stop).await;
        })
        .await
    });
    metrics.set_leader(true);

    Controller::for_stream(stream, reader)
        .shutdown_on_signal()
        .run(reconcile::reconcile, reconcile::error_policy, ctx)
        .for_each(|result| async move {
            if let Err(e) = result {
                tracing::debug!(error = %e, "reconcile loop");
            }
        })
        .await;
    tracing::info!("controller stopped");
    let _ = stop_tx.send(true);
    match http.await {
        Ok(Err(source)) => Err(RunError::Http { addr, source }),
        _ => Ok(()),
    }
}

async fn kube_client(args: &RunArgs) -> Result<Client, RunError> {
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| RunError::KubeConfig(format!("{}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .map_err(|e| RunError::KubeConfig(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| RunError::KubeConfig(e.to_string()))?,
    };
    Client::try_from(config).map_err(|e| RunError::KubeConfig(e.to_string()))
}

fn arm_config(args: &RunArgs) -> ArmConfig {
    let cloud = match args.cloud {
        CloudArg::Public => AzureCloud::Public,
        CloudArg::China => AzureCloud::China,
        CloudArg::UsGov => AzureCloud::UsGovernment,
    };
    let mut config = match &args.arm_endpoint {
        Some(url) => ArmConfig::custom(url.clone(), ArmConfig::scope_for(url)),
        None => ArmConfig::for_cloud(cloud),
    };
    if let Some(scope) = &args.token_scope {
        config.token_scope = scope.clone();
    }
    config.api_version = args.api_version.clone();
    config.ca_bundle = args.ca_bundle.clone().map(CaBundle::File);
    config.retry_after.min = args.min_retry_after;
    config
}

/// A client secret from `AZURE_CLIENT_SECRET` (with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`)
/// when set; else workload identity or managed identity as the environment says.
fn credential_source() -> CredentialSource {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("AZURE_TENANT_ID"),
        var("AZURE_CLIENT_ID"),
        var("AZURE_CLIENT_SECRET"),
    ) {
        (Some(tenant_id), Some(client_id), Some(client_secret)) => CredentialSource::ClientSecret {
            tenant_id,
            client_id,
            client_secret,
        },
        _ => CredentialSource::from_env(),
    }
}
