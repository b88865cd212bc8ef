//! End to end: `apimcap run` against a real kube-apiserver and the Azure simulator changes
//! capacity one step at a time: scaling, a tier upgrade with a new region, nothing while in
//! sync, nothing when the resource is deleted.

use crate::support::operator::*;
use serde_json::{Value, json};

/// Two resyncs (every 3 s in these tests) look at the service, by the subscription's
/// listing (the default drift watch) or a GET, without writing anything.
fn assert_resyncs_write_nothing(t: &mut E2e) {
    let service = t.service().to_string();
    t.clear_requests();
    let requests = wait_requests(t, secs(30), |r| gets(r, &service) + listings(r) >= 2);
    assert!(
        writes(&requests, &service).is_empty(),
        "an in-sync resource made Azure writes: {requests:#?}"
    );
}

fn event_reasons(t: &E2e, name: &str) -> Vec<(String, String)> {
    t.events(name)
        .into_iter()
        .map(|e| (e.type_, e.reason))
        .collect()
}

fn has_event(t: &E2e, name: &str, type_: &str, reason: &str) -> bool {
    event_reasons(t, name).contains(&(type_.to_string(), reason.to_string()))
}

#[test]
fn scale_up_then_down_one_patch_per_step() {
    let mut t = E2e::builder("scale_up_then_down")
        .service("Standard", &[("westeurope", 1)])
        .arg("--resync-interval=3s")
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "");
    let during = t.wait_for("cap", "Scaling", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "Scaling")
    });
    let op = &during["status"]["operation"];
    assert_eq!(op["step"], 1, "{op:#}");
    assert_eq!(op["totalSteps"], 1, "{op:#}");
    assert_eq!(op["action"], "Scale", "{op:#}");
    assert!(
        op["pollUrl"].as_str().is_some_and(|u| !u.is_empty()),
        "{op:#}"
    );
    assert!(
        op["description"]
            .as_str()
            .is_some_and(|d| d.contains("westeurope")),
        "{op:#}"
    );
    assert_ne!(
        condition(&during, "Ready").expect("Ready")["status"],
        "True"
    );
    assert_ne!(
        during["status"]["observedGeneration"], during["metadata"]["generation"],
        "a generation is observed only once fully handled"
    );

    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["observedGeneration"], 1);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=3");
    assert_eq!(done["status"]["live"]["sku"], "Standard");
    assert_eq!(done["status"]["lastOperation"]["result"], "Succeeded");
    assert_eq!(
        done["status"]["lastOperation"]["description"],
        op["description"]
    );
    assert_eq!(
        t.azure_capacity(&service),
        ("Standard".to_string(), vec![("West Europe".to_string(), 3)])
    );
    assert!(has_event(&t, "cap", "Normal", "OperationStarted"));
    assert!(has_event(&t, "cap", "Normal", "OperationSucceeded"));

    let requests = t.requests();
    report("scale_up", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "one PATCH for one step: {patches:#?}");
    assert_eq!(patches[0].method, "PATCH");
    let body = patches[0].body.clone().unwrap_or(Value::Null);
    assert_eq!(body["sku"]["capacity"], 3, "{body}");
    assert!(
        body["properties"]["additionalLocations"].is_null(),
        "only what changes is sent: {body}"
    );
    assert_no_overlap(&requests, &service);

    assert_resyncs_write_nothing(&mut t);

    t.clear_requests();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let done = t.wait_for("cap", "Ready at generation 2", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 2
    });
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=2");
    let requests = t.requests();
    report("scale_down", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(
        patches[0]
            .body
            .as_ref()
            .map(|b| b["sku"]["capacity"].clone()),
        Some(json!(2))
    );
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}

