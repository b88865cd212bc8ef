//! End to end: what Azure refuses and what the operator cannot use reaches the status with
//! Azure's own words: a failed operation, a 400, 403, 404, and bad credentials.

use crate::support::operator::*;

fn assert_stalled(obj: &serde_json::Value, reason: &str) -> String {
    let status = &obj["status"];
    assert!(has_condition(obj, "Stalled", "True", reason), "{status:#}");
    assert!(has_condition(obj, "Ready", "False", reason), "{status:#}");
    assert!(condition(obj, "Reconciling").is_none(), "{status:#}");
    message(obj, "Stalled")
}

#[test]
fn failed_azure_operation_is_reported_with_azures_code_and_message() {
    let mut t = E2e::builder("failed_operation")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    let azure_message = "Not enough capacity is available in West Europe right now.";
    t.fail_next_operation(&service, "CapacityNotAvailable", azure_message);

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let failed = t.wait_for("cap", "lastOperation Failed", secs(60), |o| {
        o["status"]["lastOperation"]["result"] == "Failed"
    });
    let last = &failed["status"]["lastOperation"];
    let error = last["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("CapacityNotAvailable") && error.contains(azure_message),
        "Azure's code and message: {last:#}"
    );
    let event = t.wait_event("cap", "OperationFailed", secs(10));
    assert_eq!(event.type_, "Warning");
    assert!(event.message.contains(azure_message), "{event:?}");
    assert!(
        has_condition(&failed, "Ready", "False", "OperationFailed")
            || has_condition(&failed, "Stalled", "True", "OperationFailed")
            || has_condition(&failed, "Ready", "False", "Retrying"),
        "the failure shows in the conditions: {:#}",
        failed["status"]["conditions"]
    );

    let requests = t.requests();
    report("failed_operation", &requests, &service);
    assert!(!writes(&requests, &service).is_empty());
    assert_no_overlap(&requests, &service);
    assert_eq!(
        t.azure_capacity(&service).1[0].1,
        1,
        "a failed operation leaves the service as it was"
    );
    // The failure is not retried in a tight loop: at most one more attempt within 5 s.
    let before = writes(&requests, &service).len();
    std::thread::sleep(secs(5));
    let after = writes(&t.requests(), &service).len();
    assert!(after <= before + 1, "{before} -> {after} PATCHes in 5 s");
}

#[test]
fn azure_rejecting_a_change_stalls_with_azures_code_and_message() {
    // The operator is told Premium allows 40 units (support raised it); Azure says 31.
    let mut t = E2e::builder("azure_rejects_change")
        .service("Premium", &[("westeurope", 1)])
        .arg("--unit-limits=Premium=40")
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Premium", &[("westeurope", 35)], "");
    let stalled = t.wait_condition("cap", "Stalled", "True", "AzureError", secs(30));
    let msg = assert_stalled(&stalled, "AzureError");
    assert!(msg.contains("InvalidParameters"), "Azure's code: {msg}");
    assert!(
        msg.contains("The maximum capacity for SKU 'Premium' is 31 units per region"),
        "Azure's message: {msg}"
    );
    let event = t.wait_event("cap", "AzureError", secs(10));
    assert_eq!(event.type_, "Warning");

    let requests = t.requests();
    report("azure_rejects_change", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "a 400 is terminal: {patches:#?}");
    assert_eq!(patches[0].status, Some(400));
}

#[test]
fn principals_without_rights_are_access_denied() {
    let mut t = E2e::builder("access_denied")
        .service("Standard", &[("westeurope", 1)])
        .service("Standard", &[("westeurope", 1)])
        .start();
    let (first, second) = (t.services[0].name.clone(), t.services[1].name.clone());
    t.secret(
        "nobody",
        &[
            ("tenantId", TENANT),
            ("clientId", NOBODY_CLIENT),
            ("clientSecret", NOBODY_SECRET),
        ],
    );
    t.secret(
        "reader",
        &[
            ("tenantId", TENANT),
            ("clientId", READER_CLIENT),
            ("clientSecret", READER_SECRET),
        ],
    );
    let creds = |secret: &str| format!("  credentials:\n    secretRef: {{name: {secret}}}\n");
    t.apply(&t.manifest(
        "nobody",
        &first,
        "Standard",
        &[("westeurope", 2)],
        &creds("nobody"),
    ));
    t.apply(&t.manifest(
        "reader",
        &second,
        "Standard",
        &[("westeurope", 2)],
        &creds("reader"),
    ));

    for name in ["nobody", "reader"] {
        let stalled = t.wait_condition(name, "Stalled", "True", "AccessDenied", secs(30));
        let msg = assert_stalled(&stalled, "AccessDenied");
        assert!(
            msg.contains("does not have authorization"),
            "Azure's message: {msg}"
        );
    }
    let requests = t.requests();
    report("access_denied", &requests, &second);
    let patches = writes(&requests, &second);
    assert_eq!(
        patches.len(),
        1,
        "the reader may read, its one PATCH is refused"
    );
    assert_eq!(patches[0].status, Some(403));
    assert!(writes(&requests, &first).is_empty(), "no rights: no PATCH");
    assert!(
        requests
            .iter()
            .filter(|r| r.is_arm())
            .all(|r| r.principal.as_deref() != Some(OPERATOR_CLIENT)),
        "the Secret's principal is used, not the operator's own"
    );
}

