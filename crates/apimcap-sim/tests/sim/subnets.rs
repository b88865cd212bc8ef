//! Subnets in the simulator: `Microsoft.Network/virtualNetworks/subnets` GET with its
//! `addressPrefix`, role checks naming `Microsoft.Network/virtualNetworks/subnets/read`, and
//! a scale-up the subnet cannot hold failing as `--subnet-full` says.

use crate::support::*;
use apimcap_sim::{Seed, SimConfig, SubnetFull};
use serde_json::json;

const SUBNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/apim";
const NO_NETWORK: &str = "55555555-5555-5555-5555-555555555555";

fn config(full: SubnetFull) -> SimConfig {
    let seed = format!(
        "subnets:\n  - {{id: {SUBNET}, addressPrefix: 10.0.1.0/27}}\n\
         services:\n  - {{resourceGroup: rg-vnet, name: vnet-apim, location: westeurope, sku: Premium, capacity: 2, \
         subnetResourceId: {SUBNET}, virtualNetworkType: Internal}}\n\
         principals:\n  - {{tenant: {TENANT}, clientId: {CLIENT_ID}, clientSecret: {SECRET}}}\n  \
         - tenant: {TENANT}\n    clientId: {NO_NETWORK}\n    clientSecret: apim-only\n    roles:\n      \
         - {{scope: /subscriptions/{SUB}/resourceGroups/rg-vnet, access: write}}\n"
    );
    SimConfig {
        seed: Seed::parse(&seed).expect("seed parses"),
        subnet_full: full,
        ..crate::support::config()
    }
}

fn service() -> String {
    format!("{}?{API}", service_path("rg-vnet", "vnet-apim"))
}

fn scale(units: u32) -> serde_json::Value {
    json!({"sku": {"name": "Premium", "capacity": units}})
}

#[tokio::test]
async fn subnets_answer_in_microsoft_networks_shape() {
    let sim = start(config(SubnetFull::FailOperation)).await;
    let (status, subnet) = sim
        .get_json(&format!("{SUBNET}?api-version=2023-09-01"))
        .await;
    assert_eq!(status, 200, "{subnet}");
    assert_eq!(subnet["properties"]["addressPrefix"], "10.0.1.0/27");
    assert_eq!(subnet["type"], "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(
        (subnet["id"].as_str(), subnet["name"].as_str()),
        (Some(SUBNET), Some("apim"))
    );
    let (_, apim) = sim.get_json(&service()).await;
    let config = &apim["properties"]["virtualNetworkConfiguration"];
    assert_eq!(config["subnetResourceId"], SUBNET);
    assert_eq!(apim["properties"]["virtualNetworkType"], "Internal");

    let missing = SUBNET.replace("/apim", "/other");
    let (status, code, _) =
        error_code(sim.get(&format!("{missing}?api-version=2023-09-01")).await).await;
    assert_eq!((status, code.as_str()), (404, "NotFound"));
    let (status, code, _) = error_code(sim.get(&format!("{SUBNET}?{API}-preview")).await).await;
    assert_eq!((status, code.as_str()), (400, "InvalidApiVersionParameter"));

    let token = sim.client_secret_token(NO_NETWORK, "apim-only").await;
    let forbidden = sim
        .http
        .get(sim.url(&format!("{SUBNET}?api-version=2023-09-01")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let (status, code, body) = error_code(forbidden).await;
    assert_eq!((status, code.as_str()), (403, "AuthorizationFailed"));
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'Microsoft.Network/virtualNetworks/subnets/read'")),
        "{body}"
    );
}

#[tokio::test]
async fn a_scale_up_past_the_subnet_fails_at_the_end_of_its_operation() {
    let sim = start(config(SubnetFull::FailOperation)).await;
    let response = sim.patch(&service(), &scale(14)).await;
    assert_eq!(
        response.status().as_u16(),
        202,
        "accepted: Azure finds out later"
    );
    let status_url = header(&response, "azure-asyncoperation").expect("status URL");
    let done = sim.poll_status(&status_url).await;
    assert_eq!(done["status"], "Failed");
    assert_eq!(done["error"]["code"], "SubnetIsFull");
    assert!(
        done["error"]["message"].as_str().is_some_and(|m| m
            .contains("Subnet apim with address prefix 10.0.1.0/27 does not have enough capacity")),
        "{done}"
    );
    let (_, apim) = sim.get_json(&service()).await;
    assert_eq!(apim["sku"]["capacity"], 2, "the service is unchanged");
    // 13 units and the internal load balancer fit a /27.
    let response = sim.patch(&service(), &scale(13)).await;
    let status_url = header(&response, "azure-asyncoperation").expect("status URL");
    assert_eq!(sim.poll_status(&status_url).await["status"], "Succeeded");
}

#[tokio::test]
async fn a_scale_up_past_the_subnet_may_be_refused_at_once() {
    let sim = start(config(SubnetFull::Refuse)).await;
    let (status, code, _) = error_code(sim.patch(&service(), &scale(14)).await).await;
    assert_eq!((status, code.as_str()), (400, "SubnetIsFull"));
    // A bigger subnet, set through the admin endpoint, holds them.
    sim.admin_post(
        "/subnets",
        json!({"id": SUBNET, "addressPrefix": "10.0.1.0/26"}),
    )
    .await;
    assert_eq!(
        sim.patch(&service(), &scale(14)).await.status().as_u16(),
        202
    );
}
