//! The next change, its preparation, the units the planner aims at and the status.

use jiff::Timestamp;

use super::support::*;
use crate::plan::DurationEstimates;
use crate::schedule::{
    ExpectedDuration, Timetable, UnitsSource, desired_units, next_change, schedule_status,
};

const AMS: &str = "Europe/Amsterdam";

fn aimed(timetable: &Timetable, at: Timestamp, durations: &impl ExpectedDuration) -> String {
    units(&desired_units(timetable, at, durations))
}

#[test]
fn the_next_change_of_business_hours_ends_them_on_friday_evening() {
    let timetable = timetable(BUSINESS_HOURS);
    let change = next_change(&timetable, utc("2026-03-27T12:00Z"), &takes(45)).expect("a change");
    assert_eq!(change.at, local("2026-03-27T19:00", AMS));
    assert_eq!(change.schedule, "business-hours");
    assert!(!change.starts);
    assert_eq!(change.description(), "westeurope 6 → 2, eastus 3 → 1");
    assert!(!change.preparation.scale_up);
    assert_eq!(
        change.preparation.starts_at, change.at,
        "a scale-down starts at the end"
    );
    assert!(!change.preparation.late);
    assert_eq!(
        change.local().to_string(),
        "2026-03-27T19:00:00+01:00[Europe/Amsterdam]"
    );
}

#[test]
fn a_scale_up_is_prepared_the_p90_of_its_duration_before_the_start() {
    let timetable = timetable(BUSINESS_HOURS);
    let saturday = utc("2026-03-28T12:00Z");
    let cases: [(&dyn Fn() -> crate::schedule::Preparation, &str); 3] = [
        (
            &|| prep(&timetable, saturday, &takes(45)),
            "2026-03-30T05:15:00Z",
        ),
        (
            &|| prep(&timetable, saturday, &takes(20)),
            "2026-03-30T05:40:00Z",
        ),
        // Nothing learned: Azure's documented upper bound, 45 minutes.
        (
            &|| prep(&timetable, saturday, &DurationEstimates::default()),
            "2026-03-30T05:15:00Z",
        ),
    ];
    for (preparation, starts_at) in cases {
        let preparation = preparation();
        assert_eq!(preparation.starts_at.to_string(), starts_at);
        assert!(preparation.scale_up && !preparation.late);
    }
    let change = next_change(&timetable, saturday, &takes(45)).expect("a change");
    assert_eq!(change.at, utc("2026-03-30T06:00Z"), "Monday 08:00 CEST");
    assert_eq!(change.description(), "westeurope 2 → 6, eastus 1 → 3");
}

