//! The planner's rules (what blocks a wish, when it is already met), modelled independently
//! of the planner for the property tests.

use std::collections::BTreeMap;

use crate::domain::{DesiredCapacity, Generation, LiveService, Location, Sku, VnetType};

use super::azure_model::{as_set, live_model, primary_of};
use super::{BlockReason, Policy};

/// The zones each desired region should end with: none off Premium; on Premium the zones the
/// wish sets, else the live ones.
pub fn wished_zones(
    desired: &DesiredCapacity,
    live: &LiveService,
) -> BTreeMap<Location, Vec<String>> {
    let mut zones = BTreeMap::new();
    if desired.sku != Sku::Premium {
        return zones;
    }
    for region in &desired.regions {
        let set = match desired.zones.iter().find(|z| z.location == region.location) {
            Some(entry) => as_set(&entry.zones),
            None => live
                .region(&region.location)
                .map(|l| as_set(&l.zones))
                .unwrap_or_default(),
        };
        if !set.is_empty() {
            zones.insert(region.location.clone(), set);
        }
    }
    zones
}

pub fn same_capacity(desired: &DesiredCapacity, live: &LiveService) -> bool {
    let live_zones = live_model(live).zones;
    let redundancy_differs = matches!(
        (desired.zone_redundant, live.zone_redundant),
        (Some(a), Some(b)) if a != b
    );
    desired.sku == live.sku
        && desired.regions.len() == live.regions.len()
        && live
            .regions
            .iter()
            .all(|r| desired.units_in(&r.location) == Some(r.units))
        && wished_zones(desired, live) == live_zones
        && !redundancy_differs
}

/// Addresses a region takes in its subnet, for the tiers that take any.
fn addresses(sku: Sku, units: u32, internal: bool) -> Option<u64> {
    let each = match sku {
        Sku::Developer => 1,
        Sku::Basic | Sku::Standard | Sku::Premium | Sku::PremiumV2 => 2,
        _ => return None,
    };
    Some(each * u64::from(units) + u64::from(internal))
}

/// Every rule the wish breaks, in the order the planner checks them.
pub fn violated(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
) -> Vec<BlockReason> {
    let mut rules = Vec::new();
    let fixed = |s: Sku| s.generation() == Generation::Fixed;
    if fixed(live.sku) || fixed(desired.sku) {
        rules.push(BlockReason::UnmanageableTier);
    }
    if live.sku != desired.sku && live.sku.generation() != desired.sku.generation() {
        rules.push(BlockReason::UnsupportedTierChange);
    }
    let primary = primary_of(live);
    if desired.units_in(&primary.location).is_none() {
        rules.push(BlockReason::PrimaryRegionMissing);
    }
    if desired.regions.len() > 1 && desired.sku != Sku::Premium {
        rules.push(BlockReason::MultipleRegionsNeedPremium);
    }
    let twice = desired.regions.iter().enumerate().any(|(i, r)| {
        desired.regions[..i]
            .iter()
            .any(|o| o.location == r.location)
    });
    let bad_units = desired
        .regions
        .iter()
        .any(|r| r.units == 0 || (desired.sku == Sku::Developer && r.units != 1));
    if twice || bad_units {
        rules.push(BlockReason::InvalidUnits);
    }
    let max = policy.limits.max_units(desired.sku);
    if desired.regions.iter().any(|r| r.units > max) {
        rules.push(BlockReason::UnitLimitExceeded);
    }
    let bad_zones = desired.zones.iter().any(|entry| {
        let names_ok = entry
            .zones
            .iter()
            .all(|z| ["1", "2", "3"].contains(&z.trim()));
        names_ok.then(|| as_set(&entry.zones).len() == entry.zones.len()) != Some(true)
            || (!entry.zones.is_empty() && desired.sku != Sku::Premium)
    });
    let bad_redundancy = desired.zone_redundant == Some(true)
        && !matches!(desired.sku, Sku::StandardV2 | Sku::PremiumV2);
    if bad_zones || bad_redundancy {
        rules.push(BlockReason::InvalidZones);
    }
    if matches!((desired.zone_redundant, live.zone_redundant), (Some(a), Some(b)) if a != b) {
        rules.push(BlockReason::ZoneRedundancyImmutable);
    }
    if desired.sku.rank() < live.sku.rank() && !policy.allow_tier_downgrade {
        rules.push(BlockReason::TierDowngradeNotAllowed);
    }
    let removes = live
        .regions
        .iter()
        .any(|r| !r.primary && desired.units_in(&r.location).is_none());
    if removes && !policy.allow_region_removal {
        rules.push(BlockReason::RegionRemovalNotAllowed);
    }
    let developer = live.sku == Sku::Developer || desired.sku == Sku::Developer;
    if live.sku != desired.sku && developer && !policy.allow_downtime {
        rules.push(BlockReason::DowntimeNotAllowed);
    }
    let wished = wished_zones(desired, live);
    let none = Vec::new();
    let zones_move = live.regions.iter().any(|r| {
        desired.units_in(&r.location).is_some()
            && as_set(&r.zones) != *wished.get(&r.location).unwrap_or(&none)
    });
    if zones_move && !policy.allow_zone_change {
        rules.push(BlockReason::ZoneChangeNotAllowed);
    }
    let uneven = desired.regions.iter().any(|r| {
        wished
            .get(&r.location)
            .is_some_and(|z| r.units % z.len() as u32 != 0)
    });
    if policy.zones_must_divide_units && desired.sku == Sku::Premium && uneven {
        rules.push(BlockReason::ZonesDoNotDivideUnits);
    }
    let too_small = desired.regions.iter().any(|r| {
        let Some(facts) = policy.subnets.get(&r.location) else {
            return false;
        };
        if facts.vnet == VnetType::None {
            return false;
        }
        let internal = facts.vnet == VnetType::Internal;
        let room = 2u64
            .pow(32 - u32::from(facts.prefix.length))
            .saturating_sub(5);
        let now = live
            .region(&r.location)
            .and_then(|l| addresses(live.sku, l.units, internal))
            .unwrap_or(0);
        addresses(desired.sku, r.units, internal).is_some_and(|need| need > room && need > now)
    });
    if too_small {
        rules.push(BlockReason::SubnetTooSmall);
    }
    rules
}
