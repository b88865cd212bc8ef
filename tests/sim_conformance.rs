//! Conformance of the simulator's ARM surface with ARM-NOTES.md, over real HTTPS.

mod sim_support;

use apim_capacity::sim::{AsyncHeader, DuringOperation, FailedState, LocationFinal};
use serde_json::{Value, json};
use sim_support::*;

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
        let (got_status, got_code, body) = error_code(sim.get(&format!("{path}{query}")).await).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{query}: {body}");
    }
}

#[tokio::test]
async fn v2_tiers_need_a_recent_api_version() {
    let sim = start_default().await;
    let path = service_path("rg-v2", "v2-apim");
    let (status, code, _) = error_code(sim.get(&format!("{path}?api-version=2022-08-01")).await).await;
    assert_eq!((status, code.as_str()), (400, "OperationSupportedInSkuForApiVersions"));
    let (status, _, _) = error_code(sim.get(&format!("{path}?api-version=2023-03-01-preview")).await).await;
    assert_eq!(status, 200);
    // Moving nothing to v2 with an old version: classic → v2 is refused anyway, but the
    // api-version check comes first.
    let classic = service_path("rg-payments", "payments-apim");
    let response = sim.patch(&format!("{classic}?api-version=2022-08-01"), &json!({"sku": {"name": "BasicV2", "capacity": 1}})).await;
    let (status, code, _) = error_code(response).await;
    assert_eq!((status, code.as_str()), (400, "OperationSupportedInSkuForApiVersions"));
}

#[tokio::test]
async fn missing_things_get_azures_404s() {
    let sim = start_default().await;
    let other_sub = "/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x";
    let cases = [
        (service_path("rg-payments", "nope"), "ResourceNotFound"),
        (service_path("rg-missing", "payments-apim"), "ResourceGroupNotFound"),
        (service_path("rg-empty", "payments-apim"), "ResourceNotFound"),
        (other_sub.to_string(), "SubscriptionNotFound"),
    ];
    for (path, code) in cases {
        let (status, got, body) = error_code(sim.get(&format!("{path}?{API}")).await).await;
        assert_eq!((status, got.as_str()), (404, code), "{path}: {body}");
        assert!(body["error"]["details"].is_array(), "ARM envelope: {body}");
    }
    let (_, _, body) = error_code(sim.get(&format!("{}?{API}", service_path("rg-payments", "nope"))).await).await;
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
        .get(sim.url(&format!("{}?{API}", service_path("rg-payments", "payments-apim"))))
        .bearer_auth(&sim.token)
        .header("x-ms-client-request-id", "my-request-1")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "x-ms-correlation-request-id").as_deref(), Some("my-request-1"));
    assert!(header(&response, "x-ms-request-id").is_some());
    assert!(header(&response, "x-ms-ratelimit-remaining-subscription-reads").is_some());
    let etag = header(&response, "etag").expect("ETag header");
    let body: Value = response.json().await.expect("json");
    assert_eq!(etag, format!("\"{}\"", body["etag"].as_str().unwrap_or_default()));
    assert_eq!(body["location"], "West Europe");
    assert_eq!(body["type"], "Microsoft.ApiManagement/service");
    assert_eq!(body["sku"], json!({"name": "Standard", "capacity": 1}));
    assert_eq!(body["zones"], Value::Null);
    assert!(body["properties"].get("additionalLocations").is_some_and(Value::is_null));
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(body["properties"]["targetProvisioningState"], "");
    assert!(body["properties"]["customProperties"].is_object());

    let (_, multi) = sim.get_json(&format!("{}?{API}", service_path("rg-global", "global-apim"))).await;
    let region = &multi["properties"]["additionalLocations"][0];
    assert_eq!(region["location"], "East US");
    assert_eq!(region["sku"], json!({"name": "Premium", "capacity": 1}));
    assert!(region.get("zones").is_some_and(Value::is_null));
    for field in ["disableGateway", "virtualNetworkConfiguration", "publicIpAddressId", "natGatewayState", "gatewayRegionalUrl", "platformVersion"] {
        assert!(region.get(field).is_some(), "{field} present: {region}");
    }
}

