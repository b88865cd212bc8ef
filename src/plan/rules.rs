//! The rules checked before any step is planned. Each check is a small pure function; the
//! first one that fails decides the [`Blocked`] outcome. The zone rules are in
//! `zone_rules`, the subnet's in `subnet`.

use crate::domain::{
    DesiredCapacity, Generation, LimitSource, LiveService, RegionUnits, Sku, zone_set,
};

use super::subnet::{addresses_needed, region_fits};
use super::zone_rules::{
    goal_zones, valid_zones, zone_change_consented, zone_redundancy_fixed, zones_divide_units,
};
use super::{BlockReason, Blocked, Policy, State};

fn blocked(reason: BlockReason, message: String) -> Blocked {
    Blocked { reason, message }
}

/// The live capacity as a [`State`]: the region flagged primary (Azure lists it first, so
/// the first region stands in when none is flagged) and every other region as additional.
pub(super) fn live_state(live: &LiveService) -> Result<State, Blocked> {
    let primary = live
        .primary()
        .or_else(|| live.regions.first())
        .ok_or_else(|| {
            blocked(
                BlockReason::PrimaryRegionMissing,
                format!(
                    "Azure reported no region for service {}, so its primary region is unknown.",
                    live.id
                ),
            )
        })?;
    let additional = live
        .regions
        .iter()
        .filter(|r| r.location != primary.location)
        .map(|r| RegionUnits {
            location: r.location.clone(),
            units: r.units,
        })
        .collect();
    let zones = live
        .regions
        .iter()
        .map(|r| (r.location.clone(), zone_set(&r.zones)))
        .filter(|(_, zones)| !zones.is_empty())
        .collect();
    Ok(State {
        sku: live.sku,
        primary: RegionUnits {
            location: primary.location.clone(),
            units: primary.units,
        },
        additional,
        zones,
    })
}

/// Same tier, same set of regions, same units and zones in each, and no zone redundancy
/// asked for that the service does not have.
pub(super) fn in_sync(desired: &DesiredCapacity, current: &State, live: &LiveService) -> bool {
    let live_regions: Vec<&RegionUnits> = current.regions().collect();
    let redundancy_differs = matches!(
        (desired.zone_redundant, live.zone_redundant),
        (Some(want), Some(have)) if want != have
    );
    desired.sku == current.sku
        && desired.regions.len() == live_regions.len()
        && live_regions.iter().all(|r| desired.regions.contains(r))
        && desired.regions.iter().all(|r| live_regions.contains(&r))
        && goal_zones(desired, current) == current.zones
        && !redundancy_differs
}

/// Checks every rule in order; the first failing rule wins.
pub(super) fn check(
    desired: &DesiredCapacity,
    current: &State,
    live: &LiveService,
    policy: &Policy,
) -> Result<(), Blocked> {
    manageable_tiers(desired.sku, current.sku)?;
    supported_tier_change(current.sku, desired.sku)?;
    primary_listed(desired, current)?;
    multiple_regions_need_premium(desired)?;
    valid_units(desired)?;
    within_limits(desired, policy)?;
    valid_zones(desired)?;
    zone_redundancy_fixed(desired, live)?;
    downgrade_consented(current.sku, desired.sku, policy)?;
    removal_consented(desired, current, policy)?;
    downtime_consented(current.sku, desired.sku, policy)?;
    zone_change_consented(desired, current, policy)?;
    zones_divide_units(desired, current, policy)?;
    subnet_room(desired, current, policy)
}

fn is_unmanageable(sku: Sku) -> bool {
    sku.generation() == Generation::Fixed
}

fn unmanageable_message(sku: Sku, side: &str) -> String {
    match sku {
        Sku::Consumption => format!(
            "The {side} tier is Consumption, which is serverless and has no units: Consumption \
             cannot be scaled or changed to or from another tier."
        ),
        _ => format!(
            "The {side} tier is {sku}, which this operator does not manage: {sku} services \
             cannot be scaled or changed to or from another tier here."
        ),
    }
}

fn manageable_tiers(desired: Sku, live: Sku) -> Result<(), Blocked> {
    if is_unmanageable(live) {
        return Err(blocked(
            BlockReason::UnmanageableTier,
            unmanageable_message(live, "service's"),
        ));
    }
    if is_unmanageable(desired) {
        return Err(blocked(
            BlockReason::UnmanageableTier,
            unmanageable_message(desired, "desired"),
        ));
    }
    Ok(())
}

fn generation_name(sku: Sku) -> &'static str {
    match sku.generation() {
        Generation::Classic => "classic",
        Generation::V2 => "v2",
        Generation::Fixed => "fixed",
    }
}

fn supported_tier_change(live: Sku, desired: Sku) -> Result<(), Blocked> {
    if live.can_change_to(desired) {
        return Ok(());
    }
    Err(blocked(
        BlockReason::UnsupportedTierChange,
        format!(
            "Azure cannot move a service from {live} ({}) to {desired} ({}): classic and v2 \
             tiers do not mix; choose a {} tier or create a new service.",
            generation_name(live),
            generation_name(desired),
            generation_name(live),
        ),
    ))
}

fn primary_listed(desired: &DesiredCapacity, current: &State) -> Result<(), Blocked> {
    let primary = &current.primary.location;
    if desired.units_in(primary).is_some() {
        return Ok(());
    }
    Err(blocked(
        BlockReason::PrimaryRegionMissing,
        format!(
            "The service's primary region {primary} is not listed in spec.regions; the primary \
             region cannot be removed or moved, so list it with its units (it has {} now).",
            current.primary.units
        ),
    ))
}

