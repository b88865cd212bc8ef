//! `apimcap run`: serve health and metrics, stand for election, watch ApimCapacity
//! resources and reconcile each one, until a stop signal or the loss of the Lease.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::runtime::{Controller, WatchStreamExt, predicates, reflector, watcher};
use kube::{Api, Client};
use tokio::sync::watch;

use super::context::{Context, Settings};
use super::leader::{Leadership, LeaseConfig};
use super::reconcile;
use crate::api::ApimCapacity;
use crate::azure::{AzureError, AzureSettings, CredentialSource};
use crate::domain::UnitLimits;
use crate::http::Health;
use crate::metrics::Metrics;
use crate::policy::NamespacePolicy;

/// How `apimcap run` runs; the command line fills it.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Kubeconfig file; `None`: $KUBECONFIG, then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// How to reach Azure.
    pub azure: AzureSettings,
    /// Unit limits Azure support raised, e.g. `Premium=40,PremiumV2=35`.
    pub unit_limits: String,
    /// How often an in-sync resource is checked for drift (jittered by ±10%).
    pub resync_interval: Duration,
    /// Lower bound on Azure's Retry-After when polling operations.
    pub min_retry_after: Duration,
    /// Address of `/metrics`, `/livez` and `/readyz`.
    pub metrics_addr: SocketAddr,
    /// Leader election on a Lease, when several replicas run.
    pub leader_election: Option<LeaseSettings>,
    /// YAML file mapping namespaces to the Azure scopes they may target.
    pub namespace_policy: Option<PathBuf>,
    /// Reconciles running at once, at most.
    pub concurrency: u16,
}

/// Which Lease decides the leader, and how long it lasts.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    pub name: String,
    pub namespace: String,
    pub duration: Duration,
}