#[tokio::test]
async fn list_and_skus() {
    let sim = start_default().await;
    let list = format!("/subscriptions/{SUB}/resourceGroups/rg-payments/providers/Microsoft.ApiManagement/service?{API}");
    let (status, body) = sim.get_json(&list).await;
    assert_eq!(status, 200);
    let mut names: Vec<&str> = body["value"].as_array().expect("value").iter().filter_map(|s| s["name"].as_str()).collect();
    names.sort();
    assert_eq!(names, ["dev-apim", "payments-apim", "serverless-apim"]);

    let (status, skus) = sim.get_json(&format!("{}/skus?{API}", service_path("rg-payments", "payments-apim"))).await;
    assert_eq!(status, 200);
    let premium = skus["value"].as_array().expect("value").iter().find(|s| s["sku"]["name"] == "Premium").cloned().expect("Premium listed");
    assert_eq!(premium["capacity"]["maximum"], 31);
    assert!(!skus["value"].as_array().expect("value").iter().any(|s| s["sku"]["name"] == "BasicV2"));
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
        (&cons, json!({"sku": {"name": "Consumption", "capacity": 1}}), "InvalidParameters", Some("sku.capacity"), "For Consumption SKU Type capacity must be specified as 0."),
        (&cons, json!({"sku": {"name": "Standard", "capacity": 1}}), "InvalidParameters", Some("sku.name"), "from 'Consumption' to 'Standard'"),
        (&std, json!({"sku": {"name": "Consumption", "capacity": 0}}), "InvalidParameters", Some("sku.name"), "from 'Standard' to 'Consumption'"),
        (&dev, json!({"sku": {"name": "Developer", "capacity": 2}}), "InvalidParameters", Some("sku.capacity"), "capacity must be specified as 1"),
        (&std, json!({"sku": {"name": "Standard", "capacity": 5}}), "InvalidParameters", Some("sku.capacity"), "maximum capacity for SKU 'Standard' is 4"),
        (&std, json!({"sku": {"name": "Basic", "capacity": 3}}), "InvalidParameters", Some("sku.capacity"), "maximum capacity for SKU 'Basic' is 2"),
        (&std, json!({"sku": {"name": "Standard", "capacity": 0}}), "InvalidParameters", Some("sku.capacity"), "at least 1"),
        (&premium, json!({"sku": {"name": "Premium", "capacity": 32}}), "InvalidParameters", Some("sku.capacity"), "is 31"),
        (&std, json!({"sku": {"name": "StandardV2", "capacity": 1}}), "InvalidParameters", Some("sku.name"), "from 'Standard' to 'StandardV2'"),
        (&v2, json!({"sku": {"name": "Premium", "capacity": 1}}), "InvalidParameters", Some("sku.name"), "from 'StandardV2' to 'Premium'"),
        (&v2, json!({"sku": {"name": "StandardV2", "capacity": 11}}), "InvalidParameters", Some("sku.capacity"), "is 10"),
        (&std, json!({"sku": {"name": "Standard"}}), "ValidationError", Some("sku.capacity"), "capacity"),
        (&std, json!({"sku": {"capacity": 2}}), "ValidationError", Some("sku.name"), "name"),
        (&std, json!({"sku": {"name": "Gold", "capacity": 2}}), "InvalidParameters", Some("sku.name"), "'Gold' is invalid"),
        (&std, json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Standard", "capacity": 1}}]}}), "InvalidParameters", Some("properties.additionalLocations"), "only in the Premium SKU"),
        (&premium, json!({"sku": {"name": "Premium", "capacity": 3}}), "InvalidParameters", Some("zones"), "multiple of the number of availability zones (2)"),
        (&premium, json!({"properties": {"additionalLocations": [{"location": "West Europe", "sku": {"name": "Premium", "capacity": 1}}]}}), "InvalidParameters", Some("properties.additionalLocations[0].location"), "more than once"),
        (&premium, json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Premium", "capacity": 40}}]}}), "InvalidParameters", Some("properties.additionalLocations[0].sku.capacity"), "is 31"),
        (&premium, json!({"sku": {"name": "Standard", "capacity": 2}}), "InvalidParameters", Some("zones"), "not supported for SKU 'Standard'"),
        (&premium, json!({"sku": {"name": "Standard", "capacity": 2}, "zones": null}), "InvalidParameters", Some("properties.additionalLocations"), "only in the Premium SKU"),
        (&std, json!({"location": "eastus"}), "InvalidResourceLocation", None, "already exists in location 'westeurope'"),
    ];
    for (path, patch, code, target, message) in cases {
        let response = sim.patch(&format!("{path}?{API}"), &patch).await;
        let (status, got, body) = error_code(response).await;
        assert_eq!((status, got.as_str()), (400, code), "{patch}: {body}");
        assert_eq!(body["error"]["target"].as_str(), target, "{patch}: {body}");
        let text = body["error"]["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{patch}: {text:?} should contain {message:?}");
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
    let response = sim.patch(&format!("{}?{API}", service_path("rg-global", "global-apim")), &json!({"sku": {"name": "Premium", "capacity": 3}})).await;
    assert_eq!(response.status().as_u16(), 202);
}

#[tokio::test]
async fn scale_is_a_long_running_operation_polled_by_location() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let (_, before) = sim.get_json(&path).await;
    let response = sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 3}})).await;
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    assert_eq!(header(&response, "azure-asyncoperation"), None, "Location-only by default");
    let location = header(&response, "location").expect("Location header");
    assert!(location.starts_with(sim.handle.base_url()), "{location}");
    assert!(location.contains("/operationresults/"), "{location}");
    assert_eq!(response.bytes().await.expect("body").len(), 0, "202 has an empty body");

    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    assert_eq!(during["properties"]["targetProvisioningState"], "Succeeded");
    assert_eq!(during["sku"]["capacity"], 1, "old capacity while running (default switch)");
    assert_ne!(during["etag"], before["etag"]);

    let second = sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 4}})).await;
    let (status, code, _) = error_code(second).await;
    assert_eq!((status, code.as_str()), (409, "Conflict"), "a second change while one runs");

    let done = sim.poll_location(&location).await;
    assert_eq!(done.status().as_u16(), 200);
    let done: Value = done.json().await.expect("resource");
    assert_eq!(done["sku"], json!({"name": "Standard", "capacity": 3}));
    let (_, after) = sim.get_json(&path).await;
    assert_eq!(after["properties"]["provisioningState"], "Succeeded");
    assert_eq!(after["properties"]["targetProvisioningState"], "");
    assert_eq!(after["sku"]["capacity"], 3);
    assert_ne!(after["etag"], during["etag"]);
}

