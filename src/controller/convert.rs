//! Conversions between the planner's steps, the Azure client's types and status fields.

use std::time::Duration;

use jiff::Timestamp;

use crate::api::{Action, ApimCapacity, PlannedChange, Reason};
use crate::azure::{CapacityPatch, ServiceResource};
use crate::domain::{DesiredCapacity, Location, RegionUnits, RegionZones};
use crate::plan::{Change, Step, StepKind};

/// `at + duration`, saturating at `at` when out of range.
pub fn add(at: Timestamp, duration: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(duration)
        .ok()
        .and_then(|d| at.checked_add(d).ok())
        .unwrap_or(at)
}

pub fn desired_capacity(obj: &ApimCapacity) -> DesiredCapacity {
    DesiredCapacity {
        sku: obj.spec.sku,
        regions: obj
            .spec
            .regions
            .iter()
            .map(|r| RegionUnits {
                location: Location::new(&r.location),
                units: r.units,
            })
            .collect(),
        zones: obj
            .spec
            .regions
            .iter()
            .filter_map(|r| {
                r.zones.as_ref().map(|zones| RegionZones {
                    location: Location::new(&r.location),
                    zones: zones.clone(),
                })
            })
            .collect(),
        zone_redundant: obj.spec.zone_redundant,
    }
}

pub fn desired_units(desired: &DesiredCapacity) -> String {
    let parts: Vec<String> = desired
        .regions
        .iter()
        .map(|r| format!("{}={}", r.location, r.units))
        .collect();
    parts.join(",")
}

pub fn live_units(resource: &ServiceResource) -> String {
    let parts: Vec<String> = resource
        .live
        .regions
        .iter()
        .map(|r| format!("{}={}", r.location, r.units))
        .collect();
    parts.join(",")
}

pub fn target_units(target: &CapacityPatch, resource: &ServiceResource) -> String {
    let primary = resource
        .live
        .primary()
        .map(|p| p.location.to_string())
        .unwrap_or_default();
    std::iter::once(format!("{primary}={}", target.primary_units))
        .chain(
            target
                .additional
                .iter()
                .map(|r| format!("{}={}", r.location, r.units)),
        )
        .collect::<Vec<_>>()
        .join(",")
}

/// The plan as status shows it: one entry per change, numbered by step.
pub fn planned_changes(steps: &[Step]) -> Vec<PlannedChange> {
    let mut out = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        for change in &step.changes {
            let mut entry = PlannedChange {
                step: index as u32 + 1,
                action: Action::Scale,
                location: None,
                from_units: None,
                to_units: None,
                from_sku: None,
                to_sku: None,
            };
            match change {
                Change::ChangeTier { from, to } => {
                    entry.action = Action::ChangeTier;
                    entry.from_sku = Some(*from);
                    entry.to_sku = Some(*to);
                }
                Change::Scale { location, from, to } => {
                    entry.location = Some(location.to_string());
                    entry.from_units = Some(*from);
                    entry.to_units = Some(*to);
                }
                Change::AddRegion { location, units } => {
                    entry.action = Action::AddRegion;
                    entry.location = Some(location.to_string());
                    entry.to_units = Some(*units);
                }
                Change::RemoveRegion { location, units } => {
                    entry.action = Action::RemoveRegion;
                    entry.location = Some(location.to_string());
                    entry.from_units = Some(*units);
                }
                Change::ChangeZones { location, .. } => {
                    entry.action = Action::ChangeZones;
                    entry.location = Some(location.to_string());
                }
            }
            out.push(entry);
        }
    }
    out
}

pub fn action_of(kind: StepKind) -> Action {
    match kind {
        StepKind::Scale => Action::Scale,
        StepKind::ChangeTier => Action::ChangeTier,
        StepKind::AddRegion => Action::AddRegion,
        StepKind::RemoveRegion => Action::RemoveRegion,
        StepKind::ChangeZones => Action::ChangeZones,
    }
}

pub fn kind_of(action: Action) -> StepKind {
    match action {
        Action::Scale => StepKind::Scale,
        Action::ChangeTier => StepKind::ChangeTier,
        Action::AddRegion => StepKind::AddRegion,
        Action::RemoveRegion => StepKind::RemoveRegion,
        Action::ChangeZones => StepKind::ChangeZones,
    }
}

pub fn reason_of(action: Action) -> Reason {
    match action {
        Action::Scale => Reason::Scaling,
        Action::ChangeTier => Reason::ChangingTier,
        Action::AddRegion => Reason::AddingRegion,
        Action::RemoveRegion => Reason::RemovingRegion,
        Action::ChangeZones => Reason::ChangingZones,
    }
}
