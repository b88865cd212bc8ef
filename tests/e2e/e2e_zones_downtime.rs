//! End to end: changes Azure makes at a cost need consent. A zone change gives the service
//! new IP addresses (`allowZoneChange`); a tier change to or from Developer takes it down
//! (`allowDowntime`). Without consent: NotConsented and no PATCH; with it: one step each.

use crate::support::operator::*;
use serde_json::json;

fn not_consented(t: &mut E2e, name: &str) -> String {
    let stalled = t.wait_condition(name, "Stalled", "True", "NotConsented", secs(30));
    assert!(
        stalled["status"]["operation"].is_null(),
        "{:#}",
        stalled["status"]
    );
    let event = t.wait_event(name, "NotConsented", secs(10));
    assert_eq!(event.type_, "Warning");
    message(&stalled, "Stalled")
}

#[test]
fn a_zone_change_needs_consent_then_is_one_step() {
    let mut t = E2e::builder("zone_change")
        .service("Premium", &[("westeurope", 2)])
        .start();
    let service = t.service().to_string();
    let zoned = "    - {location: westeurope, units: 2, zones: [\"2\", \"1\"]}\n";
    let yaml = t.manifest("cap", &service, "Premium", &[], zoned);
    t.apply(&yaml);
    let text = not_consented(&mut t, "cap");
    assert!(
        text.contains("new public and private IP addresses") && text.contains("allowZoneChange"),
        "the message says what consenting means: {text}"
    );
    assert!(
        writes(&t.requests(), &service).is_empty(),
        "no PATCH without consent"
    );

    let ips_before = t.azure_service(&service)["properties"]["publicIPAddresses"].clone();
    t.patch(
        "cap",
        r#"{"spec":{"changePolicy":{"allowZoneChange":true}}}"#,
    );
    let during = t.wait_for("cap", "ChangingZones", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "ChangingZones")
    });
    let op = &during["status"]["operation"];
    assert_eq!(
        (op["action"].clone(), op["totalSteps"].clone()),
        (json!("ChangeZones"), json!(1))
    );
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let azure = t.azure_service(&service);
    assert_eq!(azure["zones"], json!(["1", "2"]));
    assert_ne!(
        azure["properties"]["publicIPAddresses"], ips_before,
        "Azure renumbered it"
    );

    let requests = t.requests();
    report("zone_change", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let body = patches[0].body.clone().unwrap_or_default();
    assert_eq!(body, json!({"zones": ["1", "2"]}), "only the zones change");
    assert_eq!(patches[0].status, Some(202));
}

#[test]
fn developer_to_standard_and_back_need_allow_downtime() {
    let mut t = E2e::builder("developer_downtime")
        .service("Developer", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 1)], "");
    let text = not_consented(&mut t, "cap");
    assert!(
        text.contains("takes the service down") && text.contains("allowDowntime"),
        "{text}"
    );
    assert!(writes(&t.requests(), &service).is_empty());

    t.patch("cap", r#"{"spec":{"changePolicy":{"allowDowntime":true}}}"#);
    t.wait_condition("cap", "Reconciling", "True", "ChangingTier", secs(30));
    assert_in_sync(&t.wait_ready("cap", secs(60)));
    assert_eq!(t.azure_capacity(&service).0, "Standard");

    // Back to Developer: a downgrade that takes the service down needs both consents.
    t.clear_requests();
    t.patch(
        "cap",
        r#"{"spec":{"sku":"Developer","changePolicy":{"allowDowntime":false,"allowTierDowngrade":true}}}"#,
    );
    let text = not_consented(&mut t, "cap");
    assert!(
        text.contains("from Standard to Developer takes the service down"),
        "{text}"
    );
    assert!(writes(&t.requests(), &service).is_empty());
    t.patch("cap", r#"{"spec":{"changePolicy":{"allowDowntime":true}}}"#);
    assert_in_sync(&t.wait_ready("cap", secs(60)));
    assert_eq!(t.azure_capacity(&service).0, "Developer");

    let requests = t.requests();
    report("developer_downtime", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(
        patches[0].body.clone().unwrap_or_default(),
        json!({"sku": {"name": "Developer", "capacity": 1}})
    );
}
