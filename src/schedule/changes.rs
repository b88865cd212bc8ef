//! The changes schedules will make, and when the operator must start each one so that a
//! scale-up is finished when its schedule starts while a scale-down waits for its end.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

use crate::api;
use crate::plan::{DurationEstimates, StepKind};

use super::parse::{ChangeWindows, Timetable};
use super::plus;
use super::text::units_change;
use super::timeline::{EffectiveRegion, Timeline, Transition, effective_units, previous_boundary};

/// How far ahead the next change is looked for: 366 days.
pub const CHANGE_HORIZON: SignedDuration = SignedDuration::from_hours(366 * 24);

/// The earliest a scale-up is started before its schedule when change windows push it
/// forward: 8 days (a weekly window and the step's duration). When no window allows it
/// within that, the capacity will be late.
pub const MAX_EARLY_START: SignedDuration = SignedDuration::from_hours(8 * 24);

/// How long a step of a kind is expected to take. Schedules plan with the 90th percentile
/// of learned durations ([`DurationEstimates::p90`]), so a scale-up is ready on time nine
/// times in ten; a closure `Fn(StepKind) -> Duration` serves as well.
pub trait ExpectedDuration {
    /// The expected duration of a step of `kind`.
    fn expected_duration(&self, kind: StepKind) -> Duration;
}

impl ExpectedDuration for DurationEstimates {
    fn expected_duration(&self, kind: StepKind) -> Duration {
        self.p90(kind)
    }
}

impl<F: Fn(StepKind) -> Duration> ExpectedDuration for F {
    fn expected_duration(&self, kind: StepKind) -> Duration {
        self(kind)
    }
}

/// How long preparing a scheduled change takes: schedules change units only, so a Scale
/// step.
pub fn lead_time(durations: &impl ExpectedDuration) -> SignedDuration {
    SignedDuration::try_from(durations.expected_duration(StepKind::Scale))
        .unwrap_or(SignedDuration::MAX)
        .clamp(SignedDuration::ZERO, CHANGE_HORIZON)
}

/// A change of the schedule in force.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledChange {
    /// When the schedule starts or ends.
    pub at: Timestamp,
    /// The schedule that starts or ends.
    pub schedule: String,
    /// True when it starts, false when it ends.
    pub starts: bool,
    /// The schedule's time zone.
    pub zone: TimeZone,
    /// The units of every region just before.
    pub before: Vec<EffectiveRegion>,
    /// The units of every region from `at` on.
    pub after: Vec<EffectiveRegion>,
    /// When the operator starts the Azure operation for it.
    pub preparation: Preparation,
}

/// When the Azure operation of a scheduled change starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preparation {
    /// For a scale-up, the expected duration before `at`, or the last moment before that
    /// the change windows allow; for a scale-down, `at` or the next window opening after.
    pub starts_at: Timestamp,
    /// A scale-up that no change window lets start in time: it will finish after `at`.
    pub late: bool,
    /// Some region gets more units.
    pub scale_up: bool,
}

impl ScheduledChange {
    /// What changes, for example `westeurope 2 → 6, eastus 1 → 3`.
    pub fn description(&self) -> String {
        units_change(&self.before, &self.after)
    }

    /// Whether any region's units change.
    pub fn changes_units(&self) -> bool {
        self.before
            .iter()
            .zip(&self.after)
            .any(|(b, a)| b.units != a.units)
    }

    /// `at` on the schedule's wall clock.
    pub fn local(&self) -> Zoned {
        self.at.to_zoned(self.zone.clone())
    }
}

/// Whether some region has more units in `after` than in `before`.
fn scales_up(before: &[EffectiveRegion], after: &[EffectiveRegion]) -> bool {
    before.iter().zip(after).any(|(b, a)| a.units > b.units)
}

