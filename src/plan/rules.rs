//! The rules checked before any step is planned. Each check is a small pure function; the
//! first one that fails decides the [`Blocked`] outcome.

use crate::domain::{DesiredCapacity, Generation, LiveService, RegionUnits, Sku};

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
    Ok(State {
        sku: live.sku,
        primary: RegionUnits {
            location: primary.location.clone(),
            units: primary.units,
        },
        additional,
    })
}

/// Same tier, same set of regions, same units in each.
pub(super) fn in_sync(desired: &DesiredCapacity, current: &State) -> bool {
    let live_regions: Vec<&RegionUnits> = std::iter::once(&current.primary)
        .chain(current.additional.iter())
        .collect();
    desired.sku == current.sku
        && desired.regions.len() == live_regions.len()
        && live_regions.iter().all(|r| desired.regions.contains(r))
        && desired.regions.iter().all(|r| live_regions.contains(&r))
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
    downgrade_consented(current.sku, desired.sku, policy)?;
    removal_consented(desired, current, policy)?;
    zones_divide_units(desired, live, policy)
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
    let limit = policy.limits.max_units(desired.sku);
    match desired.regions.iter().find(|r| r.units > limit) {
        None => Ok(()),
        Some(region) => Err(blocked(
            BlockReason::UnitLimitExceeded,
            format!(
                "{} asks for {} units but {} allows at most {limit} units per region; if Azure \
                 support raised your limit, raise it in the operator configuration \
                 (unit limit overrides, e.g. {}={}).",
                region.location, region.units, desired.sku, desired.sku, region.units
            ),
        )),
    }
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

fn zones_divide_units(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
) -> Result<(), Blocked> {
    if !policy.zones_must_divide_units || desired.sku != Sku::Premium {
        return Ok(());
    }
    for region in &desired.regions {
        let zones = live
            .region(&region.location)
            .map_or(0, |r| r.zones.len() as u32);
        if zones > 0 && region.units % zones != 0 {
            return Err(blocked(
                BlockReason::ZonesDoNotDivideUnits,
                format!(
                    "{} is pinned to {zones} availability zones, so its units must be a multiple \
                     of {zones}, but {} are asked for.",
                    region.location, region.units
                ),
            ));
        }
    }
    Ok(())
}
