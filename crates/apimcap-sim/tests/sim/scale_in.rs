//! Azure's scale-in guardrail in the simulator: a service with more than 15 units may not
//! scale in by more than 25 % in one operation; the scope (service total, each region, both,
//! off) and the error code are switches.

use crate::support::*;
use apimcap_sim::{ScaleInScope, Seed, SimConfig};
use serde_json::{Value, json};

/// A Premium service `big-apim` in rg-big: westeurope 20 units, eastus `east` units.
fn config(scope: ScaleInScope, east: u32) -> SimConfig {
    let seed = format!(
        "services:\n  - {{resourceGroup: rg-big, name: big-apim, location: westeurope, sku: Premium, capacity: 20, \
         additionalLocations: [{{location: eastus, capacity: {east}}}]}}\n\
         principals:\n  - {{tenant: {TENANT}, clientId: {CLIENT_ID}, clientSecret: {SECRET}}}\n"
    );
    SimConfig {
        seed: Seed::parse(&seed).expect("seed parses"),
        scale_in: scope,
        ..crate::support::config()
    }
}

fn path() -> String {
    format!("{}?{API}", service_path("rg-big", "big-apim"))
}

fn units(west: u32, east: u32) -> Value {
    json!({"sku": {"name": "Premium", "capacity": west}, "properties": {"additionalLocations": [
        {"location": "eastus", "sku": {"name": "Premium", "capacity": east}}]}})
}

/// PATCHes `body` and, when accepted, waits for the operation; the status and error code.
async fn change(sim: &Sim, body: &Value) -> (u16, String) {
    let response = sim.patch(&path(), body).await;
    if response.status().as_u16() == 202 {
        let location = header(&response, "location").expect("Location");
        assert_eq!(sim.poll_location(&location).await.status().as_u16(), 200);
        return (202, String::new());
    }
    let (status, code, _) = error_code(response).await;
    (status, code)
}

#[tokio::test]
async fn a_one_shot_scale_in_of_a_big_region_is_refused_and_steps_are_accepted() {
    let sim = start(config(ScaleInScope::Region, 1)).await;
    let response = sim.patch(&path(), &units(4, 1)).await;
    let (status, code, body) = error_code(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameters"),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("location 'West Europe'") && message.contains("from 20 to 4 units"),
        "{message}"
    );
    assert_eq!(body["error"]["target"], "sku.capacity");
    assert_eq!(
        change(&sim, &units(15, 1)).await,
        (202, String::new()),
        "20 → 15 is 25 %"
    );
    assert_eq!(
        change(&sim, &units(4, 1)).await,
        (202, String::new()),
        "15 is not more than 15"
    );
    let log = sim.requests().await;
    let statuses: Vec<u64> = log
        .iter()
        .filter(|r| r["method"] == "PATCH")
        .filter_map(|r| r["status"].as_u64())
        .collect();
    assert_eq!(statuses, [400, 202, 202]);
}

#[tokio::test]
async fn the_scope_is_a_switch() {
    // 20 + 12 = 32 units → 20 + 1 = 21: the total drops 34 %; eastus has 12 units (not more
    // than 15) and westeurope does not change.
    for (scope, expected) in [
        (ScaleInScope::Service, 400),
        (ScaleInScope::Both, 400),
        (ScaleInScope::Region, 202),
        (ScaleInScope::Off, 202),
    ] {
        let sim = start(config(scope, 12)).await;
        let (status, _) = change(&sim, &units(20, 1)).await;
        assert_eq!(status, expected, "{scope:?}");
    }
    // 20 + 12 → 14 + 12: westeurope drops 30 %, the total 19 %.
    for (scope, expected) in [
        (ScaleInScope::Service, 202),
        (ScaleInScope::Region, 400),
        (ScaleInScope::Both, 400),
    ] {
        let sim = start(config(scope, 12)).await;
        let (status, _) = change(&sim, &units(14, 12)).await;
        assert_eq!(status, expected, "{scope:?}");
    }
}

#[tokio::test]
async fn removing_a_region_counts_under_the_service_reading() {
    let sim = start(config(ScaleInScope::Service, 12)).await;
    let remove = json!({"properties": {"additionalLocations": []}});
    let (status, code) = change(&sim, &remove).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameters"),
        "32 → 20 units"
    );
}

#[tokio::test]
async fn the_error_code_is_a_switch() {
    let mut config = config(ScaleInScope::Service, 1);
    config.scale_in_code = "ScaleInLimitExceeded".into();
    let sim = start(config).await;
    let (status, code) = change(&sim, &units(4, 1)).await;
    assert_eq!((status, code.as_str()), (400, "ScaleInLimitExceeded"));
}
