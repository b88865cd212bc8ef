//! `apimcap run`: serve health and metrics, stand for election, watch ApimCapacity
//! resources and reconcile each one, until a stop signal or the loss of the Lease.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::Client;
use kube::runtime::{Controller, reflector};
use tokio::sync::watch;

use super::context::{Context, Settings};
use super::durations_store::DurationsStore;
use super::election::{self, Leader};
use super::fence::Fence;
use super::leader::{InvalidLeaseConfig, LeaseConfig, Lost};
use super::listing::ListingCache;
use super::signals::{stop_on_signal, stopping};
use super::watch::watch_resources;
use super::{clients, heartbeat, reconcile};
use crate::api::ApimCapacity;
use crate::azure::{ArmClient, AzureError, AzureSettings, CredentialFactory, CredentialSource};
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
    /// How often autoscaled regions are evaluated (one metrics read per service each time).
    pub autoscale_interval: Duration,
    /// Address of `/metrics`, `/livez` and `/readyz`.
    pub metrics_addr: SocketAddr,
    /// Leader election on a Lease, when several replicas run.
    pub leader_election: Option<LeaseSettings>,
    /// YAML file mapping namespaces to the Azure scopes they may target.
    pub namespace_policy: Option<PathBuf>,
    /// Let every namespace target any service (instead of a namespace policy); with
    /// neither, no namespace may target anything.
    pub allow_all_namespaces: bool,
    /// Reconciles running at once, at most.
    pub concurrency: u16,
    /// Where unit prices are read, and the currency of costs and approval thresholds.
    pub prices: crate::cost::PriceSettings,
    /// The ConfigMap (namespace, name) that keeps learned durations across restarts;
    /// `None` keeps them in memory only.
    pub durations_configmap: Option<(String, String)>,
    /// Which objects this operator watches (a shard: namespaces, label selector).
    pub watch: super::shard::WatchScope,
    /// Watch in-sync services for drift with one paginated listing per subscription and
    /// resync instead of one GET per service.
    pub list_drift: bool,
}

