//! The decision table's rows for the clock: schedules (the capacity aimed at, preparations,
//! wake-ups) and change windows (the gate before a step, its override).

use std::time::Duration;

use super::super::world::{Run, at, operation, service, world};
use super::{BUSY, secs};
use crate::api::{DriftPolicy, Reason};
use crate::azure::PollOutcome;
use crate::controller::events::EventReason;
use crate::controller::outcomes::Requeue::{self, After, OnChange, Resync};
use crate::domain::Sku;

// ── Schedules and change windows (the clock) ─────────────────────────────────────────────
// `at(0)` is Friday 15 January 2027, 08:00 UTC; durations are the defaults (p90 45 min).

/// A schedule `peak` giving westeurope 4 units from `start` (cron, UTC) for `duration`.
fn peak(start: &str, duration: &str) -> String {
    format!(
        "schedules: [{{name: peak, start: '{start}', duration: {duration}, regions: [{{location: westeurope, units: 4}}]}}]"
    )
}

/// The spec matches the live service (westeurope=2, eastus=1) outside schedules.
fn in_sync(s: &mut crate::api::ApimCapacitySpec) {
    s.regions[0].units = Some(2);
}

const DENY_UNTIL_NINE: &str = "changeWindows: {deny: [{start: '0 7 * * *', duration: 2h}]}";
const OVERRIDE: &str = crate::schedule::CHANGE_WINDOW_OVERRIDE;

fn wakes_at(minutes: i64) -> impl Fn(&Run) {
    move |r: &Run| assert_eq!(r.verdict.findings.wake_at, Some(at(minutes)), "wake-up")
}

fn aimed_sources(r: &Run) -> Vec<(u32, String)> {
    let aim = r.verdict.findings.observed.aim.clone().unwrap_or_default();
    aim.effective
        .into_iter()
        .map(|e| (e.units, e.source))
        .collect()
}

fn hours(h: u64) -> Requeue {
    After(Duration::from_secs(h * 3600))
}

