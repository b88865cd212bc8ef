//! What every reconcile shares: clients, settings, learned durations, per-object backoff.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use kube::runtime::reflector::{ObjectRef, Store};

use crate::api::{ApimCapacity, ApimCapacityStatus};
use crate::azure::{ArmClient, CredentialFactory};
use crate::domain::UnitLimits;
use crate::metrics::Metrics;
use crate::plan::DurationEstimates;

pub use super::field_manager::FIELD_MANAGER;

/// Operator settings that shape reconciles.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Unit limits per tier (built-in table plus overrides).
    pub limits: UnitLimits,
    /// How often an in-sync resource is re-read to detect drift.
    pub resync_interval: Duration,
    /// Lower bound on any wait before polling Azure again.
    pub min_retry_after: Duration,
    /// First delay after a passing failure; doubles per consecutive failure.
    pub backoff_base: Duration,
    /// Longest delay after passing failures.
    pub backoff_max: Duration,
    /// The currency of cost estimates and of `requireApproval.costIncreaseAbove`.
    pub currency: crate::cost::Currency,
    /// How often autoscaled regions are evaluated (one metrics read per service each time).
    pub autoscale_interval: Duration,
}

impl Settings {
    /// How long to wait before looking again at a service busy with a foreign operation.
    pub fn busy_poll_interval(&self) -> Duration {
        (self.min_retry_after * 3).max(Duration::from_secs(1))
    }
}

/// What the context keeps per object.
type PerObject<V> = HashMap<ObjectRef<ApimCapacity>, V>;

/// Shared state of the controller.
pub struct Context {
    pub client: kube::Client,
    pub arm: ArmClient,
    pub credentials: CredentialFactory,
    /// The credentials Secrets resources name, each read once and then watched.
    pub secrets: std::sync::Arc<super::secrets::SecretWatches>,
    pub settings: Settings,
    /// This process's name in Events (the pod name in a cluster).
    pub instance: String,
    pub metrics: std::sync::Arc<Metrics>,
    /// Which Azure scopes each namespace may target; `None` (only with
    /// `--allow-all-namespaces`) allows everything.
    pub policy: Option<crate::policy::NamespacePolicy>,
    /// Readiness, for permission problems found while reconciling.
    pub health: crate::http::Health,
    /// Checked right before every Azure write: open only while this process leads.
    pub fence: super::fence::Fence,
    /// Every ApimCapacity the controller sees (for "one service, one manager").
    pub store: Store<ApimCapacity>,
    /// Observed operation durations, for expected completion times.
    pub durations: Mutex<DurationEstimates>,
    /// Unit prices (the Retail Prices API, cached a day); `None`: the built-in table only.
    pub prices: Option<crate::cost::PriceService>,
    /// Where learned durations are kept across restarts, if anywhere.
    pub durations_store: Option<super::durations_store::DurationsStore>,
    /// What the preflight reads remember (`/skus` for a day, subnets for an hour).
    pub reads: super::read_cache::ReadCache,
    /// What the autoscale reads remember (settings 10 minutes, metrics one interval).
    pub autoscale_reads: super::autoscale_cache::AutoscaleReads,
    /// The last listing of each subscription, when drift is watched by listing
    /// (`--list-drift`); `None`: each service is read with its own GET.
    pub listing: Option<std::sync::Arc<super::listing::ListingCache>>,
    /// Consecutive passing failures per object.
    failures: Mutex<HashMap<ObjectRef<ApimCapacity>, u32>>,
    /// The last status written per object and the resourceVersion it produced, so a
    /// reconcile that runs before the watch delivers that write still builds on it.
    /// (Boxed: a status is large, and the table keeps its capacity between prunes.)
    written: Mutex<PerObject<(u64, Box<ApimCapacityStatus>)>>,
    /// A status that could not be written (the apiserver refused or was unreachable) and is
    /// newer than the stored one: it may carry an operation Azure runs. The next reconcile
    /// builds on it and writes it again.
    unwritten: Mutex<PerObject<Box<ApimCapacityStatus>>>,
}

