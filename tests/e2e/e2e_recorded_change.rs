//! End to end: a change is recorded before its PATCH, so a PATCH whose answer was lost is
//! adopted (followed by reading the service) instead of being sent twice; and one resource
//! the operator cannot read does not stop it from reconciling the others.

use std::time::Duration;

use crate::support::operator::*;
use serde_json::json;

#[test]
fn a_patch_whose_answer_was_lost_is_adopted_not_sent_again() {
    let mut t = E2e::builder("lost_answer")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(10)))
        .start();
    let service = t.service().to_string();
    t.faults(json!({"kind": "loseAnswer", "count": 1}));

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let adopted = t.wait_for("cap", "the operation adopted", secs(30), |o| {
        o["status"]["operation"]["pollStyle"] == "Service"
    });
    assert!(
        adopted["status"]["pending"].is_null(),
        "the adopted operation replaces the recorded change: {:#}",
        adopted["status"]
    );
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["lastOperation"]["result"], "Succeeded");
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);

    let requests = t.requests();
    report("lost_answer", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "sent once: {patches:#?}");
    assert_eq!(patches[0].fault.as_deref(), Some("answer lost"));
    let id = patches[0]
        .client_request_id
        .clone()
        .expect("the PATCH carries a client request id");
    let events = t.events("cap");
    assert!(
        events
            .iter()
            .any(|e| e.reason == "OperationStarted" && e.message.contains(&id)),
        "an Event names the adopted request {id}: {events:?}"
    );
}

#[test]
fn a_resource_that_cannot_be_read_does_not_stop_the_others() {
    let mut t = E2e::builder("unreadable")
        .service("Standard", &[("westeurope", 1)])
        .start();
    t.terminate();
    let ghost = t.manifest("broken", "ghost-apim", "Standard", &[("westeurope", 1)], "");
    t.apply(&ghost);
    // Valid for the apiserver's schema (a uint32 has no maximum there), not for the
    // operator's types: the object cannot be read as an ApimCapacity.
    let status = json!({"status": {"operation": {
        "step": 5_000_000_000u64, "totalSteps": 1, "description": "Scale westeurope",
        "action": "Scale", "startedAt": "2026-12-01T00:00:00Z",
        "expectedCompletion": "2026-12-01T00:30:00Z", "pollUrl": "", "pollStyle": "Service",
        "targetSku": "Standard", "targetUnits": "westeurope=2"
    }}})
    .to_string();
    let out = t.kubectl(&[
        "patch",
        "apimcap",
        "broken",
        "--subresource=status",
        "--type=merge",
        "-p",
        &status,
    ]);
    assert!(out.success, "status patch: {}", out.stderr);
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");

    t.start_operator();
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let (code, metrics) = t.http_get("/metrics");
    assert_eq!(code, 200);
    let unreadable = metrics
        .lines()
        .find(|l| l.starts_with("apimcap_unreadable_resources_total"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no unreadable counter in:\n{metrics}"));
    assert!(unreadable >= 1.0, "{unreadable}");
    let log = t.operator_log();
    assert!(
        log.contains("cannot be read") && log.contains("broken"),
        "the log names the unreadable resource:\n{log}"
    );
}