#[test]
fn a_missing_service_is_service_not_found() {
    let mut t = E2e::builder("service_not_found")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let yaml = t.manifest("cap", "no-such-apim", "Standard", &[("westeurope", 1)], "");
    t.apply(&yaml);
    let stalled = t.wait_condition("cap", "Stalled", "True", "ServiceNotFound", secs(30));
    let msg = assert_stalled(&stalled, "ServiceNotFound");
    assert!(msg.contains("no-such-apim"), "names the service: {msg}");
}

#[test]
fn bad_secret_references_are_credentials_errors_naming_the_secret() {
    let mut t = E2e::builder("bad_secret")
        .service("Standard", &[("westeurope", 1)])
        .service("Standard", &[("westeurope", 1)])
        .service("Standard", &[("westeurope", 1)])
        .start();
    let names: Vec<String> = t.services.iter().map(|s| s.name.clone()).collect();
    t.secret(
        "incomplete",
        &[("tenantId", TENANT), ("clientId", TEAM_CLIENT)],
    );
    t.secret(
        "team",
        &[
            ("tenantId", TENANT),
            ("clientId", TEAM_CLIENT),
            ("clientSecret", TEAM_SECRET),
        ],
    );
    let creds = |secret: &str| format!("  credentials:\n    secretRef: {{name: {secret}}}\n");
    t.apply(&t.manifest(
        "missing",
        &names[0],
        "Standard",
        &[("westeurope", 1)],
        &creds("does-not-exist"),
    ));
    t.apply(&t.manifest(
        "incomplete",
        &names[1],
        "Standard",
        &[("westeurope", 1)],
        &creds("incomplete"),
    ));
    t.apply(&t.manifest(
        "team",
        &names[2],
        "Standard",
        &[("westeurope", 2)],
        &creds("team"),
    ));

    for (name, secret) in [("missing", "does-not-exist"), ("incomplete", "incomplete")] {
        let stalled = t.wait_condition(name, "Stalled", "True", "CredentialsError", secs(30));
        let msg = assert_stalled(&stalled, "CredentialsError");
        assert!(msg.contains(secret), "names the Secret {secret}: {msg}");
    }
    let incomplete = t.get("incomplete").expect("exists");
    assert!(
        message(&incomplete, "Stalled").contains("clientSecret"),
        "names the missing key: {}",
        message(&incomplete, "Stalled")
    );

    // A good Secret works, and its principal is the one Azure sees.
    t.wait_ready("team", secs(60));
    let requests = t.requests();
    report("credentials_team", &requests, &names[2]);
    assert!(writes(&requests, &names[0]).is_empty() && gets(&requests, &names[0]) == 0);
    assert!(writes(&requests, &names[1]).is_empty() && gets(&requests, &names[1]) == 0);
    let team: Vec<_> = requests.iter().filter(|r| r.is_write(&names[2])).collect();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].principal.as_deref(), Some(TEAM_CLIENT));
}

#[test]
fn a_secret_created_after_the_resource_is_picked_up() {
    let mut t = E2e::builder("secret_created_later")
        .service("Standard", &[("westeurope", 1)])
        .arg("--resync-interval=3s")
        .start();
    let service = t.service().to_string();
    let creds = "  credentials:\n    secretRef: {name: team}\n";
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], creds);
    let stalled = t.wait_condition("cap", "Stalled", "True", "CredentialsError", secs(30));
    assert!(message(&stalled, "Stalled").contains("team"));
    let event = t.wait_event("cap", "CredentialsError", secs(10));
    assert_eq!(event.type_, "Warning");

    t.secret(
        "team",
        &[
            ("tenantId", TENANT),
            ("clientId", TEAM_CLIENT),
            ("clientSecret", TEAM_SECRET),
        ],
    );
    let done = t.wait_ready("cap", secs(60));
    assert!(condition(&done, "Stalled").is_none());
    let requests = t.requests();
    report("secret_created_later", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
}
