//! Every example of the 2024-05-01 specs in the shared reference folder
//! `../shared/fixtures/arm/2024-05-01/` beside the checkout (or `$APIMCAP_ARM_FIXTURES`):
//! each response body that is a service must parse. Without that folder the tests are
//! skipped, except under CI (`CI` set, as CI services do), where they fail and say where
//! they looked.

use std::path::Path;

use serde_json::Value;

use crate::azure::error::AzureErrorBody;
use crate::azure::lro::{OperationStatus, operation_status};
use crate::azure::model::ServiceResource;

/// Where Microsoft's examples are: `$APIMCAP_ARM_FIXTURES`, else the shared folder beside
/// the checkout.
fn fixtures_dir() -> std::path::PathBuf {
    std::env::var_os("APIMCAP_ARM_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/arm/2024-05-01")
        })
}

/// Whether `CI` (as CI services set it, e.g. `true`) asks for a CI run.
fn is_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// What a test does when `path` is absent: skip (`Ok`, locally) or fail with a message
/// saying where it looked (`Err`, under CI).
fn when_absent(path: &Path, ci: Option<&str>) -> Result<(), String> {
    if !is_ci(ci) {
        return Ok(());
    }
    Err(format!(
        "CI is set and the Azure ARM examples are missing: looked for {} (`$APIMCAP_ARM_FIXTURES`, \
         else ../shared/fixtures/arm/2024-05-01 beside the checkout {})",
        path.display(),
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// Skips (returns) outside CI, fails under CI.
fn absent(path: &Path, error: &std::io::Error) {
    if error.kind() != std::io::ErrorKind::NotFound {
        panic!("reading {}: {error}", path.display());
    }
    match when_absent(path, std::env::var("CI").ok().as_deref()) {
        Ok(()) => eprintln!("skipped: {} is absent", path.display()),
        Err(message) => panic!("{message}"),
    }
}

fn is_service(body: &Value) -> bool {
    body.get("sku").is_some() && body.get("location").is_some()
}

#[test]
fn every_service_body_in_the_azure_examples_parses() {
    let dir = fixtures_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => return absent(&dir, &e),
    };
    let mut parsed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        let json: Value = serde_json::from_str(&text).expect("fixture is JSON");
        if json.get("swagger").is_some() {
            // The swagger files: check that the definitions this client relies on exist.
            if let Some(defs) = json.get("definitions")
                && defs.get("AdditionalLocation").is_some()
            {
                let props = &defs["AdditionalLocation"]["properties"];
                for field in ["location", "sku", "zones", "gatewayRegionalUrl"] {
                    assert!(props.get(field).is_some(), "AdditionalLocation.{field}");
                }
            }
            continue;
        }
        let Some(responses) = json.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (status, response) in responses {
            let Some(body) = response.get("body") else {
                continue;
            };
            let mut bodies = vec![body];
            if let Some(items) = body.get("value").and_then(Value::as_array) {
                bodies.extend(items.iter());
            }
            for body in bodies.into_iter().filter(|b| is_service(b)) {
                let service = ServiceResource::from_value(body.clone()).unwrap_or_else(|e| {
                    panic!("{} {status}: {e}", path.display());
                });
                assert!(service.live.primary().is_some());
                parsed += 1;
            }
            if body.get("status").is_some() {
                assert!(matches!(
                    operation_status(body),
                    Some(OperationStatus::Running)
                ));
            }
        }
    }
    assert!(parsed >= 10, "only {parsed} service bodies found");
}

#[test]
fn the_get_example_has_the_expected_regions() {
    let path = fixtures_dir().join("ApiManagementServiceGetService.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => return absent(&path, &e),
    };
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let service = ServiceResource::from_value(json["responses"]["200"]["body"].clone())
        .expect("the GET example parses");
    let regions: Vec<(&str, u32, bool)> = service
        .live
        .regions
        .iter()
        .map(|r| (r.location.as_str(), r.units, r.primary))
        .collect();
    assert_eq!(regions, vec![("eastus", 1, true), ("eastus2", 1, false)]);
    assert!(!service.live.is_busy());
}

#[test]
fn absent_examples_are_skipped_locally_and_fail_under_ci() {
    let path = Path::new("/nonexistent/arm/2024-05-01");
    assert_eq!(when_absent(path, None), Ok(()));
    assert_eq!(when_absent(path, Some("false")), Ok(()));
    assert_eq!(when_absent(path, Some("")), Ok(()));
    for ci in ["true", "1", "TRUE"] {
        let message = when_absent(path, Some(ci)).expect_err("CI fails");
        assert!(message.contains("/nonexistent/arm/2024-05-01"), "{message}");
        assert!(message.contains("APIMCAP_ARM_FIXTURES"), "{message}");
    }
}

#[test]
fn an_error_body_of_arm_shape_parses() {
    let body = br#"{"error":{"code":"InvalidParameters","message":"For Consumption SKU Type capacity must be specified as 0.","target":"sku"}}"#;
    let error = AzureErrorBody::from_response(400, body);
    assert_eq!(error.code, "InvalidParameters");
    assert_eq!(error.target.as_deref(), Some("sku"));
}

#[test]
fn the_skus_example_gives_a_maximum_per_tier() {
    let path = fixtures_dir().join("ApiManagementListSKUs-Dedicated.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let body = json["responses"]["200"]["body"].to_string();
    let limits = crate::azure::skus::parse_skus(body.as_bytes()).expect("a SKU list");
    let found: Vec<(crate::domain::Sku, u32)> = limits.iter().collect();
    use crate::domain::Sku::*;
    assert_eq!(
        found,
        vec![
            (Developer, 1),
            (Basic, 2),
            (Standard, 4),
            (Premium, 10),
            (Isolated, 1)
        ]
    );
}

#[test]
fn the_list_example_reads_as_a_listing_page() {
    let path = fixtures_dir().join("ApiManagementListServiceBySubscriptionAndResourceGroup.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let body = json["responses"]["200"]["body"].to_string();
    let page = crate::azure::listing::parse_listing_page(body.as_bytes()).expect("a page");
    assert_eq!((page.services.len(), page.skipped), (4, 0), "{page:#?}");
    assert_eq!(page.next_link, None);
    for (id, service) in &page.services {
        assert_eq!(*id, id.to_ascii_lowercase());
        assert!(
            id.contains("/providers/microsoft.apimanagement/service/"),
            "{id}"
        );
        assert!(!service.regions.is_empty(), "{id}: {service:?}");
    }
    // The multi-region Premium entry: both regions with their units, display names normalised.
    let units = |name: &str| -> Vec<(String, u32)> {
        page.services
            .iter()
            .find(|(id, _)| id.ends_with(&format!("/service/{name}")))
            .map(|(_, s)| {
                s.regions
                    .iter()
                    .map(|r| (r.location.to_string(), r.units))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        units("ogf-dev-060921"),
        vec![("eastus".to_string(), 3), ("southcentralus".to_string(), 9)]
    );
    assert_eq!(
        units("ogf-z3-06162021-standard"),
        vec![("eastus".to_string(), 2)]
    );
}

#[test]
fn the_examples_operation_headers_give_a_url_to_follow() {
    let arm = url::Url::parse("https://management.azure.com").expect("URL");
    for name in [
        "ApiManagementCreateService.json",
        "ApiManagementUpdateServiceToNewVnetAndAZs.json",
        "ApiManagementUpdateServicePublisherDetails.json",
    ] {
        let Ok(text) = std::fs::read_to_string(fixtures_dir().join(name)) else {
            eprintln!("skipped: {name} is absent");
            continue;
        };
        let json: Value = serde_json::from_str(&text).expect("JSON");
        let responses = json["responses"].as_object().expect("responses");
        for (status, response) in responses {
            let headers = &response["headers"];
            let location = headers["Location"].as_str();
            let status_url = headers["Azure-AsyncOperation"].as_str();
            if location.is_none() && status_url.is_none() {
                continue;
            }
            let (url, style) = crate::azure::lro::operation_url(status_url, location, &arm)
                .expect("acceptable")
                .expect("a URL");
            assert_eq!(Some(url.as_str()), location, "{name} {status}");
            assert_eq!(style, crate::azure::lro::PollStyle::Location);
        }
    }
}
