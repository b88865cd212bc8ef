//! Throttling, faults on demand, metrics, the request log and the seed example.

use std::time::{Duration, Instant};

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn token_bucket_throttles_with_retry_after_and_refuses_early_retries() {
    let mut config = config();
    config.throttle.read_burst = 3.0;
    config.throttle.reads_per_second = 1.0;
    let sim = start(config).await;
    let url = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = sim.get(&url).await;
        assert_eq!(response.status().as_u16(), 200);
        remaining.push(
            header(&response, "x-ms-ratelimit-remaining-subscription-reads").unwrap_or_default(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let throttled = sim.get(&url).await;
    let retry_after: u64 = header(&throttled, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    let refused_at = Instant::now();
    let (status, code, _) = error_code(throttled).await;
    assert_eq!(
        (status, code.as_str()),
        (429, "SubscriptionRequestsThrottled")
    );
    assert_eq!(retry_after, 1);
    // Early retry: refused again.
    let (status, _, _) = error_code(sim.get(&url).await).await;
    assert_eq!(status, 429);
    // Writes have their own bucket.
    let patch = sim.patch(&url, &json!({})).await;
    assert_eq!(patch.status().as_u16(), 200);
    assert!(header(&patch, "x-ms-ratelimit-remaining-subscription-writes").is_some());
    // After Retry-After the request goes through.
    tokio::time::sleep(
        (refused_at + Duration::from_secs(retry_after)).saturating_duration_since(Instant::now()),
    )
    .await;
    assert_eq!(sim.get(&url).await.status().as_u16(), 200);
    let log = sim.requests().await;
    assert_eq!(log.iter().filter(|e| e["fault"] == "throttled").count(), 2);
}

#[tokio::test]
async fn injected_faults_hit_the_next_requests() {
    let sim = start_default().await;
    let url = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let cases = [
        (
            json!({"kind": "serverError", "count": 2}),
            vec![500, 500, 200],
        ),
        (
            json!({"kind": "serverError", "count": 1, "status": 503}),
            vec![503, 200],
        ),
        (
            json!({"kind": "throttle", "count": 1, "retryAfterSeconds": 7}),
            vec![429, 200],
        ),
    ];
    for (fault, statuses) in cases {
        sim.admin_post("/faults", fault.clone()).await;
        for expected in statuses {
            let response = sim.get(&url).await;
            let status = response.status().as_u16();
            assert_eq!(status, expected, "{fault}");
            if status == 429 {
                assert_eq!(header(&response, "retry-after").as_deref(), Some("7"));
                let (_, code, _) = error_code(response).await;
                assert_eq!(code, "SubscriptionRequestsThrottled");
            } else if status >= 500 {
                let (_, code, _) = error_code(response).await;
                assert!(
                    ["InternalServerError", "ServiceUnavailable"].contains(&code.as_str()),
                    "{code}"
                );
            }
        }
    }
}

#[tokio::test]
async fn dropped_connections_get_no_answer() {
    let sim = start_default().await;
    let url = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/faults", json!({"kind": "drop", "count": 2}))
        .await;
    assert!(
        sim.http
            .get(sim.url(&url))
            .bearer_auth(&sim.token)
            .send()
            .await
            .is_err()
    );
    assert!(
        sim.http
            .get(sim.url(&url))
            .bearer_auth(&sim.token)
            .send()
            .await
            .is_err()
    );
    assert_eq!(sim.get(&url).await.status().as_u16(), 200);
    let log = sim.requests().await;
    let dropped: Vec<&Value> = log.iter().filter(|e| e["fault"] == "dropped").collect();
    assert_eq!(dropped.len(), 2);
    assert!(dropped.iter().all(|e| e["status"].is_null()));
}

#[tokio::test]
async fn fault_rates_and_clearing() {
    let sim = start_default().await;
    let url = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/faults", json!({"kind": "serverError", "rate": 1.0}))
        .await;
    assert_eq!(sim.get(&url).await.status().as_u16(), 500);
    assert_eq!(sim.get(&url).await.status().as_u16(), 500);
    sim.admin(Method::DELETE, "/faults", None).await;
    assert_eq!(sim.get(&url).await.status().as_u16(), 200);
    let bad = sim
        .http
        .post(format!("{}/faults", sim.handle.admin_url()))
        .json(&json!({"kind": "throttle", "rate": 2.0}))
        .send()
        .await
        .expect("admin");
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn metrics_answer_in_azure_monitors_shape() {
    let sim = start_default().await;
    let base = service_path("rg-global", "global-apim");
    sim.admin_post(
        "/services/global-apim/metrics",
        json!({"metric": "Capacity", "location": "westeurope", "value": 82.5}),
    )
    .await;
    sim.admin_post(
        "/services/global-apim/metrics",
        json!({"metric": "Capacity", "location": "East US", "value": 20}),
    )
    .await;
    let query = "api-version=2023-10-01&metricnames=Capacity&aggregation=Average&interval=PT1M&timespan=2024-01-01T00:00:00Z/2024-01-01T00:30:00Z&$filter=Location%20eq%20%27*%27";
    let (status, body) = sim
        .get_json(&format!(
            "{base}/providers/microsoft.insights/metrics?{query}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["interval"], "PT1M");
    assert_eq!(body["namespace"], "Microsoft.ApiManagement/service");
    let metric = &body["value"][0];
    assert_eq!(metric["name"]["value"], "Capacity");
    assert_eq!(metric["unit"], "Percent");
    let series = metric["timeseries"].as_array().expect("timeseries");
    assert_eq!(series.len(), 2);
    let west = series
        .iter()
        .find(|s| s["metadatavalues"][0]["value"] == "West Europe")
        .expect("West Europe series");
    assert_eq!(west["data"].as_array().map(Vec::len), Some(30));
    assert_eq!(west["data"][0]["average"], 82.5);
    assert_eq!(west["data"][0]["timeStamp"], "2024-01-01T00:00:00Z");

    // Without a Location filter: one series, averaged.
    let (_, body) = sim.get_json(&format!("{base}/providers/microsoft.insights/metrics?api-version=2023-10-01&metricnames=Capacity")).await;
    assert_eq!(
        body["value"][0]["timeseries"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        body["value"][0]["timeseries"][0]["data"][0]["average"],
        51.25
    );

    // v2 tiers have gateway CPU and memory, not Capacity.
    let v2 = service_path("rg-v2", "v2-apim");
    let (status, body) = sim.get_json(&format!("{v2}/providers/microsoft.insights/metrics?api-version=2023-10-01&metricnames=CpuPercent_Gateway,MemoryPercent_Gateway")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().map(Vec::len), Some(2));
    let cases = [
        (
            format!(
                "{v2}/providers/microsoft.insights/metrics?api-version=2023-10-01&metricnames=Capacity"
            ),
            400,
            "BadRequest",
        ),
        (
            format!(
                "{base}/providers/microsoft.insights/metrics?api-version=2024-05-01&metricnames=Capacity"
            ),
            400,
            "InvalidApiVersionParameter",
        ),
        (
            format!("{base}/providers/microsoft.insights/metrics?metricnames=Capacity"),
            400,
            "MissingApiVersionParameter",
        ),
    ];
    for (url, status, code) in cases {
        let (got, got_code, body) = error_code(sim.get(&url).await).await;
        assert_eq!((got, got_code.as_str()), (status, code), "{url}: {body}");
    }
    let log = sim.requests().await;
    assert!(log.iter().any(|e| e["kind"] == "metrics"));
}

#[tokio::test]
async fn request_log_records_what_was_sent() {
    let sim = start_default().await;
    sim.clear_requests().await;
    let path = service_path("rg-payments", "payments-apim");
    let url = format!("{path}?{API}");
    let response = sim
        .http
        .patch(sim.url(&url))
        .bearer_auth(&sim.token)
        .header("x-ms-client-request-id", "req-42")
        .json(&json!({"sku": {"name": "Standard", "capacity": 2}}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(response.status().as_u16(), 202);
    let location = header(&response, "location").expect("Location");
    sim.poll_location(&location).await;
    sim.patch(
        &url,
        &json!({"properties": {"customProperties": {"x": "y"}}}),
    )
    .await;
    let log = sim.requests().await;
    let patches: Vec<&Value> = log.iter().filter(|e| e["method"] == "PATCH").collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0]["path"], path);
    assert_eq!(patches[0]["query"], API);
    assert_eq!(patches[0]["status"], 202);
    assert_eq!(patches[0]["service"], "payments-apim");
    assert_eq!(patches[0]["clientRequestId"], "req-42");
    assert_eq!(patches[0]["correlationRequestId"], "req-42");
    assert_eq!(patches[0]["hasCustomProperties"], false);
    assert_eq!(
        patches[0]["body"],
        json!({"sku": {"name": "Standard", "capacity": 2}})
    );
    assert_eq!(patches[0]["principal"], CLIENT_ID);
    assert_eq!(patches[1]["hasCustomProperties"], true);
    assert!(log.iter().any(|e| {
        e["method"] == "GET"
            && e["path"]
                .as_str()
                .is_some_and(|p| p.contains("/operationresults/"))
    }));
    assert!(
        log.iter()
            .all(|e| e["time"].is_string() && e["requestId"].is_string())
    );
    sim.clear_requests().await;
    assert!(sim.requests().await.is_empty());
}

#[tokio::test]
async fn admin_reads_services_and_operations() {
    let sim = start_default().await;
    let services = sim.admin(Method::GET, "/services", None).await;
    assert_eq!(services.as_array().map(Vec::len), Some(5));
    let one = sim
        .admin(
            Method::GET,
            &format!("/services{}", service_path("rg-global", "global-apim")),
            None,
        )
        .await;
    assert_eq!(one["name"], "global-apim");
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 60}))
        .await;
    let one = sim
        .admin(Method::GET, "/services/payments-apim", None)
        .await;
    assert_eq!(one["_sim"]["operation"]["kind"], "Foreign");
    let id = one["_sim"]["operation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let done = sim
        .admin_post(&format!("/operations/{id}/cancel"), json!({}))
        .await;
    assert_eq!(done["status"], "Canceled");
    let pem = sim
        .http
        .get(format!("{}/ca.pem", sim.handle.admin_url()))
        .send()
        .await
        .expect("ca")
        .text()
        .await
        .expect("text");
    assert_eq!(pem, sim.handle.ca_pem());
}

#[tokio::test]
async fn example_seed_starts() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/simulator/seed.yaml"
    ))
    .expect("example seed");
    let seed = apimcap_sim::Seed::parse(&text).expect("example seed parses");
    assert!(seed.principals.iter().any(|p| p.client_secret.is_some()));
    let config = apimcap_sim::SimConfig {
        seed,
        ..apimcap_sim::SimConfig::default()
    };
    let handle = apimcap_sim::start(config).await.expect("starts");
    let http = client(handle.ca_pem());
    let services: Value = http
        .get(format!("{}/services", handle.admin_url()))
        .send()
        .await
        .expect("admin")
        .json()
        .await
        .expect("json");
    let skus: Vec<&str> = services
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["sku"]["name"].as_str())
        .collect();
    for sku in ["Standard", "Premium", "Consumption"] {
        assert!(skus.contains(&sku), "{sku} in {skus:?}");
    }
}

#[tokio::test]
async fn bad_seeds_are_refused() {
    let cases = [
        "services: [{resourceGroup: rg, name: a, location: westeurope, sku: Gold, capacity: 1}]",
        "services: [{resourceGroup: rg, name: a, location: westeurope, sku: Basic, capacity: 1, colour: red}]",
        "services:\n  - {resourceGroup: rg, name: a, location: westeurope, sku: Basic, capacity: 1}\n  - {resourceGroup: RG, name: A, location: westeurope, sku: Basic, capacity: 1}",
    ];
    for text in cases {
        let result = match apimcap_sim::Seed::parse(text) {
            Ok(seed) => apimcap_sim::start(apimcap_sim::SimConfig {
                seed,
                ..Default::default()
            })
            .await
            .map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(result.is_err(), "{text}");
    }
}
