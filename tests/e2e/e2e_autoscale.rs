//! End to end: per-region autoscale against the simulator's load and Azure Monitor. A
//! loaded region scales out by one in one PATCH while an idle one keeps its units; the
//! cooldown holds a region still loaded after its scale; an enabled Azure autoscale setting
//! on the service stalls with `AutoscaleConflict` and no PATCH; `PrimaryOnly` leaves the
//! primary to Azure's setting.

use crate::support::operator::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A Premium service with westeurope (primary) and eastus at one unit each, `load` seed lines
/// for it, evaluated every 10 s and resynced every 3 s; operations take 6 s.
fn autoscale_world(test: &str, load: &str) -> E2e {
    E2e::builder(test)
        .service_with("Premium", &[("westeurope", 1), ("eastus", 1)], load)
        .sim(|c| c.operation_duration = Some(std::time::Duration::from_secs(6)))
        .arg("--resync-interval=3s")
        .arg("--autoscale-interval=10s")
        .start()
}

/// Both regions autoscaled between 1 and 3 units; `extra` lines under `spec:`.
fn autoscaled(t: &E2e, extra: &str) -> String {
    format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: cap\nspec:\n  service:\n    subscriptionId: {SUB}\n    resourceGroup: {RG}\n    name: {}\n  sku: Premium\n  regions:\n    - {{location: westeurope, autoscale: {{minUnits: 1, maxUnits: 3}}}}\n    - {{location: eastus, autoscale: {{minUnits: 1, maxUnits: 3}}}}\n{extra}",
        t.service()
    )
}

/// An enabled Azure autoscale setting `apim-autoscale` on the service.
fn azure_setting(t: &E2e) {
    let target = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ApiManagement/service/{}",
        t.service()
    );
    t.admin(
        Method::PUT,
        &format!("/autoscaleSettings/{RG}/apim-autoscale"),
        Some(json!({"targetResourceUri": target, "enabled": true})),
    );
}

fn metrics_reads(requests: &[SimRequest]) -> usize {
    requests
        .iter()
        .filter(|r| {
            r.path
                .to_lowercase()
                .ends_with("/microsoft.insights/metrics")
        })
        .count()
}

fn autoscale_entry<'a>(obj: &'a Value, location: &str) -> &'a Value {
    obj["status"]["autoscale"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["location"] == location))
        .unwrap_or(&Value::Null)
}

fn units(t: &E2e) -> Vec<u64> {
    t.azure_capacity(t.service())
        .1
        .iter()
        .map(|r| r.1)
        .collect()
}

#[test]
fn a_loaded_region_scales_out_once_and_cools_down() {
    // eastus: 1800 rps on one unit of 1000 is 100 % Capacity, and 90 % on two.
    let mut t = autoscale_world(
        "autoscale_scale_out",
        "    load: {eastus: {rps: 1800.0}, westeurope: {rps: 0.0}}\n",
    );
    let service = t.service().to_string();
    t.apply(&autoscaled(&t, ""));
    let scaled = t.wait_for("cap", "eastus scaled out", secs(90), |o| {
        is_ready(o) && o["status"]["lastOperation"]["result"] == "Succeeded"
    });
    assert_eq!(units(&t), [1, 2], "eastus +1, westeurope unchanged");
    let eastus = autoscale_entry(&scaled, "eastus");
    assert!(eastus["lastScaleAt"].is_string(), "{eastus}");
    assert_eq!(
        autoscale_entry(&scaled, "westeurope")["lastDecision"]["reason"],
        "AtMinUnits"
    );
    let event = t.wait_event("cap", "Autoscaled", secs(10));
    assert!(event.message.contains("eastus"), "{event:?}");

    // Still loaded (90 %): two more evaluations, each one metrics read, no PATCH.
    let seen = metrics_reads(&t.requests());
    let requests = wait_requests(&t, secs(60), |r| metrics_reads(r) >= seen + 2);
    report("autoscale_scale_out", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1, "exactly one PATCH");
    assert_no_overlap(&requests, &service);
    assert_eq!(units(&t), [1, 2]);
    let held = t.get("cap").unwrap_or_default();
    let eastus = autoscale_entry(&held, "eastus");
    // The window restarts at the scale: too little data since, and the cooldown ahead.
    assert_eq!(
        eastus["lastDecision"]["reason"], "TooLittleData",
        "{eastus}"
    );
    assert!(eastus["nextScaleAllowedAt"].is_string(), "{eastus}");
}

#[test]
fn an_enabled_azure_autoscale_setting_stalls_without_a_patch() {
    let mut t = autoscale_world("autoscale_conflict", "    load: {eastus: {rps: 1800.0}}\n");
    let service = t.service().to_string();
    azure_setting(&t);
    t.apply(&autoscaled(&t, ""));
    let stalled = t.wait_condition("cap", "Stalled", "True", "AutoscaleConflict", secs(60));
    assert!(
        message(&stalled, "Ready").contains("apim-autoscale"),
        "{stalled}"
    );
    std::thread::sleep(secs(5));
    let requests = t.requests();
    report("autoscale_conflict", &requests, &service);
    assert!(writes(&requests, &service).is_empty(), "no PATCH");
    assert_eq!(
        metrics_reads(&requests),
        0,
        "no metrics read while in conflict"
    );
    assert_eq!(units(&t), [1, 1]);
}

#[test]
fn primary_only_scales_only_the_additional_regions() {
    let mut t = autoscale_world(
        "autoscale_primary_only",
        "    load: {eastus: {rps: 1800.0}, westeurope: {rps: 1800.0}}\n",
    );
    let service = t.service().to_string();
    azure_setting(&t);
    t.apply(&autoscaled(&t, "  azureAutoscale: PrimaryOnly\n"));
    let done = t.wait_for("cap", "eastus scaled out", secs(90), |o| {
        is_ready(o) && o["status"]["lastOperation"]["result"] == "Succeeded"
    });
    assert_eq!(units(&t), [1, 2], "the primary is left to Azure");
    assert_eq!(
        autoscale_entry(&done, "westeurope")["lastDecision"]["reason"],
        "LeftToAzureAutoscale"
    );
    let requests = t.requests();
    report("autoscale_primary_only", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
}
