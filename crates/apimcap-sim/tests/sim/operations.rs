//! Long-running operations of the simulator over real HTTPS: 202 + Location (+ the
//! Azure-AsyncOperation switch), polling, no-op PATCH, busy refusals, failures, drift, PUT.

use crate::support::*;
use apimcap_sim::{AsyncHeader, DuringOperation, FailedState, LocationFinal};
use serde_json::{Value, json};

#[tokio::test]
async fn scale_is_a_long_running_operation_polled_by_location() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let (_, before) = sim.get_json(&path).await;
    let response = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 3}}))
        .await;
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    let status_url = header(&response, "azure-asyncoperation").expect("both headers by default");
    let location = header(&response, "location").expect("Location header");
    assert!(
        status_url.starts_with(&format!(
            "{}{}/tenant/operationResults/",
            sim.handle.base_url(),
            service_path("rg-payments", "payments-apim")
        )),
        "the status URL is under the service: {status_url}"
    );
    assert_ne!(status_url, location);
    let (status, body) = sim.get_json(&status_url).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("InProgress")));
    assert!(location.starts_with(sim.handle.base_url()), "{location}");
    assert!(location.contains("/operationresults/"), "{location}");
    assert_eq!(
        response.bytes().await.expect("body").len(),
        0,
        "202 has an empty body"
    );

    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    assert_eq!(during["properties"]["targetProvisioningState"], "Succeeded");
    assert_eq!(
        during["sku"]["capacity"], 1,
        "old capacity while running (default switch)"
    );
    assert_ne!(during["etag"], before["etag"]);

    let second = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 4}}))
        .await;
    let (status, code, _) = error_code(second).await;
    assert_eq!(
        (status, code.as_str()),
        (409, "Conflict"),
        "a second change while one runs"
    );

    let done = sim.poll_location(&location).await;
    assert_eq!(done.status().as_u16(), 200);
    let done: Value = done.json().await.expect("resource");
    assert_eq!(done["sku"], json!({"name": "Standard", "capacity": 3}));
    assert_eq!(sim.poll_status(&status_url).await["status"], "Succeeded");
    let (_, after) = sim.get_json(&path).await;
    assert_eq!(after["properties"]["provisioningState"], "Succeeded");
    assert_eq!(after["properties"]["targetProvisioningState"], "");
    assert_eq!(after["sku"]["capacity"], 3);
    assert_ne!(after["etag"], during["etag"]);
}

#[tokio::test]
async fn azure_async_operation_header_switch() {
    for style in [
        AsyncHeader::Separate,
        AsyncHeader::SameAsLocation,
        AsyncHeader::None,
    ] {
        let mut config = config();
        config.async_header = style;
        let sim = start(config).await;
        let path = format!("{}?{API}", service_path("rg-global", "global-apim"));
        let response = sim
            .patch(&path, &json!({"sku": {"name": "Premium", "capacity": 4}}))
            .await;
        assert_eq!(response.status().as_u16(), 202);
        let location = header(&response, "location").expect("Location");
        if style == AsyncHeader::None {
            assert_eq!(header(&response, "azure-asyncoperation"), None);
            assert_eq!(sim.poll_location(&location).await.status().as_u16(), 200);
            continue;
        }
        let status_url = header(&response, "azure-asyncoperation").expect("Azure-AsyncOperation");
        if style == AsyncHeader::Separate {
            assert!(
                status_url.contains(
                    "/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/"
                ),
                "{status_url}"
            );
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
    let response = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
        .await;
    let location = header(&response, "location").expect("Location");
    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["sku"]["capacity"], 2);
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    let ops = sim.admin(reqwest::Method::GET, "/operations", None).await;
    let id = ops[0]["id"].as_str().expect("operation id").to_string();
    sim.admin_post(&format!("/operations/{id}/complete"), json!({}))
        .await;
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
    let done: Value = sim
        .poll_location(&location)
        .await
        .json()
        .await
        .expect("resource");
    let regions = done["properties"]["additionalLocations"]
        .as_array()
        .expect("regions");
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[0]["location"], "East US");
    assert_eq!(regions[0]["sku"]["capacity"], 3);
    assert_eq!(
        regions[0]["gatewayRegionalUrl"], url_before,
        "read-only fields are kept"
    );
    assert_eq!(regions[1]["location"], "North Europe");
    assert!(regions[1]["zones"].is_null());
    assert_eq!(done["sku"]["capacity"], 2, "primary untouched");

    // Sending the array again without zones resets them: arrays are replaced whole.
    let patch = json!({"properties": {"additionalLocations": [{"location": "eastus", "sku": {"name": "Premium", "capacity": 3}}]}});
    let response = sim.patch(&path, &patch).await;
    let location = header(&response, "location").expect("Location");
    let done: Value = sim
        .poll_location(&location)
        .await
        .json()
        .await
        .expect("resource");
    assert_eq!(
        done["properties"]["additionalLocations"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert!(done["properties"]["additionalLocations"][0]["zones"].is_null());
}

#[tokio::test]
async fn unknown_fields_survive_a_patch() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let response = sim
        .patch(
            &path,
            &json!({"properties": {"someNewField": {"a": 1}}, "tags": {"team": "payments"}}),
        )
        .await;
    let location = header(&response, "location").expect("Location");
    sim.poll_location(&location).await;
    let (_, body) = sim.get_json(&path).await;
    assert_eq!(body["properties"]["someNewField"], json!({"a": 1}));
    assert_eq!(body["tags"]["team"], "payments");
    assert_eq!(body["properties"]["publisherName"], "Contoso");
}

#[tokio::test]
async fn a_failed_operation_leaves_the_service_unchanged() {
    for (failed_state, expected) in [
        (FailedState::Succeeded, "Succeeded"),
        (FailedState::Failed, "Failed"),
    ] {
        let mut config = config();
        config.failed_state = failed_state;
        config.async_header = AsyncHeader::Separate;
        let sim = start(config).await;
        sim.admin_post("/services/payments-apim/fail-next-operation", json!({"code": "ActivationFailed", "message": "Scaling failed on our side.", "status": 500})).await;
        let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
        let response = sim
            .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
            .await;
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
        let response = sim
            .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
            .await;
        let done = sim
            .poll_status(&header(&response, "azure-asyncoperation").expect("status URL"))
            .await;
        assert_eq!(done["status"], "Succeeded");
    }
}

#[tokio::test]
async fn a_service_busy_with_a_foreign_operation_refuses_changes() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 0.5}))
        .await;
    let (_, during) = sim.get_json(&path).await;
    assert_eq!(during["properties"]["provisioningState"], "Updating");
    let (status, code, body) = error_code(
        sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (409, "Conflict"), "{body}");
    // Wait for the foreign operation to end, then the change goes through.
    for _ in 0..200 {
        let (_, body) = sim.get_json(&path).await;
        if body["properties"]["provisioningState"] == "Succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
            .await
            .status()
            .as_u16(),
        202
    );
}

