//! The autoscale decision: per region from its window average, bounds, cooldowns and Azure's
//! rules, and for the service one combined set of wanted units (one PATCH). Pure: the clock
//! is `now`, every observation is an input.

use jiff::Timestamp;

use super::drift::{Bounds, RegionMemory, UnitsVerdict, classify_units};
use super::guardrail::{ScaleInGuardrail, round_down, round_up};
use super::metrics::{Lookup, MetricReadings, WindowStats};
use super::region;
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

/// Decides every autoscaled region of a service. Per region, the first rule that holds wins:
/// Azure autoscale setting → region not live → operation running → bounds invalid → units
/// outside the bounds (brought back, no cooldown) → change made elsewhere (adopted) →
/// metric data → thresholds with cooldowns, the scale-in estimate and Azure's 25 % rule.
/// Then the service-wide 25 % rule trims the combined scale-in.
pub fn decide(input: &Evaluation<'_>) -> ServiceDecision {
    let conflict = match (input.mode, input.settings) {
        (AzureAutoscaleMode::Conflict, SettingsVerdict::Targets(setting))
            if !input.regions.is_empty() =>
        {
            Some(setting.clone())
        }
        _ => None,
    };
    let mut regions: Vec<RegionDecision> = input
        .regions
        .iter()
        .map(|r| decide_region(input, r))
        .collect();
    if input.guardrails.scale_in.per_service() {
        limit_service_scale_in(input, &mut regions);
    }
    ServiceDecision { regions, conflict }
}

/// The rules of the regions whose decision needs metric data now, for
/// [`super::metrics::metrics_request`]: none while Azure's autoscale setting holds every
/// region (Conflict mode with a setting found or the settings unknown), never the primary in
/// PrimaryOnly mode, never a region the service does not run in yet.
pub fn rules_needing_metrics<'a>(
    regions: &'a [AutoscaledRegion<'a>],
    live: &LiveService,
    mode: AzureAutoscaleMode,
    settings: &SettingsVerdict,
) -> Vec<&'a RegionAutoscale> {
    if mode == AzureAutoscaleMode::Conflict && *settings != SettingsVerdict::NoneFound {
        return Vec::new();
    }
    regions
        .iter()
        .filter(|r| live.region(&r.location).is_some())
        .filter(|r| {
            mode != AzureAutoscaleMode::PrimaryOnly || !region::is_primary(live, &r.location)
        })
        .map(|r| r.rule)
        .collect()
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

