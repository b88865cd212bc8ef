//! The chart's Grafana dashboard and alert rules query only metrics the operator exports:
//! every `apimcap_*` name in them appears in the `/metrics` of an operator that runs an
//! Azure operation for one resource and is Stalled on another (so the per-resource gauges
//! exist too), then after that operation finished (so the histogram of durations has
//! samples: a histogram family without observations is not exported).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::operator::*;

const CHART_FILES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/charts/apim-capacity-operator/files"
);

/// Every `apimcap_…` metric name in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("apimcap_") {
        let boundary = at == 0 || {
            let before = rest.as_bytes()[at - 1];
            !(before.is_ascii_alphanumeric() || before == b'_')
        };
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if boundary {
            names.insert(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    names
}

/// The names a query may use for what `/metrics` exports: every sample's name, and for each
/// `# TYPE` the names its samples get (a histogram without observations has no samples yet).
fn exported_names(metrics: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in metrics.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let mut words = declared.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                continue;
            };
            let suffixes: &[&str] = match kind {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_sum", "_count"],
                _ => &[""],
            };
            names.extend(suffixes.iter().map(|s| format!("{name}{s}")));
        } else if !line.starts_with('#') {
            names.insert(
                line.split(['{', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    names
}

/// The PromQL expressions of the dashboard's panels and template variables.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(format!("{CHART_FILES}/grafana-dashboard.json"))
        .expect("the dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard parses");
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            queries.push(target["expr"].as_str().expect("an expr").to_string());
        }
    }
    for variable in dashboard["templating"]["list"]
        .as_array()
        .expect("variables")
    {
        if let Some(query) = variable["definition"].as_str() {
            queries.push(query.to_string());
        }
    }
    queries
}

/// The PromQL expressions of the alert rules.
fn alert_expressions() -> Vec<String> {
    let text =
        std::fs::read_to_string(format!("{CHART_FILES}/prometheus-rules.yaml")).expect("the rules");
    let rules: serde_json::Value = serde_saphyr::from_str(&text).expect("the rules parse");
    let mut exprs = Vec::new();
    for group in rules["groups"].as_array().expect("groups") {
        for rule in group["rules"].as_array().expect("rules") {
            exprs.push(rule["expr"].as_str().expect("an expr").to_string());
        }
    }
    exprs
}

#[test]
fn exported_names_follow_the_declared_types() {
    let text = "# TYPE apimcap_a counter\n# TYPE apimcap_b histogram\napimcap_c{x=\"1\"} 1\n";
    let names: Vec<_> = exported_names(text).into_iter().collect();
    assert_eq!(
        names,
        [
            "apimcap_a_total",
            "apimcap_b_bucket",
            "apimcap_b_count",
            "apimcap_b_sum",
            "apimcap_c"
        ]
    );
}

#[test]
fn metric_names_are_found_whole() {
    let names =
        metric_names("sum(rate(apimcap_reconciles_total{x=\"apimcap_no\"}[5m])) / xapimcap_y");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["apimcap_no", "apimcap_reconciles_total"]
    );
}

#[test]
fn dashboard_and_alerts_query_only_exported_metrics() {
    let mut t = E2e::builder("monitoring")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(600)))
        .start();
    t.apply_capacity("scaling", "Standard", &[("westeurope", 2)], "");
    let missing = t.manifest(
        "stalled",
        "no-such-service",
        "Standard",
        &[("westeurope", 1)],
        "",
    );
    t.apply(&missing);
    t.wait_for("scaling", "an operation", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "Scaling")
    });
    t.wait_condition("stalled", "Stalled", "True", "ServiceNotFound", secs(30));

    let mut exported = BTreeSet::new();
    let mut metrics = String::new();
    scrape_until_complete(&mut t, &mut metrics, &mut exported);
    for operation in t.operations() {
        if operation["status"] == "InProgress" {
            t.complete_operation(operation["id"].as_str().expect("an operation id"));
        }
    }
    assert_in_sync(&t.wait_ready("scaling", secs(60)));
    crate::support::eventually(secs(30), || {
        let (code, text) = t.http_get("/metrics");
        metrics = text;
        code == 200 && metrics.contains("apimcap_operation_duration_seconds_bucket{")
    });
    exported.extend(exported_names(&metrics));
    let dashboard = dashboard_queries();
    assert!(dashboard.len() >= 10, "{dashboard:?}");
    let alerts = alert_expressions();
    assert!(alerts.len() >= 5, "{alerts:?}");
    for (what, queries) in [("dashboard", &dashboard), ("alert rules", &alerts)] {
        let used: BTreeSet<String> = queries.iter().flat_map(|q| metric_names(q)).collect();
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "the {what} use metrics the operator does not export: {unknown:?}\n{metrics}"
        );
    }
}

/// Scrapes until the per-resource gauges of both resources are there; fills `exported` with
/// the names `/metrics` holds.
fn scrape_until_complete(t: &mut E2e, metrics: &mut String, exported: &mut BTreeSet<String>) {
    let wanted = [
        "apimcap_resource_stalled_since_timestamp_seconds{",
        "apimcap_operation_deadline_timestamp_seconds{",
        "apimcap_operation_started_timestamp_seconds{",
        "apimcap_azure_requests_total{",
    ];
    crate::support::eventually(secs(30), || {
        let (code, text) = t.http_get("/metrics");
        *metrics = text;
        code == 200 && wanted.iter().all(|w| metrics.contains(w))
    });
    assert!(
        metrics.contains("resource_name=\"stalled\",reason=\"ServiceNotFound\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("resource_name=\"scaling\",action=\"Scale\""),
        "{metrics}"
    );
    exported.extend(exported_names(metrics));
}
