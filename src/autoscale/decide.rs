//! The autoscale decision: per region from its window average, bounds, cooldowns and Azure's
//! rules, and for the service one combined set of wanted units (one PATCH). Pure: the clock
//! is `now`, every observation is an input.

use super::drift::{Bounds, UnitsVerdict, classify_units};
use super::evaluation::{
    AutoscaledRegion, Data, Evaluation, Range, RegionDecision, ServiceDecision, unit_multiple,
    window_start,
};
use super::guardrail::{round_down, round_up};
use super::metrics::Lookup;
use super::region;
use super::settings::SettingsVerdict;
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleReason, AzureAutoscaleMode, RegionAutoscale,
};
use crate::domain::LiveService;

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
