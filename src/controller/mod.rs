//! The kube-runtime glue: watch ApimCapacity resources and reconcile each one.
//!
//! [`decide`] holds the reconcile pipeline, [`reconcile`] the status write and requeue,
//! [`crate::status`] the pure status computation, [`crate::plan`] the pure planner.

pub mod clients;
pub mod context;
pub mod convert;
pub mod decide;
pub mod election;
pub mod events;
pub mod fence;
pub mod heartbeat;
pub mod leader;
pub mod outcomes;
pub mod ownership;
pub mod polling;
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
use crate::cli::{AzureArgs, CloudArg, RunArgs};
use crate::domain::UnitLimits;
use crate::http::Health;
use crate::metrics::Metrics;
use crate::policy::NamespacePolicy;
use context::{Context, Settings};
use leader::LeaseConfig;

/// Why the controller could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read the Kubernetes configuration: {0}")]
    KubeConfig(String),
    #[error("invalid --unit-limits: {0}")]
    UnitLimits(#[from] crate::domain::limits::LimitOverrideError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error(transparent)]
    LeaseSettings(#[from] leader::InvalidLeaseConfig),
    #[error("lost the leader Lease; exiting so that a fresh process stands for election")]
    LeadershipLost,
    #[error("cannot serve metrics and health on {addr}: {source}")]
    Http {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the controller until SIGTERM or Ctrl-C (or, with leader election, until the Lease
/// is lost). On SIGTERM it stops taking new work, lets running reconciles (and their status
/// writes) finish, releases the Lease and returns; an Azure operation in flight stays
/// recorded in status for the next leader.
pub async fn run(args: RunArgs) -> Result<(), RunError> {
    let (client, watch_client) = kube_clients(&args).await?;
    let limits = UnitLimits::default().with_overrides(&args.azure.unit_limits)?;
    let policy =
        NamespacePolicy::from_flags(args.namespace_policy.as_deref(), args.allow_all_namespaces)?;
    if policy.as_ref().is_some_and(|p| p.scopes.is_empty()) {
        tracing::warn!(
            "no namespace may target Azure: give a --namespace-policy, or --allow-all-namespaces"
        );
    }
    let mut arm_config = arm_config(&args.azure);
    arm_config.retry_after.min = args.min_retry_after;
    let source = credential_source();
    tracing::info!(credential = ?source, arm = %arm_config.base_url, "Azure identity and endpoint");
    let own = crate::azure::credentials::build_credential(&source, &CredentialOptions::default())?
        .ok_or_else(|| AzureError::Config("no Azure identity configured".into()))?;
    let metrics = Arc::new(Metrics::default());
    let arm = ArmClient::new(arm_config, own)?.with_observer(metrics.clone());
    let credentials = CredentialFactory::new(
        &source,
        CredentialOptions {
            authority_host: args.azure.authority_host.clone(),
            http_client: Some(arm.http_client().clone()),
        },
    )?;
    let health = Health::new(metrics.clone());
    let instance = election::instance_identity();

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut http_stop = stop_rx.clone();
    let addr = args.metrics_addr;
    let http_health = health.clone();
    let http = tokio::spawn(async move {
        crate::http::serve(addr, http_health, async move {
            let _ = http_stop.wait_for(|stop| *stop).await;
        })
        .await
    });
    let terminate = tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });

    let mut leadership = if args.leader_elect {
        let config = LeaseConfig {
            namespace: args.lease_namespace.clone(),
            name: args.lease_name.clone(),
            identity: instance.clone(),
            lease_duration: args.lease_duration,
            renew_deadline: (args.renew_deadline)
                .unwrap_or_else(|| LeaseConfig::default_renew_deadline(args.lease_duration)),
            retry_period: (args.retry_period)
                .unwrap_or_else(|| LeaseConfig::default_retry_period(args.lease_duration)),
        };
        config.validate()?;
        health.set_ready(true);
        let mut stopped = stop_rx.clone();
        let stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        match election::stand(client.clone(), config, &health, &health.liveness, stopped).await {
            Some(leader) => Some(leader),
            None => {
                tracing::info!("stopped while standing by");
                return finish_http(http, addr).await;
            }
        }
    } else {
        None
    };
    let fence = leadership
        .as_ref()
        .map_or_else(fence::Fence::open, election::Leader::fence);
    health.set_ready(false);
    metrics.set_leader(true);

    let api: Api<ApimCapacity> = Api::all(watch_client);
    let (reader, writer) = reflector::store();
    let watch_health = health.clone();
    let stream = reflector(writer, watcher(api, watcher::Config::default()))
        .inspect(move |event| match event {
            Ok(watcher::Event::InitDone) => {
                watch_health.set_problem(None);
                watch_health.set_ready(true);
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot watch ApimCapacity resources: check the CRD is installed and the operator's RBAC (apimcapacities get, list, watch)");
                watch_health.set_problem(Some(format!("cannot watch ApimCapacity resources: {e}")));
            }
            Ok(_) => {}
        })
        .applied_objects()
        .predicate_filter(spec_or_requested_reconcile, Default::default());
    let ctx = Arc::new(
        Context::new(
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
            policy,
            health.clone(),
        )
        .with_fence(fence),
    );

    // SIGTERM: stop taking new work and let running reconciles finish.
    let stop = {
        let mut stopped = stop_rx.clone();
        async move {
            if stopped.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
            tracing::info!("stopping: finishing running reconciles");
        }
    };
    let beat = health
        .liveness
        .register(heartbeat::CONTROLLER_BEAT, heartbeat::MAX_AGE);
    let controller = Controller::for_stream(stream, reader)
        .reconcile_on(heartbeat::ticks())
        .graceful_shutdown_on(stop)
        .run(reconcile::reconcile, reconcile::error_policy, ctx)
        .for_each(|result| {
            if heartbeat::is_tick(&result) {
                beat.beat();
            } else if let Err(e) = result {
                tracing::debug!(error = %e, "reconcile loop");
            }
            std::future::ready(())
        });
    // Losing the Lease: drop the controller at once, which cancels running reconciles
    // (the fence already stops their next Azure write).
    let lost = match leadership.as_mut() {
        Some(leader) => tokio::select! {
            _ = controller => None,
            why = leader.lost() => Some(why),
        },
        None => {
            controller.await;
            None
        }
    };
    metrics.set_leader(false);
    if let Some(why) = &lost {
        tracing::error!(reason = ?why, "lost the leader Lease: abandoned running reconciles");
    } else if let Some(leader) = leadership
        && !leader.is_lost()
    {
        leader.release().await;
    }
    terminate.abort();
    tracing::info!("controller stopped");
    if lost.is_some() {
        return Err(RunError::LeadershipLost);
    }
    finish_http(http, addr).await
}

/// The annotation that asks for a reconcile now (any new value), like Flux's
/// `reconcile.fluxcd.io/requestedAt`, which is honoured too.
pub const RECONCILE_REQUESTED_AT: &str = "capacity.apim.dev/reconcile-requested-at";

/// Reconcile on a new generation (a spec change) or a new reconcile request; status and
/// other metadata changes (including this operator's own status writes) do not cost an
/// Azure read.
fn spec_or_requested_reconcile(obj: &ApimCapacity) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let annotations = obj.metadata.annotations.as_ref();
    let requested = |key: &str| annotations.and_then(|a| a.get(key)).cloned();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    predicates::generation(obj).hash(&mut hasher);
    requested(RECONCILE_REQUESTED_AT).hash(&mut hasher);
    requested("reconcile.fluxcd.io/requestedAt").hash(&mut hasher);
    Some(hasher.finish())
}

async fn finish_http(
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    addr: std::net::SocketAddr,
) -> Result<(), RunError> {
    if !http.is_finished() {
        http.abort();
    }
    match http.await {
        Ok(Err(source)) => Err(RunError::Http { addr, source }),
        _ => Ok(()),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("received a stop signal");
}

/// Two clients of one configuration: one for watches, one whose calls time out (see
/// [`clients::split`]).
async fn kube_clients(args: &RunArgs) -> Result<(Client, Client), RunError> {
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
    clients::split(config).map_err(|e| RunError::KubeConfig(e.to_string()))
}

/// The ARM client configuration of the command line.
pub fn arm_config(args: &AzureArgs) -> ArmConfig {
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
    config
}

/// A client secret from `AZURE_CLIENT_SECRET` (with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`)
/// when set; else workload identity or managed identity as the environment says.
pub fn credential_source() -> CredentialSource {
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