/// Why the controller could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read the Kubernetes configuration: {0}")]
    KubeConfig(String),
    #[error("invalid unit limits: {0}")]
    UnitLimits(#[from] crate::domain::limits::LimitOverrideError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error("leader election failed: {0}")]
    LeaderElection(kube::Error),
    #[error("lost the leader Lease; exiting so that a fresh process stands for election")]
    LeadershipLost,
    #[error("cannot serve metrics and health on {addr}: {source}")]
    Http {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the controller until SIGTERM or Ctrl-C (or, with leader election, until the Lease
/// is lost). On SIGTERM it stops taking new work, lets running reconciles (and their status
/// writes) finish, releases the Lease and returns; an Azure operation in flight stays
/// recorded in status for the next leader.
pub async fn run(config: RunConfig) -> Result<(), RunError> {
    let client = kube_client(config.kubeconfig.as_deref()).await?;
    let limits = UnitLimits::default().with_overrides(&config.unit_limits)?;
    let policy = match &config.namespace_policy {
        Some(path) => Some(NamespacePolicy::from_file(path)?),
        None => None,
    };
    let metrics = Arc::new(Metrics::default());
    let azure = AzureSettings {
        min_retry_after: Some(config.min_retry_after),
        ..config.azure.clone()
    };
    let (arm, credentials) = crate::azure::connect(&azure, &CredentialSource::from_environment())?;
    let arm = arm.with_observer(metrics.clone());
    tracing::info!(arm = %arm.config().base_url, "Azure endpoint");
    let health = Health::new(metrics.clone());
    let (stop_tx, stop) = watch::channel(false);
    let terminate = tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let http = serve_http(config.metrics_addr, health.clone(), stop.clone());

    let identity = instance_name();
    let leadership = match &config.leader_election {
        None => None,
        Some(lease) => match elect(&client, lease, &identity, &health, stop.clone()).await {
            Elected::Leader(leadership) => Some(*leadership),
            Elected::Stopped => return finish_http(http, config.metrics_addr).await,
            Elected::Failed(e) => return Err(RunError::LeaderElection(e)),
        },
    };
    health.set_ready(false);
    metrics.set_leader(true);

    let (reader, writer) = reflector::store();
    let ctx = Arc::new(Context::new(
        client.clone(),
        arm,
        credentials,
        Settings {
            limits,
            resync_interval: config.resync_interval,
            min_retry_after: config.min_retry_after,
            backoff_base: config.min_retry_after.max(Duration::from_secs(1)),
            backoff_max: Duration::from_secs(300),
        },
        identity,
        metrics.clone(),
        reader.clone(),
        policy,
        health.clone(),
    ));
    let (lost, keeper) = keep_lease(leadership.as_ref());
    let stream = watch_resources(client, writer, health.clone());
    let controller = Controller::for_stream(stream, reader)
        .with_config(kube::runtime::controller::Config::default().concurrency(config.concurrency))
        .graceful_shutdown_on(stopping(stop, lost.clone()))
        .run(reconcile::reconcile, reconcile::error_policy, ctx);
    controller
        .for_each(|result| async move {
            if let Err(e) = result {
                tracing::debug!(error = %e, "reconcile loop");
            }
        })
        .await;

    metrics.set_leader(false);
    if let Some(keeper) = keeper {
        keeper.abort();
    }
    let was_lost = *lost.borrow();
    if let Some(leadership) = &leadership
        && !was_lost
    {
        leadership.release().await;
    }
    terminate.abort();
    tracing::info!("controller stopped");
    if was_lost {
        return Err(RunError::LeadershipLost);
    }
    finish_http(http, config.metrics_addr).await
}

/// Serves `/metrics`, `/livez` and `/readyz` until `stop`.
fn serve_http(
    addr: SocketAddr,
    health: Health,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        crate::http::serve(addr, health, async move {
            let _ = stop.wait_for(|stop| *stop).await;
        })
        .await
    })
}

/// The end of leader election: leading, asked to stop while standing by, or failed.
enum Elected {
    Leader(Box<Leadership>),
    Stopped,
    Failed(kube::Error),
}

/// Stands for election until this process leads or is asked to stop; ready (as a standby)
/// meanwhile.
async fn elect(
    client: &Client,
    lease: &LeaseSettings,
    identity: &str,
    health: &Health,
    mut stop: watch::Receiver<bool>,
) -> Elected {
    let config = LeaseConfig {
        namespace: lease.namespace.clone(),
        name: lease.name.clone(),
        identity: identity.to_string(),
        duration: lease.duration,
    };
    health.set_ready(true);
    tokio::select! {
        acquired = Leadership::acquire(client.clone(), config) => match acquired {
            Ok(leadership) => Elected::Leader(Box::new(leadership)),
            Err(e) => {
                tracing::error!(error = %e, "cannot take part in leader election: check the operator's RBAC (leases get, create, update)");
                health.set_problem(Some(format!("leader election failed: {e}")));
                Elected::Failed(e)
            }
        },
        _ = stop.wait_for(|stop| *stop) => {
            tracing::info!("stopped while standing by");
            Elected::Stopped
        }
    }
}

/// Keeps renewing the Lease in the background; the receiver turns true when it is lost.
/// Without leader election it never does.
fn keep_lease(
    leadership: Option<&Leadership>,
) -> (watch::Receiver<bool>, Option<tokio::task::JoinHandle<()>>) {
    let (lost_tx, lost) = watch::channel(false);
    let keeper = leadership.map(|l| {
        let keeper = l.keeper();
        tokio::spawn(async move {
            keeper.keep().await;
            let _ = lost_tx.send(true);
        })
    });
    (lost, keeper)
}

/// Resolves on a stop signal or the loss of the Lease.
async fn stopping(mut stop: watch::Receiver<bool>, mut lost: watch::Receiver<bool>) {
    // A sender that is gone (no leader election, or the signal task ended) never resolves.
    tokio::select! {
        _ = async {
            if stop.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
        } => {}
        _ = async {
            if lost.wait_for(|lost| *lost).await.is_err() {
                std::future::pending::<()>().await;
            }
        } => {}
    }
    tracing::info!("stopping: finishing running reconciles");
}

/// The watch of every ApimCapacity, feeding the store and the controller: a reconcile on a
/// new generation or a reconcile request, never on the operator's own status writes.
fn watch_resources(
    client: Client,
    writer: reflector::store::Writer<ApimCapacity>,
    health: Health,
) -> impl futures::Stream<Item = Result<ApimCapacity, watcher::Error>> {
    let api: Api<ApimCapacity> = Api::all(client);
    reflector(writer, watcher(api, watcher::Config::default()))
        .inspect(move |event| match event {
            Ok(watcher::Event::InitDone) => {
                health.set_problem(None);
                health.set_ready(true);
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot watch ApimCapacity resources: check the CRD is installed and the operator's RBAC (apimcapacities get, list, watch)");
                health.set_problem(Some(format!("cannot watch ApimCapacity resources: {e}")));
            }
            Ok(_) => {}
        })
        .applied_objects()
        .predicate_filter(spec_or_requested_reconcile, Default::default())
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
    addr: SocketAddr,
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
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
    tracing::info!("received a stop signal");
}

/// This process's name in Events and the Lease: the pod name in a cluster.
fn instance_name() -> String {
    std::env::var("POD_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("apimcap-{}", std::process::id()))
}

async fn kube_client(kubeconfig: Option<&std::path::Path>) -> Result<Client, RunError> {
    let config = match kubeconfig {
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
