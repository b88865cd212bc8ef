//! Pure analysis of what the simulator and the apiserver recorded: request rates per
//! subscription, apiserver request counters, and the soak test's invariants on writes.

use std::collections::{BTreeMap, HashMap};

use super::{Req, SimOperation};

/// `apiserver_request_total` summed by (verb, resource, subresource).
pub fn parse_apiserver_requests(text: &str) -> HashMap<(String, String, String), f64> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("apiserver_request_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let label = |key: &str| {
            labels
                .split("\",")
                .find_map(|kv| kv.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
                .unwrap_or_default()
        };
        let value: f64 = value.trim().parse().unwrap_or(0.0);
        *out.entry((label("verb"), label("resource"), label("subresource")))
            .or_insert(0.0) += value;
    }
    out
}

/// `after - before`, keeping only keys that changed.
pub fn diff(
    before: &HashMap<(String, String, String), f64>,
    after: &HashMap<(String, String, String), f64>,
) -> BTreeMap<(String, String, String), f64> {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v - before.get(k).copied().unwrap_or(0.0);
            (d > 0.0).then(|| (k.clone(), d))
        })
        .collect()
}

/// The highest number of requests matching `filter` in any 1-second window (aligned to
/// whole seconds), per subscription.
pub fn peak_per_second(requests: &[Req], filter: impl Fn(&Req) -> bool) -> BTreeMap<String, u32> {
    let mut counts: HashMap<(String, i64), u32> = HashMap::new();
    for r in requests.iter().filter(|r| filter(r)) {
        let sub = r.subscription.clone().unwrap_or_default().to_lowercase();
        *counts.entry((sub, r.at().as_second())).or_default() += 1;
    }
    let mut peaks: BTreeMap<String, u32> = BTreeMap::new();
    for ((sub, _), n) in counts {
        let peak = peaks.entry(sub).or_default();
        *peak = (*peak).max(n);
    }
    peaks
}

/// The highest average rate (requests per second) of requests matching `filter` over any
/// `window` consecutive whole seconds, per subscription. A token bucket lets a 1 s window
/// hold burst + rate; over longer windows the sustained rate shows.
pub fn peak_rate(
    requests: &[Req],
    window: i64,
    filter: impl Fn(&Req) -> bool,
) -> BTreeMap<String, f64> {
    let mut per_second: BTreeMap<String, BTreeMap<i64, u32>> = BTreeMap::new();
    for r in requests.iter().filter(|r| filter(r)) {
        let sub = r.subscription.clone().unwrap_or_default().to_lowercase();
        *per_second
            .entry(sub)
            .or_default()
            .entry(r.at().as_second())
            .or_default() += 1;
    }
    per_second
        .into_iter()
        .map(|(sub, seconds)| {
            let peak = seconds
                .keys()
                .map(|start| {
                    seconds
                        .range(*start..start + window)
                        .map(|(_, n)| *n)
                        .sum::<u32>()
                })
                .max()
                .unwrap_or(0);
            (sub, f64::from(peak) / window as f64)
        })
        .collect()
}

/// The median of `values` (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A PATCH that broke one of the soak invariants, with why.
#[derive(Debug, Clone)]
pub struct Violation {
    pub kind: &'static str,
    pub service: String,
    pub detail: String,
}