#[test]
fn tier_upgrade_with_a_new_region_changes_tier_first() {
    let mut t = E2e::builder("tier_upgrade_new_region")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Premium", &[("westeurope", 1), ("eastus", 1)], "");
    let first = t.wait_for("cap", "ChangingTier", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "ChangingTier")
    });
    let op = &first["status"]["operation"];
    assert_eq!(
        (op["step"].clone(), op["totalSteps"].clone()),
        (json!(1), json!(2)),
        "{op:#}"
    );
    assert_eq!(op["action"], "ChangeTier", "{op:#}");
    assert_eq!(op["targetSku"], "Premium", "{op:#}");
    // What `kubectl get` shows on-call engineers: SKU, Ready, Status, Operation.
    let table = t.kubectl(&["get", "apimcap", "cap"]).stdout;
    let row = table.lines().nth(1).unwrap_or_default().to_string();
    for column in ["Premium", "False", "ChangingTier", "Change tier"] {
        assert!(row.contains(column), "{column} missing in:\n{table}");
    }

    let second = t.wait_for("cap", "AddingRegion", secs(60), |o| {
        has_condition(o, "Reconciling", "True", "AddingRegion")
    });
    let op = &second["status"]["operation"];
    assert_eq!(
        (op["step"].clone(), op["totalSteps"].clone()),
        (json!(2), json!(2)),
        "{op:#}"
    );
    assert_eq!(op["action"], "AddRegion", "{op:#}");
    assert_eq!(second["status"]["live"]["sku"], "Premium", "tier first");

    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=1,eastus=1");
    assert_eq!(
        t.azure_capacity(&service),
        (
            "Premium".to_string(),
            vec![("West Europe".to_string(), 1), ("East US".to_string(), 1)]
        )
    );

    let requests = t.requests();
    report("tier_upgrade_new_region", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 2, "one PATCH per step: {patches:#?}");
    let first_body = patches[0].body.clone().unwrap_or_default();
    assert_eq!(first_body["sku"]["name"], "Premium", "{first_body}");
    assert!(
        first_body["properties"]["additionalLocations"].is_null(),
        "the region comes after the tier: {first_body}"
    );
    let second_body = patches[1].body.clone().unwrap_or_default();
    let added = &second_body["properties"]["additionalLocations"];
    assert_eq!(added.as_array().map(Vec::len), Some(1), "{second_body}");
    assert_eq!(added[0]["sku"]["capacity"], 1, "{second_body}");
    assert_no_overlap(&requests, &service);

    let started = t
        .events("cap")
        .into_iter()
        .filter(|e| e.reason == "OperationStarted")
        .map(|e| e.count)
        .sum::<u64>();
    assert_eq!(started, 2, "one OperationStarted per step");
}

#[test]
fn in_sync_resource_is_ready_without_writes_and_serves_probes() {
    let mut t = E2e::builder("in_sync")
        .service("Premium", &[("westeurope", 2), ("northeurope", 1)])
        .arg("--resync-interval=3s")
        .start();
    let service = t.service().to_string();
    t.apply_capacity(
        "cap",
        "Premium",
        &[("westeurope", 2), ("northeurope", 1)],
        "",
    );
    let done = t.wait_ready("cap", secs(30));
    assert_in_sync(&done);
    assert!(done["status"]["lastOperation"].is_null());
    assert_eq!(
        done["status"]["serviceId"]
            .as_str()
            .map(|s| s.to_lowercase().ends_with(&format!("/service/{service}"))),
        Some(true),
        "{:#}",
        done["status"]
    );
    let requests = t.requests();
    report("in_sync", &requests, &service);
    assert!(writes(&requests, &service).is_empty());
    assert!(gets(&requests, &service) >= 1);
    assert_resyncs_write_nothing(&mut t);

    assert_eq!(t.http_get("/livez").0, 200);
    assert_eq!(t.http_get("/readyz").0, 200);
    let (status, metrics) = t.http_get("/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("# TYPE"), "{metrics}");
    for line in metrics
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("apim"))
    {
        eprintln!("E2E-METRIC {line}");
    }

    let exit = t.terminate();
    assert!(exit.success(), "SIGTERM ends apimcap cleanly: {exit}");
}

#[test]
fn deleting_the_resource_makes_no_azure_call() {
    let mut t = E2e::builder("deleting_makes_no_call")
        .service("Standard", &[("westeurope", 2)])
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    t.wait_ready("cap", secs(30));
    t.clear_requests();
    let out = t.kubectl(&["delete", "apimcap", "cap", "--wait=true", "--timeout=30s"]);
    assert!(out.success, "deleting: {}", out.stderr);
    // The operator has seen the deletion once the object is gone and one more object is
    // reconciled: a second resource proves the operator is alive and has moved on.
    t.apply_capacity("other", "Standard", &[("westeurope", 2)], "");
    t.wait_ready("other", secs(30));
    let requests = t.requests();
    assert!(writes(&requests, &service).is_empty(), "{requests:#?}");
    assert_eq!(
        t.azure_capacity(&service).1[0].1,
        2,
        "the service is untouched"
    );
    assert!(t.get("cap").is_none());
}

#[test]
fn different_services_change_in_parallel() {
    let mut t = E2e::builder("parallel_services")
        .service("Standard", &[("westeurope", 1)])
        .service("Standard", &[("westeurope", 1)])
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(std::time::Duration::from_secs(6)))
        .start();
    let names = t.apply_per_service("cap-", "Standard", &[("westeurope", 2)]);
    // Every service's PATCH is sent before the first 6-second operation could have ended.
    let requests = wait_requests(&t, secs(30), |r| {
        names.iter().all(|n| !writes(r, n).is_empty())
    });
    let first_done = polls(&requests)
        .iter()
        .any(|p| p.status.is_some_and(|s| s != 202));
    assert!(!first_done, "the services were changed one after another");
    for i in 0..names.len() {
        assert_in_sync(&t.wait_ready(&format!("cap-{i}"), secs(60)));
    }
    let requests = t.requests();
    for name in &names {
        report(name, &requests, name);
        assert_eq!(writes(&requests, name).len(), 1);
        assert_no_overlap(&requests, name);
    }
}
