//! Parsing schedules and windows: defaults, and errors that name the schedule, the field and
//! the problem.

use jiff::SignedDuration;

use super::support::*;
use crate::schedule::{ScheduleEnd, Timetable, parse_duration};

fn error(extra: &str) -> String {
    Timetable::from_spec(&spec(extra))
        .expect_err("invalid")
        .to_string()
}

fn schedule(fields: &str) -> String {
    format!(
        "schedules:\n  - name: peak\n{fields}    regions:\n      - {{location: westeurope, units: 4}}\n"
    )
}

#[test]
fn the_issue_example_parses_with_utc_as_the_default_zone() {
    let timetable = timetable(&format!(
        "{BUSINESS_HOURS}  - name: nightly\n    start: \"0 1 * * *\"\n    duration: 1h30m\n    regions: [{{location: West Europe, units: 3}}]\n"
    ));
    assert_eq!(timetable.schedules.len(), 2);
    let business = &timetable.schedules[0];
    assert_eq!(business.zone().iana_name(), Some("Europe/Amsterdam"));
    assert!(matches!(business.end, ScheduleEnd::At(_)));
    let nightly = &timetable.schedules[1];
    assert_eq!(nightly.zone().iana_name(), Some("UTC"));
    assert_eq!(
        nightly.end,
        ScheduleEnd::After(SignedDuration::from_mins(90))
    );
    assert_eq!(nightly.regions[0].location.as_str(), "westeurope");
    assert!(timetable.windows.is_none());
    assert_eq!(units_of(&timetable), "westeurope=2,eastus=1");
}

fn units_of(timetable: &Timetable) -> String {
    timetable
        .regions
        .iter()
        .map(|r| format!("{}={}", r.location, r.units))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn durations_are_elapsed_time_in_the_friendly_format() {
    let cases = [
        ("11h", 11 * 60),
        ("90m", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("48h", 48 * 60),
        ("PT3H", 180),
        ("1m", 1),
    ];
    for (text, minutes) in cases {
        assert_eq!(
            parse_duration(text),
            Ok(SignedDuration::from_mins(minutes)),
            "{text}"
        );
    }
    let refused = [
        ("2d", "give days as hours"),
        ("1w", "give days as hours"),
        ("11", "is not a duration"),
        ("soon", "is not a duration"),
        ("0s", "out of range"),
        ("30s", "out of range"),
        ("-1h", "out of range"),
        ("8785h", "out of range"),
    ];
    for (text, problem) in refused {
        let error = parse_duration(text).expect_err(text);
        assert!(error.contains(problem), "{text}: {error}");
    }
}

#[test]
fn errors_name_the_schedule_the_field_and_the_problem() {
    let cases = [
        (
            schedule("    start: \"0 8 * *\"\n    end: \"0 19 * * *\"\n"),
            "spec.schedules[0] (peak).start: \"0 8 * *\": a cron expression has 5 fields",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n    end: \"0 24 * * *\"\n"),
            "spec.schedules[0] (peak).end: \"0 24 * * *\": not a valid cron expression",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n    duration: 2d\n"),
            "spec.schedules[0] (peak).duration: \"2d\": give days as hours",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n    end: \"0 19 * * *\"\n    duration: 11h\n"),
            "spec.schedules[0] (peak).end: give either end or duration, not both",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n"),
            "spec.schedules[0] (peak).end: a schedule needs end (a cron expression) or duration",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n    end: \"0 8 * * *\"\n"),
            "spec.schedules[0] (peak).end: end is the same as start",
        ),
        (
            schedule("    start: \"0 8 * * *\"\n    duration: 1h\n    timeZone: Europe/Amsterdm\n"),
            "spec.schedules[0] (peak).timeZone: \"Europe/Amsterdm\" is not a time zone of the IANA database",
        ),
    ];
    for (extra, expected) in cases {
        let got = error(&extra);
        assert!(
            got.starts_with(expected),
            "expected {expected:?}\n     got {got:?}"
        );
    }
}