impl Context {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: kube::Client,
        arm: ArmClient,
        credentials: CredentialFactory,
        settings: Settings,
        instance: String,
        metrics: std::sync::Arc<Metrics>,
        store: Store<ApimCapacity>,
        policy: Option<crate::policy::NamespacePolicy>,
        health: crate::http::Health,
    ) -> Self {
        Context {
            policy,
            health,
            fence: super::fence::Fence::open(),
            secrets: std::sync::Arc::new(super::secrets::SecretWatches::new(
                client.clone(),
                metrics.clone(),
            )),
            client,
            arm,
            credentials,
            settings,
            instance,
            metrics,
            store,
            durations: Mutex::new(DurationEstimates::default()),
            prices: None,
            durations_store: None,
            reads: Default::default(),
            autoscale_reads: Default::default(),
            listing: None,
            failures: Mutex::new(HashMap::new()),
            written: Mutex::new(HashMap::new()),
            unwritten: Mutex::new(HashMap::new()),
        }
    }

    /// The same context, its Azure writes behind `fence`.
    pub fn with_fence(mut self, fence: super::fence::Fence) -> Self {
        self.fence = fence;
        self
    }

    /// The same context, the reconciles of in-sync resources answered from `listing`.
    pub fn with_listing(mut self, listing: std::sync::Arc<super::listing::ListingCache>) -> Self {
        self.listing = Some(listing);
        self
    }

    /// The same context, its prices read by `prices`.
    pub fn with_prices(mut self, prices: crate::cost::PriceService) -> Self {
        self.prices = Some(prices);
        self
    }

    /// The same context, starting from `learned` durations and keeping them in `store`.
    pub fn with_durations(
        mut self,
        learned: DurationEstimates,
        store: Option<super::durations_store::DurationsStore>,
    ) -> Self {
        self.durations = Mutex::new(learned);
        self.durations_store = store;
        self
    }

    /// The delay before retrying `object` after another passing failure: exponential in
    /// the number of consecutive failures, with ±20% jitter.
    pub fn next_backoff(&self, object: &ObjectRef<ApimCapacity>) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let count = failures.entry(object.clone()).or_insert(0);
        *count = count.saturating_add(1);
        let exponent = (*count - 1).min(16);
        let delay = self
            .settings
            .backoff_base
            .saturating_mul(1 << exponent)
            .min(self.settings.backoff_max);
        jitter(delay, 0.2)
    }

    /// Forgets the failures of `object` after a reconcile that was not a passing failure.
    pub fn reset_backoff(&self, object: &ObjectRef<ApimCapacity>) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(object);
    }

    /// The status to build on: one this process could not write yet, else the one in `obj`
    /// unless this process wrote a newer one that the watch has not delivered yet.
    pub fn freshest_status(
        &self,
        object: &ObjectRef<ApimCapacity>,
        obj: &ApimCapacity,
    ) -> ApimCapacityStatus {
        let seen = resource_version(obj);
        if let Some(status) = self.unwritten_status(object) {
            return status;
        }
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        match (written.get(object), seen) {
            (Some((version, status)), Some(seen)) if *version > seen => (**status).clone(),
            _ => obj.status.clone().unwrap_or_default(),
        }
    }

    /// A status this process could not write yet.
    pub fn unwritten_status(&self, object: &ObjectRef<ApimCapacity>) -> Option<ApimCapacityStatus> {
        let unwritten = self.unwritten.lock().unwrap_or_else(|e| e.into_inner());
        unwritten.get(object).map(|status| (**status).clone())
    }

    /// Whether a status this process could not write yet is kept for `object`.
    pub fn has_unwritten(&self, object: &ObjectRef<ApimCapacity>) -> bool {
        let unwritten = self.unwritten.lock().unwrap_or_else(|e| e.into_inner());
        unwritten.contains_key(object)
    }

    /// Keeps a status the apiserver did not take, to build on and write again.
    pub fn keep_unwritten(&self, object: &ObjectRef<ApimCapacity>, status: &ApimCapacityStatus) {
        let mut unwritten = self.unwritten.lock().unwrap_or_else(|e| e.into_inner());
        unwritten.insert(object.clone(), Box::new(status.clone()));
    }

    /// Records a status this process wrote.
    pub fn remember_status(
        &self,
        object: &ObjectRef<ApimCapacity>,
        version: Option<u64>,
        status: &ApimCapacityStatus,
    ) {
        self.unwritten
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(object);
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        match version {
            Some(version) => {
                written.insert(object.clone(), (version, Box::new(status.clone())));
            }
            None => {
                written.remove(object);
            }
        }
    }

    /// Forgets what is kept per object for objects the store no longer holds, and each
    /// written status once the store holds it (or a newer version); drops the remembered
    /// reads of services no resource manages. Runs on the controller's heartbeat, so a
    /// fleet's per-object maps shrink as objects go and no reconcile pays for it.
    pub fn prune(&self) {
        let state = self.store.state();
        let versions: HashMap<ObjectRef<ApimCapacity>, Option<u64>> = state
            .iter()
            .map(|obj| (ObjectRef::from(obj.as_ref()), resource_version(obj)))
            .collect();
        let held = |object: &ObjectRef<ApimCapacity>| versions.contains_key(object);
        retain_shrunk(&self.failures, |object, _| held(object));
        retain_shrunk(&self.unwritten, |object, _| held(object));
        retain_shrunk(&self.written, |object, (version, _)| {
            match versions.get(object) {
                Some(Some(seen)) => *version > *seen,
                Some(None) => true,
                None => false,
            }
        });
        let managed = state
            .iter()
            .map(|obj| obj.spec.service.service_ref().key())
            .collect();
        self.reads.prune(&managed);
    }

    /// Keeps the learned durations in the store, if there is one.
    pub async fn keep_durations(&self) {
        if let Some(store) = &self.durations_store {
            let learned = self.durations();
            store.save(&self.client, &learned).await;
        }
    }

    /// A snapshot of the learned durations.
    pub fn durations(&self) -> DurationEstimates {
        self.durations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Keeps the entries of `map` that `keep` says to keep, and gives back the table's memory
/// when it is mostly empty (a map keeps its largest capacity otherwise: after a fleet
/// changed at once, one slot per object for good).
fn retain_shrunk<K: std::hash::Hash + Eq, V>(
    map: &Mutex<HashMap<K, V>>,
    keep: impl FnMut(&K, &mut V) -> bool,
) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.retain(keep);
    if map.capacity() > 4 * map.len() + 64 {
        map.shrink_to_fit();
    }
}

/// The resourceVersion of `obj` as a number (the apiserver's are; others are not compared).
fn resource_version(obj: &ApimCapacity) -> Option<u64> {
    obj.metadata
        .resource_version
        .as_deref()
        .and_then(|v| v.parse().ok())
}

/// `delay` changed by a random fraction in `[-spread, +spread]`.
pub fn jitter(delay: Duration, spread: f64) -> Duration {
    let factor = 1.0 + spread * (rand::random::<f64>() * 2.0 - 1.0);
    delay.mul_f64(factor.max(0.0))
}