fn prep(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> crate::schedule::Preparation {
    next_change(timetable, now, durations)
        .expect("a change")
        .preparation
}

#[test]
fn learned_durations_move_the_preparation_by_their_p90() {
    let mut learned = DurationEstimates::default();
    for minutes in [18, 20, 22, 25, 30, 31, 33, 35, 38, 60] {
        learned.record(
            crate::plan::StepKind::Scale,
            std::time::Duration::from_secs(minutes * 60),
        );
    }
    let timetable = timetable(BUSINESS_HOURS);
    let preparation = prep(&timetable, utc("2026-03-28T12:00Z"), &learned);
    assert_eq!(
        preparation.starts_at,
        utc("2026-03-30T05:22Z"),
        "p90 38m, not the median 30m"
    );
}

#[test]
fn the_planner_aims_at_the_schedule_from_its_preparation_and_back_at_its_end() {
    let timetable = timetable(BUSINESS_HOURS);
    let durations = takes(45);
    let cases = [
        ("2026-03-30T05:14Z", "westeurope=2,eastus=1"),
        ("2026-03-30T05:15Z", "westeurope=6,eastus=3"), // preparing
        ("2026-03-30T06:00Z", "westeurope=6,eastus=3"), // in force
        ("2026-03-30T16:59Z", "westeurope=6,eastus=3"), // never down early
        ("2026-03-30T17:00Z", "westeurope=2,eastus=1"),
    ];
    for (at, expected) in cases {
        assert_eq!(aimed(&timetable, utc(at), &durations), expected, "{at}");
    }
    let preparing = desired_units(&timetable, utc("2026-03-30T05:30Z"), &durations);
    assert_eq!(
        preparing[0].source,
        UnitsSource::Preparing("business-hours".into())
    );
    let in_force = desired_units(&timetable, utc("2026-03-30T06:30Z"), &durations);
    assert_eq!(
        in_force[0].source,
        UnitsSource::Schedule("business-hours".into())
    );
    assert_eq!(in_force[0].source.to_string(), "schedule business-hours");
}

#[test]
fn a_mixed_change_raises_early_and_lowers_on_time() {
    let timetable = timetable(
        "schedules:
  - name: shift
    start: \"0 12 * * *\"
    end: \"0 20 * * *\"
    regions: [{location: westeurope, units: 1}, {location: eastus, units: 3}]
",
    );
    let durations = takes(30);
    for (at, expected) in [
        ("2026-02-02T11:29Z", "westeurope=2,eastus=1"),
        ("2026-02-02T11:30Z", "westeurope=2,eastus=3"),
        ("2026-02-02T12:00Z", "westeurope=1,eastus=3"),
        // The end raises westeurope again: prepared 30m before.
        ("2026-02-02T19:30Z", "westeurope=2,eastus=3"),
        ("2026-02-02T20:00Z", "westeurope=2,eastus=1"),
    ] {
        assert_eq!(aimed(&timetable, utc(at), &durations), expected, "{at}");
    }
}

#[test]
fn change_windows_move_a_preparation_to_their_last_moment_before_it() {
    let with = |windows: &str| {
        timetable(&format!(
            "{BUSINESS_HOURS}changeWindows:\n  timeZone: Europe/Amsterdam\n{windows}"
        ))
    };
    let saturday = utc("2026-03-28T12:00Z");
    let cases = [
        // The ideal start, Monday 07:15, is inside the window.
        (
            "  allow: [{start: \"0 6 * * *\", duration: 3h}]\n",
            "2026-03-30T07:15",
            false,
        ),
        // Only Sunday evenings: the last moment with room, 23:13.
        (
            "  allow: [{start: \"0 22 * * 0\", duration: 2h}]\n",
            "2026-03-29T23:13",
            false,
        ),
        // Mondays from 09:00 only: no window between Friday's end and 07:15, so late.
        (
            "  allow: [{start: \"0 9 * * 1\", duration: 2h}]\n",
            "2026-03-30T09:00",
            true,
        ),
    ];
    for (windows, starts_at, late) in cases {
        let preparation = prep(&with(windows), saturday, &takes(45));
        assert_eq!(preparation.starts_at, local(starts_at, AMS), "{windows}");
        assert_eq!(preparation.late, late, "{windows}");
    }
    // The planner aims higher from the moved preparation on.
    let sunday_evening = with("  allow: [{start: \"0 22 * * 0\", duration: 2h}]\n");
    assert_eq!(
        aimed(&sunday_evening, local("2026-03-29T23:12", AMS), &takes(45)),
        "westeurope=2,eastus=1"
    );
    assert_eq!(
        aimed(&sunday_evening, local("2026-03-29T23:13", AMS), &takes(45)),
        "westeurope=6,eastus=3"
    );
}

#[test]
fn a_scale_down_outside_the_windows_waits_for_the_next_opening() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}changeWindows:\n  timeZone: Europe/Amsterdam\n  allow: [{{start: \"0 6 * * *\", duration: 3h}}]\n"
    ));
    let change = next_change(&timetable, utc("2026-03-27T12:00Z"), &takes(45)).expect("a change");
    assert_eq!(change.at, local("2026-03-27T19:00", AMS));
    assert_eq!(change.preparation.starts_at, local("2026-03-28T06:00", AMS));
    assert!(!change.preparation.late);
}

