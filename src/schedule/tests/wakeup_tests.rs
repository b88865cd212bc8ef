//! The next instant anything changes, and the list of changes `apimcap plan` shows.

use jiff::Timestamp;

use super::support::*;
use crate::schedule::{Timetable, next_wakeup, upcoming_changes};

/// The wake-ups one after the other from `from`, `n` of them, in UTC.
fn wakeups(timetable: &Timetable, from: &str, n: usize) -> Vec<String> {
    let mut at: Timestamp = utc(from);
    let mut out = Vec::new();
    for _ in 0..n {
        let Some(next) = next_wakeup(timetable, at, &takes(45)) else {
            break;
        };
        out.push(next.to_string());
        at = next;
    }
    out
}

#[test]
fn the_reconcile_wakes_for_the_preparation_the_start_and_the_end() {
    let timetable = timetable(BUSINESS_HOURS);
    assert_eq!(
        wakeups(&timetable, "2026-03-27T12:00Z", 5),
        [
            "2026-03-27T18:00:00Z", // Friday 19:00 CET: the end
            "2026-03-30T05:15:00Z", // Monday: the preparation
            "2026-03-30T06:00:00Z", // 08:00 CEST: the start
            "2026-03-30T17:00:00Z", // 19:00 CEST: the end
            "2026-03-31T05:15:00Z",
        ]
    );
}

#[test]
fn window_openings_and_closings_wake_the_reconcile_too() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}changeWindows:\n  timeZone: Europe/Amsterdam\n  allow: [{{start: \"0 6 * * *\", duration: 3h}}]\n"
    ));
    assert_eq!(
        wakeups(&timetable, "2026-03-27T12:00Z", 6),
        [
            "2026-03-27T18:00:00Z", // the end (its scale-down waits for the window)
            "2026-03-28T05:00:00Z", // Saturday 06:00 CET: the window opens
            "2026-03-28T08:00:00Z", // 09:00: it closes
            "2026-03-29T04:00:00Z", // Sunday 06:00 CEST
            "2026-03-29T07:00:00Z",
            "2026-03-30T04:00:00Z", // Monday's window; the preparation at 05:15 follows
        ]
    );
    assert_eq!(
        wakeups(&timetable, "2026-03-30T04:00Z", 2),
        ["2026-03-30T05:15:00Z", "2026-03-30T06:00:00Z"]
    );
}

#[test]
fn without_schedules_or_windows_nothing_wakes_the_reconcile() {
    assert_eq!(
        next_wakeup(&timetable(""), utc("2026-03-27T12:00Z"), &takes(45)),
        None
    );
}

#[test]
fn the_plan_lists_the_week_in_the_schedule_zone_and_in_utc() {
    let timetable = timetable(BUSINESS_HOURS);
    let lines: Vec<String> = upcoming_changes(&timetable, utc("2026-03-26T20:00Z"), 4, &takes(45))
        .iter()
        .map(|c| {
            format!(
                "{} {} | {} | {} {} | prepare {}",
                c.local().strftime("%a %H:%M %Z"),
                c.at.strftime("%H:%MZ"),
                c.description(),
                c.schedule,
                if c.starts { "starts" } else { "ends" },
                c.preparation.starts_at.strftime("%H:%MZ"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "Fri 08:00 CET 07:00Z | westeurope 2 → 6, eastus 1 → 3 | business-hours starts | prepare 06:15Z",
            "Fri 19:00 CET 18:00Z | westeurope 6 → 2, eastus 3 → 1 | business-hours ends | prepare 18:00Z",
            "Mon 08:00 CEST 06:00Z | westeurope 2 → 6, eastus 1 → 3 | business-hours starts | prepare 05:15Z",
            "Mon 19:00 CEST 17:00Z | westeurope 6 → 2, eastus 3 → 1 | business-hours ends | prepare 17:00Z",
        ]
    );
}

#[test]
fn the_plan_shows_overlapping_schedules_handing_over() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}  - name: launch
    start: \"0 12 27 3 *\"
    duration: 2h
    timeZone: Europe/Amsterdam
    regions: [{{location: westeurope, units: 10}}]
"
    ));
    let lines: Vec<String> = upcoming_changes(&timetable, utc("2026-03-27T08:00Z"), 1, &takes(45))
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c.at.strftime("%H:%M"),
                c.schedule,
                c.starts,
                c.description()
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "11:00 launch true westeurope 6 → 10, eastus 3 → 1",
            "13:00 launch false westeurope 10 → 6, eastus 1 → 3",
            "18:00 business-hours false westeurope 6 → 2, eastus 3 → 1",
        ]
    );
}
