//! Between the resource and the rest of the operator: the spec as the planner's input, the
//! plan as status shows it, and the small lookups status readers share. Each translation is
//! written once, here.

use crate::domain::{DesiredCapacity, Location, RegionUnits, RegionZones, ServiceRef, UnitLimits};
use crate::plan::{Change, DurationEstimates, Policy, Step, StepKind};

use super::conditions::{Condition, ConditionType, Reason};
use super::spec::{ApimCapacitySpec, RegionCapacity, ServiceReference};
use super::status::{Action, ApimCapacityStatus, LiveStatus, OperationStatus, PlannedChange};

impl ServiceReference {
    /// The service as the Azure side names it.
    pub fn service_ref(&self) -> ServiceRef {
        ServiceRef::new(&self.subscription_id, &self.resource_group, &self.name)
    }
}

impl ApimCapacitySpec {
    /// The tier and units per region the spec asks for, locations normalised. An autoscaled
    /// region asks for its `minUnits` here; the effective capacity ([`crate::effective`])
    /// puts the autoscale decision (or its live units clamped into its range) in its place.
    pub fn desired(&self) -> DesiredCapacity {
        DesiredCapacity {
            sku: self.sku,
            regions: self
                .regions
                .iter()
                .map(|r| RegionUnits {
                    location: Location::new(&r.location),
                    units: r.fixed_or_min_units(),
                })
                .collect(),
            zones: self
                .regions
                .iter()
                .filter_map(|r| {
                    r.zones.as_ref().map(|zones| RegionZones {
                        location: Location::new(&r.location),
                        zones: zones.clone(),
                    })
                })
                .collect(),
            zone_redundant: self.zone_redundant,
        }
    }

    /// What the planner may do for this spec: its consent, the operator's limits and the
    /// durations it has learned.
    pub fn planner_policy(&self, limits: UnitLimits, durations: DurationEstimates) -> Policy {
        Policy {
            allow_tier_downgrade: self.change_policy.allow_tier_downgrade,
            allow_region_removal: self.change_policy.allow_region_removal,
            allow_zone_change: self.change_policy.allow_zone_change,
            allow_downtime: self.change_policy.allow_downtime,
            limits,
            durations,
            ..Policy::default()
        }
    }
}

impl RegionCapacity {
    /// The fixed `units`, or `autoscale.minUnits` for an autoscaled region (1 when the
    /// region, against admission's rule, has neither).
    pub fn fixed_or_min_units(&self) -> u32 {
        match (self.units, &self.autoscale) {
            (Some(units), _) => units,
            (None, Some(rule)) => rule.min_units,
            (None, None) => 1,
        }
    }
}

impl From<StepKind> for Action {
    fn from(kind: StepKind) -> Self {
        match kind {
            StepKind::Scale => Action::Scale,
            StepKind::ChangeTier => Action::ChangeTier,
            StepKind::AddRegion => Action::AddRegion,
            StepKind::RemoveRegion => Action::RemoveRegion,
            StepKind::ChangeZones => Action::ChangeZones,
        }
    }
}

impl From<Action> for StepKind {
    fn from(action: Action) -> Self {
        match action {
            Action::Scale => StepKind::Scale,
            Action::ChangeTier => StepKind::ChangeTier,
            Action::AddRegion => StepKind::AddRegion,
            Action::RemoveRegion => StepKind::RemoveRegion,
            Action::ChangeZones => StepKind::ChangeZones,
        }
    }
}

impl Action {
    /// The Ready reason while an operation of this kind runs.
    pub fn reason(self) -> Reason {
        match self {
            Action::Scale => Reason::Scaling,
            Action::ChangeTier => Reason::ChangingTier,
            Action::AddRegion => Reason::AddingRegion,
            Action::RemoveRegion => Reason::RemovingRegion,
            Action::ChangeZones => Reason::ChangingZones,
        }
    }
}

/// The plan as status shows it: one entry per change, numbered by step from `first`.
pub fn planned_changes(steps: &[Step], first: u32) -> Vec<PlannedChange> {
    let mut out = Vec::new();
    for (number, step) in (first..).zip(steps) {
        for change in &step.changes {
            out.push(planned_change(number, change));
        }
    }
    out
}

/// One change as status shows it, made by step `step`.
pub fn planned_change(step: u32, change: &Change) -> PlannedChange {
    let mut entry = PlannedChange {
        step,
        action: Action::Scale,
        location: None,
        from_units: None,
        to_units: None,
        from_sku: None,
        to_sku: None,
        from_zones: None,
        to_zones: None,
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
        Change::ChangeZones { location, from, to } => {
            entry.action = Action::ChangeZones;
            entry.location = Some(location.to_string());
            entry.from_zones = Some(from.clone());
            entry.to_zones = Some(to.clone());
        }
    }
    entry
}

impl ApimCapacityStatus {
    /// The condition of a type, when present.
    pub fn condition(&self, type_: ConditionType) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// The Ready condition, when present.
    pub fn ready(&self) -> Option<&Condition> {
        self.condition(ConditionType::Ready)
    }

    /// The reason of the Stalled condition, while stalled.
    pub fn stalled_reason(&self) -> Option<Reason> {
        self.condition(ConditionType::Stalled).map(|c| c.reason)
    }
}

impl OperationStatus {
    /// "Step 2 of 3: Add region eastus with 1 unit": how an operation in flight is shown in
    /// the Ready condition and in its Event.
    pub fn headline(&self) -> String {
        format!(
            "Step {} of {}: {}",
            self.step, self.total_steps, self.description
        )
    }
}

impl LiveStatus {
    /// `westeurope=2,eastus=3`, the primary first.
    pub fn units_summary(&self) -> String {
        crate::domain::units_summary(self.regions.iter().map(|r| (&r.location, r.units)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sku;

    #[test]
    fn steps_are_numbered_from_the_first_remaining_one() {
        let step = |change| Step {
            changes: vec![change],
            target: crate::plan::Target {
                sku: Sku::Premium,
                primary_units: 1,
                additional: vec![],
                zones: vec![],
            },
        };
        let steps = [
            step(Change::ChangeTier {
                from: Sku::Standard,
                to: Sku::Premium,
            }),
            step(Change::AddRegion {
                location: Location::new("eastus"),
                units: 2,
            }),
        ];
        let changes = planned_changes(&steps, 2);
        assert_eq!(
            changes.iter().map(|c| c.step).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(changes[1].action, Action::AddRegion);
        assert_eq!(changes[1].to_units, Some(2));
    }

    #[test]
    fn step_kinds_and_actions_convert_both_ways() {
        for kind in StepKind::ALL {
            assert_eq!(StepKind::from(Action::from(kind)), kind);
        }
    }
}