/// When to start the operation of a change at `at` from `before` to `after`, expected to
/// take `lead`. A scale-up starts `lead` before `at`; when the change windows do not allow
/// that, at the last moment before it they allow, but not before `not_before` (the previous
/// start or end of a schedule) nor more than [`MAX_EARLY_START`] early: failing that it is
/// late and starts at the next opening (at `at` when none opens within [`MAX_EARLY_START`]).
/// A scale-down starts at `at`, or at the next opening.
pub fn preparation(
    windows: Option<&ChangeWindows>,
    at: Timestamp,
    before: &[EffectiveRegion],
    after: &[EffectiveRegion],
    lead: SignedDuration,
    not_before: Option<Timestamp>,
) -> Preparation {
    let scale_up = scales_up(before, after);
    let open_at = |w: &ChangeWindows, t: Timestamp| {
        w.is_allowed(t) && w.has_room(t, lead, SignedDuration::ZERO)
    };
    if !scale_up {
        let starts_at = match windows {
            Some(w) if !open_at(w, at) => w
                .next_opening_within(at, lead, MAX_EARLY_START)
                .unwrap_or(at),
            _ => at,
        };
        return Preparation {
            starts_at,
            late: false,
            scale_up,
        };
    }
    let ideal = plus(at, -lead);
    let Some(w) = windows else {
        return Preparation {
            starts_at: ideal,
            late: false,
            scale_up,
        };
    };
    let earliest = plus(ideal, -MAX_EARLY_START).max(not_before.unwrap_or(Timestamp::MIN));
    let (starts_at, late) = match w.last_allowed_start(ideal, lead, earliest) {
        Some(start) => (start, false),
        None if open_at(w, ideal) => (ideal, false),
        None => (
            w.next_opening_within(ideal, lead, MAX_EARLY_START)
                .unwrap_or(at),
            true,
        ),
    };
    Preparation {
        starts_at,
        late,
        scale_up,
    }
}

/// The schedule that starts or ends at a transition, and whether it starts.
fn cause(transition: &Transition) -> Option<(usize, bool)> {
    match (transition.before, transition.after) {
        (Some(before), Some(after)) if after < before => Some((before, false)),
        (_, Some(after)) => Some((after, true)),
        (Some(before), None) => Some((before, false)),
        (None, None) => None,
    }
}

/// The change a transition makes, with its preparation.
pub fn scheduled_change(
    timetable: &Timetable,
    transition: &Transition,
    lead: SignedDuration,
) -> Option<ScheduledChange> {
    let (index, starts) = cause(transition)?;
    let schedule = timetable.schedules.get(index)?;
    let before = units_with(timetable, transition.before);
    let after = units_with(timetable, transition.after);
    let not_before = match timetable.windows {
        Some(_) => previous_boundary(&timetable.schedules, transition.at),
        None => None,
    };
    let preparation = preparation(
        timetable.windows.as_ref(),
        transition.at,
        &before,
        &after,
        lead,
        not_before,
    );
    Some(ScheduledChange {
        at: transition.at,
        schedule: schedule.name.clone(),
        starts,
        zone: schedule.zone().clone(),
        before,
        after,
        preparation,
    })
}

/// The next change of units after `now` (within [`CHANGE_HORIZON`]), with its preparation.
/// A schedule starting or ending without changing any units is passed over.
pub fn next_change(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> Option<ScheduledChange> {
    let lead = lead_time(durations);
    Timeline::new(&timetable.schedules, now, plus(now, CHANGE_HORIZON))
        .find(|t| changes_units(timetable, t))
        .and_then(|t| scheduled_change(timetable, &t, lead))
}

/// The units of every region while the schedule of index `in_force` is in force.
pub(crate) fn units_with(timetable: &Timetable, in_force: Option<usize>) -> Vec<EffectiveRegion> {
    let schedule = in_force.and_then(|i| timetable.schedules.get(i));
    effective_units(&timetable.regions, schedule)
}

/// Whether a transition changes some region's units.
pub(crate) fn changes_units(timetable: &Timetable, transition: &Transition) -> bool {
    let before = units_with(timetable, transition.before);
    let after = units_with(timetable, transition.after);
    before.iter().zip(&after).any(|(b, a)| b.units != a.units)
}

/// Every start or end of a schedule in the `days` days after `now`, in order, with the
/// units before and after and the preparation (for `apimcap plan`).
pub fn upcoming_changes(
    timetable: &Timetable,
    now: Timestamp,
    days: u32,
    durations: &impl ExpectedDuration,
) -> Vec<ScheduledChange> {
    let lead = lead_time(durations);
    let until = plus(now, SignedDuration::from_hours(i64::from(days) * 24));
    Timeline::new(&timetable.schedules, now, until)
        .filter_map(|t| scheduled_change(timetable, &t, lead))
        .collect()
}

/// The schedule part of status at `now`; `None` when the spec has no schedules.
pub fn schedule_status(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> Option<api::ScheduleStatus> {
    if timetable.schedules.is_empty() {
        return None;
    }
    let in_force = super::timeline::in_force(&timetable.schedules, now).map(|s| s.name.clone());
    let next_change = next_change(timetable, now, durations).map(|change| api::NextChange {
        at: change.at.into(),
        schedule: change.schedule.clone(),
        description: change.description(),
        preparation_starts_at: change.preparation.starts_at.into(),
        late: change.preparation.late,
    });
    Some(api::ScheduleStatus {
        in_force,
        next_change,
    })
}
