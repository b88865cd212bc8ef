//! The simulator's world: subscriptions, resource groups, services, operations, and the
//! bookkeeping of auth, throttling, faults and the request log. One mutex guards it all;
//! no lock is held across an await.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::AuthState;
use crate::config::{ErrorSpec, SimConfig};
use crate::error::SimError;
use crate::faults::Faults;
use crate::insights::AutoscaleSetting;
use crate::load::{Clock, ServiceLoad};
use crate::location::Location;
use crate::locks::Lock;
use crate::log::RequestLog;
use crate::metrics::MetricValues;
use crate::resource;
use crate::subnet::Subnet;
use crate::throttle::Throttle;

/// A service's identity, compared case-insensitively as Azure does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceKey {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl ServiceKey {
    pub fn new(subscription: &str, resource_group: &str, name: &str) -> Self {
        ServiceKey {
            subscription: subscription.to_lowercase(),
            resource_group: resource_group.to_lowercase(),
            name: name.to_lowercase(),
        }
    }
}

/// What an operation changes; each kind has its own nominal duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OpKind {
    Create,
    Scale,
    TierChange,
    Regions,
    /// Only availability zones change.
    Zones,
    Update,
    /// Started behind the operator's back (admin `busy`).
    Foreign,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OpStatus {
    InProgress,
    Succeeded,
    Failed,
    Canceled,
}

impl OpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::InProgress => "InProgress",
            OpStatus::Succeeded => "Succeeded",
            OpStatus::Failed => "Failed",
            OpStatus::Canceled => "Canceled",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub key: ServiceKey,
    /// The subscription as the client spelled it, and the primary region (for URLs).
    pub subscription: String,
    pub location: Location,
    pub kind: OpKind,
    pub started: Instant,
    pub started_at: jiff::Timestamp,
    pub finishes: Instant,
    pub ended_at: Option<jiff::Timestamp>,
    /// The resource once the change is applied.
    pub target: Value,
    /// When set, the operation fails with this error at its end.
    pub fault: Option<ErrorSpec>,
    /// Succeeds without changing the service (something put it back: a policy, a writer).
    pub hollow: bool,
    pub status: OpStatus,
}

impl Operation {
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "service": self.key.name,
            "kind": self.kind,
            "status": self.status.as_str(),
            "startTime": self.started_at.to_string(),
            "endTime": self.ended_at.map(|t| t.to_string()),
            "remainingSeconds": self.finishes.saturating_duration_since(Instant::now()).as_secs_f64(),
        })
    }
}

/// One API Management service.
#[derive(Debug, Clone)]
pub struct Service {
    pub resource_group: String,
    pub name: String,
    /// The resource when idle (the last completed state).
    pub body: Value,
    /// Version counter behind the etag; bumped on every mutation.
    pub etag_seq: u64,
    /// The running operation, if any.
    pub operation: Option<String>,
    /// The next operation on this service fails with this error.
    pub fail_next: Option<ErrorSpec>,
    /// The next this many operations on this service succeed without changing it.
    pub hold_next: u32,
    pub metrics: MetricValues,
    /// Load per region, from which metrics are computed (regions without load keep
    /// `metrics`).
    pub load: ServiceLoad,
    /// When the service was created; `None` for seeded ones, which have always existed.
    pub created: Option<jiff::Timestamp>,
}

pub struct SimState {
    pub config: SimConfig,
    /// Lower-case subscription ids.
    pub subscriptions: BTreeSet<String>,
    /// (subscription, resource group) lower case → resource group name as created.
    pub resource_groups: BTreeMap<(String, String), String>,
    pub services: BTreeMap<ServiceKey, Service>,
    pub operations: BTreeMap<String, Operation>,
    /// Subnets services may be injected into.
    pub subnets: Vec<Subnet>,
    /// Management locks.
    pub locks: Vec<Lock>,
    /// Azure Monitor autoscale settings, sorted by subscription, group and name.
    pub autoscale_settings: Vec<AutoscaleSetting>,
    /// The clock load curves are read at.
    pub clock: Clock,
    pub auth: AuthState,
    pub throttle: Throttle,
    pub faults: Faults,
    pub log: RequestLog,
}

