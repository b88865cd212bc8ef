//! The listing of a subscription's services against the simulator over HTTPS: every page
//! followed, a `nextLink` on another origin refused, and a principal granted only a
//! resource group refused the listing (403), as in Azure.

use apim_capacity::azure::{AzureError, ErrorReason};
use apimcap_sim::{Seed, SimConfig};

use crate::support::*;

const FIVE: &str = r#"
services:
  - {resourceGroup: rg-a, name: one, location: westeurope, sku: Premium, capacity: 1}
  - {resourceGroup: rg-a, name: two, location: West Europe, sku: Premium, capacity: 2,
     additionalLocations: [{location: East US, capacity: 3}]}
  - {resourceGroup: rg-b, name: three, location: westeurope, sku: Standard, capacity: 3}
  - {resourceGroup: rg-b, name: four, location: westeurope, sku: Basic, capacity: 2}
  - {resourceGroup: rg-c, name: five, location: northeurope, sku: StandardV2, capacity: 4}
  - {subscription: 99999999-9999-9999-9999-999999999999, resourceGroup: rg-x, name: elsewhere,
     location: westeurope, sku: Premium, capacity: 1}
"#;

/// The five services with the principals of the common seed (whose reader is granted the
/// resource group rg-payments only).
fn five(page_size: usize, next_link: Option<&str>) -> SimConfig {
    let principals = SEED.find("principals:").map_or("", |at| &SEED[at..]);
    SimConfig {
        seed: Seed::parse(&format!("{FIVE}{principals}")).expect("seed parses"),
        list_page_size: page_size,
        list_next_link: next_link.map(str::to_string),
        ..sim_config()
    }
}

fn listings(requests: &[serde_json::Value]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| {
            r["kind"] == "arm"
                && r["method"] == "GET"
                && r["path"].as_str().is_some_and(|p| {
                    p.to_ascii_lowercase()
                        .ends_with("/providers/microsoft.apimanagement/service")
                })
        })
        .map(|r| r["query"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn every_page_is_followed_with_page_size_two_over_five_services() {
    let sim = start(five(2, None)).await;
    let listing = client(&sim).list_services(SUB).await.expect("the listing");
    assert_eq!(listing.pages, 3);
    assert_eq!(listing.skipped, 0);
    assert_eq!(listing.services.len(), 5, "{:?}", listing.services.keys());
    let two = listing
        .services
        .get(&format!(
            "/subscriptions/{SUB}/resourcegroups/rg-a/providers/microsoft.apimanagement/service/two"
        ))
        .expect("two is listed by its lower-case id");
    let units: Vec<(String, u32)> = two
        .regions
        .iter()
        .map(|r| (r.location.as_str().to_string(), r.units))
        .collect();
    assert_eq!(
        units,
        [("westeurope".to_string(), 2), ("eastus".to_string(), 3)]
    );
    assert!(listing.services.keys().all(|k| !k.contains("elsewhere")));

    let queries = listings(&requests(&sim).await);
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert!(
        queries[1].contains("skiptoken=2") && queries[2].contains("skiptoken=4"),
        "{queries:?}"
    );
    // No service was read on its own.
    assert!(
        requests(&sim)
            .await
            .iter()
            .all(|r| r["service"].is_null() || r["kind"] != "arm"),
        "only listings"
    );
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_and_not_followed() {
    let sim = start(five(2, Some("https://127.0.0.1:1"))).await;
    let error = client(&sim).list_services(SUB).await.expect_err("refused");
    assert_eq!(error.reason(), ErrorReason::MalformedResponse, "{error}");
    assert!(error.to_string().contains("nextLink"), "{error}");
    assert_eq!(
        listings(&requests(&sim).await).len(),
        1,
        "the first page only"
    );
}

#[tokio::test]
async fn a_resource_group_grant_may_not_list_the_subscription() {
    let sim = start(five(2, None)).await;
    let config = arm_config(&sim);
    let credential = secret_credential(&sim, &config, READER_ID, "reader");
    let reader = apim_capacity::azure::ArmClient::new(config, credential).expect("client");
    let error = reader.list_services(SUB).await.expect_err("403");
    assert!(matches!(error, AzureError::Forbidden(_)), "{error}");
    assert!(error.to_string().contains("listing"), "{error}");
}