#[tokio::test]
async fn azure_async_operation_header_switch() {
    for style in [AsyncHeader::Separate, AsyncHeader::SameAsLocation] {
        let mut config = config();
        config.async_header = style;
        let sim = start(config).await;
        let path = format!("{}?{API}", service_path("rg-global", "global-apim"));
        let response = sim.patch(&path, &json!({"sku": {"name": "Premium", "capacity": 4}})).await;
        assert_eq!(response.status().as_u16(), 202);
        let location = header(&response, "location").expect("Location");
        let status_url = header(&response, "azure-asyncoperation").expect("Azure-AsyncOperation");
        if style == AsyncHeader::Separate {
            assert!(status_url.contains("/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/"), "{status_url}");
            let (status, body) = sim.get_json(&status_url).await;
            assert_eq!((status, body["status"].as_str()), (200, Some("InProgress")));
            let done = sim.poll_status(&status_url).await;
            assert_eq!(done["status"], "Succeeded");
            assert!(done.get("error").is_none());
        } else {
            assert_eq!(status_url, location);
        }
        let done = sim.poll_location(&location).await;
        assert_eq!(done.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn mid_operation_capacity_and_final_location_answer_are_switches() {
    let mut config = config();
    config.during_operation = DuringOperation::New;
    config.location_final = LocationFinal::NoContent;
    config.operation_duration = Some(std::time::Duration::from_secs(30));
    let sim = start(config).await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let response = sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await;
    let location = header(&response, "location").expect("Location");
    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["sku"]["capacity"], 2);
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    let ops = sim.admin(reqwest::Method::GET, "/operations", None).await;
    let id = ops[0]["id"].as_str().expect("operation id").to_string();
    sim.admin_post(&format!("/operations/{id}/complete"), json!({})).await;
    assert_eq!(sim.poll_location(&location).await.status().as_u16(), 204);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_answers_200_at_once() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-global", "global-apim"));
    let cases = [
        json!({"sku": {"name": "Premium", "capacity": 2}}),
        json!({"sku": {"name": "premium", "capacity": 2}, "location": "westeurope"}),
        json!({}),
    ];
    for patch in cases {
        let response = sim.patch(&path, &patch).await;
        assert_eq!(response.status().as_u16(), 200, "{patch}");
        let body: Value = response.json().await.expect("resource");
        assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    }
}

#[tokio::test]
async fn additional_locations_are_replaced_whole() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-global", "global-apim"));
    let (_, before) = sim.get_json(&path).await;
    let url_before = before["properties"]["additionalLocations"][0]["gatewayRegionalUrl"].clone();
    let patch = json!({"properties": {"additionalLocations": [
        {"location": "eastus", "sku": {"name": "Premium", "capacity": 3}, "zones": ["1", "3", "2"]},
        {"location": "North Europe", "sku": {"name": "Premium", "capacity": 1}},
    ]}});
    let response = sim.patch(&path, &patch).await;
    assert_eq!(response.status().as_u16(), 202);
    let location = header(&response, "location").expect("Location");
    let done: Value = sim.poll_location(&location).await.json().await.expect("resource");
    let regions = done["properties"]["additionalLocations"].as_array().expect("regions");
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[0]["location"], "East US");
    assert_eq!(regions[0]["sku"]["capacity"], 3);
    assert_eq!(regions[0]["gatewayRegionalUrl"], url_before, "read-only fields are kept");
    assert_eq!(regions[1]["location"], "North Europe");
    assert!(regions[1]["zones"].is_null());
    assert_eq!(done["sku"]["capacity"], 2, "primary untouched");

    // Sending the array again without zones resets them: arrays are replaced whole.
    let patch = json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Premium", "capacity": 3}}]}});
    let response = sim.patch(&path, &patch).await;
    let location = header(&response, "location").expect("Location");
    let done: Value = sim.poll_location(&location).await.json().await.expect("resource");
    assert_eq!(done["properties"]["additionalLocations"].as_array().map(Vec::len), Some(1));
    assert!(done["properties"]["additionalLocations"][0]["zones"].is_null());
}

