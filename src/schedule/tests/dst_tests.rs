//! Schedules across daylight saving time switches in Europe/Amsterdam (2026-03-29 and
//! 2026-10-25, at 01:00 UTC) and America/New_York (2026-03-08 at 07:00 UTC and 2026-11-01
//! at 06:00 UTC).

use super::support::*;
use crate::schedule::{in_force, next_change};

fn one(start: &str, end: &str, zone: &str) -> crate::schedule::Timetable {
    timetable(&format!(
        "schedules:\n  - name: s\n    start: \"{start}\"\n    {end}\n    timeZone: {zone}\n    regions: [{{location: westeurope, units: 4}}]\n"
    ))
}

/// The next change after `from`: its instant and its preparation's, in UTC.
fn next(timetable: &crate::schedule::Timetable, from: &str) -> (String, String) {
    let change = next_change(timetable, utc(from), &takes(45)).expect("a change");
    (
        change.at.to_string(),
        change.preparation.starts_at.to_string(),
    )
}

fn active(timetable: &crate::schedule::Timetable, at: &str) -> bool {
    in_force(&timetable.schedules, utc(at)).is_some()
}

#[test]
fn ready_at_the_same_wall_clock_time_on_both_sides_of_each_switch() {
    let amsterdam = one("0 8 * * 1-5", "end: \"0 19 * * 1-5\"", "Europe/Amsterdam");
    let new_york = one("0 9 * * 1-5", "end: \"0 17 * * 1-5\"", "America/New_York");
    let cases = [
        // Amsterdam, spring: Friday 08:00 CET, Monday 08:00 CEST.
        (
            &amsterdam,
            "2026-03-26T20:00Z",
            "2026-03-27T07:00:00Z",
            "2026-03-27T06:15:00Z",
        ),
        (
            &amsterdam,
            "2026-03-28T12:00Z",
            "2026-03-30T06:00:00Z",
            "2026-03-30T05:15:00Z",
        ),
        // Amsterdam, autumn: Friday 08:00 CEST, Monday 08:00 CET.
        (
            &amsterdam,
            "2026-10-22T20:00Z",
            "2026-10-23T06:00:00Z",
            "2026-10-23T05:15:00Z",
        ),
        (
            &amsterdam,
            "2026-10-24T12:00Z",
            "2026-10-26T07:00:00Z",
            "2026-10-26T06:15:00Z",
        ),
        // New York, spring: Friday 09:00 EST, Monday 09:00 EDT.
        (
            &new_york,
            "2026-03-05T23:00Z",
            "2026-03-06T14:00:00Z",
            "2026-03-06T13:15:00Z",
        ),
        (
            &new_york,
            "2026-03-07T12:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-09T12:15:00Z",
        ),
        // New York, autumn: Friday 09:00 EDT, Monday 09:00 EST.
        (
            &new_york,
            "2026-10-29T23:00Z",
            "2026-10-30T13:00:00Z",
            "2026-10-30T12:15:00Z",
        ),
        (
            &new_york,
            "2026-10-31T12:00Z",
            "2026-11-02T14:00:00Z",
            "2026-11-02T13:15:00Z",
        ),
    ];
    for (timetable, from, at, preparation) in cases {
        assert_eq!(
            next(timetable, from),
            (at.to_string(), preparation.to_string()),
            "from {from}"
        );
    }
}

#[test]
fn a_preparation_that_spans_the_switch_counts_elapsed_time() {
    // 03:30 CEST on the spring-forward night is 01:30 UTC; 45 minutes before is 00:45 UTC,
    // which is 01:45 CET on the wall clock.
    let timetable = one("30 3 * * *", "duration: 1h", "Europe/Amsterdam");
    assert_eq!(
        next(&timetable, "2026-03-28T12:00Z"),
        (
            "2026-03-29T01:30:00Z".to_string(),
            "2026-03-29T00:45:00Z".to_string()
        )
    );
}

