//! What the preflight reads remember, per service: the unit limits Azure reports (`/skus`,
//! kept for a day) and the prefixes of the subnets its regions are injected into (kept for
//! an hour, an unreadable subnet too, so its warning is not repeated every reconcile).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{AzureLimits, SubnetPrefix};

/// How long Azure's unit limits of a service are kept.
pub const SKUS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a subnet's prefix (or the fact that it cannot be read) is kept.
pub const SUBNET_TTL: Duration = Duration::from_secs(3600);

/// A subnet as remembered.
#[derive(Debug, Clone)]
pub enum Remembered {
    Prefix(SubnetPrefix),
    /// A terminal failure (403, 404, a malformed id): `(message, forbidden)`.
    Unreadable(String, bool),
}

/// What the preflight reads remember, per service (the key of [`crate::domain::ServiceRef::key`]).
#[derive(Default)]
pub struct ReadCache {
    skus: Mutex<HashMap<String, (Instant, AzureLimits)>>,
    subnets: Mutex<HashMap<(String, String), (Instant, Remembered)>>,
}

impl ReadCache {
    pub fn skus(&self, service: &str) -> Option<AzureLimits> {
        let cache = self.skus.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(service)
            .filter(|(at, _)| at.elapsed() < SKUS_TTL)
            .map(|(_, limits)| limits.clone())
    }

    pub fn subnet(&self, service: &str, id: &str) -> Option<Remembered> {
        let cache = self.subnets.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&(service.to_string(), id.to_ascii_lowercase()))
            .filter(|(at, _)| at.elapsed() < SUBNET_TTL)
            .map(|(_, remembered)| remembered.clone())
    }

    /// Drops expired entries and those of services not in `managed`.
    pub fn prune(&self, managed: &HashSet<String>) {
        let mut skus = self.skus.lock().unwrap_or_else(|e| e.into_inner());
        skus.retain(|service, (at, _)| managed.contains(service) && at.elapsed() < SKUS_TTL);
        drop(skus);
        let mut subnets = self.subnets.lock().unwrap_or_else(|e| e.into_inner());
        subnets
            .retain(|(service, _), (at, _)| managed.contains(service) && at.elapsed() < SUBNET_TTL);
    }

    /// Remembers Azure's unit limits of `service` from now.
    pub fn remember_skus(&self, service: String, limits: AzureLimits) {
        let mut cache = self.skus.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(service, (Instant::now(), limits));
    }

    /// Remembers what a read of subnet `id` of `service` found, from now.
    pub fn remember_subnet(&self, service: &str, id: &str, remembered: Remembered) {
        let mut cache = self.subnets.lock().unwrap_or_else(|e| e.into_inner());
        let key = (service.to_string(), id.to_ascii_lowercase());
        cache.insert(key, (Instant::now(), remembered));
    }
}