#[tokio::test]
async fn unknown_fields_survive_a_patch() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let response = sim.patch(&path, &json!({"properties": {"someNewField": {"a": 1}}, "tags": {"team": "payments"}})).await;
    let location = header(&response, "location").expect("Location");
    sim.poll_location(&location).await;
    let (_, body) = sim.get_json(&path).await;
    assert_eq!(body["properties"]["someNewField"], json!({"a": 1}));
    assert_eq!(body["tags"]["team"], "payments");
    assert_eq!(body["properties"]["publisherName"], "Contoso");
}

#[tokio::test]
async fn a_failed_operation_leaves_the_service_unchanged() {
    for (failed_state, expected) in [(FailedState::Succeeded, "Succeeded"), (FailedState::Failed, "Failed")] {
        let mut config = config();
        config.failed_state = failed_state;
        config.async_header = AsyncHeader::Separate;
        let sim = start(config).await;
        sim.admin_post("/services/payments-apim/fail-next-operation", json!({"code": "ActivationFailed", "message": "Scaling failed on our side.", "status": 500})).await;
        let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
        let response = sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await;
        assert_eq!(response.status().as_u16(), 202);
        let status_url = header(&response, "azure-asyncoperation").expect("status URL");
        let location = header(&response, "location").expect("Location");
        let done = sim.poll_status(&status_url).await;
        assert_eq!(done["status"], "Failed");
        assert_eq!(done["error"]["code"], "ActivationFailed");
        assert_eq!(done["error"]["message"], "Scaling failed on our side.");
        let (status, code, _) = error_code(sim.get(&location).await).await;
        assert_eq!((status, code.as_str()), (500, "ActivationFailed"));
        let (_, body) = sim.get_json(&path).await;
        assert_eq!(body["sku"]["capacity"], 1);
        assert_eq!(body["properties"]["provisioningState"], expected);
        // The fault was for one operation only.
        let response = sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await;
        let done = sim.poll_status(&header(&response, "azure-asyncoperation").expect("status URL")).await;
        assert_eq!(done["status"], "Succeeded");
    }
}

