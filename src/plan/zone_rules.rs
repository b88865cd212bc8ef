//! The rules about availability zones. Only classic Premium pins regions to zones, per
//! region, and the zones can change later, but Azure then gives the service new public and
//! private IP addresses; with pinned zones the units must divide evenly across them. The v2
//! tiers' `zoneRedundant` is fixed when the service is created.

use std::collections::BTreeMap;

use crate::domain::{DesiredCapacity, LiveService, Location, Sku, zone_set};

use super::{BlockReason, Blocked, Policy, State};

/// The names Azure gives availability zones.
pub const ZONE_NAMES: [&str; 3] = ["1", "2", "3"];

fn blocked(reason: BlockReason, message: String) -> Blocked {
    Blocked { reason, message }
}

/// The zones every desired region ends with: on Premium, the zones the user sets or else the
/// ones it has now; on other tiers none (zones exist only on Premium).
pub(super) fn goal_zones(
    desired: &DesiredCapacity,
    current: &State,
) -> BTreeMap<Location, Vec<String>> {
    if !desired.sku.supports_pinned_zones() {
        return BTreeMap::new();
    }
    desired
        .regions
        .iter()
        .filter_map(|r| {
            let zones = match desired.zones_in(&r.location) {
                Some(zones) => zone_set(zones),
                None => current.zones_of(&r.location).to_vec(),
            };
            (!zones.is_empty()).then(|| (r.location.clone(), zones))
        })
        .collect()
}

/// "1, 2", or "none" for no pinned zones.
fn list(zones: &[String]) -> String {
    if zones.is_empty() {
        "none".to_string()
    } else {
        zones.join(", ")
    }
}

/// Zone names are "1", "2" and "3", each listed once; only Premium has zones and only
/// StandardV2 and PremiumV2 can be zone redundant.
pub(super) fn valid_zones(desired: &DesiredCapacity) -> Result<(), Blocked> {
    for entry in &desired.zones {
        let location = &entry.location;
        for (index, zone) in entry.zones.iter().enumerate() {
            if !ZONE_NAMES.contains(&zone.trim()) {
                return Err(blocked(
                    BlockReason::InvalidZones,
                    format!(
                        "{location} lists zone {zone:?}; availability zones are named \"1\", \
                         \"2\" and \"3\"."
                    ),
                ));
            }
            if entry.zones[..index].iter().any(|z| z.trim() == zone.trim()) {
                return Err(blocked(
                    BlockReason::InvalidZones,
                    format!("{location} lists zone {zone} twice; list each zone once."),
                ));
            }
        }
        if !entry.zones.is_empty() && !desired.sku.supports_pinned_zones() {
            return Err(blocked(
                BlockReason::InvalidZones,
                format!(
                    "{location} lists availability zones, but only the Premium tier pins \
                     regions to zones and the desired tier is {}; remove the zones or use \
                     Premium.",
                    desired.sku
                ),
            ));
        }
    }
    let redundant_tier = desired.sku.supports_zone_redundancy();
    if desired.zone_redundant == Some(true) && !redundant_tier {
        return Err(blocked(
            BlockReason::InvalidZones,
            format!(
                "zoneRedundant is true, but only StandardV2 and PremiumV2 services can be zone \
                 redundant and the desired tier is {}.",
                desired.sku
            ),
        ));
    }
    Ok(())
}

/// The v2 `zoneRedundant` is chosen at creation; the planner never sends it, so a spec that
/// asks for the other value can never be met.
pub(super) fn zone_redundancy_fixed(
    desired: &DesiredCapacity,
    live: &LiveService,
) -> Result<(), Blocked> {
    match (desired.zone_redundant, live.zone_redundant) {
        (Some(want), Some(have)) if want != have => {
            let is = if have { "is" } else { "is not" };
            Err(blocked(
                BlockReason::ZoneRedundancyImmutable,
                format!(
                    "The service {is} zone redundant and Azure cannot change that after the \
                     service is created, but spec.zoneRedundant is {want}; set it to {have} or \
                     remove it, or create a new service."
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Zones of a region that stays change only with `allowZoneChange`: Azure gives the service
/// new public and private IP addresses. Moving a zone-pinned Premium service to another tier
/// removes the zones first, which needs the same consent.
pub(super) fn zone_change_consented(
    desired: &DesiredCapacity,
    current: &State,
    policy: &Policy,
) -> Result<(), Blocked> {
    if policy.allow_zone_change {
        return Ok(());
    }
    let goal = goal_zones(desired, current);
    let changes: Vec<(&Location, &[String], &[String])> = current
        .regions()
        .filter(|r| desired.units_in(&r.location).is_some())
        .map(|r| {
            let after = goal.get(&r.location).map_or(&[][..], Vec::as_slice);
            (&r.location, current.zones_of(&r.location), after)
        })
        .filter(|(_, before, after)| before != after)
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let consent = "set spec.changePolicy.allowZoneChange to true to allow it";
    let message = if !desired.sku.supports_pinned_zones() {
        let pinned: Vec<String> = changes
            .iter()
            .map(|(location, before, _)| format!("{location} ({})", list(before)))
            .collect();
        format!(
            "The service is pinned to availability zones in {}, which only the Premium tier \
             has: moving to {} first removes the zones, and Azure gives the service new public \
             and private IP addresses when its zones change; {consent}, or keep Premium.",
            pinned.join(", "),
            desired.sku
        )
    } else {
        let moves: Vec<String> = changes
            .iter()
            .map(|(location, before, after)| {
                format!("{location} from {} to {}", list(before), list(after))
            })
            .collect();
        format!(
            "Changing the availability zones of {} gives the service new public and private IP \
             addresses (Azure assigns new ones when zones change); {consent}.",
            moves.join(" and of ")
        )
    };
    Err(blocked(BlockReason::ZoneChangeNotAllowed, message))
}

/// With pinned zones (set in the spec, or pinned now and left as they are) the units of a
/// Premium region must be a multiple of the zone count.
pub(super) fn zones_divide_units(
    desired: &DesiredCapacity,
    current: &State,
    policy: &Policy,
) -> Result<(), Blocked> {
    if !policy.zones_must_divide_units || desired.sku != Sku::Premium {
        return Ok(());
    }
    let goal = goal_zones(desired, current);
    for region in &desired.regions {
        let zones = goal.get(&region.location).map_or(0, Vec::len) as u32;
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
