//! The rules of one region's decision, each a small function that finishes the decision
//! (see [`super::decide`] for their order).

use jiff::Timestamp;

use super::drift::RegionMemory;
use super::evaluation::{AutoscaledRegion, Data, Evaluation, Range, RegionDecision, window_start};
use super::guardrail::round_up;
use super::metrics::WindowStats;
use super::settings::SettingsVerdict;
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleDuration, AutoscaleReason, AzureAutoscaleMode, RegionAutoscale,
};
use crate::domain::{LiveService, Location};

/// Keeps the live units.
pub(super) fn hold(
    base: RegionDecision,
    reason: AutoscaleReason,
    message: String,
) -> RegionDecision {
    RegionDecision {
        action: AutoscaleAction::Hold,
        reason,
        message,
        wanted_units: base.units.unwrap_or(base.wanted_units),
        ..base
    }
}

fn scale(
    base: RegionDecision,
    reason: AutoscaleReason,
    wanted_units: u32,
    message: String,
) -> RegionDecision {
    let action = match base.units {
        Some(units) if wanted_units < units => AutoscaleAction::ScaleIn,
        _ => AutoscaleAction::ScaleOut,
    };
    RegionDecision {
        action,
        reason,
        wanted_units,
        message,
        next_scale_allowed_at: None,
        ..base
    }
}

/// The service's primary region: the one flagged, else the first Azure listed.
pub(super) fn is_primary(live: &LiveService, location: &Location) -> bool {
    live.primary()
        .or_else(|| live.regions.first())
        .is_some_and(|primary| &primary.location == location)
}

/// Azure's autoscale setting: the primary left to it (PrimaryOnly), or every region held
/// while one targets the service or the settings could not be read (Conflict).
pub(super) fn azure_setting_gate(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    base: &RegionDecision,
) -> Option<RegionDecision> {
    let held = |reason, message| Some(hold(base.clone(), reason, message));
    match (input.mode, input.settings) {
        (AzureAutoscaleMode::PrimaryOnly, _) if is_primary(input.live, &region.location) => held(
            AutoscaleReason::LeftToAzureAutoscale,
            "spec.azureAutoscale is PrimaryOnly: the primary region's units are left to Azure's autoscale setting.".into(),
        ),
        (AzureAutoscaleMode::PrimaryOnly, _) | (_, SettingsVerdict::NoneFound) => None,
        (AzureAutoscaleMode::Conflict, SettingsVerdict::Targets(setting)) => held(
            AutoscaleReason::AutoscaleConflict,
            format!(
                "Azure autoscale setting {} ({}) is enabled and targets this service; the two would undo each other's changes. Remove or disable it, or set spec.azureAutoscale to PrimaryOnly to leave the primary region to it.",
                setting.name, setting.id
            ),
        ),
        (AzureAutoscaleMode::Conflict, SettingsVerdict::Unknown(why)) => held(
            AutoscaleReason::AutoscaleSettingsUnknown,
            format!(
                "The Azure autoscale settings of the resource group could not be read ({why}), so a conflict cannot be ruled out; the identity needs Microsoft.Insights/autoscaleSettings/read."
            ),
        ),
    }
}

/// A region the service does not run in yet starts at `minUnits` when the planner adds it.
pub(super) fn not_live(region: &AutoscaledRegion<'_>, base: RegionDecision) -> RegionDecision {
    let min = region.bounds.min;
    RegionDecision {
        wanted_units: min,
        ..hold(
            base,
            AutoscaleReason::RegionNotLive,
            format!(
                "{} is not part of the service yet; it is added with minUnits {min}.",
                region.location
            ),
        )
    }
}

/// When the cooldown (or, without one named, the earlier of both) after the last scale
/// ends, if that is still to come.
pub(super) fn cooldown_end(
    memory: &RegionMemory,
    rule: &RegionAutoscale,
    cooldown: Option<AutoscaleDuration>,
    now: Timestamp,
) -> Option<Timestamp> {
    let last = memory.last_scale_at?;
    let cooldowns = match cooldown {
        Some(cooldown) => vec![cooldown],
        None => vec![rule.cooldown_out, rule.cooldown_in],
    };
    cooldowns
        .into_iter()
        .filter_map(|c| last.checked_add(c.as_duration()).ok())
        .filter(|end| *end > now)
        .min()
}

