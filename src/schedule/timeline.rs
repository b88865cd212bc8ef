//! Which schedule is in force at an instant, the units that follow from it, and the instants
//! at which that changes.
//!
//! A schedule with an `end` expression is active from a start until the next end: at an
//! instant where both fire, the end wins (the periods are half-open, `[start, end)`). A
//! schedule with a `duration` is active during `[start, start + duration)` for every start;
//! overlapping periods join. The schedule in force is the last active one in spec order.

use jiff::Timestamp;

use crate::domain::{Location, RegionUnits};

use super::parse::{Schedule, ScheduleEnd};

/// How many start and end instants one [`Timeline`] reads before it gives up (a schedule
/// firing every minute whose units change nothing could otherwise keep it busy for long).
pub const EVENT_BUDGET: usize = 4_000;

/// The units a region should have and where the number comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRegion {
    /// The region (normalised).
    pub location: Location,
    /// Its units.
    pub units: u32,
    /// Where `units` comes from.
    pub source: UnitsSource,
}

/// Where a region's units come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitsSource {
    /// `spec.regions`.
    Spec,
    /// The schedule of this name, which is in force.
    Schedule(String),
    /// The schedule of this name, which starts soon: the scale-up is being prepared so that
    /// it is finished when the schedule starts.
    Preparing(String),
    /// The autoscale decision, within the range in force (`crate::effective`).
    Autoscale,
}

impl std::fmt::Display for UnitsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitsSource::Spec => f.write_str("spec"),
            UnitsSource::Schedule(name) => write!(f, "schedule {name}"),
            UnitsSource::Preparing(name) => write!(f, "schedule {name} (preparing)"),
            UnitsSource::Autoscale => f.write_str("autoscale"),
        }
    }
}

/// Whether `schedule` is active at `now`.
pub fn is_active(schedule: &Schedule, now: Timestamp) -> bool {
    let Some(started) = schedule.start.last_at_or_before(now) else {
        return false;
    };
    match &schedule.end {
        ScheduleEnd::At(end) => end
            .last_at_or_before(now)
            .is_none_or(|ended| ended < started),
        ScheduleEnd::After(duration) => started.checked_add(*duration).is_ok_and(|end| now < end),
    }
}

/// The schedule in force at `now`: the last active one in `schedules` (a later entry wins).
pub fn in_force(schedules: &[Schedule], now: Timestamp) -> Option<&Schedule> {
    schedules.iter().rev().find(|s| is_active(s, now))
}

/// The index of the schedule in force at `now`.
pub fn in_force_index(schedules: &[Schedule], now: Timestamp) -> Option<usize> {
    (0..schedules.len())
        .rev()
        .find(|&i| is_active(&schedules[i], now))
}

/// The units of every region of `spec.regions` while `in_force` is the schedule in force:
/// the regions it lists get its units, the others keep the spec's.
pub fn effective_units(
    regions: &[RegionUnits],
    in_force: Option<&Schedule>,
) -> Vec<EffectiveRegion> {
    regions
        .iter()
        .map(|region| {
            let scheduled = in_force.and_then(|schedule| {
                schedule
                    .regions
                    .iter()
                    .find(|r| r.location == region.location)
                    .map(|r| (r.units, UnitsSource::Schedule(schedule.name.clone())))
            });
            let (units, source) = scheduled.unwrap_or((region.units, UnitsSource::Spec));
            EffectiveRegion {
                location: region.location.clone(),
                units,
                source,
            }
        })
        .collect()
}

/// The last start or end of any schedule strictly before `before`.
pub fn previous_boundary(schedules: &[Schedule], before: Timestamp) -> Option<Timestamp> {
    schedules
        .iter()
        .flat_map(|schedule| {
            let started = schedule.start.last_before(before);
            let ended = match &schedule.end {
                ScheduleEnd::At(end) => end.last_before(before),
                ScheduleEnd::After(duration) => before
                    .checked_sub(*duration)
                    .ok()
                    .and_then(|t| schedule.start.last_before(t))
                    .and_then(|t| t.checked_add(*duration).ok()),
            };
            [started, ended]
        })
        .flatten()
        .max()
}

/// An instant at which the schedule in force changes (by index into the schedules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// When.
    pub at: Timestamp,
    /// The schedule in force just before.
    pub before: Option<usize>,
    /// The schedule in force from `at` on.
    pub after: Option<usize>,
}

