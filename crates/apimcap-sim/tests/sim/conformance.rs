//! Conformance of the simulator's ARM surface with ARM-NOTES.md, over real HTTPS.

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let sim = start_default().await;
    let path = service_path("rg-payments", "payments-apim");
    let cases = [
        ("", 400, "MissingApiVersionParameter"),
        ("?api-version=", 400, "MissingApiVersionParameter"),
        ("?api-version=2099-01-01", 400, "InvalidApiVersionParameter"),
        ("?api-version=banana", 400, "InvalidApiVersionParameter"),
        ("?api-version=2024-05-01", 200, ""),
        ("?api-version=2022-08-01", 200, ""),
    ];
    for (query, status, code) in cases {
        let (got_status, got_code, body) =
            error_code(sim.get(&format!("{path}{query}")).await).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn v2_tiers_need_a_recent_api_version() {
    let sim = start_default().await;
    let path = service_path("rg-v2", "v2-apim");
    let (status, code, _) =
        error_code(sim.get(&format!("{path}?api-version=2022-08-01")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "OperationSupportedInSkuForApiVersions")
    );
    let (status, _, _) = error_code(
        sim.get(&format!("{path}?api-version=2023-03-01-preview"))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    // Moving nothing to v2 with an old version: classic → v2 is refused anyway, but the
    // api-version check comes first.
    let classic = service_path("rg-payments", "payments-apim");
    let response = sim
        .patch(
            &format!("{classic}?api-version=2022-08-01"),
            &json!({"sku": {"name": "BasicV2", "capacity": 1}}),
        )
        .await;
    let (status, code, _) = error_code(response).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "OperationSupportedInSkuForApiVersions")
    );
}

#[tokio::test]
async fn missing_things_get_azures_404s() {
    let sim = start_default().await;
    let other_sub = "/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x";
    let cases = [
        (service_path("rg-payments", "nope"), "ResourceNotFound"),
        (
            service_path("rg-missing", "payments-apim"),
            "ResourceGroupNotFound",
        ),
        (
            service_path("rg-empty", "payments-apim"),
            "ResourceNotFound",
        ),
        (other_sub.to_string(), "SubscriptionNotFound"),
    ];
    for (path, code) in cases {
        let response = sim.get(&format!("{path}?{API}")).await;
        assert!(header(&response, "x-ms-ratelimit-remaining-subscription-reads").is_some());
        assert!(header(&response, "x-ms-request-id").is_some());
        let (status, got, body) = error_code(response).await;
        assert_eq!((status, got.as_str()), (404, code), "{path}: {body}");
        assert!(body["error"]["details"].is_array(), "ARM envelope: {body}");
    }
    let (_, _, body) = error_code(
        sim.get(&format!("{}?{API}", service_path("rg-payments", "nope")))
            .await,
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "The Resource 'Microsoft.ApiManagement/service/nope' under resource group 'rg-payments' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );
}

#[tokio::test]
async fn names_compare_case_insensitively() {
    let sim = start_default().await;
    let path = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/resourcegroups/RG-PAYMENTS/providers/microsoft.apimanagement/service/Payments-APIM";
    let (status, body) = sim.get_json(&format!("{path}?{API}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "payments-apim");
    assert_eq!(body["id"], service_path("rg-payments", "payments-apim"));
}

#[tokio::test]
async fn get_answers_like_azure() {
    let sim = start_default().await;
    let response = sim
        .http
        .get(sim.url(&format!(
            "{}?{API}",
            service_path("rg-payments", "payments-apim")
        )))
        .bearer_auth(&sim.token)
        .header("x-ms-client-request-id", "my-request-1")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "x-ms-correlation-request-id").as_deref(),
        Some("my-request-1")
    );
    assert!(header(&response, "x-ms-request-id").is_some());
    assert!(header(&response, "x-ms-ratelimit-remaining-subscription-reads").is_some());
    let etag = header(&response, "etag").expect("ETag header");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        etag,
        format!("\"{}\"", body["etag"].as_str().unwrap_or_default())
    );
    assert_eq!(body["location"], "West Europe");
    assert_eq!(body["type"], "Microsoft.ApiManagement/service");
    assert_eq!(body["sku"], json!({"name": "Standard", "capacity": 1}));
    assert_eq!(body["zones"], Value::Null);
    assert!(
        body["properties"]
            .get("additionalLocations")
            .is_some_and(Value::is_null)
    );
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(body["properties"]["targetProvisioningState"], "");
    assert!(body["properties"]["customProperties"].is_object());

    let (_, multi) = sim
        .get_json(&format!(
            "{}?{API}",
            service_path("rg-global", "global-apim")
        ))
        .await;
    let region = &multi["properties"]["additionalLocations"][0];
    assert_eq!(region["location"], "East US");
    assert_eq!(region["sku"], json!({"name": "Premium", "capacity": 1}));
    assert!(region.get("zones").is_some_and(Value::is_null));
    for field in [
        "disableGateway",
        "virtualNetworkConfiguration",
        "publicIpAddressId",
        "natGatewayState",
        "gatewayRegionalUrl",
        "platformVersion",
    ] {
        assert!(region.get(field).is_some(), "{field} present: {region}");
    }
}

