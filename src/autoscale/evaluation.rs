//! The values one autoscale evaluation reads and produces, shared by [`super::decide`] (the
//! order of the rules) and `region` (the rules themselves).

use jiff::Timestamp;

use super::drift::{Bounds, RegionMemory, UnitsVerdict};
use super::guardrail::ScaleInGuardrail;
use super::metrics::{MetricReadings, WindowStats};
use super::settings::{AutoscaleSetting, SettingsVerdict};
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleMetric, AutoscaleReason, AzureAutoscaleMode, RegionAutoscale,
};
use crate::domain::{LiveService, Location, RegionUnits, Sku, UnitLimits};

/// One autoscaled region, as the effective-capacity rule hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscaledRegion<'a> {
    /// The region.
    pub location: Location,
    /// Its `autoscale` block: metric, thresholds, window, cooldowns, step.
    pub rule: &'a RegionAutoscale,
    /// The bounds in force: the rule's `minUnits`/`maxUnits`, or a schedule's.
    pub bounds: Bounds,
    /// What was recorded for it (`status.autoscale[].ownUnits` and `lastScaleAt`).
    pub memory: RegionMemory,
}

/// Azure's rules and the operator's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guardrails<'a> {
    /// Maximum units per region per tier.
    pub limits: &'a UnitLimits,
    /// The 25 % scale-in rule.
    pub scale_in: ScaleInGuardrail,
    /// Units of a zone-pinned Premium region move in multiples of its zones.
    pub zones_must_divide_units: bool,
}

/// Everything one evaluation looks at.
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'a> {
    /// The tier the service is to have (`spec.sku`); its limit caps `maxUnits`.
    pub sku: Sku,
    /// The service as Azure reported it last: units, primary, zones.
    pub live: &'a LiveService,
    /// The autoscaled regions.
    pub regions: &'a [AutoscaledRegion<'a>],
    /// The metrics answer of this interval, or why it could not be read.
    pub metrics: Result<&'a MetricReadings, &'a str>,
    /// What is known about Azure autoscale settings on the service.
    pub settings: &'a SettingsVerdict,
    /// `spec.azureAutoscale`.
    pub mode: AzureAutoscaleMode,
    /// An Azure operation runs on the service (this operator's or another's).
    pub operation_running: bool,
    /// Azure's rules and the operator's limits.
    pub guardrails: Guardrails<'a>,
    /// The time of the evaluation.
    pub now: Timestamp,
}

/// The decision for one region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionDecision {
    pub location: Location,
    pub metric: AutoscaleMetric,
    /// The metric's average over the window, when there was data.
    pub window_average: Option<f64>,
    /// How many minutes of the window had data.
    pub minutes_with_data: u32,
    /// The live units; `None` when the region is not part of the service.
    pub units: Option<u32>,
    /// The units autoscale wants: the live units on Hold (`minUnits` for a region not
    /// live yet), the new count on ScaleOut/ScaleIn.
    pub wanted_units: u32,
    pub action: AutoscaleAction,
    pub reason: AutoscaleReason,
    /// A sentence for people, with the numbers behind the decision.
    pub message: String,
    /// When a cooldown ends, if one holds the region back.
    pub next_scale_allowed_at: Option<Timestamp>,
    /// How the live units relate to the recorded own choice; `None` when not looked at
    /// (conflict, region not live, operation running, invalid bounds).
    pub units_verdict: Option<UnitsVerdict>,
    /// What to record for the region from now on.
    pub memory: RegionMemory,
}

/// The decision for the service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecision {
    /// One decision per autoscaled region, in the input's order.
    pub regions: Vec<RegionDecision>,
    /// The enabled Azure autoscale setting that makes the autoscaled regions stall
    /// (`spec.azureAutoscale: Conflict`); the reconcile reports `AutoscaleConflict`.
    pub conflict: Option<AutoscaleSetting>,
}

impl ServiceDecision {
    /// The units autoscale wants for every autoscaled region: what the effective capacity
    /// puts in place of their `units` before planning.
    pub fn wanted_units(&self) -> Vec<RegionUnits> {
        self.regions
            .iter()
            .map(|d| RegionUnits {
                location: d.location.clone(),
                units: d.wanted_units,
            })
            .collect()
    }

    /// The regions that scale now; all of them go into one PATCH.
    pub fn changes(&self) -> Vec<RegionUnits> {
        self.regions
            .iter()
            .filter(|d| d.action != AutoscaleAction::Hold)
            .map(|d| RegionUnits {
                location: d.location.clone(),
                units: d.wanted_units,
            })
            .collect()
    }

    /// The decision for one region.
    pub fn region(&self, location: &Location) -> Option<&RegionDecision> {
        self.regions.iter().find(|d| &d.location == location)
    }
}

/// The units one region may have: the bounds, capped by the tier, in zone multiples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Range {
    pub min: u32,
    pub max: u32,
    pub multiple: u32,
}

/// The metric data of a region, as far as the decision needs it.
pub(super) enum Data {
    Stats(WindowStats),
    Unavailable(String),
    NotRegional,
    Missing,
}

/// The window of a region: its `window` back from `now`, but never before the last scale
/// (data from before it judged another unit count).
pub(super) fn window_start(input: &Evaluation<'_>, region: &AutoscaledRegion<'_>) -> Timestamp {
    let start = input
        .now
        .checked_sub(region.rule.window.as_duration())
        .unwrap_or(Timestamp::MIN);
    match region.memory.last_scale_at {
        Some(last) if last > start => last,
        _ => start,
    }
}

/// How many units at a time a region moves: the number of its pinned zones on Premium when
/// zones must divide the units, else 1.
pub(super) fn unit_multiple(input: &Evaluation<'_>, location: &Location) -> u32 {
    let zones = input
        .live
        .region(location)
        .map_or(0, |r| u32::try_from(r.zones.len()).unwrap_or(u32::MAX));
    if input.guardrails.zones_must_divide_units && input.sku == Sku::Premium && zones > 1 {
        zones
    } else {
        1
    }
}
