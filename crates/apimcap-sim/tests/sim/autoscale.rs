//! What per-region autoscale reads: metrics computed from load and current units (per
//! `Location`, minutes without data carrying no average, the time scale), the v2 gateway
//! metrics, and the paginated `autoscaleSettings` listing; their admin endpoints.

use apimcap_sim::{Seed, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const METRICS: &str =
    "providers/microsoft.insights/metrics?api-version=2023-10-01&aggregation=Average&interval=PT1M";

/// The metrics of `service` over `[now - back, now + ahead]` minutes, split by location.
async fn metrics(sim: &Sim, rg: &str, service: &str, names: &str, back: i64, ahead: i64) -> Value {
    let now = jiff::Timestamp::now();
    let span = |m: i64| {
        (now + jiff::SignedDuration::from_mins(m))
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let path = format!(
        "{}/{METRICS}&metricnames={names}&timespan={}/{}&$filter=Location%20eq%20%27*%27",
        service_path(rg, service),
        span(-back),
        span(ahead)
    );
    let (status, body) = sim.get_json(&path).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The points of the series of `location` (display name) of the first metric; `None` for
/// minutes without an average.
fn averages(body: &Value, location: Option<&str>) -> Vec<Option<f64>> {
    let series = body["value"][0]["timeseries"]
        .as_array()
        .expect("timeseries");
    let series = series
        .iter()
        .find(|s| location.is_none_or(|l| s["metadatavalues"][0]["value"] == l))
        .expect("series of the location");
    series["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["average"].as_f64())
        .collect()
}

/// Each body PUT to the admin `path` gets a 400 that says why.
async fn refused(sim: &Sim, path: &str, bodies: impl IntoIterator<Item = Value>) {
    for body in bodies {
        let (status, answer) = admin_raw(sim, Method::PUT, path, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn capacity_follows_load_and_the_units_after_a_scale() {
    let sim = start_default().await;
    let (status, load) = admin_raw(
        &sim,
        Method::PUT,
        "/services/global-apim/load",
        json!({"regions": {"West Europe": {"rps": 1500.0}}, "rpsPerUnit": 1000.0}),
    )
    .await;
    assert_eq!(status, 200, "{load}");
    assert_eq!(load["regions"]["West Europe"]["rps"], 1500.0);

    let body = metrics(&sim, "rg-global", "global-apim", "Capacity", 10, 5).await;
    assert_eq!(body["value"][0]["name"]["value"], "Capacity");
    let west = averages(&body, Some("West Europe"));
    let (past, future) = west.split_at(11);
    assert!(
        past.iter().all(|v| *v == Some(75.0)),
        "1500 rps on 2 units: {west:?}"
    );
    assert!(
        future[1..].iter().all(Option::is_none),
        "future minutes: {west:?}"
    );
    let east = averages(&body, Some("East US"));
    assert_eq!(east[0], Some(0.0), "no load: the static value");
    let point = &body["value"][0]["timeseries"][0]["data"][14];
    assert!(
        point.get("average").is_none() && point["timeStamp"].is_string(),
        "{point}"
    );

    let path = format!("{}?{API}", service_path("rg-global", "global-apim"));
    let patch = json!({"sku": {"name": "Premium", "capacity": 4}});
    let response = sim.patch(&path, &patch).await;
    assert_eq!(response.status().as_u16(), 202);
    let before = averages(
        &metrics(&sim, "rg-global", "global-apim", "Capacity", 3, 0).await,
        Some("West Europe"),
    );
    assert_eq!(
        before[0],
        Some(75.0),
        "units change when the operation ends"
    );
    let location = header(&response, "location").expect("Location header");
    assert_eq!(sim.poll_location(&location).await.status().as_u16(), 200);
    let after = metrics(&sim, "rg-global", "global-apim", "Capacity", 3, 0).await;
    assert_eq!(
        averages(&after, Some("West Europe"))[0],
        Some(37.5),
        "1500 rps on 4 units"
    );
}

#[tokio::test]
async fn curves_run_at_the_scaled_clock_and_v2_has_gateway_metrics() {
    let mut config = config();
    config.time_scale = 0.01;
    config.load_day_start = Some(0.0);
    let sim = start(config).await;
    // 500 rps from 07:20 to 12:00 of the simulator's day, nothing from 12:02 to 23:58.
    let curve = json!({"curve": [[440, 500], [720, 500], [722, 0], [1438, 0]]});
    let (status, _) = admin_raw(
        &sim,
        Method::PUT,
        "/services/payments-apim/load",
        json!({"regions": {"westeurope": curve}}),
    )
    .await;
    assert_eq!(status, 200);
    // One wall-clock minute is 100 simulated ones: 9 minutes before the start was minute
    // 440 to 640 of the simulator's day, 5 minutes before was 840 to 940.
    let body = metrics(&sim, "rg-payments", "payments-apim", "Capacity", 10, 0).await;
    let west = averages(&body, Some("West Europe"));
    assert_eq!(west[1], Some(50.0), "{west:?}");
    assert_eq!(west[5], Some(0.0), "{west:?}");

    let (status, _) = admin_raw(
        &sim,
        Method::PUT,
        "/services/v2-apim/load",
        json!({"regions": {"westeurope": {"rps": 600.0}}, "rpsPerUnit": 1000.0}),
    )
    .await;
    assert_eq!(status, 200);
    let body = metrics(
        &sim,
        "rg-v2",
        "v2-apim",
        "CpuPercent_Gateway,MemoryPercent_Gateway",
        2,
        0,
    )
    .await;
    assert_eq!(averages(&body, None)[0], Some(60.0));
    assert_eq!(
        body["value"][0]["timeseries"][0]["metadatavalues"],
        json!([])
    );
    assert_eq!(body["value"][1]["name"]["value"], "MemoryPercent_Gateway");
    assert_eq!(
        body["value"][1]["timeseries"][0]["data"][0]["average"],
        55.0
    );
}

#[tokio::test]
async fn minutes_before_a_service_existed_have_no_average() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-empty", "new-apim"));
    let body = json!({"location": "North Europe", "sku": {"name": "Premium", "capacity": 1},
        "properties": {"publisherEmail": "a@contoso.com", "publisherName": "Contoso"}});
    assert_eq!(sim.put(&path, &body).await.status().as_u16(), 201);
    let body = metrics(&sim, "rg-empty", "new-apim", "Capacity", 10, 0).await;
    let north = averages(&body, Some("North Europe"));
    assert!(north[..10].iter().all(Option::is_none), "{north:?}");
    assert!(north[10..].iter().all(Option::is_some), "{north:?}");
}

#[tokio::test]
async fn seeded_load_is_read_and_bad_seeds_are_refused() {
    let seed = r#"
services:
  - resourceGroup: rg
    name: apim
    location: West Europe
    sku: Premium
    capacity: 4
    rpsPerUnit: 500
    load:
      westeurope: {rps: 1000}
      East US: {curve: [[0, 100], [600, 900]]}
    additionalLocations: [{location: eastus, capacity: 1}]
"#;
    let mut config = SimConfig {
        seed: Seed::parse(seed).expect("seed parses"),
        ..config()
    };
    config.auth.enabled = false;
    let sim = start(config).await;
    let body = metrics(&sim, "rg", "apim", "Capacity", 2, 0).await;
    assert_eq!(averages(&body, Some("West Europe"))[0], Some(50.0));
    for bad in [
        "load: {northeurope: {rps: 1}}",
        "load: {westeurope: {rps: -1}}",
        "load: {westeurope: {curve: []}}",
        "load: {westeurope: {speed: 3}}",
        "rpsPerUnit: 0",
    ] {
        let text = format!(
            "services: [{{resourceGroup: rg, name: a, location: westeurope, sku: Premium, capacity: 1, {bad}}}]"
        );
        let result = Seed::parse(&text).and_then(|seed| {
            SimConfig {
                seed,
                ..SimConfig::default()
            }
            .validate()
        });
        assert!(result.is_err(), "{text}");
    }
}

#[tokio::test]
async fn bad_load_bodies_are_refused() {
    let sim = start_default().await;
    let bad = [
        json!({"regions": {"westeurope": {"rps": -5}}}),
        json!({"regions": {"westeurope": {"rps": 1e300}}}),
        json!({"regions": {"northeurope": {"rps": 5}}}),
        json!({"regions": {"westeurope": {"curve": [[2000, 5]]}}}),
        json!({"regions": {"westeurope": {"curve": []}}}),
        json!({"regions": {"westeurope": {"rps": 5, "curve": [[0, 1]]}}}),
        json!({"regions": {}, "rpsPerUnit": 0}),
        json!({"regions": {}, "speed": 1}),
        json!([1, 2]),
    ];
    refused(&sim, "/services/global-apim/load", bad).await;
    let (status, _) = admin_raw(&sim, Method::PUT, "/services/nope/load", json!({})).await;
    assert_eq!(status, 404);
    let (status, load) =
        admin_raw(&sim, Method::GET, "/services/global-apim/load", json!(null)).await;
    assert_eq!(
        (status, load["regions"].clone()),
        (200, json!({})),
        "nothing was applied"
    );
}

fn settings_config(page_size: usize) -> SimConfig {
    let mut config = config();
    config.autoscale_settings_page_size = page_size;
    let target = service_path("rg-global", "global-apim");
    for (i, name) in ["a-setting", "b-setting", "c-setting"].iter().enumerate() {
        config
            .seed
            .autoscale_settings
            .push(apimcap_sim::AutoscaleSetting {
                subscription: SUB.to_string(),
                resource_group: "rg-global".to_string(),
                name: name.to_string(),
                target_resource_uri: target.clone(),
                enabled: i != 1,
            });
    }
    config
}

const SETTINGS: &str = "providers/Microsoft.Insights/autoscaleSettings?api-version=2022-10-01";

#[tokio::test]
async fn autoscale_settings_are_listed_a_page_at_a_time() {
    let sim = start(settings_config(2)).await;
    let first = format!("/subscriptions/{SUB}/resourceGroups/rg-global/{SETTINGS}");
    let (status, page) = sim.get_json(&first).await;
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = page["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["a-setting", "b-setting"]);
    let setting = &page["value"][1];
    assert_eq!(setting["type"], "Microsoft.Insights/autoscaleSettings");
    assert_eq!(setting["properties"]["enabled"], false);
    assert_eq!(
        setting["properties"]["targetResourceUri"],
        service_path("rg-global", "global-apim")
    );
    assert!(
        setting["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("/autoscalesettings/b-setting"))
    );
    let next = page["nextLink"].as_str().expect("nextLink").to_string();
    assert!(next.starts_with(sim.handle.base_url()), "{next}");
    let (status, page) = sim.get_json(&next).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["value"][0]["name"], "c-setting");
    assert!(page.get("nextLink").is_none(), "{page}");

    let (status, page) = sim
        .get_json(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg-payments/{SETTINGS}"
        ))
        .await;
    assert_eq!((status, page["value"].clone()), (200, json!([])));
    for (path, code) in [
        (format!("{first}&$skipToken=x"), "InvalidSkipToken"),
        (
            first.replace("2022-10-01", "2024-05-01"),
            "InvalidApiVersionParameter",
        ),
    ] {
        let (status, got, body) = error_code(sim.get(&path).await).await;
        assert_eq!((status, got.as_str()), (400, code), "{body}");
    }
    let (status, code, _) = error_code(
        sim.get(&format!(
            "/subscriptions/{SUB}/resourceGroups/nope/{SETTINGS}"
        ))
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "ResourceGroupNotFound"));

    // A reader of rg-payments may list there, not in rg-global.
    let mut reader = start(settings_config(2)).await;
    reader.token = reader
        .client_secret_token("33333333-3333-3333-3333-333333333333", "reader")
        .await;
    let (status, _) = reader
        .get_json(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg-payments/{SETTINGS}"
        ))
        .await;
    assert_eq!(status, 200);
    let (status, code, _) = error_code(reader.get(&first).await).await;
    assert_eq!((status, code.as_str()), (403, "AuthorizationFailed"));

    let log = sim.requests().await;
    assert!(
        log.iter()
            .filter(|e| e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/autoscaleSettings")))
            .count()
            >= 3
    );
}

#[tokio::test]
async fn autoscale_settings_change_through_the_admin_endpoint() {
    let sim = start(settings_config(50)).await;
    let list = format!("/subscriptions/{SUB}/resourceGroups/rg-new/{SETTINGS}");
    let target = service_path("rg-global", "global-apim");
    let put = |enabled: bool| {
        let body = json!({"targetResourceUri": target, "enabled": enabled});
        admin_raw(
            &sim,
            Method::PUT,
            "/autoscaleSettings/rg-new/scale-it",
            body,
        )
    };
    assert_eq!(put(true).await.0, 200);
    let (status, page) = sim.get_json(&list).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["value"][0]["properties"]["enabled"], true);
    assert_eq!(put(false).await.0, 200);
    let (_, page) = sim.get_json(&list).await;
    assert_eq!(
        page["value"].as_array().map(Vec::len),
        Some(1),
        "replaced, not added"
    );
    assert_eq!(page["value"][0]["properties"]["enabled"], false);
    let bad = [
        json!({"enabled": true}),
        json!({"targetResourceUri": "nope"}),
        json!({"targetResourceUri": target, "x": 1}),
        json!("text"),
    ];
    refused(&sim, "/autoscaleSettings/rg-new/other", bad).await;
    let delete = || {
        admin_raw(
            &sim,
            Method::DELETE,
            "/autoscaleSettings/rg-new/scale-it",
            json!(null),
        )
    };
    assert_eq!(delete().await.0, 200);
    let (_, page) = sim.get_json(&list).await;
    assert_eq!(page["value"], json!([]));
    assert_eq!(delete().await.0, 404, "already gone");
    let all = sim.admin(Method::GET, "/autoscaleSettings", None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
}
