//! Bad input gets a 400 (or, for flags, an error at start-up) and the simulator keeps
//! serving: each request here used to panic while the state was locked, after which every
//! request was answered 500.

use std::time::Duration;

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

/// The simulator still answers a normal GET of a service, with an idle resource.
async fn still_serves(sim: &Sim) -> Value {
    let (status, body) = sim
        .get_json(&format!(
            "{}?{API}",
            service_path("rg-payments", "payments-apim")
        ))
        .await;
    assert_eq!(status, 200, "GET after the bad request: {body}");
    body
}

#[tokio::test]
async fn patch_with_properties_not_an_object_is_refused() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let cases = [
        (json!({"properties": 5}), "properties"),
        (json!({"properties": [1, 2]}), "properties"),
        (json!({"properties": "x"}), "properties"),
        (
            json!({"properties": {"additionalLocations": 5}}),
            "properties.additionalLocations",
        ),
        (json!({"zones": "1"}), "zones"),
    ];
    for (patch, target) in cases {
        let (status, code, body) = error_code(sim.patch(&path, &patch).await).await;
        assert_eq!(
            (status, code.as_str(), body["error"]["target"].as_str()),
            (400, "InvalidRequestContent", Some(target)),
            "{patch}: {body}"
        );
        let service = still_serves(&sim).await;
        assert_eq!(service["sku"]["capacity"], 1);
        assert!(service["properties"].is_object(), "{service}");
    }
}

#[tokio::test]
async fn put_with_properties_not_an_object_is_refused() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let body = json!({"location": "westeurope", "sku": {"name": "Standard", "capacity": 1},
        "zones": "1", "properties": {"publisherEmail": "a@contoso.com", "publisherName": "Contoso"}});
    let (status, code, answer) = error_code(sim.put(&path, &body).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidRequestContent"),
        "{answer}"
    );
    still_serves(&sim).await;
}

#[tokio::test]
async fn drift_with_properties_not_an_object_is_refused() {
    let sim = start_default().await;
    for patch in [
        json!({"properties": 5}),
        json!({"sku": 5}),
        json!(5),
        json!({"properties": {"additionalLocations": "eastus"}}),
    ] {
        let (status, body) = admin_raw(
            &sim,
            Method::POST,
            "/services/payments-apim/drift",
            patch.clone(),
        )
        .await;
        assert_eq!(status, 400, "{patch}: {body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("cannot apply the drift")),
            "{body}"
        );
        let service = still_serves(&sim).await;
        assert_eq!(service["sku"]["capacity"], 1, "unchanged after {patch}");
    }
    // A drift of the right shape still applies.
    sim.admin_post(
        "/services/payments-apim/drift",
        json!({"sku": {"capacity": 2}}),
    )
    .await;
    assert_eq!(still_serves(&sim).await["sku"]["capacity"], 2);
}

#[tokio::test]
async fn busy_for_1e20_seconds_is_refused() {
    let sim = start_default().await;
    for seconds in [json!(1e20), json!(-1), json!(1e9)] {
        let (status, body) = admin_raw(
            &sim,
            Method::POST,
            "/services/payments-apim/busy",
            json!({ "seconds": seconds }),
        )
        .await;
        assert_eq!(status, 400, "{seconds}: {body}");
        let service = still_serves(&sim).await;
        assert_eq!(
            service["properties"]["provisioningState"], "Succeeded",
            "no operation started for {seconds}"
        );
    }
    sim.admin_post("/services/payments-apim/busy", json!({"seconds": 30}))
        .await;
    let service = still_serves(&sim).await;
    assert_eq!(service["properties"]["provisioningState"], "Updating");
}

#[tokio::test]
async fn fail_next_operation_needs_an_error_status() {
    let sim = start_default().await;
    let (status, body) = admin_raw(
        &sim,
        Method::POST,
        "/services/payments-apim/fail-next-operation",
        json!({"code": "X", "message": "y", "status": 99}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    still_serves(&sim).await;
}

#[tokio::test]
async fn fault_counts_saturate_instead_of_overflowing() {
    let sim = start_default().await;
    for _ in 0..2 {
        sim.admin_post("/faults", json!({"kind": "throttle", "count": u32::MAX}))
            .await;
    }
    let faults = sim.admin(Method::GET, "/faults", None).await;
    assert_eq!(faults["nextThrottles"], u32::MAX);
    sim.admin(Method::DELETE, "/faults", None).await;
    still_serves(&sim).await;
}

#[tokio::test]
async fn metrics_interval_that_overflows_is_refused() {
    let sim = start_default().await;
    let metrics = format!(
        "{}/providers/microsoft.insights/metrics?api-version=2023-10-01&metricnames=Capacity",
        service_path("rg-payments", "payments-apim")
    );
    for interval in [
        "PT153722867280912931M",
        "PT9223372036854775807H",
        "PT0M",
        "P1D",
    ] {
        let (status, code, body) =
            error_code(sim.get(&format!("{metrics}&interval={interval}")).await).await;
        assert_eq!((status, code.as_str()), (400, "BadRequest"), "{body}");
        still_serves(&sim).await;
    }
    // The largest interval that does not overflow answers.
    let huge = format!("{metrics}&interval=PT153722867280912930M");
    assert_eq!(sim.get(&huge).await.status().as_u16(), 200);
}

#[tokio::test]
async fn absurd_durations_in_process_are_refused_at_start() {
    let cases: [(&str, apimcap_sim::SimConfig); 3] = [
        (
            "--operation-seconds",
            apimcap_sim::SimConfig {
                operation_duration: Some(Duration::from_secs(u64::MAX)),
                ..config()
            },
        ),
        (
            "--time-scale",
            apimcap_sim::SimConfig {
                time_scale: 1e30,
                ..config()
            },
        ),
        (
            "--reads-per-second",
            apimcap_sim::SimConfig {
                throttle: apimcap_sim::ThrottleConfig {
                    reads_per_second: 1e-20,
                    ..Default::default()
                },
                ..config()
            },
        ),
    ];
    for (flag, config) in cases {
        let error = match apimcap_sim::start(config).await {
            Ok(_) => panic!("{flag}: the simulator started"),
            Err(e) => e.to_string(),
        };
        assert!(error.contains(flag), "{flag}: {error}");
    }
}
