//! End to end: the operator waits for Azure instead of stacking operations, backs off under
//! 429/5xx storms, and a process killed mid-operation is resumed by the next one, which
//! polls the recorded operation instead of sending the change again.

use std::time::{Duration, Instant};

use crate::support::operator::*;
use serde_json::json;

#[test]
fn busy_service_waits_for_the_foreign_operation_then_proceeds() {
    let mut t = E2e::builder("busy_service")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    t.busy(&service, 8.0);
    let busy_until = Instant::now() + Duration::from_secs(8);

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let waiting = t.wait_condition("cap", "Ready", "False", "WaitingForAzure", secs(30));
    assert!(
        condition(&waiting, "Reconciling").is_some_and(|c| c["status"] == "True"),
        "{:#}",
        waiting["status"]
    );
    assert!(condition(&waiting, "Stalled").is_none());
    assert!(
        Instant::now() < busy_until,
        "WaitingForAzure seen too late to prove anything"
    );
    assert!(
        writes(&t.requests(), &service).is_empty(),
        "no PATCH while the service is busy"
    );

    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert!(Instant::now() >= busy_until);
    let requests = t.requests();
    report("busy_service", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(patches[0].status, Some(202));
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}

/// A storm of `fault` answers on every ARM request: the operator reports Retrying, backs
/// off (a bounded number of requests in a 10 s window), and converges once it ends.
fn storm_converges(test: &str, fault: serde_json::Value, max_in_window: usize) {
    let mut t = E2e::builder(test)
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    t.faults(fault);

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let retrying = t.wait_condition("cap", "Ready", "False", "Retrying", secs(45));
    assert!(
        condition(&retrying, "Stalled").is_none(),
        "transient, not stalled"
    );
    let before = arm(&t.requests()).len();
    std::thread::sleep(secs(10)); // a window to count requests in; nothing to poll for
    let in_window = arm(&t.requests()).len() - before;
    eprintln!("E2E-COUNTS {test}: arm requests in a 10 s storm window = {in_window}");
    assert!(
        in_window <= max_in_window,
        "{in_window} ARM requests in 10 s of storm: a tight loop"
    );
    assert!(in_window >= 1, "the operator keeps trying");
    t.clear_faults();

    let done = t.wait_ready("cap", secs(90));
    assert_in_sync(&done);
    let requests = t.requests();
    report(test, &requests, &service);
    let accepted: Vec<_> = writes(&requests, &service)
        .into_iter()
        .filter(|r| r.status == Some(202))
        .collect();
    assert_eq!(accepted.len(), 1, "one accepted PATCH for the step");
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}

#[test]
fn throttling_storm_backs_off_and_converges() {
    storm_converges(
        "throttle_storm",
        json!({"kind": "throttle", "rate": 1.0, "retryAfterSeconds": 1}),
        30,
    );
}

#[test]
fn server_error_storm_backs_off_and_converges() {
    storm_converges(
        "server_error_storm",
        json!({"kind": "serverError", "rate": 1.0, "status": 503}),
        30,
    );
}

#[test]
fn killed_mid_operation_the_next_process_polls_the_same_operation() {
    let mut t = E2e::builder("kill_9_resume")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(10)))
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "");
    let running = t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    });
    let poll_url = running["status"]["operation"]["pollUrl"]
        .as_str()
        .expect("pollUrl")
        .to_string();
    t.kill_9();
    let before_restart = t.requests().len();
    assert_eq!(writes(&t.requests(), &service).len(), 1);

    t.start_operator();
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["lastOperation"]["result"], "Succeeded");

    let requests = t.requests();
    report("kill_9_resume", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(
        patches.len(),
        1,
        "no second PATCH after the restart: {patches:#?}"
    );
    let resumed: Vec<_> = requests[before_restart..]
        .iter()
        .filter(|r| r.is_poll())
        .collect();
    assert!(!resumed.is_empty(), "the new process polls the operation");
    let poll = url::Url::parse(&poll_url).expect("pollUrl is a URL");
    for r in &resumed {
        assert_eq!(r.path, poll.path(), "polls the recorded URL: {r}");
        assert_eq!(Some(r.query.as_str()), poll.query(), "{r}");
    }
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
    assert!(
        t.events("cap")
            .iter()
            .any(|e| e.reason == "OperationSucceeded"),
        "{:?}",
        t.events("cap")
    );
}

#[test]
fn an_operation_canceled_in_azure_is_reported_and_not_polled_forever() {
    let mut t = E2e::builder("canceled_operation")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(30)))
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"].is_string()
    });
    let running: Vec<String> = t
        .operations()
        .iter()
        .filter(|o| o["status"] == "InProgress")
        .filter_map(|o| o["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(running.len(), 1, "{:#?}", t.operations());
    t.cancel_operation(&running[0]);

    let failed = t.wait_for("cap", "lastOperation Failed", secs(30), |o| {
        o["status"]["lastOperation"]["result"] == "Failed"
    });
    assert!(
        failed["status"]["operation"].is_null(),
        "{:#}",
        failed["status"]
    );
    let error = failed["status"]["lastOperation"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        error.to_lowercase().contains("cancel"),
        "says it was canceled: {error}"
    );
    let event = t.wait_event("cap", "OperationFailed", secs(10));
    assert_eq!(event.type_, "Warning");

    // The canceled operation's URL is not polled any more.
    let before = polls(&t.requests()).len();
    std::thread::sleep(secs(5));
    let requests = t.requests();
    report("canceled_operation", &requests, &service);
    assert_eq!(polls(&requests).len(), before, "polled after it ended");
    assert_no_overlap(&requests, &service);
}
