//! Which schedule is in force, the units that follow, and the instants that change them.

use super::support::*;
use crate::schedule::{Timeline, UnitsSource, effective_units, in_force};

fn in_force_at(timetable: &crate::schedule::Timetable, at: &str) -> Option<String> {
    in_force(&timetable.schedules, utc(at)).map(|s| s.name.clone())
}

#[test]
fn business_hours_are_in_force_on_weekdays_from_eight_to_seven_amsterdam_time() {
    let timetable = timetable(BUSINESS_HOURS);
    let cases = [
        ("2026-01-05T06:59Z", None),                   // Monday 07:59 CET
        ("2026-01-05T07:00Z", Some("business-hours")), // Monday 08:00 CET: the start counts
        ("2026-01-05T17:59Z", Some("business-hours")),
        ("2026-01-05T18:00Z", None), // 19:00 CET: the end counts
        ("2026-01-10T12:00Z", None), // Saturday
        ("2026-07-06T06:00Z", Some("business-hours")), // Monday 08:00 CEST
        ("2026-07-06T05:59Z", None),
        ("2026-07-06T16:59Z", Some("business-hours")),
        ("2026-07-06T17:00Z", None), // 19:00 CEST
    ];
    for (at, expected) in cases {
        assert_eq!(in_force_at(&timetable, at).as_deref(), expected, "{at}");
    }
}

#[test]
fn the_later_schedule_wins_while_both_are_active() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}  - name: launch
    start: \"0 12 5 1 *\"
    duration: 2h
    timeZone: Europe/Amsterdam
    regions: [{{location: westeurope, units: 10}}]
"
    ));
    assert_eq!(
        in_force_at(&timetable, "2026-01-05T10:59Z").as_deref(),
        Some("business-hours")
    );
    assert_eq!(
        in_force_at(&timetable, "2026-01-05T11:00Z").as_deref(),
        Some("launch")
    );
    assert_eq!(
        in_force_at(&timetable, "2026-01-05T13:00Z").as_deref(),
        Some("business-hours")
    );
    // While launch is in force only its region changes; eastus keeps the spec's units,
    // not business-hours' 3: one schedule is in force at a time.
    let launch = in_force(&timetable.schedules, utc("2026-01-05T12:00Z"));
    let regions = effective_units(&timetable.regions, launch);
    assert_eq!(units(&regions), "westeurope=10,eastus=1");
    assert_eq!(regions[0].source, UnitsSource::Schedule("launch".into()));
    assert_eq!(regions[1].source, UnitsSource::Spec);
}

#[test]
fn an_earlier_schedule_listed_first_does_not_override_a_later_one() {
    let timetable = timetable(&format!(
        "schedules:
  - name: launch
    start: \"0 12 5 1 *\"
    duration: 2h
    timeZone: Europe/Amsterdam
    regions: [{{location: westeurope, units: 10}}]
{}",
        BUSINESS_HOURS.trim_start_matches("schedules:\n")
    ));
    assert_eq!(
        in_force_at(&timetable, "2026-01-05T12:00Z").as_deref(),
        Some("business-hours")
    );
}

#[test]
fn an_overnight_schedule_runs_past_midnight() {
    let timetable = timetable(
        "schedules:
  - name: batch
    start: \"0 22 * * *\"
    end: \"0 6 * * *\"
    regions: [{location: eastus, units: 4}]
",
    );
    for (at, active) in [
        ("2026-02-02T21:59Z", false),
        ("2026-02-02T22:00Z", true),
        ("2026-02-03T00:00Z", true),
        ("2026-02-03T05:59Z", true),
        ("2026-02-03T06:00Z", false),
    ] {
        assert_eq!(in_force_at(&timetable, at).is_some(), active, "{at}");
    }
}

#[test]
fn duration_schedules_last_exactly_their_duration_and_overlapping_starts_join() {
    let timetable = timetable(
        "schedules:
  - name: hourly-burst
    start: \"0 * * * *\"
    duration: 90m
    regions: [{location: eastus, units: 2}]
",
    );
    // Each start extends the period, so it never ends.
    let timeline = Timeline::new(
        &timetable.schedules,
        utc("2026-02-02T10:15Z"),
        utc("2026-02-03T10:15Z"),
    );
    assert_eq!(timeline.count(), 0);
    assert!(in_force_at(&timetable, "2026-02-02T10:15Z").is_some());

    let short = timetable_with_duration("30m");
    assert!(in_force_at(&short, "2026-02-02T10:29Z").is_some());
    assert!(in_force_at(&short, "2026-02-02T10:30Z").is_none());
    let changes: Vec<String> = Timeline::new(
        &short.schedules,
        utc("2026-02-02T10:15Z"),
        utc("2026-02-02T12:00Z"),
    )
    .map(|t| format!("{} {:?}→{:?}", &t.at.to_string()[11..16], t.before, t.after))
    .collect();
    assert_eq!(
        changes,
        [
            "10:30 Some(0)→None",
            "11:00 None→Some(0)",
            "11:30 Some(0)→None",
            "12:00 None→Some(0)"
        ]
    );
}

fn timetable_with_duration(duration: &str) -> crate::schedule::Timetable {
    timetable(&format!(
        "schedules:\n  - name: burst\n    start: \"0 * * * *\"\n    duration: {duration}\n    regions: [{{location: eastus, units: 2}}]\n"
    ))
}

#[test]
fn when_a_start_and_an_end_fall_on_the_same_instant_the_end_wins() {
    let timetable = timetable(
        "schedules:
  - name: odd
    start: \"0 8 * * *\"
    end: \"0 8 * * 1\"
    regions: [{location: eastus, units: 2}]
",
    );
    // Monday 08:00 both fire: not active; Tuesday 08:00 starts it again.
    assert!(in_force_at(&timetable, "2026-02-02T08:00Z").is_none());
    assert!(in_force_at(&timetable, "2026-02-02T07:59Z").is_some());
    assert!(in_force_at(&timetable, "2026-02-03T08:00Z").is_some());
    let changes: Vec<String> = Timeline::new(
        &timetable.schedules,
        utc("2026-02-01T12:00Z"),
        utc("2026-02-03T12:00Z"),
    )
    .map(|t| t.at.to_string())
    .collect();
    assert_eq!(changes, ["2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z"]);
}

#[test]
fn the_timeline_lists_every_change_of_the_schedule_in_force_in_order() {
    let timetable = timetable(BUSINESS_HOURS);
    let changes: Vec<String> = Timeline::new(
        &timetable.schedules,
        utc("2026-03-27T12:00Z"),
        utc("2026-03-31T00:00Z"),
    )
    .map(|t| format!("{} {:?}→{:?}", t.at, t.before, t.after))
    .collect();
    assert_eq!(
        changes,
        [
            "2026-03-27T18:00:00Z Some(0)→None", // Friday 19:00 CET
            "2026-03-30T06:00:00Z None→Some(0)", // Monday 08:00 CEST
            "2026-03-30T17:00:00Z Some(0)→None", // Monday 19:00 CEST
        ]
    );
}

#[test]
fn a_schedule_that_never_changes_anything_keeps_the_timeline_finite() {
    let timetable = timetable(
        "schedules:
  - name: every-minute
    start: \"* * * * *\"
    end: \"*/1 * * * *\"
    regions: [{location: eastus, units: 1}]
",
    );
    let mut timeline = Timeline::new(
        &timetable.schedules,
        utc("2026-02-02T00:00Z"),
        utc("2027-02-02T00:00Z"),
    );
    assert_eq!(timeline.next(), None);
    assert!(timeline.gave_up_at().is_some(), "stops at its budget");
}
