//! Availability zones in the simulator: a zone change of classic Premium is an operation of
//! its own that gives the region new IP addresses; a region the subscription may not use
//! zones in refuses them with 400 `NotSupported`; the v2 `zoneRedundant` is fixed.

use crate::support::*;
use serde_json::{Value, json};

fn global() -> String {
    format!("{}?{API}", service_path("rg-global", "global-apim"))
}

#[tokio::test]
async fn a_zone_change_is_an_operation_that_renumbers_the_region() {
    let sim = start_default().await;
    let (_, before) = sim.get_json(&global()).await;
    let response = sim
        .patch(&global(), &json!({"zones": ["1", "2", "3"]}))
        .await;
    let (status, code, _) = error_code(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameters"),
        "2 units do not divide across 3 zones"
    );
    let response = sim.patch(&global(), &json!({"zones": ["2", "3"]})).await;
    assert_eq!(response.status().as_u16(), 202);
    let location = header(&response, "location").expect("Location");
    let ops = sim.admin(reqwest::Method::GET, "/operations", None).await;
    assert_eq!(ops[0]["kind"], "Zones", "{ops}");
    sim.poll_location(&location).await;
    let (_, after) = sim.get_json(&global()).await;
    assert_eq!(after["zones"], json!(["2", "3"]));
    let ips = |body: &Value| body["properties"]["publicIPAddresses"].clone();
    assert_ne!(
        ips(&after),
        ips(&before),
        "new public IP addresses with new zones"
    );
    let east =
        |body: &Value| body["properties"]["additionalLocations"][0]["publicIPAddresses"].clone();
    assert_eq!(
        east(&after),
        east(&before),
        "a region whose zones stay keeps its addresses"
    );
}

#[tokio::test]
async fn zones_in_a_region_the_subscription_may_not_use_are_refused() {
    let mut config = config();
    config.zones_not_enabled = vec!["eastus".into()];
    let sim = start(config).await;
    let body = json!({"properties": {"additionalLocations": [
        {"location": "eastus", "sku": {"name": "Premium", "capacity": 2}, "zones": ["1", "2"]}]}});
    let (status, code, error) = error_code(sim.patch(&global(), &body).await).await;
    assert_eq!((status, code.as_str()), (400, "NotSupported"), "{error}");
    assert_eq!(
        error["error"]["message"],
        format!(
            "Subscription {SUB} is not enabled for Availability Zone deployment in location 'East US'."
        )
    );
    // The primary (westeurope) keeps its zones and may change them.
    let response = sim.patch(&global(), &json!({"zones": ["1", "3"]})).await;
    assert_eq!(response.status().as_u16(), 202);
}

#[tokio::test]
async fn zone_redundancy_of_v2_is_fixed_at_creation() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-v2", "v2-apim"));
    let body = json!({"properties": {"zoneRedundant": true}});
    let (status, code, error) = error_code(sim.patch(&path, &body).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameters"),
        "{error}"
    );
    assert_eq!(error["error"]["target"], "properties.zoneRedundant");
}
