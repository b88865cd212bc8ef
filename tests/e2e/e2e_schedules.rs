//! End to end: capacity that follows the clock. A schedule starting two minutes after the
//! test begins (written in Amsterdam time) is Ready at its start and scaled down only at its
//! end; a change applied inside a deny window starts no Azure operation until the window
//! ends; the change-window override lets exactly one generation through.
//!
//! Cron has minute resolution, so every instant here is a minute boundary computed from the
//! test's own clock (the operator and the simulator run on the same machine): a schedule
//! starts at the first boundary at least two minutes ahead, a deny window opens at the
//! boundary just passed (so it already holds) and closes at the first boundary at least 20
//! seconds ahead (so the test sees it hold, then end, within about a minute). Each
//! expression names the date and hour in `Europe/Amsterdam`, so the zone's offset (and
//! daylight saving time) is applied by the operator, not by the test.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};
use serde_json::{Value, json};

use crate::support::operator::*;

const ZONE: &str = "Europe/Amsterdam";

fn amsterdam() -> TimeZone {
    TimeZone::get(ZONE).expect("the embedded time-zone database knows Amsterdam")
}

fn to_minute(at: Timestamp, mode: RoundMode) -> Timestamp {
    at.round(TimestampRound::new().smallest(Unit::Minute).mode(mode))
        .expect("in range")
}

fn plus(at: Timestamp, seconds: i64) -> Timestamp {
    at.checked_add(SignedDuration::from_secs(seconds))
        .expect("in range")
}

/// A cron expression firing once a year at `at`'s minute on the Amsterdam wall clock.
fn yearly_at(at: Timestamp) -> String {
    let local = at.to_zoned(amsterdam());
    format!(
        "{} {} {} {} *",
        local.minute(),
        local.hour(),
        local.day(),
        local.month()
    )
}

/// A cron expression firing every day at `at`'s minute on the Amsterdam wall clock.
fn daily_at(at: Timestamp) -> String {
    let local = at.to_zoned(amsterdam());
    format!("{} {} * * *", local.minute(), local.hour())
}

/// Sleeps until the test's clock reaches `at`.
fn sleep_until(at: Timestamp) {
    let left = Timestamp::now().duration_until(at);
    if let Ok(left) = Duration::try_from(left) {
        std::thread::sleep(left);
    }
}

fn instant(value: &Value) -> Timestamp {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an instant: {value}"))
}

/// The PATCHes of `service` with their time and the capacity of the primary region sent.
fn patches(t: &E2e, service: &str) -> Vec<(Timestamp, Value)> {
    let requests = t.requests();
    assert_no_overlap(&requests, service);
    writes(&requests, service)
        .into_iter()
        .map(|r| {
            let capacity = r
                .body
                .as_ref()
                .map_or(Value::Null, |b| b["sku"]["capacity"].clone());
            (instant(&json!(r.time)), capacity)
        })
        .collect()
}

fn has_event(t: &E2e, name: &str, reason: &str) -> bool {
    t.events(name).iter().any(|e| e.reason == reason)
}

#[test]
fn a_schedule_is_ready_at_its_start_and_scales_down_at_its_end() {
    let mut t = E2e::builder("schedule_on_time")
        .service("Premium", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    let start = to_minute(plus(Timestamp::now(), 120), RoundMode::Ceil);
    let end = plus(start, 60);
    t.apply_capacity(
        "cap",
        "Premium",
        &[("westeurope", 1)],
        &format!(
            "  schedules:\n    - name: launch\n      start: \"{}\"\n      duration: 1m\n      timeZone: {ZONE}\n      regions: [{{location: westeurope, units: 2}}]\n",
            yearly_at(start)
        ),
    );

    // Nothing learned yet: a scale is expected to take its p90 of 45 minutes, so the
    // preparation is due already and the scale-up starts at once.
    let prepared = t.wait_for("cap", "Ready with the scale-up prepared", secs(60), |o| {
        is_ready(o) && o["status"]["unitsSummary"] == "westeurope=2"
    });
    let status = &prepared["status"];
    assert_eq!(
        status["effective"],
        json!([{"location": "westeurope", "units": 2, "source": "schedule launch (preparing)"}]),
        "{status:#}"
    );
    let next = &status["schedule"]["nextChange"];
    assert_eq!(instant(&next["at"]), start, "{next:#}");
    assert_eq!(next["schedule"], "launch");
    assert_eq!(next["description"], "westeurope 1 → 2");
    assert_eq!(instant(&next["preparationStartsAt"]), plus(start, -45 * 60));
    assert!(status["schedule"]["inForce"].is_null(), "{status:#}");
    assert!(Timestamp::now() < start, "prepared before the start");

    // At the start: Ready, with the schedule's units in Azure.
    sleep_until(start);
    let at_start = t.get("cap").expect("the resource exists");
    assert!(
        is_ready(&at_start),
        "not Ready at the start: {:#}",
        at_start["status"]
    );
    assert_eq!(at_start["status"]["unitsSummary"], "westeurope=2");
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
    let sent = patches(&t, &service);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].0 < start,
        "the scale-up was sent before the start: {sent:?}"
    );

    // The schedule comes into force: status, Event, column; no Azure write.
    let in_force = t.wait_for("cap", "the schedule in force", secs(20), |o| {
        o["status"]["schedule"]["inForce"] == "launch"
    });
    assert_eq!(
        in_force["status"]["effective"][0]["source"],
        "schedule launch"
    );
    t.wait_event("cap", "ScheduleStarted", secs(10));
    let table = t.kubectl(&["get", "apimcap", "cap"]);
    assert!(
        table.stdout.contains("SCHEDULE") && table.stdout.contains("launch"),
        "{}",
        table.stdout
    );

    // The end: the scale-down is sent at the end, never before.
    let after = t.wait_for("cap", "back at the spec's units", secs(120), |o| {
        is_ready(o)
            && o["status"]["unitsSummary"] == "westeurope=1"
            && o["status"]["schedule"]["inForce"].is_null()
    });
    assert_eq!(after["status"]["effective"][0]["source"], "spec");
    let sent = patches(&t, &service);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].1, json!(1));
    assert!(
        sent[1].0 >= end,
        "the scale-down started before the end: {sent:?}"
    );
    assert!(has_event(&t, "cap", "ScheduleEnded"));
    report("schedule_on_time", &t.requests(), &service);
}