fn max_text(region: &AutoscaledRegion<'_>, range: Range) -> String {
    if range.max == region.bounds.max {
        format!("maxUnits {}", range.max)
    } else {
        format!(
            "{} units (maxUnits {} within the tier's limit and the zones)",
            range.max, region.bounds.max
        )
    }
}

fn changed_elsewhere_note(region: &AutoscaledRegion<'_>, units: u32) -> String {
    match region.memory.own_units {
        Some(own) if own != units => {
            format!(" The count was changed elsewhere (this operator set {own}).")
        }
        _ => String::new(),
    }
}

/// Units outside the range are brought back first, without waiting for a cooldown and
/// without metric data; a big scale-in goes in steps Azure accepts.
pub(super) fn into_bounds(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    range: Range,
    units: u32,
    base: RegionDecision,
) -> RegionDecision {
    let note = changed_elsewhere_note(region, units);
    if units < range.min {
        return scale(
            base,
            AutoscaleReason::BelowMinUnits,
            range.min,
            format!(
                "{units} units are below minUnits {}: scaling out to {} without waiting for a cooldown.{note}",
                region.bounds.min, range.min
            ),
        );
    }
    let guard = input.guardrails.scale_in;
    let floor = if guard.per_region() {
        units - guard.max_removal(units)
    } else {
        0
    };
    let target = round_up(range.max.max(floor), range.multiple);
    let max = max_text(region, range);
    if target >= units {
        return hold(
            base,
            AutoscaleReason::ScaleInGuardrail,
            format!(
                "{units} units are above {max}, but Azure's scale-in rule leaves nothing to remove in one operation."
            ),
        );
    }
    let message = if target == range.max {
        format!(
            "{units} units are above {max}: scaling in to {target} without waiting for a cooldown.{note}"
        )
    } else {
        format!(
            "{units} units are above {max}: scaling in to {target} now (Azure removes at most {} % of more than {} units per operation), then on toward {}.{note}",
            guard.max_percent, guard.above_units, range.max
        )
    };
    scale(base, AutoscaleReason::AboveMaxUnits, target, message)
}

/// A count changed elsewhere inside the bounds is the new base: reported, not undone.
pub(super) fn adopted(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    recorded: u32,
    live: u32,
    base: RegionDecision,
) -> RegionDecision {
    let next = cooldown_end(&base.memory, region.rule, None, input.now);
    let message = format!(
        "The units were changed elsewhere from {recorded} to {live}, inside the bounds {}..{}: adopted as the new base, not undone; cooldowns count from now.",
        region.bounds.min, region.bounds.max
    );
    RegionDecision {
        next_scale_allowed_at: next,
        ..hold(base, AutoscaleReason::ChangedElsewhere, message)
    }
}

/// No usable series for the region.
pub(super) fn no_data(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    data: &Data,
    base: RegionDecision,
) -> RegionDecision {
    let metric = region.rule.metric;
    let (reason, message) = match data {
        Data::Unavailable(why) => (
            AutoscaleReason::MetricsUnavailable,
            format!("The {metric} metric could not be read ({why}); holding."),
        ),
        Data::NotRegional => (
            AutoscaleReason::NoRegionalValue,
            format!(
                "{metric} has one value for the whole service, which runs in {} regions; use Capacity to scale regions separately.",
                input.live.regions.len()
            ),
        ),
        Data::Missing | Data::Stats(_) => (
            AutoscaleReason::NoData,
            format!(
                "Azure Monitor returned no {metric} value for {}; holding.",
                region.location
            ),
        ),
    };
    hold(base, reason, message)
}

