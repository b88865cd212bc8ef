//! End to end: refusals of Azure that need a person, reported as such and not retried in a
//! loop: a management lock (409 `ScopeLocked`, not "busy") and availability zones the
//! subscription may not use in a region (400 `NotSupported`); a 409 on a service that runs no
//! operation, twice in a row (not "busy").

use crate::support::operator::*;
use serde_json::json;

/// The PATCHes on `service` within `seconds` from now (polling the request log).
fn writes_after(t: &E2e, service: &str, seconds: u64) -> Vec<SimRequest> {
    std::thread::sleep(secs(seconds));
    let requests = t.requests();
    writes(&requests, service).into_iter().cloned().collect()
}

#[test]
fn a_locked_service_stalls_with_azures_message_until_the_lock_goes() {
    let scope = format!("/subscriptions/{SUB}/resourceGroups/{RG}");
    let mut t = E2e::builder("locked_service")
        .service("Standard", &[("westeurope", 1)])
        .seed_sections(&format!(
            "locks:\n  - {{scope: {scope}, name: change-freeze, level: ReadOnly}}\n"
        ))
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let stalled = t.wait_condition("cap", "Stalled", "True", "ScopeLocked", secs(30));
    assert!(has_condition(&stalled, "Ready", "False", "ScopeLocked"));
    assert!(
        condition(&stalled, "Reconciling").is_none(),
        "not Reconciling: {:#}",
        stalled["status"]
    );
    let text = message(&stalled, "Stalled");
    assert!(
        text.contains("following scope(s) are locked") && text.contains(&scope),
        "Azure's message: {text}"
    );
    let event = t.wait_event("cap", "ScopeLocked", secs(10));
    assert_eq!(event.type_, "Warning");

    // No retry loop: the resync (30 s in these tests) is the next look.
    let patches = writes_after(&t, &service, 8);
    assert_eq!(
        patches.len(),
        1,
        "one refused PATCH, not a loop: {patches:#?}"
    );
    assert_eq!(patches[0].status, Some(409));

    t.admin(reqwest::Method::DELETE, "/locks/change-freeze", None);
    t.nudge("cap");
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let requests = t.requests();
    report("locked_then_unlocked", &requests, &service);
    let statuses: Vec<_> = writes(&requests, &service)
        .iter()
        .map(|w| w.status)
        .collect();
    assert_eq!(statuses, [Some(409), Some(202)]);
}

#[test]
fn zones_a_region_does_not_offer_stall_with_azures_message() {
    let mut t = E2e::builder("zones_not_enabled")
        .service("Premium", &[("eastus", 2)])
        .sim(|c| c.zones_not_enabled = vec!["eastus".into()])
        .start();
    let service = t.service().to_string();
    let extra = "    - {location: eastus, units: 2, zones: [\"1\", \"2\"]}\n  changePolicy: {allowZoneChange: true}\n";
    let yaml = t.manifest("cap", &service, "Premium", &[], extra);
    t.apply(&yaml);
    let stalled = t.wait_condition("cap", "Stalled", "True", "AzureError", secs(30));
    let text = message(&stalled, "Stalled");
    assert!(
        text.contains("is not enabled for Availability Zone deployment in location 'East US'"),
        "Azure's message: {text}"
    );
    let patches = writes_after(&t, &service, 5);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(
        patches[0].body.as_ref().map(|b| b["zones"].clone()),
        Some(json!(["1", "2"]))
    );
    assert_eq!(
        t.azure_service(&service)["zones"],
        json!(null),
        "nothing changed"
    );
}

#[test]
fn two_409s_on_an_idle_service_are_not_busy_and_stall() {
    let mut t = E2e::builder("refused_while_idle")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    // The next two changes are refused with 409 `Conflict` while GET shows the service idle.
    t.faults(json!({"kind": "busy", "count": 2}));

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let stalled = t.wait_condition("cap", "Stalled", "True", "AzureError", secs(60));
    let text = message(&stalled, "Stalled");
    assert!(
        text.contains("twice with a 409") && text.contains("Conflict"),
        "Azure's message: {text}"
    );
    let patches = writes_after(&t, &service, 5);
    let statuses: Vec<_> = patches.iter().map(|w| w.status).collect();
    assert_eq!(statuses, [Some(409), Some(409)], "no loop: {patches:#?}");

    t.nudge("cap");
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let requests = t.requests();
    report("refused_while_idle", &requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}
