//! The schedules and change windows as `apimcap plan` shows them: what the plan aims at and
//! why, whether a step may start now, and each start or end of a schedule in the coming
//! days with its time in the schedule's zone and in UTC, what it changes and when its Azure
//! operation starts. [`ScheduleReport`] holds values a caller can serialise;
//! [`ScheduleReport::render`] is the text section.

use std::fmt::Write as _;

use jiff::Timestamp;
use serde::Serialize;

use super::changes::{ExpectedDuration, ScheduledChange, lead_time, upcoming_changes};
use super::cron::zone_name;
use super::gate::window_gate;
use super::parse::Timetable;
use super::text::when;
use super::timeline::in_force;
use crate::api::EffectiveRegionStatus;

/// The schedule part of `apimcap plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleReport {
    /// The units the plan aims at, region by region, and where each number comes from.
    pub effective: Vec<EffectiveRegionStatus>,
    /// The schedule in force now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<String>,
    /// Why a scale step may not start now, when the change windows hold it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_window: Option<String>,
    /// Every start or end of a schedule in the next [`PLAN_DAYS`] days.
    pub upcoming: Vec<UpcomingChange>,
    /// The time zone of each schedule, to show instants in (not serialised).
    #[serde(skip)]
    zones: Vec<(String, jiff::tz::TimeZone)>,
}

/// How many days ahead `apimcap plan` lists scheduled changes.
pub const PLAN_DAYS: u32 = 7;

/// One start or end of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpcomingChange {
    /// When the schedule starts or ends (UTC).
    pub at: Timestamp,
    /// `at` on the schedule's wall clock, for example `2026-03-30 08:00 CEST`.
    pub local: String,
    /// The schedule's IANA time zone.
    pub time_zone: String,
    /// The schedule.
    pub schedule: String,
    /// `starts` or `ends`.
    pub event: &'static str,
    /// What changes, for example `westeurope 2 → 6, eastus 1 → 3`.
    pub description: String,
    /// Whether any region's units change (a schedule may start without changing any).
    pub changes_units: bool,
    /// When the operator starts the Azure operation: before `at` for a scale-up.
    pub preparation_starts_at: Timestamp,
    /// No change window lets the scale-up start in time: the capacity will be late.
    pub late: bool,
}

impl From<&ScheduledChange> for UpcomingChange {
    fn from(change: &ScheduledChange) -> Self {
        UpcomingChange {
            at: change.at,
            local: change.local().strftime("%Y-%m-%d %H:%M %Z").to_string(),
            time_zone: zone_name(&change.zone),
            schedule: change.schedule.clone(),
            event: if change.starts { "starts" } else { "ends" },
            description: change.description(),
            changes_units: change.changes_units(),
            preparation_starts_at: change.preparation.starts_at,
            late: change.preparation.late,
        }
    }
}

/// Every start or end of a schedule in the [`PLAN_DAYS`] days after `now`, in order.
pub fn upcoming(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> Vec<UpcomingChange> {
    upcoming_changes(timetable, now, PLAN_DAYS, durations)
        .iter()
        .map(UpcomingChange::from)
        .collect()
}

impl ScheduleReport {
    /// The report at `now` for a plan aiming at `effective`.
    pub fn new(
        timetable: &Timetable,
        effective: Vec<EffectiveRegionStatus>,
        now: Timestamp,
        durations: &impl ExpectedDuration,
    ) -> ScheduleReport {
        let step = std::time::Duration::try_from(lead_time(durations)).unwrap_or_default();
        let gate = window_gate(timetable.windows.as_ref(), now, step, false);
        ScheduleReport {
            effective,
            in_force: in_force(&timetable.schedules, now).map(|s| s.name.clone()),
            change_window: gate.reason_message().map(String::from),
            upcoming: upcoming(timetable, now, durations),
            zones: timetable
                .schedules
                .iter()
                .map(|s| (s.name.clone(), s.zone().clone()))
                .collect(),
        }
    }

    /// The text section; empty without schedules and change windows.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(why) = &self.change_window {
            let _ = writeln!(out, "Change windows: a step may not start now. {why}");
        }
        if self.zones.is_empty() {
            return out;
        }
        let aims: Vec<String> = self
            .effective
            .iter()
            .map(|r| format!("{}={} ({})", r.location, r.units, r.source))
            .collect();
        let _ = writeln!(out, "Aiming at: {}", aims.join(", "));
        out.push_str(&render_upcoming(&self.upcoming, &self.zones));
        out
    }
}

/// The list of scheduled changes, each instant in its schedule's zone and in UTC.
fn render_upcoming(changes: &[UpcomingChange], zones: &[(String, jiff::tz::TimeZone)]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        let _ = writeln!(out, "No scheduled change in the next {PLAN_DAYS} days.");
        return out;
    }
    let _ = writeln!(
        out,
        "Scheduled changes in the next {PLAN_DAYS} days (the schedule's time zone, then UTC):"
    );
    for (change, zone) in changes.iter().filter_map(|c| {
        let (_, zone) = zones.iter().find(|(name, _)| *name == c.schedule)?;
        Some((c, zone))
    }) {
        let mut line = format!(
            "  {}  {} {}: {}",
            when(change.at, zone),
            change.schedule,
            change.event,
            change.description
        );
        if change.preparation_starts_at != change.at {
            let verb = if change.preparation_starts_at < change.at {
                "prepared from"
            } else {
                "waits for a change window until"
            };
            let _ = write!(
                line,
                "; {verb} {}",
                when(change.preparation_starts_at, zone)
            );
        }
        if change.late {
            line.push_str("; no change window allows it in time: the capacity will be late");
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
