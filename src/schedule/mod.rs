//! Capacity schedules and change windows, as pure functions of the spec, an instant and the
//! expected duration of a step: no I/O, no clock reads, no async.
//!
//! - `parse`: the spec's schedules and windows into typed values ([`Timetable`]), or a
//!   [`SpecError`] naming the schedule, the field and the problem (Stalled, InvalidSpec).
//! - `timeline`: which schedule is in force at an instant (the later entry wins), the units
//!   that follow ([`effective_units`]), and the instants at which that changes.
//! - `changes`: the next change of units and its preparation: a scale-up starts its
//!   expected duration (the p90 of learned durations) before the schedule, or at the last
//!   moment before that the change windows allow; a scale-down starts at the change.
//! - `windows` and `gate`: whether a step may start now ([`window_gate`]).
//! - `wakeup`: what the planner should aim at now ([`desired_units`]) and the next instant
//!   any of these answers changes ([`next_wakeup`]), so the reconcile requeues for exactly
//!   then instead of polling.
//! - `report`: the schedule section of `apimcap plan` ([`ScheduleReport`]).
//!
//! Cron expressions are croner's and time zones jiff's, with the IANA database embedded in
//! the binary (a system copy is preferred when there is one).

mod changes;
mod cron;
mod gate;
mod parse;
mod report;
mod text;
mod timeline;
mod wakeup;
mod windows;

#[cfg(test)]
mod tests;

pub use changes::{
    CHANGE_HORIZON, ExpectedDuration, MAX_EARLY_START, Preparation, ScheduledChange, lead_time,
    next_change, preparation, schedule_status, upcoming_changes,
};
pub use cron::{CronTimes, zone_name};
pub use gate::{CHANGE_WINDOW_OVERRIDE, Gate, override_allowed, window_gate};
pub use parse::{
    ChangeWindows, MAX_DURATION, MIN_DURATION, Schedule, ScheduleEnd, SpecError, Timetable, Window,
    parse_change_windows, parse_duration, parse_schedules, time_zone,
};
pub use report::{PLAN_DAYS, ScheduleReport, UpcomingChange, upcoming};
pub use text::when;
pub use timeline::{
    EVENT_BUDGET, EffectiveRegion, Timeline, Transition, UnitsSource, effective_units, in_force,
    in_force_index, is_active,
};
pub use wakeup::{desired_units, keep_started_preparation, next_wakeup, region_units};
pub use windows::{Reach, START_SLACK, WINDOW_HORIZON};

use jiff::{SignedDuration, Timestamp};

/// `at + d`, saturating at the ends of the calendar.
fn plus(at: Timestamp, d: SignedDuration) -> Timestamp {
    at.checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