/// Checks the writes in `requests` (sorted by time) against the operations the simulator
/// ran. `changes` are moments (per service) at which something outside the operator
/// changed what a correct write would be: a new spec, drift, a failed operation.
///
/// - **duplicate**: an accepted PATCH with the same body as the previous accepted PATCH on
///   the service, when that one's operation succeeded and nothing changed since.
/// - **overlap**: a PATCH sent while an operation this operator started on the service was
///   still running.
/// - **write in sync**: a PATCH answered 200 at once (Azure had nothing to change).
pub fn write_violations(
    requests: &[Req],
    operations: &[SimOperation],
    changes: &HashMap<String, Vec<jiff::Timestamp>>,
) -> Vec<Violation> {
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    let mut violations = Vec::new();
    // (service) -> (body, time) of the last accepted PATCH.
    let mut last: HashMap<String, (serde_json::Value, jiff::Timestamp)> = HashMap::new();
    for r in requests.iter().filter(|r| r.is_write()) {
        let service = r.service.clone().unwrap_or_default().to_lowercase();
        let at = r.at();
        // Overlap with one of our own running operations (foreign ones are the busy fault,
        // which the operator can only discover by being refused).
        for op in operations
            .iter()
            .filter(|o| o.service.to_lowercase() == service && o.kind != "Foreign")
        {
            let (Some(start), end) = (
                parse(&op.start_time),
                op.end_time.as_deref().and_then(parse),
            ) else {
                continue;
            };
            let running = start < at && end.is_none_or(|end| at < end);
            // The PATCH that started this operation is logged a moment after its start.
            let own_start =
                r.status == Some(202) && (at.as_millisecond() - start.as_millisecond()).abs() < 500;
            if running && !own_start {
                violations.push(Violation {
                    kind: "overlap",
                    service: service.clone(),
                    detail: format!(
                        "PATCH at {at} (answered {:?}) while operation {} ({}) ran from {start}",
                        r.status, op.id, op.kind
                    ),
                });
            }
        }
        if r.status == Some(200) {
            violations.push(Violation {
                kind: "write in sync",
                service: service.clone(),
                detail: format!("PATCH at {at} changed nothing"),
            });
        }
        if r.status != Some(202) {
            continue;
        }
        let body = r.body.clone().unwrap_or_default();
        if let Some((previous, previous_at)) = last.get(&service)
            && *previous == body
        {
            let op_failed = operations.iter().any(|o| {
                o.service.to_lowercase() == service
                    && o.status != "Succeeded"
                    && o.status != "InProgress"
                    && parse(&o.start_time).is_some_and(|s| {
                        (s.as_millisecond() - previous_at.as_millisecond()).abs() < 500
                    })
            });
            let changed = changes
                .get(&service)
                .is_some_and(|c| c.iter().any(|t| previous_at < t && *t < at));
            if !op_failed && !changed {
                violations.push(Violation {
                    kind: "duplicate",
                    service: service.clone(),
                    detail: format!("PATCH at {at} repeats the one at {previous_at}: {body}"),
                });
            }
        }
        last.insert(service, (body, at));
    }
    violations
}

/// The least-squares slope of `points` (x, y); `None` with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    (points.len() >= 2 && sxx > 0.0).then(|| sxy / sxx)
}