fn multiple_regions_need_premium(desired: &DesiredCapacity) -> Result<(), Blocked> {
    if desired.regions.len() <= 1 || desired.sku.supports_multiple_regions() {
        return Ok(());
    }
    let names: Vec<&str> = desired
        .regions
        .iter()
        .map(|r| r.location.as_str())
        .collect();
    Err(blocked(
        BlockReason::MultipleRegionsNeedPremium,
        format!(
            "{} regions are listed ({}) but only the Premium tier runs in more than one region, \
             and the desired tier is {}.",
            names.len(),
            names.join(", "),
            desired.sku
        ),
    ))
}

fn valid_units(desired: &DesiredCapacity) -> Result<(), Blocked> {
    for (index, region) in desired.regions.iter().enumerate() {
        if let Some(twice) = desired.regions[..index]
            .iter()
            .find(|r| r.location == region.location)
        {
            return Err(blocked(
                BlockReason::InvalidUnits,
                format!(
                    "{} is listed twice (with {} and {} units); list each region once.",
                    region.location, twice.units, region.units
                ),
            ));
        }
        if region.units == 0 {
            return Err(blocked(
                BlockReason::InvalidUnits,
                format!(
                    "{} asks for 0 units; every region needs at least 1 unit.",
                    region.location
                ),
            ));
        }
        if desired.sku == Sku::Developer && region.units != 1 {
            return Err(blocked(
                BlockReason::InvalidUnits,
                format!(
                    "The Developer tier has exactly 1 unit, but {} asks for {}.",
                    region.location, region.units
                ),
            ));
        }
    }
    Ok(())
}

fn within_limits(desired: &DesiredCapacity, policy: &Policy) -> Result<(), Blocked> {
    let sku = desired.sku;
    let limit = policy.limits.max_units(sku);
    let Some(region) = desired.regions.iter().find(|r| r.units > limit) else {
        return Ok(());
    };
    let (location, units) = (&region.location, region.units);
    let message = match policy.limits.source(sku) {
        LimitSource::BuiltIn => format!(
            "{location} asks for {units} units but {sku} allows at most {limit} units per \
             region; if Azure support raised your limit, raise it in the operator \
             configuration (unit limit overrides, e.g. {sku}={units})."
        ),
        LimitSource::Azure => format!(
            "{location} asks for {units} units but Azure reports at most {limit} units per \
             region of {sku} for this service; if Azure support raised your limit, raise it in \
             the operator configuration (unit limit overrides, e.g. {sku}={units})."
        ),
        LimitSource::Override => format!(
            "{location} asks for {units} units but the operator configuration allows at most \
             {limit} units per region of {sku} (unit limit overrides); raise the override if \
             Azure support raised your limit."
        ),
    };
    Err(blocked(BlockReason::UnitLimitExceeded, message))
}

fn downgrade_consented(live: Sku, desired: Sku, policy: &Policy) -> Result<(), Blocked> {
    if desired.rank() >= live.rank() || policy.allow_tier_downgrade {
        return Ok(());
    }
    Err(blocked(
        BlockReason::TierDowngradeNotAllowed,
        format!(
            "Changing the tier from {live} to {desired} is a downgrade; set \
             spec.changePolicy.allowTierDowngrade to true to allow it."
        ),
    ))
}

fn removal_consented(
    desired: &DesiredCapacity,
    current: &State,
    policy: &Policy,
) -> Result<(), Blocked> {
    if policy.allow_region_removal {
        return Ok(());
    }
    let removed: Vec<String> = current
        .additional
        .iter()
        .filter(|r| desired.units_in(&r.location).is_none())
        .map(|r| {
            let noun = if r.units == 1 { "unit" } else { "units" };
            format!("{} ({} {noun})", r.location, r.units)
        })
        .collect();
    if removed.is_empty() {
        return Ok(());
    }
    let (noun, verb) = if removed.len() == 1 {
        ("Region", "is")
    } else {
        ("Regions", "are")
    };
    Err(blocked(
        BlockReason::RegionRemovalNotAllowed,
        format!(
            "{noun} {} {verb} no longer listed and would be removed; set \
             spec.changePolicy.allowRegionRemoval to true to allow it.",
            removed.join(", ")
        ),
    ))
}

fn downtime_consented(live: Sku, desired: Sku, policy: &Policy) -> Result<(), Blocked> {
    let developer = live == Sku::Developer || desired == Sku::Developer;
    if live == desired || !developer || policy.allow_downtime {
        return Ok(());
    }
    Err(blocked(
        BlockReason::DowntimeNotAllowed,
        format!(
            "Changing the tier from {live} to {desired} takes the service down: Azure does not \
             serve requests during a tier change to or from Developer, which takes 15 to 45 \
             minutes or more; set spec.changePolicy.allowDowntime to true to allow it."
        ),
    ))
}

/// A scale-up (or a tier change that takes more addresses per unit) must fit in the subnet
/// of a VNet-injected region whose prefix is known.
fn subnet_room(desired: &DesiredCapacity, current: &State, policy: &Policy) -> Result<(), Blocked> {
    for region in &desired.regions {
        let Some(facts) = policy.subnets.get(&region.location) else {
            continue;
        };
        let Some(wanted) = addresses_needed(desired.sku, facts.vnet, region.units) else {
            continue;
        };
        let now = current
            .units_of(&region.location)
            .and_then(|units| addresses_needed(current.sku, facts.vnet, units))
            .unwrap_or(0);
        if wanted > now {
            region_fits(&region.location, facts, desired.sku, region.units)?;
        }
    }
    Ok(())
}
