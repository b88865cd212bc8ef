//! Cron expressions: standard semantics, the 5-field rule, and daylight saving time.

use jiff::Timestamp;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use super::support::*;
use crate::schedule::CronTimes;

fn cron(expression: &str, zone: &str) -> CronTimes {
    let zone = TimeZone::get(zone).expect("zone");
    CronTimes::parse(expression, &zone).unwrap_or_else(|e| panic!("{expression}: {e}"))
}

/// The first `n` instants after `from`, in UTC.
fn firings(times: &CronTimes, from: Timestamp, n: usize) -> Vec<String> {
    let mut at = from;
    let mut out = Vec::new();
    for _ in 0..n {
        let Some(next) = times.next_after(at) else {
            break;
        };
        out.push(next.to_string());
        at = next;
    }
    out
}

#[test]
fn day_of_month_and_day_of_week_both_restricted_match_either() {
    // 13th of the month or any Friday (standard cron, not Friday the 13th).
    let times = cron("0 0 13 * 5", "UTC");
    assert_eq!(
        firings(&times, utc("2026-07-01T00:00Z"), 5),
        [
            "2026-07-03T00:00:00Z", // Friday
            "2026-07-10T00:00:00Z", // Friday
            "2026-07-13T00:00:00Z", // Monday the 13th
            "2026-07-17T00:00:00Z",
            "2026-07-24T00:00:00Z",
        ]
    );
}

#[test]
fn weekday_range_skips_the_weekend() {
    let times = cron("0 8 * * 1-5", "UTC");
    assert_eq!(
        firings(&times, utc("2026-07-03T09:00Z"), 2),
        ["2026-07-06T08:00:00Z", "2026-07-07T08:00:00Z"]
    );
}

#[test]
fn steps_lists_ranges_and_names() {
    let cases = [
        (
            "*/15 * * * *",
            "2026-07-01T10:07Z",
            vec!["10:15", "10:30", "10:45", "11:00"],
        ),
        (
            "0 6,12,18 * * *",
            "2026-07-01T07:00Z",
            vec!["12:00", "18:00", "06:00"],
        ),
        (
            "30 9-11 * * *",
            "2026-07-01T09:30Z",
            vec!["10:30", "11:30", "09:30"],
        ),
        (
            "0 0 * * SAT,SUN",
            "2026-07-01T00:00Z",
            vec!["00:00", "00:00", "00:00"],
        ),
        (
            "0 12 1 JAN,JUL *",
            "2026-06-01T00:00Z",
            vec!["12:00", "12:00"],
        ),
        ("0 0 * * 7", "2026-07-01T00:00Z", vec!["00:00"]),
    ];
    for (expression, from, expected) in cases {
        let got: Vec<String> = firings(&cron(expression, "UTC"), utc(from), expected.len())
            .iter()
            .map(|t| t[11..16].to_string())
            .collect();
        assert_eq!(got, expected, "{expression}");
    }
    let weekend = firings(&cron("0 0 * * SAT,SUN", "UTC"), utc("2026-07-01T00:00Z"), 3);
    assert_eq!(weekend[0], "2026-07-04T00:00:00Z");
    assert_eq!(weekend[1], "2026-07-05T00:00:00Z");
    let sunday = firings(&cron("0 0 * * 7", "UTC"), utc("2026-07-01T00:00Z"), 1);
    assert_eq!(sunday, ["2026-07-05T00:00:00Z"]);
}

#[test]
fn searching_backwards_includes_the_instant_itself_only_when_asked() {
    let times = cron("0 8 * * *", "UTC");
    let eight = utc("2026-07-01T08:00Z");
    assert_eq!(times.last_at_or_before(eight), Some(eight));
    assert_eq!(times.last_before(eight), Some(utc("2026-06-30T08:00Z")));
    let a_bit_later = utc("2026-07-01T08:00:00.5Z");
    assert_eq!(times.last_before(a_bit_later), Some(eight));
    assert_eq!(times.next_after(eight), Some(utc("2026-07-02T08:00Z")));
    assert_eq!(times.next_after(utc("2026-07-01T07:59:59.5Z")), Some(eight));
}

#[test]
fn anything_but_five_fields_is_refused_with_the_count() {
    let zone = TimeZone::UTC;
    for (expression, fields) in [("0 8 * *", 4), ("0 0 8 * * *", 6), ("@daily", 1), ("", 0)] {
        let error = CronTimes::parse(expression, &zone).expect_err(expression);
        assert!(
            error.contains(&format!("this one has {fields}")),
            "{expression}: {error}"
        );
    }
}

