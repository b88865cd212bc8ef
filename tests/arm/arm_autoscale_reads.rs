//! The operator's autoscale reads against the simulator, request and answer through the
//! operator's own code: the one metrics request per service (`metrics_request`) read by
//! `MetricReadings`, and the autoscale settings listing followed page by page.

use apim_capacity::api::autoscale::{AutoscaleMetric, RegionAutoscale};
use apim_capacity::autoscale::metrics::Lookup;
use apim_capacity::autoscale::settings::next_page_url;
use apim_capacity::autoscale::{
    ArmGet, MetricReadings, SettingsPage, SettingsVerdict, metrics_request, settings_request,
};
use apim_capacity::domain::{Location, Sku};
use apimcap_sim::{AutoscaleSetting, SimHandle};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use url::Url;

use crate::support::*;

async fn read(sim: &SimHandle, url: Url) -> Vec<u8> {
    let response = admin_http(sim).get(url).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    response.bytes().await.expect("body").to_vec()
}

fn url(sim: &SimHandle, get: &ArmGet) -> Url {
    get.url(&Url::parse(sim.base_url()).expect("base URL"))
}

#[tokio::test]
async fn the_metrics_request_reads_each_regions_capacity_from_the_simulated_load() {
    let mut config = sim_config();
    config.auth.enabled = false;
    let sim = start(config).await;
    let load = json!({"regions": {"westeurope": {"rps": 1500.0}, "East US": {"rps": 500.0}}});
    admin(
        &sim,
        reqwest::Method::PUT,
        "/services/global-apim/load",
        Some(load),
    )
    .await;

    let rule = RegionAutoscale::with_bounds(1, 8);
    let now = Timestamp::now();
    let get = metrics_request(&global(), Sku::Premium, [&rule], now).expect("a request");
    let readings = MetricReadings::parse(&read(&sim, url(&sim, &get)).await).expect("readable");
    assert_eq!(readings.skipped, 0);
    let from = now - SignedDuration::from_mins(30);
    for (location, expected) in [("westeurope", 75.0), ("eastus", 25.0), ("northeurope", 0.0)] {
        let Lookup::Found(series) =
            readings.lookup(AutoscaleMetric::Capacity, &Location::new(location), 3)
        else {
            panic!("no series for {location}");
        };
        let stats = series.window(from, now);
        assert_eq!(stats.average, Some(expected), "{location}");
        assert!(stats.minutes_with_data >= 29, "{location}: {stats:?}");
    }
}

#[tokio::test]
async fn the_settings_listing_is_followed_to_its_last_page() {
    let mut config = sim_config();
    config.auth.enabled = false;
    config.autoscale_settings_page_size = 1;
    let target = global().resource_id();
    for (name, enabled) in [("a-off", false), ("b-on", true)] {
        config.seed.autoscale_settings.push(AutoscaleSetting {
            subscription: SUB.to_string(),
            resource_group: "rg-global".to_string(),
            name: name.to_string(),
            target_resource_uri: target.to_uppercase(),
            enabled,
        });
    }
    let sim = start(config).await;
    let base = Url::parse(sim.base_url()).expect("base URL");
    let mut next = Some(url(&sim, &settings_request(SUB, "rg-global")));
    let mut settings = Vec::new();
    let mut pages = 0;
    while let Some(page_url) = next.take() {
        let page = SettingsPage::parse(&read(&sim, page_url).await).expect("readable page");
        pages += 1;
        settings.extend(page.settings);
        next = page.next_link.and_then(|link| next_page_url(&base, &link));
    }
    assert_eq!(pages, 2);
    let names: Vec<&str> = settings.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a-off", "b-on"]);
    match SettingsVerdict::from_settings(&settings, &target) {
        SettingsVerdict::Targets(setting) => assert_eq!(setting.name, "b-on"),
        other => panic!("{other:?}"),
    }
}