impl SimState {
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let mut state = SimState {
            subscriptions: BTreeSet::new(),
            resource_groups: BTreeMap::new(),
            services: BTreeMap::new(),
            operations: BTreeMap::new(),
            subnets: Vec::new(),
            locks: Vec::new(),
            autoscale_settings: Vec::new(),
            clock: Clock::new(
                jiff::Timestamp::now(),
                config.time_scale,
                config.load_day_start,
            ),
            auth: AuthState::new(&config.seed),
            throttle: Throttle::default(),
            faults: Faults::from_config(&config.faults),
            log: RequestLog::new(config.request_log_capacity),
            config,
        };
        for group in state.config.seed.resource_groups.clone() {
            state.add_resource_group(&group.subscription, &group.name);
        }
        for subnet in state.config.seed.subnets.clone() {
            state.set_subnet(subnet).map_err(SimError::Seed)?;
        }
        for lock in state.config.seed.locks.clone() {
            crate::locks::add(&mut state.locks, lock).map_err(SimError::Seed)?;
        }
        for setting in state.config.seed.autoscale_settings.clone() {
            state.add_resource_group(&setting.subscription, &setting.resource_group);
            crate::insights::put(&mut state.autoscale_settings, setting).map_err(SimError::Seed)?;
        }
        for seed in state.config.seed.services.clone() {
            let body = resource::from_seed(&seed)?;
            state.add_resource_group(&seed.subscription, &seed.resource_group);
            let key = ServiceKey::new(&seed.subscription, &seed.resource_group, &seed.name);
            if state.services.contains_key(&key) {
                return Err(SimError::Seed(format!(
                    "service {} is seeded twice",
                    seed.name
                )));
            }
            let metrics = MetricValues::from_seed(&seed.metrics)?;
            let mut load = ServiceLoad::default();
            load.apply(
                &seed.load,
                seed.rps_per_unit,
                &crate::metrics::locations(&body),
            )
            .map_err(|e| SimError::Seed(format!("service {}: {e}", seed.name)))?;
            state.services.insert(
                key,
                Service {
                    resource_group: seed.resource_group.clone(),
                    name: seed.name.clone(),
                    body,
                    etag_seq: 1,
                    operation: None,
                    fail_next: None,
                    hold_next: 0,
                    metrics,
                    load,
                    created: None,
                },
            );
        }
        Ok(state)
    }

    pub fn add_resource_group(&mut self, subscription: &str, name: &str) {
        self.subscriptions.insert(subscription.to_lowercase());
        self.resource_groups
            .entry((subscription.to_lowercase(), name.to_lowercase()))
            .or_insert_with(|| name.to_string());
    }

    /// Adds a subnet or changes its prefix; its resource group comes into being.
    pub fn set_subnet(&mut self, subnet: Subnet) -> Result<(), String> {
        subnet.validate()?;
        if let Some((sub, rg, _, _)) = Subnet::parts(&subnet.id) {
            self.add_resource_group(&sub, &rg);
        }
        let key = Subnet::key(&subnet.id);
        self.subnets.retain(|s| Subnet::key(&s.id) != key);
        self.subnets.push(subnet);
        Ok(())
    }

    pub fn has_subscription(&self, subscription: &str) -> bool {
        self.subscriptions.contains(&subscription.to_lowercase())
    }

    pub fn has_resource_group(&self, subscription: &str, rg: &str) -> bool {
        self.resource_groups
            .contains_key(&(subscription.to_lowercase(), rg.to_lowercase()))
    }

    /// Finds a service by bare name (case-insensitive) or full resource id, for the admin
    /// endpoint. Ambiguous bare names are an error.
    pub fn find_service(&self, reference: &str) -> Result<ServiceKey, String> {
        let parts: Vec<&str> = reference.trim_matches('/').split('/').collect();
        if parts.len() >= 8 && parts[0].eq_ignore_ascii_case("subscriptions") {
            let key = ServiceKey::new(parts[1], parts[3], parts[7]);
            return if self.services.contains_key(&key) {
                Ok(key)
            } else {
                Err(format!("no service {reference}"))
            };
        }
        let matches: Vec<&ServiceKey> = self
            .services
            .keys()
            .filter(|k| k.name == reference.to_lowercase())
            .collect();
        match matches.as_slice() {
            [key] => Ok((*key).clone()),
            [] => Err(format!("no service named {reference}")),
            _ => Err(format!(
                "more than one service is named {reference}; use its resource id"
            )),
        }
    }
}
