//! What the last listing of each subscription said about its services, kept for twice the
//! resync interval, so the reconcile of an in-sync resource can take its service from it
//! instead of a GET. A service's entry is dropped right before the operator sends it a
//! PATCH: after a write only a fresh read may answer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{LiveService, Location, ServiceRef, Sku};

/// The last listing of each subscription (by lower-case subscription id).
pub struct ListingCache {
    ttl: Duration,
    subscriptions: Mutex<HashMap<String, Listed>>,
}

struct Listed {
    at: Instant,
    services: HashMap<String, LiveService>,
}

impl ListingCache {
    /// A cache whose listings answer for `ttl` (twice the resync interval).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            subscriptions: Mutex::new(HashMap::new()),
        }
    }

    /// How long a listing answers.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Keeps what the listing of `subscription` found, from now (replacing the last one).
    pub fn remember(&self, subscription: &str, services: HashMap<String, LiveService>) {
        let mut cache = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        let listed = Listed {
            at: Instant::now(),
            services,
        };
        cache.insert(subscription.to_ascii_lowercase(), listed);
    }

    /// Drops the listing of `subscription` (its listing failed: each service is read on
    /// its own until a listing succeeds again).
    pub fn forget_subscription(&self, subscription: &str) {
        let mut cache = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        cache.remove(&subscription.to_ascii_lowercase());
    }

    /// Keeps only the listings of `subscriptions` (lower case).
    pub fn retain(&self, subscriptions: &HashSet<String>) {
        let mut cache = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|sub, _| subscriptions.contains(sub));
    }

    /// The service as a fresh listing reported it; `None` when no fresh listing has it.
    pub fn answer(&self, service: &ServiceRef) -> Option<LiveService> {
        let cache = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&service.subscription_id.to_ascii_lowercase())
            .filter(|listed| listed.at.elapsed() < self.ttl)
            .and_then(|listed| listed.services.get(&service.key()))
            .cloned()
    }

    /// Drops the entry of `service`, right before a PATCH of it.
    pub fn forget(&self, service: &ServiceRef) {
        let mut cache = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(listed) = cache.get_mut(&service.subscription_id.to_ascii_lowercase()) {
            listed.services.remove(&service.key());
        }
    }
}

/// The capacity of a service: its tier and the units of each region.
pub type Capacity = (Sku, BTreeMap<Location, u32>);

/// The capacity of `service`.
pub fn capacity(service: &LiveService) -> Capacity {
    let regions = service
        .regions
        .iter()
        .map(|r| (r.location.clone(), r.units))
        .collect();
    (service.sku, regions)
}

/// Whether the listed service differs from the capacity wanted (tier, regions, units), or
/// is missing from the listing, or Azure runs an operation on it.
pub fn differs(listed: Option<&LiveService>, wanted: &Capacity) -> bool {
    match listed {
        None => true,
        Some(listed) => listed.is_busy() || &capacity(listed) != wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LiveRegion, ProvisioningState};

    fn service(name: &str, units: &[(&str, u32)]) -> (ServiceRef, LiveService) {
        let service = ServiceRef::new("SUB-1", "rg", name);
        let regions = units
            .iter()
            .enumerate()
            .map(|(i, (location, units))| LiveRegion {
                location: Location::new(location),
                units: *units,
                primary: i == 0,
                zones: Vec::new(),
            })
            .collect();
        let live = LiveService {
            id: service.resource_id(),
            sku: Sku::Premium,
            regions,
            provisioning_state: ProvisioningState::Succeeded,
            target_provisioning_state: None,
            zone_redundant: None,
        };
        (service, live)
    }

    #[test]
    fn a_listing_answers_per_service_until_a_patch_or_its_time_is_up() {
        let cache = ListingCache::new(Duration::from_secs(60));
        let (a, live_a) = service("A", &[("westeurope", 2)]);
        let (b, live_b) = service("b", &[("westeurope", 1)]);
        let services = HashMap::from([(a.key(), live_a.clone()), (b.key(), live_b.clone())]);
        cache.remember("sub-1", services);
        assert_eq!(cache.answer(&a), Some(live_a));
        assert_eq!(cache.answer(&b), Some(live_b));
        cache.forget(&a);
        assert_eq!(cache.answer(&a), None, "no listed answer after a PATCH");
        assert!(cache.answer(&b).is_some());
        cache.forget_subscription("SUB-1");
        assert_eq!(cache.answer(&b), None);

        let stale = ListingCache::new(Duration::ZERO);
        let (c, live_c) = service("c", &[("westeurope", 1)]);
        stale.remember("sub-1", HashMap::from([(c.key(), live_c)]));
        assert_eq!(
            stale.answer(&c),
            None,
            "a listing past its time answers nothing"
        );
    }

    #[test]
    fn retain_keeps_only_the_subscriptions_still_watched() {
        let cache = ListingCache::new(Duration::from_secs(60));
        let (a, live_a) = service("a", &[("westeurope", 2)]);
        cache.remember("sub-1", HashMap::from([(a.key(), live_a)]));
        cache.retain(&HashSet::from(["sub-2".to_string()]));
        assert_eq!(cache.answer(&a), None);
    }

    #[test]
    fn differs_compares_tier_and_units_per_region() {
        let (_, live) = service("a", &[("westeurope", 2), ("eastus", 1)]);
        let wanted = capacity(&live);
        assert!(!differs(Some(&live), &wanted));
        assert!(differs(None, &wanted), "missing from the listing");

        let (_, more) = service("a", &[("westeurope", 3), ("eastus", 1)]);
        assert!(differs(Some(&more), &wanted));
        let (_, fewer_regions) = service("a", &[("westeurope", 2)]);
        assert!(differs(Some(&fewer_regions), &wanted));
        let mut tier = live.clone();
        tier.sku = Sku::Standard;
        assert!(differs(Some(&tier), &wanted));
        let mut busy = live.clone();
        busy.provisioning_state = ProvisioningState::Updating;
        assert!(differs(Some(&busy), &wanted));
        // Region order and display names do not matter.
        let (_, reordered) = service("a", &[("East US", 1), ("West Europe", 2)]);
        assert!(!differs(Some(&reordered), &wanted));
    }
}