fn describe(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    stats: WindowStats,
    average: f64,
) -> String {
    let start = window_start(input, region);
    let span = match region.memory.last_scale_at {
        Some(last) if last == start => format!("since the last scale at {last}"),
        _ => format!("over the last {}", region.rule.window),
    };
    format!(
        "{} averaged {average:.1} % {span} ({} minutes with data)",
        region.rule.metric, stats.minutes_with_data
    )
}

/// The thresholds, with cooldowns, the scale-in estimate and Azure's 25 % rule.
pub(super) fn on_metric(
    input: &Evaluation<'_>,
    region: &AutoscaledRegion<'_>,
    range: Range,
    units: u32,
    stats: WindowStats,
    base: RegionDecision,
) -> RegionDecision {
    let rule = region.rule;
    let window = rule.window.minutes();
    let needed = window.div_ceil(2).max(1);
    let average = match stats.average {
        Some(average) if stats.minutes_with_data >= needed => average,
        _ => {
            let since = match region.memory.last_scale_at {
                Some(last) if last == window_start(input, region) => {
                    format!(" since the last scale at {last}")
                }
                _ => String::new(),
            };
            let message = format!(
                "{} has data for {} of the last {window} minutes{since}; at least {needed} are needed.",
                rule.metric, stats.minutes_with_data
            );
            return hold(base, AutoscaleReason::TooLittleData, message);
        }
    };
    let (out, inward) = (rule.scale_out_above, rule.scale_in_below);
    let described = describe(input, region, stats, average);
    let step = round_up(rule.step, range.multiple);
    let cooling = |cooldown: AutoscaleDuration, direction: &str, base: RegionDecision| {
        cooldown_end(&region.memory, rule, Some(cooldown), input.now).map(|until| {
            let message = format!("{described}; a scale-{direction} waits for the cooldown of {cooldown} after the last scale, until {until}.");
            RegionDecision {
                next_scale_allowed_at: Some(until),
                ..hold(base, AutoscaleReason::CoolingDown, message)
            }
        })
    };
    if average > f64::from(out) {
        if units >= range.max {
            let message = format!(
                "{described}, above {out} %, but the region is at {}.",
                max_text(region, range)
            );
            return hold(base, AutoscaleReason::AtMaxUnits, message);
        }
        if let Some(held) = cooling(rule.cooldown_out, "out", base.clone()) {
            return held;
        }
        let target = round_up(units.saturating_add(step), range.multiple).min(range.max);
        let message =
            format!("{described}, above {out} %: scaling out from {units} to {target} units.");
        return scale(base, AutoscaleReason::AboveThreshold, target, message);
    }
    if average >= f64::from(inward) {
        let message =
            format!("{described}, between {inward} % and {out} %: holding at {units} units.");
        return hold(base, AutoscaleReason::WithinBand, message);
    }
    if units <= range.min {
        let message = format!(
            "{described}, below {inward} %, but the region is at minUnits {}.",
            range.min
        );
        return hold(base, AutoscaleReason::AtMinUnits, message);
    }
    if let Some(held) = cooling(rule.cooldown_in, "in", base.clone()) {
        return held;
    }
    let guard = input.guardrails.scale_in;
    let floor = if guard.per_region() {
        units - guard.max_removal(units)
    } else {
        0
    };
    let target = round_up(
        units.saturating_sub(step).max(range.min).max(floor),
        range.multiple,
    );
    if target >= units {
        let message = format!(
            "{described}, below {inward} %, but Azure's scale-in rule leaves nothing to remove from {units} units in one operation."
        );
        return hold(base, AutoscaleReason::ScaleInGuardrail, message);
    }
    let estimate = average * f64::from(units) / f64::from(target);
    if estimate >= f64::from(out) {
        let message = format!(
            "{described}, below {inward} %, but on {target} units instead of {units} it would be about {estimate:.1} %, not below scaleOutAbove {out} %: holding."
        );
        return hold(base, AutoscaleReason::ScaleInWouldOverflow, message);
    }
    let message = format!(
        "{described}, below {inward} %: scaling in from {units} to {target} units (about {estimate:.1} % afterwards)."
    );
    scale(base, AutoscaleReason::BelowThreshold, target, message)
}