#[test]
fn out_of_range_and_never_firing_expressions_are_refused() {
    let zone = TimeZone::UTC;
    for expression in [
        "61 * * * *",
        "0 25 * * *",
        "0 0 32 * *",
        "0 0 * 13 *",
        "x 0 * * *",
    ] {
        let error = CronTimes::parse(expression, &zone).expect_err(expression);
        assert!(
            error.contains("not a valid cron expression"),
            "{expression}: {error}"
        );
    }
    let error = CronTimes::parse("0 0 30 2 *", &zone).expect_err("February 30th");
    assert!(error.contains("never fires"), "{error}");
    assert!(
        CronTimes::parse("0 0 29 2 *", &zone).is_ok(),
        "leap day fires"
    );
}

#[test]
fn a_fixed_time_in_the_skipped_hour_fires_right_after_it() {
    // Amsterdam, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    let times = cron("30 2 * * *", "Europe/Amsterdam");
    assert_eq!(
        firings(&times, utc("2026-03-28T12:00Z"), 3),
        [
            "2026-03-29T01:00:00Z", // 03:00 CEST, the first instant after the gap
            "2026-03-30T00:30:00Z", // 02:30 CEST
            "2026-03-31T00:30:00Z",
        ]
    );
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00 UTC).
    let times = cron("30 2 * * *", "America/New_York");
    assert_eq!(
        firings(&times, utc("2026-03-07T12:00Z"), 2),
        ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]
    );
}

#[test]
fn a_fixed_time_in_the_repeated_hour_fires_once_the_first_time() {
    // Amsterdam, 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC).
    let times = cron("30 2 * * *", "Europe/Amsterdam");
    assert_eq!(
        firings(&times, utc("2026-10-24T12:00Z"), 2),
        ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
    );
    // Searching back from the second 02:30 finds the first one.
    assert_eq!(
        times.last_at_or_before(utc("2026-10-25T01:30Z")),
        Some(utc("2026-10-25T00:30Z"))
    );
    // New York, 2026-11-01: 02:00 EDT goes back to 01:00 EST (06:00 UTC).
    let times = cron("30 1 * * *", "America/New_York");
    assert_eq!(
        firings(&times, utc("2026-10-31T12:00Z"), 2),
        ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
    );
}

#[test]
fn a_stepped_expression_fires_on_both_passes_of_the_repeated_hour_and_skips_the_gap() {
    let times = cron("*/30 2 * * *", "Europe/Amsterdam");
    assert_eq!(
        firings(&times, utc("2026-10-24T12:00Z"), 5),
        [
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:00:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-26T01:00:00Z",
        ]
    );
    assert_eq!(
        firings(&times, utc("2026-03-28T12:00Z"), 1),
        ["2026-03-30T00:00:00Z"]
    );
}

#[test]
fn eight_in_amsterdam_is_seven_utc_in_winter_and_six_in_summer() {
    let times = cron("0 8 * * 1-5", "Europe/Amsterdam");
    assert_eq!(
        firings(&times, utc("2026-03-26T12:00Z"), 3),
        [
            "2026-03-27T07:00:00Z", // Friday, CET
            "2026-03-30T06:00:00Z", // Monday, CEST
            "2026-03-31T06:00:00Z",
        ]
    );
    assert_eq!(
        firings(&times, utc("2026-10-23T12:00Z"), 1),
        ["2026-10-26T07:00:00Z"]
    );
}

#[test]
fn the_embedded_time_zone_database_serves_without_a_system_copy() {
    let bundled = TimeZoneDatabase::bundled();
    for name in [
        "Europe/Amsterdam",
        "America/New_York",
        "Asia/Kolkata",
        "UTC",
    ] {
        let zone = bundled.get(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(zone.iana_name(), Some(name));
    }
    let amsterdam = bundled.get("Europe/Amsterdam").expect("bundled");
    let summer = utc("2026-07-01T06:00Z").to_zoned(amsterdam.clone());
    let winter = utc("2026-01-05T07:00Z").to_zoned(amsterdam);
    assert_eq!((summer.hour(), winter.hour()), (8, 8));
}

#[test]
fn a_zone_missing_from_the_system_copy_is_found_in_the_embedded_one() {
    use crate::schedule::parse::zone_in;
    // No system copy at all, as in a scratch image: the embedded copy answers.
    let none = TimeZoneDatabase::none();
    let bundled = TimeZoneDatabase::bundled();
    let zone = zone_in(&[&none, &bundled], "Europe/Amsterdam").expect("embedded");
    assert_eq!(zone.iana_name(), Some("Europe/Amsterdam"));
    // Without the embedded copy it would be an invalid spec.
    let error = zone_in(&[&none], "Europe/Amsterdam").expect_err("no database");
    assert!(error.contains("is not a time zone"), "{error}");
    // The binary's lookup goes through both.
    let summer = utc("2026-07-01T06:00Z")
        .to_zoned(crate::schedule::time_zone(" Europe/Amsterdam ").expect("known"));
    assert_eq!(summer.hour(), 8);
}
