//! The gates that follow the clock: schedules and change windows (DESIGN §9).
//!
//! - [`aim`], decided from the spec alone (no Azure call): schedules and windows that cannot
//!   be read stall the resource (InvalidSpec, with the parser's message naming the field);
//!   otherwise it works out the effective capacity at `now` (what the planner is asked to
//!   reach), `status.effective`, `status.schedule` and the next instant any of it changes
//!   (the reconcile wakes up then).
//! - [`change_window`], right before a step starts: outside the allowed periods, inside a
//!   deny window, or when the step's p90 would run past the window's end (unless
//!   `allowOverrun`), nothing starts: Ready False, WaitingForChangeWindow, requeued at the
//!   next opening. The override annotation set to `metadata.generation` lets that one
//!   generation through, with a Warning Event saying so.

use std::time::Duration;

use kube::ResourceExt;

use super::{Decision, Findings, Input};
use crate::api::Reason;
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::Requeue;
use crate::domain::DesiredCapacity;
use crate::effective::{Aim, EffectiveCapacity, autoscale_ranges, effective_capacity};
use crate::plan::Step;
use crate::schedule::{
    CHANGE_WINDOW_OVERRIDE, Gate, Timetable, next_wakeup, override_allowed, schedule_status,
    window_gate,
};
use crate::status::Outcome;

/// What the clock decided for this reconcile.
pub(super) struct Aimed {
    /// The spec's schedules and change windows, parsed.
    pub timetable: Timetable,
    /// What the planner is asked to reach now.
    pub desired: DesiredCapacity,
    /// The units aimed at changed since the previous reconcile: a difference from the live
    /// service is the clock's doing, not drift.
    pub moved: bool,
    /// The effective capacity `desired` is built from (autoscale fills in its regions).
    pub effective: EffectiveCapacity,
}

/// Parses the schedules and windows and works out the capacity to aim at now.
pub(super) fn aim(input: &Input, found: &mut Findings) -> Result<Aimed, Decision> {
    let spec = &input.resource.spec;
    let timetable = Timetable::from_spec(spec).map_err(|error| {
        let outcome = Outcome::Stalled {
            reason: Reason::InvalidSpec,
            message: error.to_string(),
        };
        // Only a new generation can repair the spec.
        found.conclude(outcome, Requeue::OnChange)
    })?;
    let durations = input.durations;
    let mut effective = effective_capacity(&timetable, input.now, durations);
    effective.keep_preparation_of(&timetable, input.previous, input.now);
    // Until the live service is read, autoscaled regions start from the units last seen.
    let ranges = autoscale_ranges(spec, &timetable, input.now);
    let seen = input.previous.live.as_ref();
    let last_seen = |location: &crate::domain::Location| {
        seen?
            .regions
            .iter()
            .find(|r| crate::domain::Location::new(&r.location) == *location)
            .map(|r| r.units)
    };
    effective.with_autoscale(spec, &ranges, last_seen, &[]);
    let schedule = schedule_status(&timetable, input.now, durations);
    found.observed.aim = Some(Aim {
        effective: effective.status(),
        schedule: effective.schedule_status(schedule, input.previous),
    });
    found.wake_at = next_wakeup(&timetable, input.now, durations);
    Ok(Aimed {
        desired: effective.desired(spec),
        moved: effective.moved_since(input.previous, spec),
        timetable,
        effective,
    })
}

/// The change windows let the first step start now (or the override lets this generation
/// through).
pub(super) fn change_window(
    input: &Input,
    aimed: &Aimed,
    steps: &[Step],
    found: &mut Findings,
) -> Result<(), Decision> {
    let (Some(windows), Some(step)) = (aimed.timetable.windows.as_ref(), steps.first()) else {
        return Ok(());
    };
    let expected = input.durations.p90(step.kind());
    let gate = window_gate(Some(windows), input.now, expected, false);
    let Some(why) = gate.reason_message() else {
        return Ok(());
    };
    let generation = input.resource.metadata.generation;
    let annotation = input.resource.annotations().get(CHANGE_WINDOW_OVERRIDE);
    if override_allowed(annotation.map(String::as_str), generation) {
        found.events.push(Note::warning(
            EventReason::ChangeWindowOverridden,
            format!(
                "{CHANGE_WINDOW_OVERRIDE} is set to generation {}: starting \"{}\" outside the change windows. {why}",
                generation.unwrap_or_default(),
                step.description()
            ),
        ));
        return Ok(());
    }
    let message = format!(
        "\"{}\" waits for a change window. {why} To start it now, annotate the resource with {CHANGE_WINDOW_OVERRIDE}: \"{}\".",
        step.description(),
        generation.unwrap_or_default()
    );
    let outcome = Outcome::Waiting {
        reason: Reason::WaitingForChangeWindow,
        message,
    };
    Err(found.conclude(outcome, until_opening(&gate, input)))
}

/// Look again when the next window with room for the step opens (the resync, at the latest).
fn until_opening(gate: &Gate, input: &Input) -> Requeue {
    match gate.next_opening() {
        Some(at) => {
            let wait = input.now.duration_until(at);
            Requeue::After(Duration::try_from(wait).unwrap_or(Duration::ZERO))
        }
        None => Requeue::Resync,
    }
}