#[rustfmt::skip]
decisions! {
    an_unreadable_schedule_stalls_without_an_azure_call:
        world().clock("schedules: [{name: peak, start: '0 8 * * *', duration: 1h, timeZone: Mars/Olympus, regions: [{location: westeurope, units: 4}]}]")
        => [], InvalidSpec, OnChange,
        then |r: &Run| {
            assert!(r.message().starts_with("spec.schedules[0] (peak).timeZone: \"Mars/Olympus\" is not a time zone"), "{}", r.message());
            assert!(r.verdict.findings.observed.aim.is_none());
        };
    an_unreadable_change_window_stalls_without_an_azure_call:
        world().clock("changeWindows: {allow: [{start: '61 * * * *', duration: 1h}]}")
        => [], InvalidSpec, OnChange,
        then |r: &Run| assert!(r.message().starts_with("spec.changeWindows.allow[0].start: \"61 * * * *\""), "{}", r.message());
    the_first_status_already_shows_the_schedule_in_force:
        world().never_seen().clock(&peak("0 7 * * *", "3h"))
        => [], Pending, After(Duration::ZERO),
        then |r: &Run| assert_eq!(aimed_sources(r), [(4, "schedule peak".into()), (1, "spec".into())]);
    an_unreadable_schedule_stalls_before_the_first_status:
        world().never_seen().clock("schedules: [{name: peak, start: '0 8 * * *', duration: 1h, timeZone: Mars/Olympus, regions: [{location: westeurope, units: 4}]}]")
        => [], InvalidSpec, OnChange;
    a_schedule_in_force_is_what_the_planner_aims_at:
        world().spec(in_sync).clock(&peak("0 7 * * *", "3h"))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(r.started.as_ref().map(|s| s.step.description()), Some("Scale westeurope from 2 to 4 units".into()));
            assert_eq!(aimed_sources(r), [(4, "schedule peak".into()), (1, "spec".into())]);
            let schedule = r.verdict.findings.observed.aim.clone().and_then(|a| a.schedule);
            assert_eq!(schedule.and_then(|s| s.in_force), Some("peak".into()));
            wakes_at(120)(r);
        };
    a_scale_up_starts_the_p90_before_its_schedule:
        world().spec(in_sync).clock(&peak("30 8 * * *", "3h"))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(aimed_sources(r)[0], (4, "schedule peak (preparing)".into()));
            let next = r.verdict.findings.observed.aim.clone().and_then(|a| a.schedule).and_then(|s| s.next_change);
            let next = next.expect("the start is the next change");
            assert_eq!((next.at.0, next.preparation_starts_at.0, next.late), (at(30), at(-15), false));
            wakes_at(30)(r);
        };
    a_preparation_outside_the_windows_starts_at_their_last_moment_before_it:
        // Peak at 10:00; operations may start 07:15-08:45 only: the 45-minute scale-up
        // starts by 08:00, the last moment with room (less a 2-minute slack), not at 09:15.
        world().spec(in_sync).clock(&format!("{}\nchangeWindows: {{allow: [{{start: '15 7 * * *', duration: 90m}}]}}", peak("0 10 * * *", "3h")))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(aimed_sources(r)[0], (4, "schedule peak (preparing)".into()));
            let next = r.verdict.findings.observed.aim.clone().and_then(|a| a.schedule).and_then(|s| s.next_change);
            let next = next.expect("the start is the next change");
            assert_eq!((next.at.0, next.preparation_starts_at.0, next.late), (at(120), at(-2), false));
        };
    a_preparation_no_window_allows_in_time_is_reported_late:
        // Peak at 10:00; operations may start 12:00-13:00 only: the scale-up starts at noon.
        world().spec(in_sync).clock(&format!("{}\nchangeWindows: {{allow: [{{start: '0 12 * * *', duration: 1h}}]}}", peak("0 10 * * *", "3h")))
        => ["credentials", "get"], Succeeded, Resync,
        then |r: &Run| {
            let next = r.verdict.findings.observed.aim.clone().and_then(|a| a.schedule).and_then(|s| s.next_change);
            let next = next.expect("the start is the next change");
            assert_eq!((next.at.0, next.preparation_starts_at.0, next.late), (at(120), at(240), true));
        };
    before_its_preparation_the_spec_applies_and_the_reconcile_wakes_for_it:
        world().spec(in_sync).clock(&peak("0 9 * * *", "3h"))
        => ["credentials", "get"], Succeeded, Resync,
        then |r: &Run| {
            assert_eq!(aimed_sources(r)[0], (2, "spec".into()));
            wakes_at(15)(r);
        };
    a_schedule_moving_the_target_is_not_drift:
        world().spec(in_sync).was_ready().spec(|s| s.drift = DriftPolicy::Report).clock(&peak("0 7 * * *", "3h"))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| assert!(r.verdict.findings.events.is_empty() && !r.verdict.findings.drift_corrected);
    drift_under_a_schedule_is_still_drift:
        world().was_ready().spec(|s| s.drift = DriftPolicy::Report).clock(&peak("0 7 * * *", "3h"))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Succeeded")))
            .previous_aim(&[("westeurope", 4, "schedule peak"), ("eastus", 1, "spec")])
        => ["credentials", "get"], DriftDetected, Resync,
        then |r: &Run| assert!(r.message().contains("asks for Premium westeurope=4,eastus=1"), "{}", r.message());

    // Change windows gate the start of a step, after the plan and consent.
    outside_the_allowed_windows_nothing_starts:
        world().clock("changeWindows: {allow: [{start: '0 22 * * *', duration: 4h}]}")
        => ["credentials", "get"], WaitingForChangeWindow, hours(14),
        then |r: &Run| {
            assert!(r.message().contains("Outside the allowed periods of spec.changeWindows; the next opening with room for a step of 45m is 2027-01-15 22:00 UTC"), "{}", r.message());
            assert!(r.message().starts_with("\"Scale westeurope from 2 to 3 units\" waits for a change window."), "{}", r.message());
            assert_eq!(r.verdict.findings.observed.plan.as_ref().map(Vec::len), Some(1), "status shows the plan held");
            wakes_at(14 * 60)(r);
        };
    inside_a_deny_window_nothing_starts_until_it_ends:
        world().clock(DENY_UNTIL_NINE)
        => ["credentials", "get"], WaitingForChangeWindow, hours(1),
        then |r: &Run| assert!(r.message().contains("Inside the deny window \"0 7 * * *\" (2h) of spec.changeWindows until 2027-01-15 09:00 UTC"), "{}", r.message());
    a_step_that_would_overrun_its_window_waits_for_one_with_room:
        world().clock("changeWindows: {allow: [{start: '0 7 * * *', duration: 90m}]}")
        => ["credentials", "get"], WaitingForChangeWindow, hours(23),
        then |r: &Run| assert!(r.message().contains("expected to take 45m, but the change window closes at 2027-01-15 08:30 UTC"), "{}", r.message());
    allow_overrun_starts_a_step_that_runs_past_the_window:
        world().clock("changeWindows: {allow: [{start: '0 7 * * *', duration: 90m}], allowOverrun: true}")
        => ["credentials", "get", "patch"], Scaling, secs(60);
    inside_an_allowed_window_with_room_the_step_starts:
        world().clock("changeWindows: {timeZone: Europe/Amsterdam, allow: [{start: '0 8 * * 1-5', duration: 3h}]}")
        => ["credentials", "get", "patch"], Scaling, secs(60);
    the_override_lets_its_generation_through_with_an_event:
        world().clock(DENY_UNTIL_NINE).annotate(OVERRIDE, "1")
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| {
            let events: Vec<_> = r.verdict.findings.events.iter().map(|e| (e.kind, e.reason)).collect();
            assert_eq!(events, [(crate::controller::events::EventType::Warning, EventReason::ChangeWindowOverridden)]);
            assert!(r.verdict.findings.events[0].note.contains("set to generation 1: starting \"Scale westeurope from 2 to 3 units\" outside the change windows"));
        };
    an_override_for_another_generation_is_ignored:
        world().clock(DENY_UNTIL_NINE).annotate(OVERRIDE, "1").generation(2)
        => ["credentials", "get"], WaitingForChangeWindow, hours(1),
        then |r: &Run| assert!(r.message().ends_with(&format!("annotate the resource with {OVERRIDE}: \"2\"."), ), "{}", r.message());
    a_closed_window_never_holds_an_operation_already_running:
        world().clock(DENY_UNTIL_NINE).recorded(operation(1, 1, 5), || Ok(PollOutcome::Running { retry_after: Duration::from_secs(60) }))
        => ["credentials", "poll"], Scaling, secs(60);
    in_sync_inside_a_deny_window_is_ready:
        world().spec(in_sync).clock(DENY_UNTIL_NINE)
        => ["credentials", "get"], Succeeded, Resync;
    a_blocked_plan_reads_blocked_before_any_window:
        world().spec(|s| s.regions.retain(|r| r.location != "westeurope")).clock(DENY_UNTIL_NINE)
        => ["credentials", "get"], Blocked, Resync;
    a_busy_service_waits_for_azure_before_the_window_is_asked:
        world().clock(DENY_UNTIL_NINE)
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "get"], WaitingForAzure, BUSY;
}
