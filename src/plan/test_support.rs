//! Builders shared by the planner's tests.

use std::time::Duration;

use jiff::Timestamp;

use crate::domain::{
    DesiredCapacity, LiveRegion, LiveService, Location, ProvisioningState, RegionUnits,
    RegionZones, Sku,
};

use super::{Change, Plan, Step, StepsPlan, Target};

pub const MINUTE: Duration = Duration::from_secs(60);

pub fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("valid timestamp")
}

pub fn loc(name: &str) -> Location {
    Location::new(name)
}

pub fn regions(list: &[(&str, u32)]) -> Vec<RegionUnits> {
    list.iter()
        .map(|(name, units)| RegionUnits {
            location: loc(name),
            units: *units,
        })
        .collect()
}

/// A live service; the first region is the primary, `zones` gives the zone count per region.
pub fn live_zoned(sku: Sku, list: &[(&str, u32, usize)]) -> LiveService {
    LiveService {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim"
            .to_string(),
        sku,
        regions: list
            .iter()
            .enumerate()
            .map(|(i, (name, units, zones))| LiveRegion {
                location: loc(name),
                units: *units,
                primary: i == 0,
                zones: (1..=*zones).map(|z| z.to_string()).collect(),
            })
            .collect(),
        provisioning_state: ProvisioningState::Succeeded,
        target_provisioning_state: None,
        zone_redundant: None,
    }
}

/// A live service without zones; the first region is the primary.
pub fn live(sku: Sku, list: &[(&str, u32)]) -> LiveService {
    let zoned: Vec<(&str, u32, usize)> = list.iter().map(|(n, u)| (*n, *u, 0)).collect();
    live_zoned(sku, &zoned)
}

pub fn desired(sku: Sku, list: &[(&str, u32)]) -> DesiredCapacity {
    DesiredCapacity::units(sku, regions(list))
}

fn zone_list(list: &[(&str, &[&str])]) -> Vec<RegionZones> {
    list.iter()
        .map(|(name, zones)| RegionZones {
            location: loc(name),
            zones: zones.iter().map(|z| z.to_string()).collect(),
        })
        .collect()
}

/// A wish that also sets the zones of some regions.
pub fn desired_zoned(sku: Sku, list: &[(&str, u32)], zones: &[(&str, &[&str])]) -> DesiredCapacity {
    DesiredCapacity {
        zones: zone_list(zones),
        ..desired(sku, list)
    }
}

pub fn target(sku: Sku, primary_units: u32, additional: &[(&str, u32)]) -> Target {
    Target {
        sku,
        primary_units,
        additional: regions(additional),
        zones: Vec::new(),
    }
}

/// A target with pinned zones (primary first, then in the order of the additional regions).
pub fn zoned(target: Target, zones: &[(&str, &[&str])]) -> Target {
    Target {
        zones: zone_list(zones),
        ..target
    }
}

pub fn zones(name: &str, from: &[&str], to: &[&str]) -> Change {
    Change::ChangeZones {
        location: loc(name),
        from: from.iter().map(|z| z.to_string()).collect(),
        to: to.iter().map(|z| z.to_string()).collect(),
    }
}

pub fn step(changes: Vec<Change>, target: Target) -> Step {
    Step { changes, target }
}

pub fn tier(from: Sku, to: Sku) -> Change {
    Change::ChangeTier { from, to }
}

pub fn scale(name: &str, from: u32, to: u32) -> Change {
    Change::Scale {
        location: loc(name),
        from,
        to,
    }
}

pub fn add(name: &str, units: u32) -> Change {
    Change::AddRegion {
        location: loc(name),
        units,
    }
}

pub fn remove(name: &str, units: u32) -> Change {
    Change::RemoveRegion {
        location: loc(name),
        units,
    }
}

/// Steps expected to take the default 30 minutes each.
pub fn steps(steps: Vec<Step>) -> Plan {
    let total = MINUTE * 30 * steps.len() as u32;
    Plan::Steps(StepsPlan {
        steps,
        expected_completion: now().checked_add(total).expect("in range"),
    })
}