/// Which Lease decides the leader, and how long it lasts.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    pub name: String,
    pub namespace: String,
    /// How long a standby waits, after it last saw the Lease change, before taking it.
    pub duration: Duration,
    /// How long the leader tries to renew before it stops writing and exits (default 2/3
    /// of the duration).
    pub renew_deadline: Option<Duration>,
    /// How often the leader renews and a standby retries (default 2/15 of the duration).
    pub retry_period: Option<Duration>,
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
    #[error(transparent)]
    LeaseSettings(#[from] InvalidLeaseConfig),
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
    let (client, watch_client) = kube_clients(config.kubeconfig.as_deref()).await?;
    let limits = UnitLimits::default().with_overrides(&config.unit_limits)?;
    let policy = namespace_policy(&config)?;
    let metrics = Arc::new(Metrics::default());
    let (arm, credentials) = azure_clients(&config, &metrics)?;
    let prices = price_service(&config, &arm);
    let health = Health::new(metrics.clone());
    let (terminate, stop) = stop_on_signal();
    let http = serve_http(config.metrics_addr, health.clone(), stop.clone());

    let identity = election::instance_identity();
    let mut leader = match &config.leader_election {
        None => None,
        Some(lease) => match elect(&client, lease, &identity, &health, stop.clone()).await? {
            Some(leader) => Some(leader),
            None => return finish_http(http, config.metrics_addr).await,
        },
    };
    let fence = leader.as_ref().map_or_else(Fence::open, Leader::fence);
    health.set_ready(false);
    metrics.set_leader(true);

    // Read once this process leads, so a standby that takes over has the leader's latest.
    let (store, learned) = learned_durations(&config, &client).await;
    let (reader, writer) = reflector::store();
    let settings = settings(&config, limits);
    let ctx = Context::new(
        client.clone(),
        arm,
        credentials,
        settings,
        identity,
        metrics.clone(),
        reader.clone(),
        policy,
        health.clone(),
    )
    .with_fence(fence)
    .with_prices(prices)
    .with_durations(learned, store);
    let ctx = match config.list_drift {
        // A listing answers for two resync intervals: a late round never leaves a gap.
        true => ctx.with_listing(Arc::new(ListingCache::new(config.resync_interval * 2))),
        false => ctx,
    };
    let stream = watch_resources(watch_client, writer, &health, &metrics, &config.watch);
    let controller = reconcile_all(ctx, stream, reader, config.concurrency, stop, &health);
    // Losing the Lease drops the controller at once, which cancels running reconciles (the
    // fence already stops their next Azure write).
    let lost = match leader.as_mut() {
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
    step_down(leader, lost.as_ref()).await;
    terminate.abort();
    tracing::info!("controller stopped");
    if lost.is_some() {
        return Err(RunError::LeadershipLost);
    }
    finish_http(http, config.metrics_addr).await
}

/// Unit prices from the Retail Prices API (cached a day), through the ARM client's HTTPS
/// client (same CA bundle).
fn price_service(config: &RunConfig, arm: &ArmClient) -> crate::cost::PriceService {
    tracing::info!(prices = %config.prices.endpoint, currency = %config.prices.currency, "Retail Prices API");
    crate::cost::PriceService::new(
        config.prices.clone(),
        crate::cost::HttpPageSource::new(arm.http_client().clone()),
    )
}

/// The ConfigMap learned durations are kept in (when configured) and what it holds now.
async fn learned_durations(
    config: &RunConfig,
    client: &Client,
) -> (Option<DurationsStore>, crate::plan::DurationEstimates) {
    let store = config
        .durations_configmap
        .as_ref()
        .map(|(namespace, name)| DurationsStore::new(namespace, name));
    let learned = match &store {
        Some(store) => store.load(client).await,
        None => Default::default(),
    };
    (store, learned)
}

/// The reconcile's settings from the command line.
fn settings(config: &RunConfig, limits: UnitLimits) -> Settings {
    Settings {
        limits,
        resync_interval: config.resync_interval,
        min_retry_after: config.min_retry_after,
        backoff_base: config.min_retry_after.max(Duration::from_secs(1)),
        backoff_max: Duration::from_secs(300),
        currency: config.prices.currency,
        autoscale_interval: config.autoscale_interval,
    }
}

/// The ARM client (its requests counted in `metrics`) and the factory of credentials.
fn azure_clients(
    config: &RunConfig,
    metrics: &Arc<Metrics>,
) -> Result<(ArmClient, CredentialFactory), RunError> {
    let azure = AzureSettings {
        min_retry_after: Some(config.min_retry_after),
        ..config.azure.clone()
    };
    let (arm, credentials) = crate::azure::connect(&azure, &CredentialSource::from_environment())?;
    let arm = arm.with_observer(metrics.clone());
    tracing::info!(arm = %arm.config().base_url, "Azure endpoint");
    Ok((arm, credentials))
}

/// The namespace policy of the flags; warns when it lets no namespace reach Azure.
fn namespace_policy(config: &RunConfig) -> Result<Option<NamespacePolicy>, RunError> {
    let policy = NamespacePolicy::from_flags(
        config.namespace_policy.as_deref(),
        config.allow_all_namespaces,
    )?;
    if policy.as_ref().is_some_and(|p| p.scopes.is_empty()) {
        tracing::warn!(
            "no namespace may target Azure: give a --namespace-policy, or --allow-all-namespaces"
        );
    }
    Ok(policy)
}

/// After the controller stopped: a lost Lease is reported; a Lease still held is released
/// so a standby takes over at once.
async fn step_down(leader: Option<Leader>, lost: Option<&Lost>) {
    if let Some(why) = lost {
        tracing::error!(reason = ?why, "lost the leader Lease: abandoned running reconciles");
    } else if let Some(leader) = leader
        && !leader.is_lost()
    {
        leader.release().await;
    }
}

/// Reconciles every watched resource until `stop`: the controller with its heartbeat (for
/// `/livez`) and the per-object metrics of deleted objects dropped.
async fn reconcile_all(
    ctx: Context,
    stream: impl futures::Stream<Item = Result<ApimCapacity, kube::runtime::watcher::Error>>
    + Send
    + 'static,
    reader: reflector::Store<ApimCapacity>,
    concurrency: u16,
    stop: watch::Receiver<bool>,
    health: &Health,
) {
    let beat = health
        .liveness
        .register(heartbeat::CONTROLLER_BEAT, heartbeat::MAX_AGE);
    let store = reader.clone();
    let ctx = Arc::new(ctx);
    let gauges = ctx.metrics.clone();
    let secrets = ctx.secrets.clone();
    let secret_changes = secrets.reconciles(reader.clone());
    let kept = ctx.clone();
    let listed_drift = super::lister::drift_reconciles(ctx.clone());
    Controller::for_stream(stream, reader)
        .with_config(kube::runtime::controller::Config::default().concurrency(concurrency))
        .reconcile_on(heartbeat::ticks())
        .reconcile_on(secret_changes)
        .reconcile_on(listed_drift)
        .graceful_shutdown_on(stopping(stop))
        .run(reconcile::reconcile, reconcile::error_policy, ctx)
        .for_each(|result| {
            if heartbeat::is_tick(&result) {
                beat.beat();
                // Deleted objects are not reconciled again: drop their per-object series.
                gauges.forget_missing(|object| store.get(object).is_some());
                // And what the context keeps per object and per service.
                kept.prune();
                // And the pages that garbage freed go back to the system.
                crate::memory::release_free_pages();
                // Secrets no resource names any more are no longer watched.
                let state = store.state();
                secrets.retain(&super::secrets::named_secrets(
                    state.iter().map(|o| o.as_ref()),
                ));
            } else if let Err(e) = result {
                tracing::debug!(error = %e, "reconcile loop");
            }
            std::future::ready(())
        })
        .await;
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

/// Stands for election until this process leads (`Some`) or is asked to stop (`None`);
/// ready (as a standby) meanwhile.
async fn elect(
    client: &Client,
    lease: &LeaseSettings,
    identity: &str,
    health: &Health,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<Leader>, RunError> {
    let config = LeaseConfig {
        namespace: lease.namespace.clone(),
        name: lease.name.clone(),
        identity: identity.to_string(),
        lease_duration: lease.duration,
        renew_deadline: lease
            .renew_deadline
            .unwrap_or_else(|| LeaseConfig::default_renew_deadline(lease.duration)),
        retry_period: lease
            .retry_period
            .unwrap_or_else(|| LeaseConfig::default_retry_period(lease.duration)),
    };
    config.validate()?;
    health.set_ready(true);
    let stopped = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    let leader = election::stand(client.clone(), config, health, &health.liveness, stopped).await;
    if leader.is_none() {
        tracing::info!("stopped while standing by");
    }
    Ok(leader)
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

/// Two clients of one configuration: one for watches, one whose calls time out (see
/// [`clients::split`]).
async fn kube_clients(kubeconfig: Option<&std::path::Path>) -> Result<(Client, Client), RunError> {
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
    clients::split(config).map_err(|e| RunError::KubeConfig(e.to_string()))
}
