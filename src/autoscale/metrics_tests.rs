//! Tests of the metrics request and of reading Azure Monitor's answer.

use jiff::Timestamp;
use serde_json::json;

use super::*;
use crate::api::autoscale::{AutoscaleDuration, RegionAutoscale};

fn at(text: &str) -> Timestamp {
    text.parse().expect("valid timestamp")
}

fn service() -> ServiceRef {
    ServiceRef::new(
        "00000000-0000-0000-0000-000000000001",
        "rg-payments",
        "payments-apim",
    )
}

fn rule(metric: AutoscaleMetric, window_minutes: u32) -> RegionAutoscale {
    RegionAutoscale {
        metric,
        window: AutoscaleDuration::from_minutes(window_minutes),
        ..RegionAutoscale::with_bounds(1, 4)
    }
}

#[test]
fn classic_request_asks_for_capacity_per_location_over_the_window() {
    let rules = [rule(AutoscaleMetric::Capacity, 30)];
    let request = metrics_request(&service(), Sku::Premium, &rules, at("2026-12-01T10:30:20Z"))
        .expect("a region autoscales");
    assert_eq!(
        request.path(),
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-payments\
         /providers/Microsoft.ApiManagement/service/payments-apim/providers/microsoft.insights/metrics"
    );
    assert_eq!(request.query_value("api-version"), Some("2023-10-01"));
    assert_eq!(request.query_value("metricnames"), Some("Capacity"));
    assert_eq!(request.query_value("aggregation"), Some("Average"));
    assert_eq!(request.query_value("interval"), Some("PT1M"));
    assert_eq!(
        request.query_value("timespan"),
        Some("2026-12-01T10:00:20Z/2026-12-01T10:30:20Z")
    );
    assert_eq!(request.query_value("$filter"), Some("Location eq '*'"));
}

#[test]
fn v2_request_has_no_location_filter() {
    let rules = [rule(AutoscaleMetric::CpuPercentGateway, 30)];
    let request = metrics_request(
        &service(),
        Sku::StandardV2,
        &rules,
        at("2026-12-01T10:30:00Z"),
    )
    .expect("a region autoscales");
    assert_eq!(
        request.query_value("metricnames"),
        Some("CpuPercent_Gateway")
    );
    assert_eq!(request.query_value("$filter"), None);
}

#[test]
fn one_request_covers_every_metric_and_the_longest_window() {
    let rules = [
        rule(AutoscaleMetric::MemoryPercentGateway, 20),
        rule(AutoscaleMetric::Capacity, 45),
        rule(AutoscaleMetric::Capacity, 30),
    ];
    let request = metrics_request(&service(), Sku::Premium, &rules, at("2026-12-01T10:45:00Z"))
        .expect("regions autoscale");
    assert_eq!(
        request.query_value("metricnames"),
        Some("Capacity,MemoryPercent_Gateway")
    );
    assert_eq!(
        request.query_value("timespan"),
        Some("2026-12-01T10:00:00Z/2026-12-01T10:45:00Z")
    );
}

#[test]
fn no_autoscaled_region_means_no_request() {
    let none: [RegionAutoscale; 0] = [];
    assert_eq!(
        metrics_request(&service(), Sku::Premium, &none, at("2026-12-01T10:45:00Z")),
        None
    );
}

fn answer(series: serde_json::Value) -> Vec<u8> {
    json!({
        "cost": 0,
        "timespan": "2026-12-01T10:00:00Z/2026-12-01T10:30:00Z",
        "interval": "PT1M",
        "value": [{
            "id": "/subscriptions/x/providers/Microsoft.Insights/metrics/Capacity",
            "type": "Microsoft.Insights/metrics",
            "name": {"value": "Capacity", "localizedValue": "Capacity"},
            "unit": "Percent",
            "timeseries": series,
            "errorCode": "Success"
        }],
        "namespace": "Microsoft.ApiManagement/service",
        "resourceregion": "westeurope"
    })
    .to_string()
    .into_bytes()
}

