//! Pure planning: from the capacity a user wants and the service Azure reports, the fewest
//! Azure operations that get there without ever leaving the service in a state Azure
//! refuses, or the reason nothing may be done.
//!
//! [`plan`] is a pure function: no I/O, no clock reads (`now` is passed in), no async.
//! The module `rules` holds what blocks a change (first failing rule wins), `order` the step
//! order (tier up before adding regions, regions removed before the tier goes down),
//! `durations` the expected duration of each kind of step and `describe` the short texts
//! people read.

mod describe;
mod durations;
mod order;
mod rules;

#[cfg(test)]
mod azure_model;
#[cfg(test)]
mod blocking_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{DesiredCapacity, LiveService, Location, RegionUnits, Sku, UnitLimits};

pub use durations::{DEFAULT_EXPECTED, DEFAULT_UPPER_BOUND, DurationEstimates, SAMPLES_KEPT};

/// What the user has consented to and the limits the planner enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// A lower tier of the same generation (e.g. Premium → Standard) may be planned.
    pub allow_tier_downgrade: bool,
    /// Additional regions the user no longer lists may be removed.
    pub allow_region_removal: bool,
    /// Maximum units per region for each tier (built-in table plus operator overrides).
    pub limits: UnitLimits,
    /// In a Premium region pinned to availability zones, the units must be a multiple of the
    /// number of zones (Azure's rule for manually chosen zones). Default `true`.
    pub zones_must_divide_units: bool,
    /// How long each kind of step is expected to take.
    pub durations: DurationEstimates,
}

impl Default for Policy {
    /// No consent for destructive changes, Azure's documented limits, zones enforced.
    fn default() -> Self {
        Policy {
            allow_tier_downgrade: false,
            allow_region_removal: false,
            limits: UnitLimits::default(),
            zones_must_divide_units: true,
            durations: DurationEstimates::default(),
        }
    }
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Plan {
    /// The live service already has the desired tier, regions and units.
    InSync,
    /// The ordered steps that reach the desired capacity; each step is one Azure PATCH.
    Steps(StepsPlan),
    /// Nothing may be sent to Azure; the user has to change something.
    Blocked(Blocked),
}

/// The ordered steps of a plan and when they are expected to be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepsPlan {
    /// One Azure operation per step, to be run in order, one at a time. Never empty.
    pub steps: Vec<Step>,
    /// `now` plus the expected duration of every step.
    pub expected_completion: Timestamp,
}

/// Why a plan is blocked, with a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// The rule that forbids the change.
    pub reason: BlockReason,
    /// What is wrong, naming the values involved, and what to do about it.
    pub message: String,
}

/// The rule that blocks a plan. [`BlockReason::as_str`] gives the PascalCase name used in
/// Events and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BlockReason {
    /// The live or desired tier is Consumption or Isolated, which this operator cannot manage.
    UnmanageableTier,
    /// A change between a classic tier and a v2 tier, which Azure does not support.
    UnsupportedTierChange,
    /// A lower tier without `spec.changePolicy.allowTierDowngrade`.
    TierDowngradeNotAllowed,
    /// An additional region would be removed without `spec.changePolicy.allowRegionRemoval`.
    RegionRemovalNotAllowed,
    /// The service's primary region is not listed in the desired regions.
    PrimaryRegionMissing,
    /// More than one region on a tier other than Premium.
    MultipleRegionsNeedPremium,
    /// More units in a region than the tier allows.
    UnitLimitExceeded,
    /// The units of a zone-pinned Premium region are not a multiple of its zones.
    ZonesDoNotDivideUnits,
    /// A region with 0 units, a Developer region with other than 1 unit, or a region
    /// listed twice.
    InvalidUnits,
}

/// One Azure operation (one PATCH) and the complete capacity after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What this step changes, tier change first, then removals, additions and scaling.
    pub changes: Vec<Change>,
    /// The complete capacity after this step: what the PATCH sends.
    pub target: Target,
}

