//! A small model of Azure's capacity rules and of the planner's rules, written
//! independently of the planner, for the property tests.

use std::collections::BTreeMap;

use crate::domain::{LiveRegion, LiveService, Location, RegionUnits, Sku, UnitLimits};

use super::{Change, Target};

/// The model's view of a capacity: tier, primary units, additional regions and the pinned
/// zones of each region (sorted, no duplicates; regions without zones absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub sku: Sku,
    pub primary_units: u32,
    pub additional: Vec<RegionUnits>,
    pub zones: BTreeMap<Location, Vec<String>>,
}

/// A zone list as the model compares it.
pub fn as_set(zones: &[String]) -> Vec<String> {
    let mut set: Vec<String> = zones.iter().map(|z| z.trim().to_string()).collect();
    set.retain(|z| !z.is_empty());
    set.sort();
    set.dedup();
    set
}

impl Model {
    pub fn of_target(target: &Target) -> Model {
        Model {
            sku: target.sku,
            primary_units: target.primary_units,
            additional: target.additional.clone(),
            zones: target
                .zones
                .iter()
                .map(|z| (z.location.clone(), as_set(&z.zones)))
                .filter(|(_, z)| !z.is_empty())
                .collect(),
        }
    }

    fn units(&self, primary: &Location) -> Vec<(Location, u32)> {
        std::iter::once((primary.clone(), self.primary_units))
            .chain(
                self.additional
                    .iter()
                    .map(|r| (r.location.clone(), r.units)),
            )
            .collect()
    }

    fn total(&self) -> u64 {
        u64::from(self.primary_units)
            + self
                .additional
                .iter()
                .map(|r| u64::from(r.units))
                .sum::<u64>()
    }
}

/// Azure's rules for a capacity, written independently of the planner.
pub fn valid_state(
    model: &Model,
    primary: &Location,
    limits: &UnitLimits,
    divide: bool,
) -> Result<(), String> {
    let sku = model.sku;
    if matches!(sku, Sku::Consumption | Sku::Isolated) {
        return Err(format!("the operator never moves a service to {sku}"));
    }
    if !model.additional.is_empty() && sku != Sku::Premium {
        return Err(format!("{sku} with additional regions"));
    }
    if sku == Sku::Developer && model.primary_units != 1 {
        return Err(format!("Developer with {} units", model.primary_units));
    }
    let max = limits.max_units(sku);
    for (location, units) in model.units(primary) {
        if units == 0 || units > max {
            return Err(format!("{units} units on {sku} (limit {max})"));
        }
        let zones = model.zones.get(&location).map_or(0, Vec::len) as u32;
        if zones > 0 && sku != Sku::Premium {
            return Err(format!("zones on {sku}"));
        }
        if divide && zones > 0 && units % zones != 0 {
            return Err(format!("{units} units across {zones} zones in {location}"));
        }
    }
    for (i, region) in model.additional.iter().enumerate() {
        if model.additional[..i]
            .iter()
            .any(|r| r.location == region.location)
        {
            return Err(format!("{} listed twice", region.location));
        }
    }
    Ok(())
}

/// Azure's June 2026 guardrail, as a fraction: more than 15 units may lose at most a
/// quarter in one operation.
fn cut_ok(before: u64, after: u64) -> bool {
    after >= before || before <= 15 || (before - after) as f64 / before as f64 <= 0.25
}

/// The guardrail read per region (regions in both) and on the service's total.
pub fn scale_in_ok(primary: &Location, before: &Model, after: &Model) -> Result<(), String> {
    let old: BTreeMap<Location, u32> = before.units(primary).into_iter().collect();
    for (location, units) in after.units(primary) {
        if let Some(was) = old.get(&location)
            && !cut_ok((*was).into(), units.into())
        {
            return Err(format!("{location} cut from {was} to {units}"));
        }
    }
    if !cut_ok(before.total(), after.total()) {
        return Err(format!(
            "total cut from {} to {}",
            before.total(),
            after.total()
        ));
    }
    Ok(())
}

/// The fewest operations that take one count of units from `from` to `to` when every count
/// on the way is a multiple of `multiple` (breadth-first over the counts).
pub fn fewest_cuts(from: u32, to: u32, multiple: u32) -> usize {
    if from == to {
        return 0;
    }
    let multiple = multiple.max(1);
    let mut seen = vec![false; from.max(to) as usize + 1];
    let mut frontier = vec![from];
    for depth in 1..=from as usize + 1 {
        let mut next = Vec::new();
        for units in frontier {
            for after in 1..=from.max(to) {
                if after % multiple != 0 && after != to || !cut_ok(units.into(), after.into()) {
                    continue;
                }
                if after == to {
                    return depth;
                }
                if !seen[after as usize] && after < units {
                    seen[after as usize] = true;
                    next.push(after);
                }
            }
        }
        frontier = next;
    }
    usize::MAX
}

pub fn units_in(regions: &[RegionUnits], location: &Location) -> Option<u32> {
    regions
        .iter()
        .find(|r| &r.location == location)
        .map(|r| r.units)
}

/// The changes between two capacities, in a canonical order, computed independently.
pub fn changes_between(primary: &Location, from: &Model, to: &Model) -> Vec<String> {
    let mut changes = Vec::new();
    if from.sku != to.sku {
        changes.push(format!("tier {} {}", from.sku, to.sku));
    }
    if from.primary_units != to.primary_units {
        changes.push(format!(
            "scale {primary} {} {}",
            from.primary_units, to.primary_units
        ));
    }
    for r in &from.additional {
        match units_in(&to.additional, &r.location) {
            None => changes.push(format!("remove {} {}", r.location, r.units)),
            Some(u) if u != r.units => {
                changes.push(format!("scale {} {} {}", r.location, r.units, u))
            }
            Some(_) => {}
        }
    }
    for r in &to.additional {
        if units_in(&from.additional, &r.location).is_none() {
            changes.push(format!("add {} {}", r.location, r.units));
        }
    }
    let present = |m: &Model, l: &Location| l == primary || units_in(&m.additional, l).is_some();
    let none = Vec::new();
    for (location, _) in to.units(primary) {
        let (was, is) = (
            from.zones.get(&location).unwrap_or(&none),
            to.zones.get(&location).unwrap_or(&none),
        );
        if present(from, &location) && was != is {
            changes.push(format!("zones {location} {was:?} {is:?}"));
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
            Change::ChangeZones { location, from, to } => {
                format!("zones {location} {from:?} {to:?}")
            }
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
    Model {
        sku: live.sku,
        primary_units: primary.units,
        additional: live
            .regions
            .iter()
            .filter(|r| !r.primary)
            .map(|r| RegionUnits {
                location: r.location.clone(),
                units: r.units,
            })
            .collect(),
        zones: live
            .regions
            .iter()
            .map(|r| (r.location.clone(), as_set(&r.zones)))
            .filter(|(_, z)| !z.is_empty())
            .collect(),
    }
}
