//! End to end: drift made behind the operator's back is corrected or only reported,
//! `suspend` stops all Azure calls, and two resources never share a service.

use crate::support::operator::*;
use serde_json::json;

/// Drift tests resync every 3 s so that drift is found without a watch event.
fn drift_world(test: &str) -> E2e {
    E2e::builder(test)
        .service("Standard", &[("westeurope", 2)])
        .arg("--resync-interval=3s")
        .start()
}

#[test]
fn drift_is_corrected() {
    let mut t = drift_world("drift_corrected");
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    t.wait_ready("cap", secs(30));
    t.clear_requests();

    t.drift(&service, json!({"sku": {"capacity": 1}}));
    let event = t.wait_event("cap", "DriftDetected", secs(30));
    assert!(!event.message.is_empty());
    let done = t.wait_for("cap", "Ready after correcting the drift", secs(60), |o| {
        is_ready(o) && o["status"]["lastOperation"]["result"] == "Succeeded"
    });
    assert_in_sync(&done);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2, "corrected in Azure");

    let requests = t.requests();
    report("drift_corrected", &requests, &service);
    assert_one_write_of_units(&requests, &service, 2);
    assert_no_overlap(&requests, &service);
}

#[test]
fn drift_is_only_reported_with_drift_report() {
    let mut t = drift_world("drift_reported");
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "  drift: Report\n");
    t.wait_ready("cap", secs(30));
    t.clear_requests();

    t.drift(&service, json!({"sku": {"capacity": 3}}));
    let reported = t.wait_condition("cap", "Ready", "False", "DriftDetected", secs(30));
    assert!(condition(&reported, "Reconciling").is_none());
    assert!(!message(&reported, "Ready").is_empty());
    let event = t.wait_event("cap", "DriftDetected", secs(10));
    assert_eq!(event.type_, "Warning", "{event:?}");

    // Two more resyncs read the service; neither writes.
    let seen = gets(&t.requests(), &service);
    let requests = wait_requests(&t, secs(30), |r| gets(r, &service) >= seen + 2);
    report("drift_reported", &requests, &service);
    assert!(
        writes(&requests, &service).is_empty(),
        "Report never writes"
    );
    assert_eq!(t.azure_capacity(&service).1[0].1, 3, "left as found");
}

#[test]
fn suspended_resources_make_no_azure_calls_until_resumed() {
    let mut t = drift_world("suspend_resume");
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "  suspend: true\n");
    let suspended = t.wait_condition("cap", "Ready", "Unknown", "Suspended", secs(30));
    assert!(condition(&suspended, "Reconciling").is_none());
    assert!(condition(&suspended, "Stalled").is_none());
    // More than one resync interval (3 s) passes; absence of calls cannot be polled for.
    std::thread::sleep(secs(5));
    let requests = t.requests();
    report("suspended", &requests, &service);
    assert!(
        arm(&requests).is_empty(),
        "no Azure calls while suspended: {requests:#?}"
    );

    t.patch("cap", r#"{"spec":{"suspend":false}}"#);
    let done = t.wait_for("cap", "Ready at generation 2", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 2
    });
    assert_in_sync(&done);
    let requests = t.requests();
    report("resumed", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
}

#[test]
fn two_resources_on_one_service_the_older_keeps_it() {
    let mut t = E2e::builder("two_resources_one_service")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    t.apply_capacity("first", "Standard", &[("westeurope", 1)], "");
    t.wait_ready("first", secs(30));
    // Creation timestamps have one-second resolution: make "second" clearly younger.
    std::thread::sleep(secs(1));
    t.apply_capacity("second", "Standard", &[("westeurope", 3)], "");

    let conflict = t.wait_condition("second", "Stalled", "True", "ServiceConflict", secs(30));
    assert!(has_condition(
        &conflict,
        "Ready",
        "False",
        "ServiceConflict"
    ));
    let msg = message(&conflict, "Stalled");
    assert!(
        msg.contains("ApimCapacity first in this namespace"),
        "names the owner of the same namespace: {msg}"
    );
    let event = t.wait_event("second", "ServiceConflict", secs(10));
    assert_eq!(event.type_, "Warning", "{event:?}");
    let first = t.wait_ready("first", secs(30));
    assert_in_sync(&first);
    let requests = t.requests();
    report("two_resources", &requests, &service);
    assert!(writes(&requests, &service).is_empty(), "{requests:#?}");
    assert_eq!(t.azure_capacity(&service).1[0].1, 1);

    // Once the owner is gone, the other one takes over.
    let out = t.kubectl(&["delete", "apimcap", "first", "--wait=true"]);
    assert!(out.success, "{}", out.stderr);
    let done = t.wait_ready("second", secs(90));
    assert_in_sync(&done);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
    assert_eq!(writes(&t.requests(), &service).len(), 1);
}
