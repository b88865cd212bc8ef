//! End to end: destructive changes need consent (`changePolicy`), and specs the rules
//! forbid are blocked before anything reaches Azure.

use crate::support::operator::*;
use serde_json::json;

fn warning(t: &mut E2e, name: &str, reason: &str) -> Event {
    let event = t.wait_event(name, reason, secs(30));
    assert_eq!(event.type_, "Warning", "{event:?}");
    event
}

fn assert_stalled(obj: &serde_json::Value, reason: &str) {
    let status = &obj["status"];
    assert!(has_condition(obj, "Stalled", "True", reason), "{status:#}");
    assert!(has_condition(obj, "Ready", "False", reason), "{status:#}");
    assert!(condition(obj, "Reconciling").is_none(), "{status:#}");
    assert!(status["operation"].is_null(), "{status:#}");
}

#[test]
fn downgrade_needs_consent_then_removes_the_region_before_the_tier() {
    let mut t = E2e::builder("downgrade_needs_consent")
        .service("Premium", &[("westeurope", 1), ("eastus", 1)])
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 1)], "");
    let blocked = t.wait_condition("cap", "Stalled", "True", "NotConsented", secs(30));
    assert_stalled(&blocked, "NotConsented");
    let msg = message(&blocked, "Stalled");
    assert!(
        msg.contains("allowTierDowngrade") || msg.contains("allowRegionRemoval"),
        "the message says which consent is missing: {msg}"
    );
    let event = warning(&mut t, "cap", "NotConsented");
    assert!(!event.message.is_empty());
    let requests = t.requests();
    report("downgrade_without_consent", &requests, &service);
    assert!(
        writes(&requests, &service).is_empty(),
        "nothing is sent without consent"
    );

    t.clear_requests();
    t.patch(
        "cap",
        r#"{"spec":{"changePolicy":{"allowTierDowngrade":true,"allowRegionRemoval":true}}}"#,
    );
    let first = t.wait_for("cap", "RemovingRegion", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "RemovingRegion")
    });
    let op = &first["status"]["operation"];
    assert_eq!(
        (op["step"].clone(), op["totalSteps"].clone()),
        (json!(1), json!(2)),
        "{op:#}"
    );
    assert_eq!(op["action"], "RemoveRegion");
    assert!(
        condition(&first, "Stalled").is_none(),
        "{:#}",
        first["status"]
    );

    let second = t.wait_for("cap", "ChangingTier", secs(60), |o| {
        has_condition(o, "Reconciling", "True", "ChangingTier")
    });
    assert_eq!(second["status"]["operation"]["step"], 2);
    assert_eq!(second["status"]["operation"]["targetSku"], "Standard");

    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=1");
    assert_eq!(
        t.azure_capacity(&service),
        ("Standard".to_string(), vec![("West Europe".to_string(), 1)])
    );

    let requests = t.requests();
    report("downgrade_with_consent", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 2, "one PATCH per step: {patches:#?}");
    let first_body = patches[0].body.clone().unwrap_or_default();
    let remaining = &first_body["properties"]["additionalLocations"];
    assert!(
        remaining.is_null() || remaining.as_array().is_some_and(Vec::is_empty),
        "the region goes first: {first_body}"
    );
    assert!(
        first_body["sku"]["name"] != "Standard",
        "the tier waits: {first_body}"
    );
    let second_body = patches[1].body.clone().unwrap_or_default();
    assert_eq!(second_body["sku"]["name"], "Standard", "{second_body}");
    assert!(patches.iter().all(|p| p.status == Some(202)));
    assert_no_overlap(&requests, &service);
}

#[test]
fn region_removal_needs_consent_and_sends_the_remaining_regions() {
    let mut t = E2e::builder("region_removal")
        .service(
            "Premium",
            &[("westeurope", 2), ("eastus", 1), ("northeurope", 1)],
        )
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Premium", &[("westeurope", 2), ("eastus", 1)], "");
    let blocked = t.wait_condition("cap", "Stalled", "True", "NotConsented", secs(30));
    assert_stalled(&blocked, "NotConsented");
    assert!(
        message(&blocked, "Stalled").contains("northeurope"),
        "the message names the region: {}",
        message(&blocked, "Stalled")
    );
    warning(&mut t, "cap", "NotConsented");
    assert!(writes(&t.requests(), &service).is_empty());

    t.clear_requests();
    t.patch(
        "cap",
        r#"{"spec":{"changePolicy":{"allowRegionRemoval":true}}}"#,
    );
    let during = t.wait_for("cap", "RemovingRegion", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "RemovingRegion")
    });
    assert_eq!(during["status"]["operation"]["totalSteps"], 1);
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=2,eastus=1");
    assert_eq!(
        t.azure_capacity(&service).1,
        vec![("West Europe".to_string(), 2), ("East US".to_string(), 1)]
    );

    let requests = t.requests();
    report("region_removal", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let body = patches[0].body.clone().unwrap_or_default();
    let regions = body["properties"]["additionalLocations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        regions.len(),
        1,
        "the whole remaining array is sent: {body}"
    );
    assert_eq!(regions[0]["sku"]["capacity"], 1, "{body}");
    assert_no_overlap(&requests, &service);
    assert!(
        t.events("cap")
            .iter()
            .any(|e| e.reason == "OperationSucceeded")
    );
}

#[test]
fn specs_the_rules_forbid_are_blocked_without_azure_writes() {
    let mut t = E2e::builder("blocked_by_rules")
        .service("Premium", &[("westeurope", 1), ("eastus", 1)])
        .service("Premium", &[("westeurope", 1)])
        .start();
    let multi = t.services[0].name.clone();
    let single = t.services[1].name.clone();

    // The primary region (westeurope) is missing from the list.
    let yaml = t.manifest(
        "no-primary",
        &multi,
        "Premium",
        &[("eastus", 1), ("northeurope", 1)],
        "",
    );
    t.apply(&yaml);
    // Above the Premium limit of 31 units per region (the operator's default table).
    let yaml = t.manifest("too-big", &single, "Premium", &[("westeurope", 35)], "");
    t.apply(&yaml);

    for name in ["no-primary", "too-big"] {
        let blocked = t.wait_condition(name, "Stalled", "True", "Blocked", secs(30));
        assert_stalled(&blocked, "Blocked");
        assert!(!message(&blocked, "Stalled").is_empty());
        warning(&mut t, name, "Blocked");
    }
    let blocked = t.get("no-primary").expect("exists");
    assert!(
        message(&blocked, "Stalled").contains("westeurope"),
        "names the primary region: {}",
        message(&blocked, "Stalled")
    );
    let blocked = t.get("too-big").expect("exists");
    assert!(
        message(&blocked, "Stalled").contains("31"),
        "names the limit: {}",
        message(&blocked, "Stalled")
    );

    let requests = t.requests();
    report("blocked_by_rules", &requests, &multi);
    assert!(writes(&requests, &multi).is_empty());
    assert!(writes(&requests, &single).is_empty());
}
