//! Pure planning: from the capacity a user wants and the service Azure reports, the fewest
//! Azure operations that get there without ever leaving the service in a state Azure
//! refuses, or the reason nothing may be done.
//!
//! [`plan`] is a pure function: no I/O, no clock reads (`now` is passed in), no async.
//! The modules `rules`, `zone_rules` and `subnet` hold what blocks a change (first failing
//! rule wins), `order` the step order (tier up before adding regions, regions and zones
//! removed before the tier goes down, zone changes in steps of their own), `scale_in`
//! Azure's 25 % scale-in guardrail and how big cuts are split, `durations` the expected
//! duration of each kind of step on each tier and `describe` the short texts people read.

mod describe;
mod durations;
pub mod durations_codec;
mod order;
mod rules;
mod scale_in;
mod step;
mod subnet;
mod zone_rules;

#[cfg(test)]
mod arbitrary;
#[cfg(test)]
mod azure_model;
#[cfg(test)]
mod blocking_tests;
#[cfg(test)]
mod describe_tests;
#[cfg(test)]
mod facts_tests;
#[cfg(test)]
mod planner_model;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod zone_tests;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{
    DesiredCapacity, LiveService, Location, RegionUnits, RegionZones, Sku, UnitLimits,
};

pub use durations::{
    DEFAULT_EXPECTED, DEFAULT_UPPER_BOUND, DurationEstimates, DurationKey, SAMPLES_KEPT,
};
pub use scale_in::{GUARDED_ABOVE, cut_allowed};
pub use step::{Change, Step, StepKind, Target};
pub use subnet::{SubnetFacts, max_units_in_subnet, smallest_prefix_for, subnet_fits};

/// What the user has consented to and the limits the planner enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// A lower tier of the same generation (e.g. Premium → Standard) may be planned.
    pub allow_tier_downgrade: bool,
    /// Additional regions the user no longer lists may be removed.
    pub allow_region_removal: bool,
    /// Maximum units per region for each tier (built-in table, what Azure reports for the
    /// service, operator overrides).
    pub limits: UnitLimits,
    /// In a Premium region pinned to availability zones, the units must be a multiple of the
    /// number of zones (Azure's rule for manually chosen zones). Default `true`.
    pub zones_must_divide_units: bool,
    /// How long each kind of step is expected to take.
    pub durations: DurationEstimates,
    /// A tier change to or from Developer, which takes the service down, may be planned.
    pub allow_downtime: bool,
    /// The availability zones of a region that stays may change (Azure then gives the
    /// service new public and private IP addresses), including removing them before a
    /// Premium service moves to a tier without zones.
    pub allow_zone_change: bool,
    /// The subnets of the VNet-injected regions whose address prefix is known. A region not
    /// listed is not checked (not injected, or its subnet could not be read).
    pub subnets: BTreeMap<Location, SubnetFacts>,
}

impl Default for Policy {
    /// No consent for destructive changes, Azure's documented limits, zones enforced, no
    /// subnet known.
    fn default() -> Self {
        Policy {
            allow_tier_downgrade: false,
            allow_region_removal: false,
            limits: UnitLimits::default(),
            zones_must_divide_units: true,
            durations: DurationEstimates::default(),
            allow_downtime: false,
            allow_zone_change: false,
            subnets: BTreeMap::new(),
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
    /// Zone names other than "1", "2", "3" or listed twice, zones on a tier other than
    /// Premium, or zone redundancy on a tier without it.
    InvalidZones,
    /// The v2 `zoneRedundant` asked for differs from the service's, which Azure fixes at
    /// creation.
    ZoneRedundancyImmutable,
    /// The zones of a region would change (new IP addresses) without
    /// `spec.changePolicy.allowZoneChange`.
    ZoneChangeNotAllowed,
    /// A tier change to or from Developer (the service goes down) without
    /// `spec.changePolicy.allowDowntime`.
    DowntimeNotAllowed,
    /// The subnet of a VNet-injected region has too few addresses for the units asked for.
    SubnetTooSmall,
}

impl BlockReason {
    /// Whether the block is a missing consent in `spec.changePolicy` (condition reason
    /// `NotConsented`) rather than something Azure does not allow (`Blocked`).
    pub fn is_consent(&self) -> bool {
        matches!(
            self,
            BlockReason::TierDowngradeNotAllowed
                | BlockReason::RegionRemovalNotAllowed
                | BlockReason::ZoneChangeNotAllowed
                | BlockReason::DowntimeNotAllowed
        )
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
    if rules::in_sync(desired, &current, live) {
        return Plan::InSync;
    }
    if let Err(blocked) = rules::check(desired, &current, live, policy) {
        return Plan::Blocked(blocked);
    }
    let steps = order::steps(&current, desired, policy);
    let total = steps
        .iter()
        .map(|step| policy.durations.expected_for(step.target.sku, step.kind()))
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
    /// The pinned zones (as sets, see [`crate::domain::zone_set`]) of the regions that have
    /// any; a region not listed has none.
    zones: BTreeMap<Location, Vec<String>>,
}

impl State {
    /// Every region, the primary first.
    fn regions(&self) -> impl Iterator<Item = &RegionUnits> {
        std::iter::once(&self.primary).chain(self.additional.iter())
    }

    fn units_of(&self, location: &Location) -> Option<u32> {
        self.regions()
            .find(|r| &r.location == location)
            .map(|r| r.units)
    }

    fn zones_of(&self, location: &Location) -> &[String] {
        self.zones.get(location).map_or(&[], Vec::as_slice)
    }

    /// The units of every region together, as the service-wide reading of Azure's scale-in
    /// rule counts them.
    fn total(&self) -> u64 {
        self.regions().map(|r| u64::from(r.units)).sum()
    }

    fn target(&self) -> Target {
        Target {
            sku: self.sku,
            primary_units: self.primary.units,
            additional: self.additional.clone(),
            zones: self
                .regions()
                .filter_map(|r| {
                    self.zones.get(&r.location).map(|zones| RegionZones {
                        location: r.location.clone(),
                        zones: zones.clone(),
                    })
                })
                .collect(),
        }
    }
}