#[test]
fn status_names_the_schedule_in_force_and_the_next_change() {
    let timetable = timetable(BUSINESS_HOURS);
    let status =
        schedule_status(&timetable, utc("2026-03-28T12:00Z"), &takes(45)).expect("schedules");
    assert_eq!(status.in_force, None);
    let next = status.next_change.expect("next change");
    assert_eq!(next.at.0, utc("2026-03-30T06:00Z"));
    assert_eq!(next.schedule, "business-hours");
    assert_eq!(next.description, "westeurope 2 → 6, eastus 1 → 3");
    assert_eq!(next.preparation_starts_at.0, utc("2026-03-30T05:15Z"));
    assert!(!next.late);
    let json = serde_json::to_value(schedule_status(
        &timetable,
        utc("2026-03-30T07:00Z"),
        &takes(45),
    ))
    .expect("serialises");
    assert_eq!(json["inForce"], "business-hours");
    assert_eq!(
        json["nextChange"]["preparationStartsAt"],
        "2026-03-30T17:00:00Z"
    );
    assert!(
        json["nextChange"].get("late").is_none(),
        "false is left out"
    );
    assert_eq!(
        schedule_status(
            &crate::schedule::Timetable {
                schedules: vec![],
                ..timetable
            },
            utc("2026-03-28T12:00Z"),
            &takes(45)
        ),
        None
    );
}

#[test]
fn a_schedule_whose_units_equal_the_spec_is_not_a_change() {
    let timetable = timetable(&format!(
        "schedules:
  - name: same
    start: \"0 1 * * *\"
    duration: 1h
    regions: [{{location: westeurope, units: 2}}]
{}",
        BUSINESS_HOURS.trim_start_matches("schedules:\n")
    ));
    // Saturday: `same` starts and ends at 01:00/02:00 UTC, changing nothing.
    let change = next_change(&timetable, utc("2026-03-28T00:30Z"), &takes(45)).expect("a change");
    assert_eq!(change.schedule, "business-hours");
    assert_eq!(change.at, utc("2026-03-30T06:00Z"));
}

#[test]
fn a_preparation_already_due_applies_at_once() {
    // The spec was applied 10 minutes before business hours start.
    let timetable = timetable(BUSINESS_HOURS);
    let now = utc("2026-03-30T05:50Z");
    assert_eq!(aimed(&timetable, now, &takes(45)), "westeurope=6,eastus=3");
    assert_eq!(
        prep(&timetable, now, &takes(45)).starts_at,
        utc("2026-03-30T05:15Z")
    );
}

#[test]
fn windows_in_another_zone_than_the_schedule_compare_in_absolute_time() {
    // Business hours start Monday 08:00 CEST (06:00 UTC); the windows are New York's.
    let with = |windows: &str| {
        timetable(&format!(
            "{BUSINESS_HOURS}changeWindows:\n  timeZone: America/New_York\n{windows}"
        ))
    };
    let saturday = utc("2026-03-28T12:00Z");
    // 00:00 to 02:00 EDT is 04:00 to 06:00 UTC: the ideal 05:15 UTC would end exactly at
    // the window's end, so the start keeps its 2 minutes of slack.
    let tight = with("  allow: [{start: \"0 0 * * *\", duration: 2h}]\n");
    assert_eq!(
        prep(&tight, saturday, &takes(45)).starts_at,
        utc("2026-03-30T05:13Z")
    );
    // 23:00 to 03:00 EDT is 03:00 to 07:00 UTC: the ideal start has room.
    let roomy = with("  allow: [{start: \"0 23 * * *\", duration: 4h}]\n");
    assert_eq!(
        prep(&roomy, saturday, &takes(45)).starts_at,
        utc("2026-03-30T05:15Z")
    );
    // 22:00 to 24:00 EDT is 02:00 to 04:00 UTC: the last start with room is 03:13 UTC.
    let earlier = with("  allow: [{start: \"0 22 * * *\", duration: 2h}]\n");
    let preparation = prep(&earlier, saturday, &takes(45));
    assert_eq!(preparation.starts_at, utc("2026-03-30T03:13Z"));
    assert!(!preparation.late);
}

#[test]
fn the_planner_takes_the_desired_units_as_region_units() {
    let timetable = timetable(BUSINESS_HOURS);
    let regions = crate::schedule::region_units(&desired_units(
        &timetable,
        utc("2026-03-30T07:00Z"),
        &takes(45),
    ));
    let listed: Vec<(String, u32)> = regions
        .iter()
        .map(|r| (r.location.to_string(), r.units))
        .collect();
    assert_eq!(
        listed,
        [("westeurope".to_string(), 6), ("eastus".to_string(), 3)]
    );
}