#[test]
fn schedule_regions_must_be_listed_in_spec_regions_once_with_sane_units() {
    let with_regions = |regions: &str| {
        format!(
            "schedules:\n  - name: ok\n    start: \"0 1 * * *\"\n    duration: 1h\n    regions: [{{location: eastus, units: 1}}]\n  - name: peak\n    start: \"0 8 * * *\"\n    duration: 1h\n    regions: {regions}\n"
        )
    };
    let cases = [
        (
            "[{location: northeurope, units: 2}]",
            "spec.schedules[1] (peak).regions[0]: \"northeurope\" is not listed in spec.regions",
        ),
        (
            "[{location: westeurope, units: 2}, {location: West Europe, units: 3}]",
            "spec.schedules[1] (peak).regions[1]: westeurope is listed twice",
        ),
        (
            "[{location: westeurope, units: 0}]",
            "spec.schedules[1] (peak).regions[0]: 0 units is out of range: 1 to 100",
        ),
        (
            "[]",
            "spec.schedules[1] (peak).regions: a schedule must list at least one region",
        ),
    ];
    for (regions, expected) in cases {
        let got = error(&with_regions(regions));
        assert!(
            got.starts_with(expected),
            "expected {expected:?}\n     got {got:?}"
        );
    }
}

#[test]
fn schedule_names_must_be_present_and_unique() {
    let two = "schedules:\n  - name: peak\n    start: \"0 8 * * *\"\n    duration: 1h\n    regions: [{location: eastus, units: 2}]\n  - name: peak\n    start: \"0 9 * * *\"\n    duration: 1h\n    regions: [{location: eastus, units: 3}]\n";
    assert!(error(two).starts_with(
        "spec.schedules[1] (peak).name: the name \"peak\" is used by another schedule"
    ));
    let unnamed = "schedules:\n  - name: \" \"\n    start: \"0 8 * * *\"\n    duration: 1h\n    regions: [{location: eastus, units: 2}]\n";
    assert!(error(unnamed).contains(".name: a schedule needs a name"));
}

#[test]
fn change_windows_parse_with_defaults_and_name_the_broken_window() {
    let parsed = windows("  allow:\n    - {start: \"0 6 * * *\", duration: 3h}\n");
    assert_eq!(parsed.zone.iana_name(), Some("UTC"));
    assert!(parsed.deny.is_empty());
    assert!(!parsed.allow_overrun);
    assert_eq!(parsed.allow[0].duration, SignedDuration::from_hours(3));

    let cases = [
        (
            "changeWindows:\n  allow:\n    - {start: \"0 6 * * *\", duration: 3h}\n    - {start: \"0 6 * *\", duration: 3h}\n",
            "spec.changeWindows.allow[1].start: \"0 6 * *\": a cron expression has 5 fields",
        ),
        (
            "changeWindows:\n  deny:\n    - {start: \"0 0 24 12 *\", duration: 2d}\n",
            "spec.changeWindows.deny[0].duration: \"2d\": give days as hours",
        ),
        (
            "changeWindows:\n  timeZone: Mars/Olympus\n",
            "spec.changeWindows.timeZone: \"Mars/Olympus\" is not a time zone",
        ),
    ];
    for (extra, expected) in cases {
        let got = error(extra);
        assert!(
            got.starts_with(expected),
            "expected {expected:?}\n     got {got:?}"
        );
    }
}

#[test]
fn a_spec_without_schedules_or_windows_keeps_its_serialised_form() {
    let plain = spec("");
    assert!(plain.schedules.is_empty());
    assert!(plain.change_windows.is_none());
    let yaml = serde_saphyr::to_string(&plain).expect("serialises");
    assert!(!yaml.contains("schedules"), "{yaml}");
    assert!(!yaml.contains("changeWindows"), "{yaml}");
}
