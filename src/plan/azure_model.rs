//! A small model of Azure's capacity rules and of the planner's rules, written
//! independently of the planner, for the property tests.

use crate::domain::{
    DesiredCapacity, Generation, LiveRegion, LiveService, Location, RegionUnits, Sku, UnitLimits,
};

use super::{BlockReason, Change, Policy};

/// Azure's rules for a capacity, written independently of the planner.
pub fn valid_state(
    sku: Sku,
    primary_units: u32,
    additional: &[RegionUnits],
    limits: &UnitLimits,
) -> Result<(), String> {
    if matches!(sku, Sku::Consumption | Sku::Isolated) {
        return Err(format!("the operator never moves a service to {sku}"));
    }
    if !additional.is_empty() && sku != Sku::Premium {
        return Err(format!("{sku} with additional regions"));
    }
    if sku == Sku::Developer && primary_units != 1 {
        return Err(format!("Developer with {primary_units} units"));
    }
    let max = limits.max_units(sku);
    for units in std::iter::once(primary_units).chain(additional.iter().map(|r| r.units)) {
        if units == 0 || units > max {
            return Err(format!("{units} units on {sku} (limit {max})"));
        }
    }
    for (i, region) in additional.iter().enumerate() {
        if additional[..i]
            .iter()
            .any(|r| r.location == region.location)
        {
            return Err(format!("{} listed twice", region.location));
        }
    }
    Ok(())
}

/// The model's view of a capacity: tier, primary units, additional regions.
pub type Model = (Sku, u32, Vec<RegionUnits>);

pub fn units_in(regions: &[RegionUnits], location: &Location) -> Option<u32> {
    regions
        .iter()
        .find(|r| &r.location == location)
        .map(|r| r.units)
}

/// The changes between two capacities, in a canonical order, computed independently.
pub fn changes_between(primary: &Location, from: &Model, to: &Model) -> Vec<String> {
    let mut changes = Vec::new();
    if from.0 != to.0 {
        changes.push(format!("tier {} {}", from.0, to.0));
    }
    if from.1 != to.1 {
        changes.push(format!("scale {primary} {} {}", from.1, to.1));
    }
    for r in &from.2 {
        match units_in(&to.2, &r.location) {
            None => changes.push(format!("remove {} {}", r.location, r.units)),
            Some(u) if u != r.units => {
                changes.push(format!("scale {} {} {}", r.location, r.units, u))
            }
            Some(_) => {}
        }
    }
    for r in &to.2 {
        if units_in(&from.2, &r.location).is_none() {
            changes.push(format!("add {} {}", r.location, r.units));
        }
    }
    changes.sort();
    changes
}

pub fn canonical(changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::ChangeTier { from, to } => format!("tier {from} {to}"),
            Change::Scale { location, from, to } => format!("scale {location} {from} {to}"),
            Change::AddRegion { location, units } => format!("add {location} {units}"),
            Change::RemoveRegion { location, units } => format!("remove {location} {units}"),
        })
        .collect();
    out.sort();
    out
}

pub fn primary_of(live: &LiveService) -> &LiveRegion {
    live.primary().expect("generated services have a primary")
}

pub fn live_model(live: &LiveService) -> Model {
    let primary = primary_of(live);
    let additional = live
        .regions
        .iter()
        .filter(|r| !r.primary)
        .map(|r| RegionUnits {
            location: r.location.clone(),
            units: r.units,
        })
        .collect();
    (live.sku, primary.units, additional)
}

pub fn same_capacity(desired: &DesiredCapacity, live: &LiveService) -> bool {
    desired.sku == live.sku
        && desired.regions.len() == live.regions.len()
        && live
            .regions
            .iter()
            .all(|r| desired.units_in(&r.location) == Some(r.units))
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
    let uneven = desired.regions.iter().any(|r| {
        live.region(&r.location)
            .is_some_and(|l| !l.zones.is_empty() && r.units % l.zones.len() as u32 != 0)
    });
    if policy.zones_must_divide_units && desired.sku == Sku::Premium && uneven {
        rules.push(BlockReason::ZonesDoNotDivideUnits);
    }
    rules
}