#[tokio::test]
async fn a_service_busy_with_a_foreign_operation_refuses_changes() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 0.5})).await;
    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    let (status, code, body) = error_code(sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await).await;
    assert_eq!((status, code.as_str()), (409, "Conflict"), "{body}");
    // Wait for the foreign operation to end, then the change goes through.
    for _ in 0..200 {
        let (_, body) = sim.get_json(&path).await;
        if body["properties"]["provisioningState"] == "Succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await.status().as_u16(), 202);
}

#[tokio::test]
async fn busy_answer_is_configurable() {
    let mut config = config();
    config.busy = apim_capacity::sim::ErrorSpec { status: 400, code: "InvalidOperation".into(), message: "API Management service is activating".into() };
    let sim = start(config).await;
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 30})).await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let (status, code, body) = error_code(sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}})).await).await;
    assert_eq!((status, code.as_str()), (400, "InvalidOperation"));
    assert_eq!(body["error"]["message"], "API Management service is activating");
}

#[tokio::test]
async fn drift_is_visible_to_the_next_get() {
    let sim = start_default().await;
    sim.admin_post("/services/global-apim/drift", json!({"sku": {"capacity": 5}, "properties": {"additionalLocations": null}})).await;
    let (_, body) = sim.get_json(&format!("{}?{API}", service_path("rg-global", "global-apim"))).await;
    assert_eq!(body["sku"]["capacity"], 5);
    assert!(body["properties"]["additionalLocations"].is_null());
}

#[tokio::test]
async fn put_creates_a_service_as_a_long_running_operation() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-empty", "new-apim"));
    let body = json!({"location": "North europe", "sku": {"name": "Premium", "capacity": 2}, "zones": ["1", "2"],
        "properties": {"publisherEmail": "a@contoso.com", "publisherName": "Contoso"}});
    let response = sim.put(&path, &body).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = header(&response, "location").expect("Location");
    let created: Value = response.json().await.expect("body");
    assert_eq!(created["properties"]["provisioningState"], "Created");
    assert_eq!(created["location"], "North Europe");
    assert_eq!(sim.poll_location(&location).await.status().as_u16(), 200);
    let (status, body) = sim.get_json(&path).await;
    assert_eq!((status, body["sku"]["capacity"].as_i64()), (200, Some(2)));
    let missing = sim.put(&format!("{}?{API}", service_path("rg-empty", "other")), &json!({"location": "westeurope"})).await;
    let (status, code, _) = error_code(missing).await;
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
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