#[test]
fn a_start_inside_the_skipped_hour_takes_effect_right_after_it() {
    let amsterdam = one("30 2 * * *", "duration: 1h", "Europe/Amsterdam");
    // 2026-03-29 02:30 does not exist in Amsterdam: the start is 03:00 CEST (01:00 UTC).
    assert_eq!(
        next(&amsterdam, "2026-03-28T12:00Z"),
        (
            "2026-03-29T01:00:00Z".to_string(),
            "2026-03-29T00:15:00Z".to_string()
        )
    );
    assert!(!active(&amsterdam, "2026-03-29T00:59Z"));
    assert!(active(&amsterdam, "2026-03-29T01:00Z"));
    assert!(active(&amsterdam, "2026-03-29T01:59Z"));
    assert!(
        !active(&amsterdam, "2026-03-29T02:00Z"),
        "one hour after 03:00 CEST"
    );
    // The next night is ordinary again: 02:30 CEST.
    assert_eq!(
        next(&amsterdam, "2026-03-29T12:00Z").0,
        "2026-03-30T00:30:00Z"
    );

    let new_york = one("30 2 * * *", "end: \"0 4 * * *\"", "America/New_York");
    assert_eq!(
        next(&new_york, "2026-03-07T12:00Z").0,
        "2026-03-08T07:00:00Z",
        "03:00 EDT"
    );
    assert!(active(&new_york, "2026-03-08T07:30Z"));
    assert!(!active(&new_york, "2026-03-08T08:00Z"), "04:00 EDT");
}

#[test]
fn an_end_inside_the_repeated_hour_ends_the_first_time_only() {
    // Amsterdam, 2026-10-25: 02:00 to 03:00 happens twice; the end is the first 02:30.
    let amsterdam = one("0 22 * * *", "end: \"30 2 * * *\"", "Europe/Amsterdam");
    assert!(active(&amsterdam, "2026-10-24T20:00Z"), "22:00 CEST");
    assert!(active(&amsterdam, "2026-10-25T00:29Z"));
    assert!(!active(&amsterdam, "2026-10-25T00:30Z"), "02:30 CEST");
    assert!(
        !active(&amsterdam, "2026-10-25T01:30Z"),
        "02:30 CET does not end it again"
    );
    assert!(!active(&amsterdam, "2026-10-25T01:45Z"));
    assert_eq!(
        next(&amsterdam, "2026-10-24T23:00Z").0,
        "2026-10-25T00:30:00Z"
    );
    assert_eq!(
        next(&amsterdam, "2026-10-25T00:30Z").0,
        "2026-10-25T21:00:00Z",
        "22:00 CET"
    );

    // New York, 2026-11-01: 01:00 to 02:00 happens twice; the end is the first 01:30 (EDT).
    let new_york = one("0 22 * * *", "end: \"30 1 * * *\"", "America/New_York");
    assert!(active(&new_york, "2026-11-01T05:29Z"));
    assert!(!active(&new_york, "2026-11-01T05:30Z"), "01:30 EDT");
    assert!(!active(&new_york, "2026-11-01T06:30Z"), "01:30 EST");
}

#[test]
fn a_duration_is_elapsed_time_even_across_the_switch() {
    // 01:30 CEST + 2h on the fall-back night ends at 02:30 CET (01:30 UTC).
    let fall = one("30 1 * * *", "duration: 2h", "Europe/Amsterdam");
    assert!(active(&fall, "2026-10-25T01:29Z"));
    assert!(!active(&fall, "2026-10-25T01:30Z"));
    // An end expression follows the wall clock instead: 01:00 CET to 04:00 CEST is 2 hours.
    let spring = one("0 1 * * *", "end: \"0 4 * * *\"", "Europe/Amsterdam");
    assert!(active(&spring, "2026-03-29T00:00Z"));
    assert!(active(&spring, "2026-03-29T01:59Z"));
    assert!(!active(&spring, "2026-03-29T02:00Z"));
    // New York: 22:00 EDT + 10h is 07:00 EST.
    let night = one("0 22 * * *", "duration: 10h", "America/New_York");
    assert!(active(&night, "2026-11-01T11:59Z"));
    assert!(!active(&night, "2026-11-01T12:00Z"));
    assert_eq!(
        local("2026-11-01T07:00", "America/New_York"),
        utc("2026-11-01T12:00Z")
    );
}

#[test]
fn a_schedule_in_utc_ignores_every_switch() {
    let timetable = one("0 8 * * *", "end: \"0 19 * * *\"", "UTC");
    for day in [
        "2026-03-28",
        "2026-03-29",
        "2026-03-30",
        "2026-10-25",
        "2026-11-01",
    ] {
        assert!(active(&timetable, &format!("{day}T08:00Z")), "{day}");
        assert!(!active(&timetable, &format!("{day}T07:59Z")), "{day}");
    }
}