fn located(location: &str, data: serde_json::Value) -> serde_json::Value {
    json!({
        "metadatavalues": [{"name": {"value": "location", "localizedValue": "location"}, "value": location}],
        "data": data
    })
}

fn stats(readings: &MetricReadings, location: &str, regions: usize) -> Option<WindowStats> {
    match readings.lookup(AutoscaleMetric::Capacity, &Location::new(location), regions) {
        Lookup::Found(series) => {
            Some(series.window(at("2026-12-01T10:00:00Z"), at("2026-12-01T10:30:00Z")))
        }
        _ => None,
    }
}

#[test]
fn display_name_locations_give_per_region_averages() {
    let body = answer(json!([
        located(
            "West Europe",
            json!([
                {"timeStamp": "2026-12-01T10:01:00Z", "average": 40.0},
                {"timeStamp": "2026-12-01T10:02:00Z", "average": 50.0}
            ])
        ),
        located(
            "East US",
            json!([{"timeStamp": "2026-12-01T10:01:00Z", "average": 90.5}])
        )
    ]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(readings.skipped, 0);
    let europe = stats(&readings, "westeurope", 2).expect("westeurope has a series");
    assert_eq!(europe.average, Some(45.0));
    assert_eq!(europe.minutes_with_data, 2);
    assert_eq!(
        stats(&readings, "eastus", 2).and_then(|s| s.average),
        Some(90.5)
    );
    assert_eq!(stats(&readings, "northeurope", 2), None);
}

#[test]
fn minutes_without_data_do_not_count() {
    let body = answer(json!([located(
        "West Europe",
        json!([
            {"timeStamp": "2026-12-01T10:01:00Z"},
            {"timeStamp": "2026-12-01T10:02:00Z", "average": null},
            {"timeStamp": "2026-12-01T10:03:00Z", "average": 60, "maximum": 99, "extra": {"x": 1}}
        ])
    )]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(readings.skipped, 0, "empty minutes are not errors");
    let europe = stats(&readings, "westeurope", 1).expect("a series");
    assert_eq!(europe.average, Some(60.0));
    assert_eq!(europe.minutes_with_data, 1);
}

#[test]
fn absurd_values_are_skipped_and_counted() {
    let body = answer(json!([located(
        "West Europe",
        json!([
            {"timeStamp": "2026-12-01T10:01:00Z", "average": "NaN"},
            {"timeStamp": "2026-12-01T10:02:00Z", "average": 1e308},
            {"timeStamp": "2026-12-01T10:03:00Z", "average": -5},
            {"timeStamp": "2026-12-01T10:04:00Z", "average": "Infinity"},
            {"timeStamp": "yesterday", "average": 10},
            {"average": 10},
            "nonsense",
            {"timeStamp": "2026-12-01T10:05:00Z", "average": "42.5"}
        ])
    )]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(readings.skipped, 7);
    let europe = stats(&readings, "westeurope", 1).expect("a series");
    assert_eq!(europe.average, Some(42.5), "a numeric string is read");
    assert_eq!(europe.minutes_with_data, 1);
}

#[test]
fn points_outside_the_window_and_duplicate_minutes_are_ignored() {
    let body = answer(json!([located(
        "westeurope",
        json!([
            {"timeStamp": "2026-12-01T09:59:00Z", "average": 99},
            {"timeStamp": "2026-12-01T10:00:00Z", "average": 10},
            {"timeStamp": "2026-12-01T10:00:30Z", "average": 90},
            {"timeStamp": "2026-12-01T10:30:00Z", "average": 99}
        ])
    )]));
    let readings = MetricReadings::parse(&body).expect("readable");
    let europe = stats(&readings, "westeurope", 1).expect("a series");
    assert_eq!(europe.average, Some(10.0));
    assert_eq!(europe.minutes_with_data, 1);
}

#[test]
fn a_series_without_location_serves_a_single_region_service_only() {
    let body = answer(json!([{
        "metadatavalues": [],
        "data": [{"timeStamp": "2026-12-01T10:01:00Z", "average": 33}]
    }]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(
        stats(&readings, "westeurope", 1).and_then(|s| s.average),
        Some(33.0)
    );
    assert_eq!(
        readings.lookup(AutoscaleMetric::Capacity, &Location::new("westeurope"), 2),
        Lookup::NotRegional
    );
    assert_eq!(
        readings.lookup(
            AutoscaleMetric::CpuPercentGateway,
            &Location::new("westeurope"),
            1
        ),
        Lookup::Missing
    );
}

#[test]
fn an_unreadable_location_is_not_taken_for_the_whole_service() {
    let body = answer(json!([
        {"metadatavalues": [{"name": {"value": "location"}, "value": 42}],
         "data": [{"timeStamp": "2026-12-01T10:01:00Z", "average": 99}]},
        {"metadatavalues": [{"name": {"value": "location"}, "value": "   "}],
         "data": [{"timeStamp": "2026-12-01T10:01:00Z", "average": 99}]},
        {"metadatavalues": [{"name": {"value": "location"}, "value": "x".repeat(65)}],
         "data": [{"timeStamp": "2026-12-01T10:01:00Z", "average": 99}]}
    ]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(readings.skipped, 3);
    assert!(readings.series().is_empty());
}

#[test]
fn unknown_metrics_and_odd_entries_are_skipped() {
    let body = json!({"value": [
        {"name": {"value": "Requests"}, "timeseries": []},
        null,
        {"name": "CPUPERCENT_GATEWAY", "timeseries": [{"data": [
            {"timeStamp": "2026-12-01T10:01:00Z", "average": 12}
        ]}]}
    ]})
    .to_string();
    let readings = MetricReadings::parse(body.as_bytes()).expect("readable");
    assert_eq!(readings.skipped, 2);
    assert!(matches!(
        readings.lookup(
            AutoscaleMetric::CpuPercentGateway,
            &Location::new("eastus"),
            1
        ),
        Lookup::Found(_)
    ));
}

#[test]
fn unreadable_answers_are_errors() {
    assert!(matches!(
        MetricReadings::parse(b"<html>"),
        Err(MetricsError::NotJson(_))
    ));
    assert_eq!(MetricReadings::parse(b"[]"), Err(MetricsError::NoValueList));
    assert_eq!(
        MetricReadings::parse(br#"{"value": {}}"#),
        Err(MetricsError::NoValueList)
    );
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        MetricReadings::parse(&huge),
        Err(MetricsError::TooLarge(MAX_BODY_BYTES + 1))
    );
}

#[test]
fn sizes_are_bounded() {
    let data: Vec<_> = (0..MAX_POINTS_PER_SERIES + 5)
        .map(|i| json!({"timeStamp": "2026-12-01T10:01:00Z", "average": i % 100}))
        .collect();
    let body = answer(json!([located("westeurope", json!(data))]));
    let readings = MetricReadings::parse(&body).expect("readable");
    assert_eq!(readings.skipped, 5);
    assert_eq!(
        readings.series()[0].len(),
        1,
        "one minute, first value kept"
    );
}

#[test]
fn the_window_starts_at_the_first_whole_minute() {
    let body = answer(json!([located(
        "westeurope",
        json!([
            {"timeStamp": "2026-12-01T10:00:00Z", "average": 10},
            {"timeStamp": "2026-12-01T10:01:00Z", "average": 20}
        ])
    )]));
    let readings = MetricReadings::parse(&body).expect("readable");
    let Lookup::Found(series) =
        readings.lookup(AutoscaleMetric::Capacity, &Location::new("westeurope"), 1)
    else {
        panic!("a series");
    };
    let later = series.window(at("2026-12-01T10:00:01Z"), at("2026-12-01T10:30:00Z"));
    assert_eq!(later.average, Some(20.0));
    let empty = series.window(at("2026-12-01T10:30:00Z"), at("2026-12-01T10:00:00Z"));
    assert_eq!(empty.minutes_with_data, 0);
}
