//! The ARM client's autoscale reads against the simulator: the one metrics request of a
//! service (Capacity per region from the simulator's load) and the autoscale settings of a
//! resource group page by page (`nextLink`), each through the same read path as the others.

use crate::support::*;
use apim_capacity::api::autoscale::{AutoscaleMetric, RegionAutoscale};
use apim_capacity::autoscale::metrics::Lookup;
use apim_capacity::autoscale::{SettingsVerdict, metrics_request, settings_request};
use apim_capacity::azure::{ApimApi, AzureError, Call};
use apim_capacity::domain::{Location, Sku};
use apimcap_sim::{Seed, SimConfig};

fn config() -> SimConfig {
    let global = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-global/providers/Microsoft.ApiManagement/service/global-apim"
    );
    let seed = SEED.replace(
        "        disableGateway: true\n",
        "        disableGateway: true\n    load: {eastus: {rps: 3000.0}}\n",
    ) + &format!(
        "autoscaleSettings:\n  - {{resourceGroup: rg-global, name: a, targetResourceUri: /subscriptions/{SUB}/resourceGroups/rg-payments/providers/Microsoft.ApiManagement/service/payments-apim, enabled: true}}\n  - {{resourceGroup: rg-global, name: b, targetResourceUri: {global}, enabled: false}}\n  - {{resourceGroup: rg-global, name: c, targetResourceUri: {global}, enabled: true}}\n"
    );
    SimConfig {
        seed: Seed::parse(&seed).expect("seed parses"),
        autoscale_settings_page_size: 1,
        ..sim_config()
    }
}

#[tokio::test]
async fn the_metrics_of_every_region_come_in_one_request() {
    let sim = start(config()).await;
    let client = client(&sim);
    clear_requests(&sim).await;
    let rule = RegionAutoscale::with_bounds(1, 4);
    let now = jiff::Timestamp::now();
    let request = metrics_request(&global(), Sku::Premium, [&rule], now).expect("a request");
    let readings = client.get_metrics(&request, SUB).await.expect("metrics");
    // 3000 rps on 2 units of 1000 rps: 100 % (clamped).
    let eastus = Location::new("eastus");
    match readings.lookup(AutoscaleMetric::Capacity, &eastus, 3) {
        Lookup::Found(series) => {
            let start = now - jiff::SignedDuration::from_mins(30);
            let stats = series.window(start, now);
            assert_eq!(stats.average.map(f64::round), Some(100.0), "{stats:?}");
        }
        other => panic!("no eastus series: {other:?}"),
    }
    let log = requests(&sim).await;
    assert_eq!(of_kind(&log, "metrics").len(), 1, "one request: {log:?}");
}

#[tokio::test]
async fn autoscale_settings_are_listed_page_by_page() {
    let sim = start(config()).await;
    let client = client(&sim);
    clear_requests(&sim).await;
    let settings = client
        .list_autoscale_settings(&settings_request(SUB, "rg-global"), SUB)
        .await
        .expect("settings");
    let names: Vec<_> = settings.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let log = requests(&sim).await;
    assert_eq!(
        of_kind(&log, "arm").len(),
        3,
        "one request per page: {log:?}"
    );
    let verdict = SettingsVerdict::from_settings(
        &settings,
        &client.get_service(&global()).await.expect("GET").live.id,
    );
    assert!(matches!(verdict, SettingsVerdict::Targets(s) if s.name == "c"));

    let reader = {
        let config = arm_config(&sim);
        let credential = secret_credential(&sim, &config, READER_ID, "reader");
        apim_capacity::azure::ArmClient::new(config, credential).expect("client")
    };
    let error = reader
        .list_autoscale_settings(&settings_request(SUB, "rg-global"), SUB)
        .await
        .expect_err("no right on rg-global");
    assert!(matches!(error, AzureError::Forbidden(_)), "{error}");
    assert_eq!(error.call(), Some(Call::ListAutoscaleSettings));
}