#[tokio::test]
async fn list_and_skus() {
    let sim = start_default().await;
    let list = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-payments/providers/Microsoft.ApiManagement/service?{API}"
    );
    let (status, body) = sim.get_json(&list).await;
    assert_eq!(status, 200);
    let mut names: Vec<&str> = body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["dev-apim", "payments-apim", "serverless-apim"]);

    let (status, skus) = sim
        .get_json(&format!(
            "{}/skus?{API}",
            service_path("rg-payments", "payments-apim")
        ))
        .await;
    assert_eq!(status, 200);
    let premium = skus["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|s| s["sku"]["name"] == "Premium")
        .cloned()
        .expect("Premium listed");
    assert_eq!(premium["capacity"]["maximum"], 31);
    assert!(
        !skus["value"]
            .as_array()
            .expect("value")
            .iter()
            .any(|s| s["sku"]["name"] == "BasicV2")
    );
}

#[tokio::test]
async fn tier_rules_answer_azures_400s() {
    let sim = start_default().await;
    let std = service_path("rg-payments", "payments-apim");
    let cons = service_path("rg-payments", "serverless-apim");
    let dev = service_path("rg-payments", "dev-apim");
    let premium = service_path("rg-global", "global-apim");
    let v2 = service_path("rg-v2", "v2-apim");
    let cases: Vec<(&str, Value, &str, Option<&str>, &str)> = vec![
        (
            &cons,
            json!({"sku": {"name": "Consumption", "capacity": 1}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "For Consumption SKU Type capacity must be specified as 0.",
        ),
        (
            &cons,
            json!({"sku": {"name": "Standard", "capacity": 1}}),
            "InvalidParameters",
            Some("sku.name"),
            "from 'Consumption' to 'Standard'",
        ),
        (
            &std,
            json!({"sku": {"name": "Consumption", "capacity": 0}}),
            "InvalidParameters",
            Some("sku.name"),
            "from 'Standard' to 'Consumption'",
        ),
        (
            &dev,
            json!({"sku": {"name": "Developer", "capacity": 2}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "capacity must be specified as 1",
        ),
        (
            &std,
            json!({"sku": {"name": "Standard", "capacity": 5}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "maximum capacity for SKU 'Standard' is 4",
        ),
        (
            &std,
            json!({"sku": {"name": "Basic", "capacity": 3}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "maximum capacity for SKU 'Basic' is 2",
        ),
        (
            &std,
            json!({"sku": {"name": "Standard", "capacity": 0}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "at least 1",
        ),
        (
            &premium,
            json!({"sku": {"name": "Premium", "capacity": 32}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "is 31",
        ),
        (
            &std,
            json!({"sku": {"name": "StandardV2", "capacity": 1}}),
            "InvalidParameters",
            Some("sku.name"),
            "from 'Standard' to 'StandardV2'",
        ),
        (
            &v2,
            json!({"sku": {"name": "Premium", "capacity": 1}}),
            "InvalidParameters",
            Some("sku.name"),
            "from 'StandardV2' to 'Premium'",
        ),
        (
            &v2,
            json!({"sku": {"name": "StandardV2", "capacity": 11}}),
            "InvalidParameters",
            Some("sku.capacity"),
            "is 10",
        ),
        (
            &std,
            json!({"sku": {"name": "Standard"}}),
            "ValidationError",
            Some("sku.capacity"),
            "capacity",
        ),
        (
            &std,
            json!({"sku": {"capacity": 2}}),
            "ValidationError",
            Some("sku.name"),
            "name",
        ),
        (
            &std,
            json!({"sku": {"name": "Gold", "capacity": 2}}),
            "InvalidParameters",
            Some("sku.name"),
            "'Gold' is invalid",
        ),
        (
            &std,
            json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Standard", "capacity": 1}}]}}),
            "InvalidParameters",
            Some("properties.additionalLocations"),
            "only in the Premium SKU",
        ),
        (
            &premium,
            json!({"sku": {"name": "Premium", "capacity": 3}}),
            "InvalidParameters",
            Some("zones"),
            "multiple of the number of availability zones (2)",
        ),
        (
            &premium,
            json!({"properties": {"additionalLocations": [{"location": "West Europe", "sku": {"name": "Premium", "capacity": 1}}]}}),
            "InvalidParameters",
            Some("properties.additionalLocations[0].location"),
            "more than once",
        ),
        (
            &premium,
            json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Premium", "capacity": 40}}]}}),
            "InvalidParameters",
            Some("properties.additionalLocations[0].sku.capacity"),
            "is 31",
        ),
        (
            &premium,
            json!({"sku": {"name": "Standard", "capacity": 2}}),
            "InvalidParameters",
            Some("zones"),
            "not supported for SKU 'Standard'",
        ),
        (
            &premium,
            json!({"sku": {"name": "Standard", "capacity": 2}, "zones": null}),
            "InvalidParameters",
            Some("properties.additionalLocations"),
            "only in the Premium SKU",
        ),
        (
            &std,
            json!({"location": "eastus"}),
            "InvalidResourceLocation",
            None,
            "already exists in location 'westeurope'",
        ),
    ];
    for (path, patch, code, target, message) in cases {
        let response = sim.patch(&format!("{path}?{API}"), &patch).await;
        let (status, got, body) = error_code(response).await;
        assert_eq!((status, got.as_str()), (400, code), "{patch}: {body}");
        assert_eq!(body["error"]["target"].as_str(), target, "{patch}: {body}");
        let text = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            text.contains(message),
            "{patch}: {text:?} should contain {message:?}"
        );
    }
    // Nothing changed, nothing started.
    let (_, body) = sim.get_json(&format!("{std}?{API}")).await;
    assert_eq!(body["sku"], json!({"name": "Standard", "capacity": 1}));
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
}

#[tokio::test]
async fn zone_divisibility_is_a_switch() {
    let mut config = config();
    config.zone_divisibility = false;
    let sim = start(config).await;
    let response = sim
        .patch(
            &format!("{}?{API}", service_path("rg-global", "global-apim")),
            &json!({"sku": {"name": "Premium", "capacity": 3}}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 202);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sim = start_default().await;
    let url = sim.url("/_sim/health");
    assert!(sim.http.get(&url).send().await.is_ok());
    let http = sim.http.clone();
    sim.handle.shutdown().await;
    assert!(http.get(&url).send().await.is_err());
}
