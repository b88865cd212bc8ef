//! End to end: what other people write into the cluster does not steer the operator. A
//! suspended resource does not keep a service from the one that manages it, and an
//! operation URL written into status that is not under the resource's own service is never
//! read (the operator reads its own service instead).

use std::time::Duration;

use crate::support::operator::*;
use serde_json::json;

#[test]
fn a_suspended_older_resource_does_not_keep_the_service() {
    let mut t = E2e::builder("suspended_owner")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    t.apply_capacity(
        "squatter",
        "Standard",
        &[("westeurope", 1)],
        "  suspend: true\n",
    );
    t.wait_condition("squatter", "Ready", "Unknown", "Suspended", secs(30));
    // Creation timestamps have one-second resolution: make "active" clearly younger.
    std::thread::sleep(secs(1));
    t.apply_capacity("active", "Standard", &[("westeurope", 2)], "");

    let done = t.wait_ready("active", secs(60));
    assert_in_sync(&done);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
    let requests = t.requests();
    report("suspended_owner", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
}

#[test]
fn an_operation_url_outside_the_service_is_never_read() {
    let mut t = E2e::builder("foreign_poll_url")
        .service("Standard", &[("westeurope", 1)])
        .service("Premium", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(8)))
        .start();
    let service = t.service().to_string();
    let other = t.services[1].name.clone();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let running = t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    });
    t.terminate();
    let own = running["status"]["operation"]["pollUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let foreign = own.replace(
        &format!("/service/{service}/"),
        &format!("/service/{other}/"),
    );
    assert_ne!(own, foreign, "the URL names its service: {own}");
    let patch = json!({"status": {"operation": {"pollUrl": foreign}}}).to_string();
    let out = t.kubectl(&[
        "patch",
        "apimcap",
        "cap",
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch,
    ]);
    assert!(out.success, "status patch: {}", out.stderr);
    t.clear_requests();

    t.start_operator();
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let requests = t.requests();
    report("foreign_poll_url", &requests, &service);
    let foreign_reads: Vec<_> = requests
        .iter()
        .filter(|r| r.is_arm() && r.path.to_lowercase().contains(&other.to_lowercase()))
        .collect();
    assert!(
        foreign_reads.is_empty(),
        "read another service: {foreign_reads:#?}"
    );
    assert!(writes(&requests, &service).is_empty(), "no second PATCH");
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
    let events = t.events("cap");
    assert!(
        events
            .iter()
            .any(|e| e.type_ == "Warning" && e.message.contains("not under the service")),
        "{events:?}"
    );
}
