//! Azure Monitor metrics of a service: `Capacity` (with a `Location` dimension) for classic
//! tiers, `CpuPercent_Gateway` and `MemoryPercent_Gateway` for v2. Values are set by the
//! seed or the admin endpoint and read back as a flat series.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::error::SimError;
use crate::location::Location;
use crate::reply::ArmError;
use crate::resource::{primary_sku, regions};
use crate::tiers::{Generation, Sku};

/// Metric name → location (normalised, or `""` for every location) → value.
#[derive(Debug, Clone, Default)]
pub struct MetricValues {
    values: BTreeMap<String, BTreeMap<String, f64>>,
}

const CLASSIC: &[(&str, &str)] = &[(
    "Capacity",
    "Utilization metric for ApiManagement service. Note: For SKUs other than Premium, 'Max' aggregation will show the value as 0.",
)];
const V2: &[(&str, &str)] = &[
    (
        "CpuPercent_Gateway",
        "CPU utilization of the gateway units.",
    ),
    (
        "MemoryPercent_Gateway",
        "Memory utilization of the gateway units.",
    ),
];

impl MetricValues {
    pub fn from_seed(seed: &BTreeMap<String, Value>) -> Result<Self, SimError> {
        let mut values = MetricValues::default();
        for (metric, value) in seed {
            match value {
                Value::Number(n) => values.set(metric, None, n.as_f64().unwrap_or(0.0)),
                Value::Object(per_location) => {
                    for (location, v) in per_location {
                        let v = v.as_f64().ok_or_else(|| {
                            SimError::Seed(format!("metric {metric}: {v} is not a number"))
                        })?;
                        values.set(metric, Some(location), v);
                    }
                }
                other => {
                    return Err(SimError::Seed(format!(
                        "metric {metric}: {other} is not a number or a map"
                    )));
                }
            }
        }
        Ok(values)
    }

    /// Sets a metric for one location or (with `None`) for all of them.
    pub fn set(&mut self, metric: &str, location: Option<&str>, value: f64) {
        let per = self.values.entry(metric.to_lowercase()).or_default();
        match location {
            Some(l) => {
                per.insert(Location::new(l).as_str().to_string(), value);
            }
            None => {
                per.clear();
                per.insert(String::new(), value);
            }
        }
    }

    fn get(&self, metric: &str, location: &Location) -> f64 {
        let per = self.values.get(&metric.to_lowercase());
        per.and_then(|p| p.get(location.as_str()).or_else(|| p.get("")))
            .copied()
            .unwrap_or(0.0)
    }
}

fn parse_interval(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let rest = upper.strip_prefix("PT")?;
    let (number, unit) = if let Some(m) = rest.strip_suffix('M') {
        (m, 60)
    } else {
        (rest.strip_suffix('H')?, 3600)
    };
    number.parse::<i64>().ok()?.checked_mul(unit)
}

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

/// The metrics answer for a service resource `body` with `values`.
pub fn answer(
    body: &Value,
    values: &MetricValues,
    query: &HashMap<String, String>,
) -> Result<Value, ArmError> {
    let (sku, _) = primary_sku(body);
    let available = if sku.map(Sku::generation) == Some(Generation::V2) {
        V2
    } else {
        CLASSIC
    };
    let names = query
        .get("metricnames")
        .cloned()
        .unwrap_or_else(|| available[0].0.to_string());
    let interval_text = query
        .get("interval")
        .cloned()
        .unwrap_or_else(|| "PT1M".to_string());
    let interval = parse_interval(&interval_text)
        .filter(|s| *s > 0)
        .ok_or_else(|| bad(format!("Invalid interval '{interval_text}'.")))?;
    let now = jiff::Timestamp::now();
    let (start, end) = match query.get("timespan") {
        Some(span) => {
            let (a, b) = span
                .split_once('/')
                .ok_or_else(|| bad(format!("Invalid timespan '{span}'.")))?;
            let parse = |t: &str| {
                t.parse::<jiff::Timestamp>()
                    .map_err(|_| bad(format!("Invalid timespan '{span}'.")))
            };
            (parse(a)?, parse(b)?)
        }
        None => (now - jiff::SignedDuration::from_hours(1), now),
    };
    if end <= start {
        return Err(bad(format!(
            "Invalid timespan: end {end} is not after start {start}."
        )));
    }
    let aggregations: Vec<String> = query
        .get("aggregation")
        .cloned()
        .unwrap_or_else(|| "Average".to_string())
        .split(',')
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    let split_by_location = query
        .get("$filter")
        .is_some_and(|f| f.to_lowercase().contains("location eq"));
    let primary = Location::new(body["location"].as_str().unwrap_or_default());
    let mut locations = vec![primary.clone()];
    locations.extend(
        regions(body)
            .iter()
            .filter_map(|r| r["location"].as_str().map(Location::new)),
    );

    let first = start
        .as_second()
        .checked_sub(start.as_second().rem_euclid(interval))
        .ok_or_else(|| bad(format!("Invalid interval '{interval_text}'.")))?;
    let stamps: Vec<i64> = (0..1440_i64)
        .map_while(|i| i.checked_mul(interval)?.checked_add(first))
        .take_while(|t| *t < end.as_second())
        .collect();
    let id = body["id"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((metric, description)) =
            available.iter().find(|(m, _)| m.eq_ignore_ascii_case(name))
        else {
            let valid: Vec<&str> = available.iter().map(|(m, _)| *m).collect();
            return Err(bad(format!(
                "Failed to find metric configuration for provider: Microsoft.ApiManagement, resource Type: service, metric: {name}, Valid metrics: {}",
                valid.join(",")
            )));
        };
        let series = |value: f64, metadata: Value| {
            let data: Vec<Value> = stamps
                .iter()
                .map(|t| {
                    let mut point = json!({"timeStamp": jiff::Timestamp::from_second(*t).map(|t| t.to_string()).unwrap_or_default()});
                    for a in &aggregations {
                        point[a.as_str()] = if a == "count" { json!(1.0) } else { json!(value) };
                    }
                    point
                })
                .collect();
            json!({"metadatavalues": metadata, "data": data})
        };
        let timeseries: Vec<Value> = if *metric == "Capacity" && split_by_location {
            locations
                .iter()
                .map(|l| series(values.get(metric, l), json!([{"name": {"value": "location", "localizedValue": "location"}, "value": l.display_name()}])))
                .collect()
        } else {
            let avg = locations.iter().map(|l| values.get(metric, l)).sum::<f64>()
                / locations.len() as f64;
            vec![series(avg, json!([]))]
        };
        out.push(json!({
            "id": format!("{id}/providers/Microsoft.Insights/metrics/{metric}"),
            "type": "Microsoft.Insights/metrics",
            "name": {"value": metric, "localizedValue": metric},
            "displayDescription": description,
            "unit": "Percent",
            "timeseries": timeseries,
            "errorCode": "Success",
        }));
    }
    Ok(json!({
        "cost": stamps.len() * out.len(),
        "timespan": format!("{start}/{end}"),
        "interval": interval_text,
        "value": out,
        "namespace": "Microsoft.ApiManagement/service",
        "resourceregion": primary.as_str(),
    }))
}