fn decide_region(input: &Evaluation<'_>, region: &AutoscaledRegion<'_>) -> RegionDecision {
    let units = input.live.region(&region.location).map(|r| r.units);
    let data = region_data(input, region);
    let stats = match &data {
        Data::Stats(stats) => Some(*stats),
        _ => None,
    };
    let base = RegionDecision {
        location: region.location.clone(),
        metric: region.rule.metric,
        window_average: stats.and_then(|s| s.average),
        minutes_with_data: stats.map_or(0, |s| s.minutes_with_data),
        units,
        wanted_units: units.unwrap_or(region.bounds.min),
        action: AutoscaleAction::Hold,
        reason: AutoscaleReason::WithinBand,
        message: String::new(),
        next_scale_allowed_at: None,
        units_verdict: None,
        memory: region.memory,
    };
    if let Some(held) = region::azure_setting_gate(input, region, &base) {
        return held;
    }
    let Some(units) = units else {
        return region::not_live(region, base);
    };
    if input.operation_running {
        return region::hold(
            base,
            AutoscaleReason::OperationRunning,
            "An Azure operation runs on the service; autoscale decides after it ends.".into(),
        );
    }
    let range = match effective_range(input, region) {
        Ok(range) => range,
        Err((reason, message)) => return region::hold(base, reason, message),
    };
    let verdict = classify_units(
        region.memory.own_units,
        units,
        Bounds::new(range.min, range.max),
    );
    let memory = verdict.remember(region.memory, input.now);
    let base = RegionDecision {
        units_verdict: Some(verdict),
        memory,
        next_scale_allowed_at: region::cooldown_end(&memory, region.rule, None, input.now),
        ..base
    };
    if units < range.min || units > range.max {
        return region::into_bounds(input, region, range, units, base);
    }
    if let UnitsVerdict::ChangedElsewhere { recorded, live } = verdict {
        return region::adopted(input, region, recorded, live, base);
    }
    match data {
        Data::Stats(stats) => region::on_metric(input, region, range, units, stats, base),
        other => region::no_data(input, region, &other, base),
    }
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

fn region_data(input: &Evaluation<'_>, region: &AutoscaledRegion<'_>) -> Data {
    let readings = match input.metrics {
        Ok(readings) => readings,
        Err(why) => return Data::Unavailable(why.to_string()),
    };
    let regions = input.live.regions.len();
    match readings.lookup(region.rule.metric, &region.location, regions) {
        Lookup::Found(series) => Data::Stats(series.window(window_start(input, region), input.now)),
        Lookup::NotRegional => Data::NotRegional,
        Lookup::Missing => Data::Missing,
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

fn effective_range(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
) -> Result<Range, (AutoscaleReason, String)> {
    let Bounds { min, max } = region.bounds;
    if min == 0 || min > max {
        return Err((
            AutoscaleReason::InvalidBounds,
            format!(
                "The bounds in force, minUnits {min} and maxUnits {max}, are invalid: minUnits must be at least 1 and at most maxUnits."
            ),
        ));
    }
    let tier_max = input.guardrails.limits.max_units(input.sku);
    if min > tier_max {
        return Err((
            AutoscaleReason::BoundsBeyondTierLimit,
            format!(
                "minUnits {min} is above the {tier_max} units {} allows per region.",
                input.sku
            ),
        ));
    }
    let multiple = unit_multiple(input, &region.location);
    let range = Range {
        min: round_up(min, multiple),
        max: round_down(max.min(tier_max), multiple),
        multiple,
    };
    if range.min > range.max {
        return Err((
            AutoscaleReason::ZonesLeaveNoValidCount,
            format!(
                "The region is pinned to {multiple} availability zones, so its units must be a multiple of {multiple}, and none lies between {min} and {}.",
                max.min(tier_max)
            ),
        ));
    }
    Ok(range)
}

/// The service-wide reading of Azure's 25 % rule: the units all regions lose in one
/// operation stay within the allowance of the service's total; corrections back into the
/// bounds go first, then regions in order.
fn limit_service_scale_in(input: &Evaluation<'_>, regions: &mut [RegionDecision]) {
    let total = input
        .live
        .regions
        .iter()
        .fold(0u32, |sum, r| sum.saturating_add(r.units));
    let mut allowance = input.guardrails.scale_in.max_removal(total);
    let mut order: Vec<usize> = (0..regions.len())
        .filter(|&i| regions[i].action == AutoscaleAction::ScaleIn)
        .collect();
    order.sort_by_key(|&i| regions[i].reason != AutoscaleReason::AboveMaxUnits);
    for index in order {
        let decision = &mut regions[index];
        let Some(units) = decision.units else {
            continue;
        };
        let removal = units.saturating_sub(decision.wanted_units);
        if removal <= allowance {
            allowance -= removal;
            continue;
        }
        let multiple = unit_multiple(input, &decision.location);
        let target = round_up(units - allowance, multiple);
        if target >= units {
            decision.action = AutoscaleAction::Hold;
            decision.reason = AutoscaleReason::ScaleInGuardrail;
            decision.wanted_units = units;
            decision.message = format!(
                "Azure lets a service with {total} units lose at most {} in one operation, and other regions use that now; this region scales in at the next evaluation.",
                input.guardrails.scale_in.max_removal(total)
            );
        } else {
            allowance -= units - target;
            decision.wanted_units = target;
            decision.message.push_str(&format!(
                " Limited to {target} units: Azure lets a service with {total} units lose at most {} in one operation.",
                input.guardrails.scale_in.max_removal(total)
            ));
        }
    }
}