#[tokio::test]
async fn busy_answer_is_configurable() {
    let mut config = config();
    config.busy = apimcap_sim::ErrorSpec {
        status: 400,
        code: "InvalidOperation".into(),
        message: "API Management service is activating".into(),
    };
    let sim = start(config).await;
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 30}))
        .await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let (status, code, body) = error_code(
        sim.patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "InvalidOperation"));
    assert_eq!(
        body["error"]["message"],
        "API Management service is activating"
    );
}

#[tokio::test]
async fn drift_is_visible_to_the_next_get() {
    let sim = start_default().await;
    sim.admin_post(
        "/services/global-apim/drift",
        json!({"sku": {"capacity": 5}, "properties": {"additionalLocations": null}}),
    )
    .await;
    let (_, body) = sim
        .get_json(&format!(
            "{}?{API}",
            service_path("rg-global", "global-apim")
        ))
        .await;
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
    let missing = sim
        .put(
            &format!("{}?{API}", service_path("rg-empty", "other")),
            &json!({"location": "westeurope"}),
        )
        .await;
    let (status, code, _) = error_code(missing).await;
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
}

#[tokio::test]
async fn malformed_requests_get_arm_errors_not_panics() {
    let sim = start_default().await;
    let url = sim.url(&format!(
        "{}?{API}",
        service_path("rg-payments", "payments-apim")
    ));
    let send = |method: reqwest::Method, url: String, body: &'static str| {
        sim.http
            .request(method, url)
            .bearer_auth(&sim.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        (reqwest::Method::PATCH, url.clone(), "not json", 400, "InvalidRequestContent"),
        (reqwest::Method::PATCH, url.clone(), "[1, 2]", 400, "InvalidRequestContent"),
        (reqwest::Method::PATCH, url.clone(), r#"{"sku": "Premium"}"#, 400, "ValidationError"),
        (reqwest::Method::PATCH, url.clone(), r#"{"sku": {"name": 7, "capacity": "two"}}"#, 400, "InvalidParameters"),
        (reqwest::Method::DELETE, url.clone(), "", 405, "MethodNotAllowed"),
        (reqwest::Method::GET, sim.url(&format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/x?{API}")), "", 404, "NotFound"),
        (reqwest::Method::GET, sim.url(&format!("/subscriptions/{SUB}/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/nope?{API}")), "", 404, "OperationNotFound"),
    ];
    for (method, url, body, status, code) in cases {
        let (got, got_code, answer) = error_code(
            send(method.clone(), url.clone(), body)
                .await
                .expect("request"),
        )
        .await;
        assert_eq!(
            (got, got_code.as_str()),
            (status, code),
            "{method} {url} {body}: {answer}"
        );
    }
    let (_, body) = sim.get_json(&url).await;
    assert_eq!(body["sku"]["capacity"], 1);
}
