//! Change windows: the gate, the next opening, the last allowed start, across DST.

use std::time::Duration;

use jiff::Timestamp;

use super::support::*;
use crate::schedule::{ChangeWindows, Gate, WINDOW_HORIZON, override_allowed, window_gate};

const AMS: &str = "Europe/Amsterdam";

fn morning() -> ChangeWindows {
    windows(
        "  timeZone: Europe/Amsterdam
  allow:
    - {start: \"0 6 * * *\", duration: 3h}
  deny:
    - {start: \"0 0 24 12 *\", duration: 48h}
",
    )
}

fn gate(windows: &ChangeWindows, at: Timestamp, step_minutes: u64) -> Gate {
    window_gate(
        Some(windows),
        at,
        Duration::from_secs(step_minutes * 60),
        false,
    )
}

#[test]
fn a_step_starts_inside_an_allow_window_when_it_ends_before_the_window_does() {
    let w = morning();
    for (at, step) in [
        ("2026-01-13T06:00", 45),
        ("2026-01-13T07:00", 45),
        ("2026-01-13T08:15", 45), // ends exactly at 09:00
        ("2026-01-13T08:30", 30),
    ] {
        assert_eq!(gate(&w, local(at, AMS), step), Gate::Open, "{at}");
    }
}

#[test]
fn outside_the_allow_windows_nothing_starts_and_the_message_names_the_next_opening() {
    let w = morning();
    let gate = gate(&w, local("2026-01-13T05:00", AMS), 45);
    assert_eq!(
        gate,
        Gate::Closed {
            next_opening: Some(local("2026-01-13T06:00", AMS)),
            reason_message: "Outside the allowed periods of spec.changeWindows; the next opening with room for a step of 45m is 2026-01-13 06:00 CET (05:00 UTC).".into(),
        }
    );
    let evening = gate_at(&w, "2026-01-13T09:00");
    assert_eq!(evening.next_opening(), Some(local("2026-01-14T06:00", AMS)));
}

fn gate_at(w: &ChangeWindows, at: &str) -> Gate {
    gate(w, local(at, AMS), 45)
}

#[test]
fn a_step_that_would_overrun_the_window_waits_for_one_with_room() {
    let w = morning();
    let gate = gate_at(&w, "2026-01-13T08:16");
    assert_eq!(
        gate,
        Gate::WouldOverrun {
            window_end: local("2026-01-13T09:00", AMS),
            next_opening: Some(local("2026-01-14T06:00", AMS)),
            reason_message: "The next step is expected to take 45m, but the change window closes at 2026-01-13 09:00 CET (08:00 UTC); the next opening with room for a step of 45m is 2026-01-14 06:00 CET (05:00 UTC). Set spec.changeWindows.allowOverrun to start steps that run past a window's end.".into(),
        }
    );
    let mut overrun = w.clone();
    overrun.allow_overrun = true;
    assert_eq!(gate_of(&overrun, "2026-01-13T08:59"), Gate::Open);
}

fn gate_of(w: &ChangeWindows, at: &str) -> Gate {
    gate(w, local(at, AMS), 45)
}

#[test]
fn a_deny_window_closes_even_inside_an_allow_window() {
    let w = morning();
    let gate = gate_at(&w, "2026-12-24T07:00");
    let Gate::Closed {
        next_opening,
        reason_message,
    } = gate
    else {
        panic!("closed expected, got {gate:?}");
    };
    assert_eq!(next_opening, Some(local("2026-12-26T06:00", AMS)));
    assert_eq!(
        reason_message,
        "Inside the deny window \"0 0 24 12 *\" (48h) of spec.changeWindows until 2026-12-26 00:00 CET (2026-12-25 23:00 UTC); the next opening with room for a step of 45m is 2026-12-26 06:00 CET (05:00 UTC)."
    );
}

#[test]
fn a_deny_window_starting_inside_an_allow_window_ends_the_period() {
    let w = windows(
        "  allow: [{start: \"0 6 * * *\", duration: 3h}]
  deny: [{start: \"30 7 * * *\", duration: 1h}]
",
    );
    let gate = window_gate(
        Some(&w),
        utc("2026-01-13T07:00Z"),
        Duration::from_secs(45 * 60),
        false,
    );
    let Gate::WouldOverrun {
        window_end,
        next_opening,
        ..
    } = gate
    else {
        panic!("overrun expected, got {gate:?}");
    };
    assert_eq!(window_end, utc("2026-01-13T07:30Z"));
    // 08:30 to 09:00 is allowed again but too short; the next morning has room.
    assert_eq!(next_opening, Some(utc("2026-01-14T06:00Z")));
    assert!(w.is_allowed(utc("2026-01-13T08:30Z")));
    assert!(!w.is_allowed(utc("2026-01-13T08:29Z")));
}

#[test]
fn without_allow_windows_everything_but_the_deny_windows_is_allowed() {
    let w = windows("  deny: [{start: \"0 0 24 12 *\", duration: 48h}]\n");
    assert_eq!(
        window_gate(
            Some(&w),
            utc("2026-06-01T12:00Z"),
            Duration::from_secs(3600),
            false
        ),
        Gate::Open
    );
    let at_christmas = window_gate(
        Some(&w),
        utc("2026-12-25T12:00Z"),
        Duration::from_secs(3600),
        false,
    );
    assert_eq!(at_christmas.next_opening(), Some(utc("2026-12-26T00:00Z")));
    assert_eq!(
        at_christmas.reason_message(),
        Some(
            "Inside the deny window \"0 0 24 12 *\" (48h) of spec.changeWindows until 2026-12-26 00:00 UTC; the next opening with room for a step of 1h is 2026-12-26 00:00 UTC."
        )
    );
    // A step that would run into the freeze waits until after it.
    let before = window_gate(
        Some(&w),
        utc("2026-12-23T23:30Z"),
        Duration::from_secs(3600),
        false,
    );
    assert!(
        matches!(before, Gate::WouldOverrun { window_end, .. } if window_end == utc("2026-12-24T00:00Z"))
    );
}

#[test]
fn no_windows_or_the_override_let_every_step_through() {
    let at = local("2026-01-13T23:00", AMS);
    assert_eq!(
        window_gate(None, at, Duration::from_secs(3600), false),
        Gate::Open
    );
    assert_eq!(
        window_gate(Some(&morning()), at, Duration::from_secs(3600), true),
        Gate::Open
    );
}

#[test]
fn the_override_annotation_holds_for_exactly_one_generation() {
    let cases = [
        (Some("3"), Some(3), true),
        (Some(" 3 "), Some(3), true),
        (Some("2"), Some(3), false),
        (Some("yes"), Some(3), false),
        (Some(""), Some(3), false),
        (None, Some(3), false),
        (Some("3"), None, false),
    ];
    for (annotation, generation, allowed) in cases {
        assert_eq!(
            override_allowed(annotation, generation),
            allowed,
            "{annotation:?} {generation:?}"
        );
    }
}

#[test]
fn adjacent_and_overlapping_allow_windows_form_one_period() {
    let w = windows(
        "  allow:
    - {start: \"0 6 * * *\", duration: 1h}
    - {start: \"0 7 * * *\", duration: 1h}
    - {start: \"30 7 * * *\", duration: 1h}
",
    );
    let at = utc("2026-01-13T06:30Z");
    assert_eq!(
        window_gate(Some(&w), at, Duration::from_secs(120 * 60), false),
        Gate::Open
    );
    let gate = window_gate(Some(&w), at, Duration::from_secs(121 * 60), false);
    assert!(
        matches!(gate, Gate::WouldOverrun { window_end, .. } if window_end == utc("2026-01-13T08:30Z"))
    );
}

#[test]
fn the_next_opening_skips_periods_too_short_for_the_step() {
    let mut w = windows(
        "  allow:
    - {start: \"0 6 * * 1-5\", duration: 3h}
    - {start: \"0 20 * * *\", duration: 30m}
",
    );
    // Friday 10:00: the 20:00 window is too short, the weekend has only those: Monday.
    let friday = utc("2026-01-16T10:00Z");
    assert_eq!(
        gate(&w, friday, 45).next_opening(),
        Some(utc("2026-01-19T06:00Z"))
    );
    w.allow_overrun = true;
    assert_eq!(
        gate(&w, friday, 45).next_opening(),
        Some(utc("2026-01-16T20:00Z"))
    );
}

#[test]
fn no_opening_within_a_year_is_said_plainly() {
    let w = windows("  allow: [{start: \"0 0 29 2 *\", duration: 1h}]\n");
    let gate = gate(&w, utc("2026-03-10T00:00Z"), 45);
    assert_eq!(gate.next_opening(), None);
    assert!(
        gate.reason_message()
            .is_some_and(|m| m
                .ends_with("no change window with room for a step of 45m opens within 366 days.")),
        "{gate:?}"
    );
}

#[test]
fn windows_follow_the_wall_clock_across_daylight_saving_time() {
    let w = morning();
    // Opens at 06:00 local: 05:00 UTC in winter, 04:00 UTC in summer.
    assert!(!w.is_allowed(utc("2026-03-28T04:59Z")));
    assert!(w.is_allowed(utc("2026-03-28T05:00Z")));
    assert!(w.is_allowed(utc("2026-03-30T04:00Z")));
    assert!(!w.is_allowed(utc("2026-03-30T03:59Z")));
    assert_eq!(
        w.next_change_after(utc("2026-03-28T12:00Z"), WINDOW_HORIZON),
        Some(utc("2026-03-29T04:00Z"))
    );
    assert_eq!(
        w.next_change_after(utc("2026-03-29T04:00Z"), WINDOW_HORIZON),
        Some(utc("2026-03-29T07:00Z"))
    );
}

#[test]
fn a_window_duration_is_elapsed_time_across_the_switch() {
    // 01:00 CET + 3h on the spring-forward night ends at 05:00 CEST (03:00 UTC).
    let w =
        windows("  timeZone: Europe/Amsterdam\n  allow: [{start: \"0 1 * * *\", duration: 3h}]\n");
    assert!(w.is_allowed(utc("2026-03-29T02:59Z")));
    assert!(!w.is_allowed(utc("2026-03-29T03:00Z")));
    // A window opening at 02:30 on the fall-back night opens once, the first time.
    let w =
        windows("  timeZone: Europe/Amsterdam\n  allow: [{start: \"30 2 * * *\", duration: 1h}]\n");
    assert!(w.is_allowed(utc("2026-10-25T00:30Z")));
    assert!(w.is_allowed(utc("2026-10-25T01:29Z")));
    assert!(
        !w.is_allowed(utc("2026-10-25T01:30Z")),
        "the second 02:30 opens nothing"
    );
}

#[test]
fn the_last_allowed_start_keeps_room_for_the_step_and_some_slack() {
    let w = morning();
    let step = minutes(45);
    let long_ago = local("2026-01-01T00:00", AMS);
    let last = |before: &str| w.last_allowed_start(local(before, AMS), step, long_ago);
    let cases = [
        ("2026-01-13T07:15", Some("2026-01-13T07:15")), // inside, with room: itself
        ("2026-01-13T08:50", Some("2026-01-13T08:13")), // inside, too late: 09:00 - 45m - 2m
        ("2026-01-13T10:00", Some("2026-01-13T08:13")), // after the window
        ("2026-01-13T05:00", Some("2026-01-12T08:13")), // before today's: yesterday's
        ("2026-12-26T05:00", Some("2026-12-23T08:13")), // not in the Christmas freeze
    ];
    for (before, expected) in cases {
        assert_eq!(last(before), expected.map(|e| local(e, AMS)), "{before}");
    }
    let mut overrun = w.clone();
    overrun.allow_overrun = true;
    assert_eq!(
        overrun.last_allowed_start(local("2026-01-13T10:00", AMS), step, long_ago),
        Some(local("2026-01-13T08:58", AMS))
    );
    let not_before = local("2026-01-13T08:14", AMS);
    assert_eq!(
        w.last_allowed_start(local("2026-01-13T10:00", AMS), step, not_before),
        None
    );
}

#[test]
fn a_window_too_short_for_the_step_never_offers_a_start() {
    let w = windows("  allow: [{start: \"0 6 * * *\", duration: 30m}]\n");
    let before = utc("2026-01-13T10:00Z");
    assert_eq!(
        w.last_allowed_start(before, minutes(45), utc("2026-01-05T00:00Z")),
        None
    );
    assert_eq!(gate(&w, utc("2026-01-13T06:00Z"), 45).next_opening(), None);
}

#[test]
fn new_york_windows_across_both_switches() {
    // 2026-03-08: 02:30 does not exist; the window opens right after the gap, 03:00 EDT.
    let spring =
        windows("  timeZone: America/New_York\n  allow: [{start: \"30 2 * * *\", duration: 1h}]\n");
    assert_eq!(
        spring.next_change_after(utc("2026-03-08T05:00Z"), WINDOW_HORIZON),
        Some(utc("2026-03-08T07:00Z"))
    );
    assert!(spring.is_allowed(utc("2026-03-08T07:59Z")));
    assert!(!spring.is_allowed(utc("2026-03-08T08:00Z")));
    // 2026-11-01: 01:00 EDT + 2h is 02:00 EST, 07:00 UTC, though 01:00 to 02:00 repeats.
    let fall =
        windows("  timeZone: America/New_York\n  allow: [{start: \"0 1 * * *\", duration: 2h}]\n");
    assert!(fall.is_allowed(utc("2026-11-01T05:00Z")));
    assert!(fall.is_allowed(utc("2026-11-01T06:59Z")));
    assert!(!fall.is_allowed(utc("2026-11-01T07:00Z")));
    let gate = window_gate(
        Some(&fall),
        utc("2026-11-01T06:30Z"),
        Duration::from_secs(45 * 60),
        false,
    );
    assert_eq!(
        gate.reason_message(),
        Some(
            "The next step is expected to take 45m, but the change window closes at 2026-11-01 02:00 EST (07:00 UTC); the next opening with room for a step of 45m is 2026-11-02 01:00 EST (06:00 UTC). Set spec.changeWindows.allowOverrun to start steps that run past a window's end."
        )
    );
}