#[test]
fn a_change_inside_a_deny_window_waits_for_its_end() {
    // A 10-minute resync: only the window's end can wake the operator in time.
    let mut t = E2e::builder("deny_window")
        .service("Premium", &[("westeurope", 1)])
        .arg("--resync-interval=10m")
        .start();
    let service = t.service().to_string();
    let now = Timestamp::now();
    let opened = to_minute(now, RoundMode::Trunc);
    let ends = to_minute(plus(now, 20), RoundMode::Ceil);
    let minutes = opened.duration_until(ends).as_mins();
    t.apply_capacity(
        "cap",
        "Premium",
        &[("westeurope", 2)],
        &format!(
            "  changeWindows:\n    timeZone: {ZONE}\n    deny: [{{start: \"{}\", duration: {minutes}m}}]\n",
            daily_at(opened)
        ),
    );

    let waiting = t.wait_condition("cap", "Ready", "False", "WaitingForChangeWindow", secs(20));
    assert!(
        Timestamp::now() < ends,
        "the window ended before it was seen"
    );
    let text = message(&waiting, "Ready");
    let utc_end = ends
        .to_zoned(TimeZone::UTC)
        .strftime("%H:%M UTC")
        .to_string();
    assert!(
        text.contains("Inside the deny window") && text.contains(&utc_end),
        "the message names the opening at {utc_end}: {text}"
    );
    assert!(has_condition(
        &waiting,
        "Reconciling",
        "True",
        "WaitingForChangeWindow"
    ));
    assert_eq!(
        waiting["status"]["plan"][0]["toUnits"], 2,
        "{:#}",
        waiting["status"]
    );

    let done = t.wait_for("cap", "Ready after the window", secs(150), is_ready);
    assert_in_sync(&done);
    let requests = t.requests();
    let sent = patches(&t, &service);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].0 >= ends,
        "a PATCH inside the deny window: {sent:?}"
    );
    assert!(
        sent[0].0 < plus(ends, 10),
        "the operator woke for the window's end, not a poll: {sent:?}"
    );
    let reads_inside = requests
        .iter()
        .filter(|r| r.is_get(&service) && instant(&json!(r.time)) < ends)
        .count();
    assert!(
        reads_inside <= 2,
        "{reads_inside} reads while the window held"
    );
    report("deny_window", &requests, &service);
}

#[test]
fn the_override_lets_one_generation_through() {
    let mut t = E2e::builder("window_override")
        .service("Premium", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    // Every moment is denied: from midnight, every day, for 24 hours.
    let with_override = |t: &E2e, generation: &str, units: u32| {
        let windows = "  changeWindows:\n    deny: [{start: \"0 0 * * *\", duration: 24h}]\n";
        t.manifest("cap", &service, "Premium", &[("westeurope", units)], windows)
            .replacen(
                "metadata:\n",
                &format!("metadata:\n  annotations:\n    capacity.apim.dev/change-window-override: \"{generation}\"\n"),
                1,
            )
    };
    t.apply(&with_override(&t, "1", 2));
    let done = t.wait_for("cap", "Ready through the override", secs(60), is_ready);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=2");
    let event = t.wait_event("cap", "ChangeWindowOverridden", secs(10));
    assert_eq!(event.type_, "Warning");
    assert!(event.message.contains("generation 1"), "{event:?}");

    // Generation 2 with the override still naming generation 1: held.
    t.apply(&with_override(&t, "1", 3));
    let held = t.wait_for("cap", "generation 2 held", secs(30), |o| {
        o["metadata"]["generation"] == 2
            && has_condition(o, "Ready", "False", "WaitingForChangeWindow")
    });
    assert!(
        message(&held, "Ready").contains("capacity.apim.dev/change-window-override: \"2\""),
        "the message says how to override: {}",
        message(&held, "Ready")
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(patches(&t, &service).len(), 1, "generation 2 was sent");

    let annotated = t.kubectl(&[
        "annotate",
        "--overwrite",
        "apimcap",
        "cap",
        "capacity.apim.dev/change-window-override=2",
    ]);
    assert!(annotated.success, "{}", annotated.stderr);
    let done = t.wait_for("cap", "Ready at generation 2", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 2
    });
    assert_eq!(done["status"]["unitsSummary"], "westeurope=3");
    let sent = patches(&t, &service);
    assert_eq!(
        sent.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        [json!(2), json!(3)]
    );
    report("window_override", &t.requests(), &service);
}