/// What one schedule is doing while a [`Timeline`] sweeps forward.
#[derive(Debug, Clone)]
struct Sweep {
    /// Active (for a schedule with an `end` expression).
    active: bool,
    /// Active before this instant (for a schedule with a `duration`).
    active_until: Option<Timestamp>,
    next_start: Option<Timestamp>,
    next_end: Option<Timestamp>,
}

impl Sweep {
    fn new(schedule: &Schedule, now: Timestamp) -> Sweep {
        let next_start = schedule.start.next_after(now);
        match &schedule.end {
            ScheduleEnd::At(end) => Sweep {
                active: is_active(schedule, now),
                active_until: None,
                next_start,
                next_end: end.next_after(now),
            },
            ScheduleEnd::After(duration) => Sweep {
                active: false,
                active_until: schedule
                    .start
                    .last_at_or_before(now)
                    .map(|started| started.checked_add(*duration).unwrap_or(Timestamp::MAX)),
                next_start,
                next_end: None,
            },
        }
    }

    fn is_active(&self, schedule: &Schedule, at: Timestamp) -> bool {
        match schedule.end {
            ScheduleEnd::At(_) => self.active,
            ScheduleEnd::After(_) => self.active_until.is_some_and(|until| at < until),
        }
    }

    fn next_event(&self, at: Timestamp) -> Option<Timestamp> {
        let expiry = self.active_until.filter(|until| *until > at);
        [self.next_start, self.next_end, expiry]
            .into_iter()
            .flatten()
            .min()
    }

    fn advance(&mut self, schedule: &Schedule, at: Timestamp) {
        let starts = self.next_start == Some(at);
        if starts {
            self.next_start = schedule.start.next_after(at);
        }
        match &schedule.end {
            ScheduleEnd::At(end) => {
                if self.next_end == Some(at) {
                    self.active = false;
                    self.next_end = end.next_after(at);
                } else if starts {
                    self.active = true;
                }
            }
            ScheduleEnd::After(duration) => {
                if starts {
                    let until = at.checked_add(*duration).unwrap_or(Timestamp::MAX);
                    self.active_until = Some(self.active_until.map_or(until, |u| u.max(until)));
                }
            }
        }
    }
}

/// The instants after `now`, up to `until`, at which the schedule in force changes, in
/// order. It reads at most [`EVENT_BUDGET`] start and end instants; when it stops for that
/// reason, [`Timeline::gave_up_at`] says where.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    schedules: &'a [Schedule],
    sweeps: Vec<Sweep>,
    at: Timestamp,
    until: Timestamp,
    in_force: Option<usize>,
    events_left: usize,
    gave_up_at: Option<Timestamp>,
}

impl<'a> Timeline<'a> {
    /// The transitions of `schedules` in `(now, until]`.
    pub fn new(schedules: &'a [Schedule], now: Timestamp, until: Timestamp) -> Timeline<'a> {
        let sweeps: Vec<Sweep> = schedules.iter().map(|s| Sweep::new(s, now)).collect();
        let mut timeline = Timeline {
            schedules,
            sweeps,
            at: now,
            until,
            in_force: None,
            events_left: EVENT_BUDGET,
            gave_up_at: None,
        };
        timeline.in_force = timeline.current();
        timeline
    }

    /// The schedule in force at the instant the sweep has reached.
    pub fn in_force(&self) -> Option<usize> {
        self.in_force
    }

    /// Where the sweep stopped because it read [`EVENT_BUDGET`] instants, if it did: nothing
    /// is known from there on.
    pub fn gave_up_at(&self) -> Option<Timestamp> {
        self.gave_up_at
    }

    fn current(&self) -> Option<usize> {
        (0..self.schedules.len())
            .rev()
            .find(|&i| self.sweeps[i].is_active(&self.schedules[i], self.at))
    }
}

impl Iterator for Timeline<'_> {
    type Item = Transition;

    fn next(&mut self) -> Option<Transition> {
        loop {
            let at = self
                .sweeps
                .iter()
                .filter_map(|s| s.next_event(self.at))
                .min()?;
            if at > self.until || self.gave_up_at.is_some() {
                return None;
            }
            if self.events_left == 0 {
                self.gave_up_at = Some(at);
                return None;
            }
            self.events_left -= 1;
            for (sweep, schedule) in self.sweeps.iter_mut().zip(self.schedules) {
                sweep.advance(schedule, at);
            }
            self.at = at;
            let before = self.in_force;
            let after = self.current();
            if before != after {
                self.in_force = after;
                return Some(Transition { at, before, after });
            }
        }
    }
}
