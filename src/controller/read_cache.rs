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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sku;

    #[test]
    fn answers_are_remembered_per_service_and_dropped_with_the_service() {
        let cache = ReadCache::default();
        let mut limits = AzureLimits::default();
        assert!(limits.insert(Sku::Premium, 40));
        cache.remember_skus("a".into(), limits.clone());
        let prefix: SubnetPrefix = "10.0.1.0/27".parse().expect("a prefix");
        cache.remember_subnet("a", "/Subs/X/Subnets/APIM", Remembered::Prefix(prefix));
        cache.remember_subnet("b", "/subs/y", Remembered::Unreadable("403".into(), true));

        assert_eq!(cache.skus("a"), Some(limits));
        assert_eq!(cache.skus("b"), None);
        // Subnet ids compare case-insensitively, per service.
        assert!(
            matches!(cache.subnet("a", "/subs/x/subnets/apim"), Some(Remembered::Prefix(p)) if p == prefix)
        );
        assert!(cache.subnet("b", "/subs/x/subnets/apim").is_none());
        assert!(matches!(
            cache.subnet("b", "/subs/y"),
            Some(Remembered::Unreadable(_, true))
        ));

        cache.prune(&HashSet::from(["b".to_string()]));
        assert_eq!(cache.skus("a"), None);
        assert!(cache.subnet("a", "/subs/x/subnets/apim").is_none());
        assert!(cache.subnet("b", "/subs/y").is_some());
    }

    #[test]
    fn limits_are_kept_a_day_and_subnets_an_hour() {
        assert_eq!(SKUS_TTL, Duration::from_secs(86_400));
        assert_eq!(SUBNET_TTL, Duration::from_secs(3_600));
    }
}