/// The fastest a fleet change can finish under ARM's write budget: the subscription with the
/// most resources sends its PATCHes at `writes_per_second`, and the last one's operation
/// takes `operation_seconds` more.
pub fn write_bound_seconds(
    per_subscription: impl IntoIterator<Item = usize>,
    writes_per_second: f64,
    operation_seconds: f64,
) -> f64 {
    let most = per_subscription.into_iter().max().unwrap_or(0);
    most as f64 / writes_per_second + operation_seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_of_a_line_and_of_too_few_points() {
        let line: Vec<(f64, f64)> = (0..5)
            .map(|i| (f64::from(i), 3.0 * f64::from(i) + 7.0))
            .collect();
        assert!((slope(&line).unwrap_or(0.0) - 3.0).abs() < 1e-9);
        assert_eq!(slope(&[(1.0, 2.0)]), None);
        assert_eq!(slope(&[(1.0, 2.0), (1.0, 5.0)]), None);
    }

    #[test]
    fn the_write_bound_is_the_busiest_subscriptions_share_plus_one_operation() {
        assert_eq!(write_bound_seconds([500, 500, 499], 10.0, 25.0), 75.0);
        assert_eq!(write_bound_seconds([], 10.0, 25.0), 25.0);
    }

    fn req(at: &str, method: &str, status: u16, body: serde_json::Value) -> Req {
        Req {
            time: at.to_string(),
            kind: "arm".into(),
            method: method.into(),
            path: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a"
                .into(),
            status: Some(status),
            service: Some("a".into()),
            subscription: Some("s".into()),
            body: Some(body),
            fault: None,
            at: at.parse().ok(),
        }
    }

    fn op(start: &str, end: &str, status: &str) -> SimOperation {
        SimOperation {
            id: start.into(),
            service: "a".into(),
            kind: "Scale".into(),
            status: status.into(),
            start_time: start.into(),
            end_time: Some(end.into()),
        }
    }

    const T0: &str = "2026-01-01T00:00:00Z";
    const T0_END: &str = "2026-01-01T00:00:05Z";
    const T1: &str = "2026-01-01T00:00:10Z";
    const T1_END: &str = "2026-01-01T00:00:15Z";

    #[test]
    fn the_same_step_sent_again_after_it_succeeded_is_a_duplicate() {
        let body = serde_json::json!({"sku": {"name": "Standard", "capacity": 2}});
        let requests = [
            req(T0, "PATCH", 202, body.clone()),
            req(T1, "PATCH", 202, body),
        ];
        let ops = [op(T0, T0_END, "Succeeded"), op(T1, T1_END, "Succeeded")];
        let v = write_violations(&requests, &ops, &HashMap::new());
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].kind, "duplicate");
    }

    #[test]
    fn the_same_step_after_a_failure_or_drift_is_no_duplicate() {
        let body = serde_json::json!({"sku": {"name": "Standard", "capacity": 2}});
        let requests = [
            req(T0, "PATCH", 202, body.clone()),
            req(T1, "PATCH", 202, body),
        ];
        let failed = [op(T0, T0_END, "Failed"), op(T1, T1_END, "Succeeded")];
        assert!(write_violations(&requests, &failed, &HashMap::new()).is_empty());
        let ok = [op(T0, T0_END, "Succeeded"), op(T1, T1_END, "Succeeded")];
        let drift = HashMap::from([(
            "a".to_string(),
            vec!["2026-01-01T00:00:07Z".parse().expect("a time")],
        )]);
        assert!(write_violations(&requests, &ok, &drift).is_empty());
    }

    #[test]
    fn a_write_while_our_operation_runs_overlaps_and_a_no_op_write_is_flagged() {
        let requests = [
            req(
                T0,
                "PATCH",
                202,
                serde_json::json!({"sku": {"capacity": 2}}),
            ),
            req(
                "2026-01-01T00:00:02Z",
                "PATCH",
                409,
                serde_json::json!({"sku": {"capacity": 3}}),
            ),
            req(
                T1,
                "PATCH",
                200,
                serde_json::json!({"sku": {"capacity": 2}}),
            ),
        ];
        let ops = [op(T0, T0_END, "Succeeded")];
        let kinds: Vec<&str> = write_violations(&requests, &ops, &HashMap::new())
            .iter()
            .map(|v| v.kind)
            .collect();
        assert_eq!(kinds, ["overlap", "write in sync"]);
    }

    #[test]
    fn a_request_is_about_one_service_not_every_name_it_prefixes() {
        let mut r = req(T0, "GET", 200, serde_json::json!(null));
        r.service = None;
        r.path =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/idle-10"
                .into();
        assert!(r.about("idle-10") && !r.about("idle-1"));
        r.path.push_str("/operationresults/x");
        assert!(r.about("IDLE-10") && !r.about("idle-1"));
    }

    #[test]
    fn rates_are_counted_per_subscription_and_window() {
        let mut requests: Vec<Req> = (0..30)
            .map(|i| {
                let at = format!("2026-01-01T00:00:{:02}Z", i / 10);
                req(&at, "GET", 200, serde_json::json!(null))
            })
            .collect();
        requests[0].subscription = Some("other".into());
        let peaks = peak_per_second(&requests, |r| r.is_read());
        assert_eq!(peaks["s"], 10);
        assert_eq!(peaks["other"], 1);
        let rate = peak_rate(&requests, 10, |r| r.is_read());
        assert!((rate["s"] - 2.9).abs() < 1e-9, "{rate:?}");
    }

    #[test]
    fn apiserver_counters_are_summed_by_verb_resource_and_subresource() {
        let text = "# HELP x\napiserver_request_total{code=\"200\",component=\"apiserver\",dry_run=\"\",group=\"capacity.apim.dev\",resource=\"apimcapacities\",scope=\"resource\",subresource=\"status\",verb=\"APPLY\",version=\"v1alpha1\"} 3\napiserver_request_total{code=\"409\",component=\"apiserver\",dry_run=\"\",group=\"capacity.apim.dev\",resource=\"apimcapacities\",scope=\"resource\",subresource=\"status\",verb=\"APPLY\",version=\"v1alpha1\"} 2\n";
        let counts = parse_apiserver_requests(text);
        assert_eq!(
            counts[&("APPLY".into(), "apimcapacities".into(), "status".into())],
            5.0
        );
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
