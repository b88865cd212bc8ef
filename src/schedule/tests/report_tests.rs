//! The schedule section of `apimcap plan`: the next 7 days of changes in the schedule's zone
//! and in UTC, across a daylight-saving switch, and the change windows now.

use super::support::*;
use crate::api::EffectiveRegionStatus;
use crate::schedule::{ScheduleReport, Timetable};

fn spec_units() -> Vec<EffectiveRegionStatus> {
    [("westeurope", 2), ("eastus", 1)]
        .into_iter()
        .map(|(location, units)| EffectiveRegionStatus {
            location: location.into(),
            units,
            source: "spec".into(),
        })
        .collect()
}

fn report(timetable: &Timetable, now: &str) -> ScheduleReport {
    ScheduleReport::new(timetable, spec_units(), utc(now), &takes(45))
}

#[test]
fn the_next_seven_days_are_listed_in_the_zone_and_in_utc_across_the_switch() {
    // Friday 27 March 2026, 12:00 UTC; clocks go forward in Amsterdam on Sunday 29 March.
    let text = report(&timetable(BUSINESS_HOURS), "2026-03-27T12:00Z").render();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Aiming at: westeurope=2 (spec), eastus=1 (spec)");
    assert_eq!(
        lines[1],
        "Scheduled changes in the next 7 days (the schedule's time zone, then UTC):"
    );
    assert_eq!(
        lines[2],
        "  2026-03-27 19:00 CET (18:00 UTC)  business-hours ends: westeurope 6 → 2, eastus 3 → 1"
    );
    assert_eq!(
        lines[3],
        "  2026-03-30 08:00 CEST (06:00 UTC)  business-hours starts: westeurope 2 → 6, eastus 1 → 3; \
         prepared from 2026-03-30 07:15 CEST (05:15 UTC)"
    );
    // Friday's end, then Monday to Thursday start and end, then Friday 3 April's start.
    assert_eq!(lines.len(), 2 + 1 + 4 * 2 + 1, "{text}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("  2026-04-03 08:00 CEST"))
    );
}

#[test]
fn the_report_serialises_each_change_with_utc_and_local_times() {
    let report = report(&timetable(BUSINESS_HOURS), "2026-03-28T12:00Z");
    let json = serde_json::to_value(&report).expect("serialises");
    let first = &json["upcoming"][0];
    assert_eq!(first["at"], "2026-03-30T06:00:00Z");
    assert_eq!(first["local"], "2026-03-30 08:00 CEST");
    assert_eq!(first["timeZone"], "Europe/Amsterdam");
    assert_eq!(first["event"], "starts");
    assert_eq!(first["preparationStartsAt"], "2026-03-30T05:15:00Z");
    assert_eq!(first["late"], false);
    assert!(json.get("inForce").is_none() && json.get("changeWindow").is_none());
    assert_eq!(json["effective"][0]["source"], "spec");
}

#[test]
fn a_closed_window_and_a_change_waiting_for_one_are_shown() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}changeWindows:\n  timeZone: Europe/Amsterdam\n  allow: [{{start: \"0 6 * * *\", duration: 3h}}]\n"
    ));
    let text = report(&timetable, "2026-03-27T12:00Z").render();
    assert!(
        text.starts_with(
            "Change windows: a step may not start now. Outside the allowed periods of spec.changeWindows; \
             the next opening with room for a step of 45m is 2026-03-28 06:00 CET (05:00 UTC)."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "business-hours ends: westeurope 6 → 2, eastus 3 → 1; waits for a change window until 2026-03-28 06:00 CET (05:00 UTC)"
        ),
        "{text}"
    );
}

#[test]
fn without_schedules_or_windows_there_is_no_section() {
    assert_eq!(report(&timetable(""), "2026-03-27T12:00Z").render(), "");
}