/// The complete capacity of a service: the tier, the primary region's units and every
/// additional region (the whole `additionalLocations` list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The tier (`sku.name`).
    pub sku: Sku,
    /// The primary region's units (`sku.capacity`).
    pub primary_units: u32,
    /// Every additional region with its units, in the order sent to Azure.
    pub additional: Vec<RegionUnits>,
}

/// One change within a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// The service moves to another tier.
    ChangeTier {
        /// The tier before the step.
        from: Sku,
        /// The tier after the step.
        to: Sku,
    },
    /// The units of a region that stays change.
    Scale {
        /// The region.
        location: Location,
        /// Units before the step.
        from: u32,
        /// Units after the step.
        to: u32,
    },
    /// An additional region is added.
    AddRegion {
        /// The new region.
        location: Location,
        /// Its units.
        units: u32,
    },
    /// An additional region is removed.
    RemoveRegion {
        /// The region removed.
        location: Location,
        /// The units it had.
        units: u32,
    },
}

/// The kind of a step, named after its dominant change: ChangeTier > RemoveRegion >
/// AddRegion > Scale. Durations are estimated per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StepKind {
    /// Only unit changes.
    Scale,
    /// The tier changes (possibly with unit changes).
    ChangeTier,
    /// At least one region is added (and none removed, no tier change).
    AddRegion,
    /// At least one region is removed (no tier change).
    RemoveRegion,
}

impl StepKind {
    /// Every kind, in declaration order.
    pub const ALL: [StepKind; 4] = [
        StepKind::Scale,
        StepKind::ChangeTier,
        StepKind::AddRegion,
        StepKind::RemoveRegion,
    ];
}

impl Step {
    /// The dominant change of this step: ChangeTier > RemoveRegion > AddRegion > Scale.
    pub fn kind(&self) -> StepKind {
        let has = |pred: fn(&Change) -> bool| self.changes.iter().any(pred);
        if has(|c| matches!(c, Change::ChangeTier { .. })) {
            StepKind::ChangeTier
        } else if has(|c| matches!(c, Change::RemoveRegion { .. })) {
            StepKind::RemoveRegion
        } else if has(|c| matches!(c, Change::AddRegion { .. })) {
            StepKind::AddRegion
        } else {
            StepKind::Scale
        }
    }
}

/// Plans the Azure operations that move `live` to `desired` under `policy`.
///
/// Returns [`Plan::InSync`] when the live tier, regions and units already equal the desired
/// ones (whatever the policy says: nothing would be sent), [`Plan::Blocked`] when a rule
/// forbids the change (the first failing rule wins), and otherwise the fewest steps that
/// never pass through a state Azure refuses. `now` only sets `expected_completion`.
pub fn plan(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
    now: Timestamp,
) -> Plan {
    let current = match rules::live_state(live) {
        Ok(state) => state,
        Err(blocked) => return Plan::Blocked(blocked),
    };
    if rules::in_sync(desired, &current) {
        return Plan::InSync;
    }
    if let Err(blocked) = rules::check(desired, &current, live, policy) {
        return Plan::Blocked(blocked);
    }
    let steps = order::steps(&current, desired);
    let total = steps
        .iter()
        .map(|step| policy.durations.expected(step.kind()))
        .fold(std::time::Duration::ZERO, |sum, d| sum.saturating_add(d));
    let expected_completion = now.checked_add(total).unwrap_or(Timestamp::MAX);
    Plan::Steps(StepsPlan {
        steps,
        expected_completion,
    })
}

/// The capacity of a service with the primary region's location, used while planning.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    sku: Sku,
    primary: RegionUnits,
    additional: Vec<RegionUnits>,
}

impl State {
    fn target(&self) -> Target {
        Target {
            sku: self.sku,
            primary_units: self.primary.units,
            additional: self.additional.clone(),
        }
    }
}
