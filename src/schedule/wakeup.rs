//! What the planner should aim at now, with scale-ups being prepared ahead of their
//! schedules, and the next instant at which any answer of this module changes.

use jiff::{SignedDuration, Timestamp};

use crate::domain::RegionUnits;

use super::changes::{
    CHANGE_HORIZON, ExpectedDuration, MAX_EARLY_START, changes_units, lead_time, scheduled_change,
    units_with,
};
use super::parse::Timetable;
use super::plus;
use super::timeline::{EffectiveRegion, Timeline, Transition, UnitsSource, in_force_index};
use super::windows::WINDOW_HORIZON;

/// How many scale-up preparations one evaluation works out at most; past it, a
/// conservative wake-up is asked for instead.
const PREPARATION_BUDGET: usize = 8;

/// How long before its change a preparation can start at the earliest.
fn earliest_preparation(timetable: &Timetable, lead: SignedDuration) -> SignedDuration {
    if timetable.windows.is_some() {
        lead.saturating_add(MAX_EARLY_START)
    } else {
        lead
    }
}

fn scales_up(timetable: &Timetable, transition: &Transition) -> bool {
    let before = units_with(timetable, transition.before);
    let after = units_with(timetable, transition.after);
    before.iter().zip(&after).any(|(b, a)| a.units > b.units)
}

/// The units every region should have at `now`: those of the schedule in force (or the
/// spec's), raised for every upcoming scale-up whose preparation has started, so that it
/// is finished when its schedule starts. A scale-down is never brought forward. This is what
/// the planner is asked to reach.
pub fn desired_units(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> Vec<EffectiveRegion> {
    let lead = lead_time(durations);
    let mut units = units_with(timetable, in_force_index(&timetable.schedules, now));
    let until = plus(now, earliest_preparation(timetable, lead));
    let mut budget = PREPARATION_BUDGET;
    for transition in Timeline::new(&timetable.schedules, now, until) {
        if !scales_up(timetable, &transition) {
            continue;
        }
        if budget == 0 {
            break;
        }
        budget -= 1;
        let Some(change) = scheduled_change(timetable, &transition, lead) else {
            continue;
        };
        if change.preparation.starts_at > now {
            continue;
        }
        for (region, target) in units.iter_mut().zip(&change.after) {
            if target.units > region.units {
                region.units = target.units;
                region.source = UnitsSource::Preparing(change.schedule.clone());
            }
        }
    }
    units
}

/// Keeps a scale-up whose preparation already started (the previous reconcile aimed at it
/// for `schedule`'s change at `change_at`) until that change, as long as the schedules still
/// make it. Durations learned meanwhile can start the preparation later now (a quick step
/// teaches a short p90); going back down only to scale up again minutes later would cost two
/// operations and risk being late.
pub fn keep_started_preparation(
    timetable: &Timetable,
    now: Timestamp,
    regions: &mut [EffectiveRegion],
    schedule: &str,
    change_at: Timestamp,
) {
    if change_at <= now {
        return;
    }
    let Some(transition) =
        Timeline::new(&timetable.schedules, now, change_at).find(|t| t.at == change_at)
    else {
        return;
    };
    let starts = transition
        .after
        .and_then(|i| timetable.schedules.get(i))
        .is_some_and(|s| s.name == schedule);
    if !starts {
        return;
    }
    for (region, target) in regions
        .iter_mut()
        .zip(units_with(timetable, transition.after))
    {
        if target.units > region.units {
            region.units = target.units;
            region.source = UnitsSource::Preparing(schedule.to_string());
        }
    }
}

/// [`desired_units`] as the planner takes them.
pub fn region_units(regions: &[EffectiveRegion]) -> Vec<RegionUnits> {
    regions
        .iter()
        .map(|r| RegionUnits {
            location: r.location.clone(),
            units: r.units,
        })
        .collect()
}

/// The earliest instant after `now` at which the schedule in force, the desired units, the
/// next change or whether the change windows are open changes: a schedule's start or end,
/// a preparation's start, a window opening or closing. The reconcile requeues for exactly
/// then; `None` when nothing changes within a year. (A step held by the gate requeues at the
/// gate's `next_opening` instead.)
pub fn next_wakeup(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> Option<Timestamp> {
    let lead = lead_time(durations);
    let early = earliest_preparation(timetable, lead);
    let mut best: Option<Timestamp> = timetable
        .windows
        .as_ref()
        .and_then(|w| w.next_change_after(now, WINDOW_HORIZON));
    let mut earliest = |candidate: Timestamp| {
        if candidate > now && best.is_none_or(|b| candidate < b) {
            best = Some(candidate);
        }
    };
    let mut timeline = Timeline::new(&timetable.schedules, now, plus(now, CHANGE_HORIZON));
    let mut budget = PREPARATION_BUDGET;
    let mut best_so_far: Option<Timestamp> = None;
    for transition in timeline.by_ref() {
        // A later change's preparation starts no earlier than `early` before it.
        if best_so_far.is_some_and(|b| plus(transition.at, -early) > b) {
            break;
        }
        earliest(transition.at);
        if changes_units(timetable, &transition) && scales_up(timetable, &transition) {
            if budget == 0 {
                earliest(plus(transition.at, -early));
                break;
            }
            budget -= 1;
            if let Some(change) = scheduled_change(timetable, &transition, lead) {
                earliest(change.preparation.starts_at);
            }
        }
        best_so_far = best_so_far.map_or(Some(transition.at), |b| Some(b.min(transition.at)));
    }
    if let Some(gave_up) = timeline.gave_up_at() {
        earliest(gave_up);
    }
    best
}
