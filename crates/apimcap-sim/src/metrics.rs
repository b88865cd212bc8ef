//! Azure Monitor metrics of a service: `Capacity` (with a `Location` dimension) for classic
//! tiers, `CpuPercent_Gateway` and `MemoryPercent_Gateway` for v2. A region with load gets
//! its values computed from the load and its current units, minute by minute; the others
//! keep the values set by the seed or the admin endpoint, as a flat series. Minutes before
//! the service existed or not yet begun carry no aggregation.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::error::SimError;
use crate::load::{Clock, ServiceLoad, capacity_percent, memory_percent};
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

/// The primary location, then the additional ones.
pub fn locations(body: &Value) -> Vec<Location> {
    let mut all = vec![Location::new(body["location"].as_str().unwrap_or_default())];
    all.extend(
        regions(body)
            .iter()
            .filter_map(|r| r["location"].as_str().map(Location::new)),
    );
    all
}

/// Units per location of a resource.
pub fn units(body: &Value) -> BTreeMap<Location, u64> {
    let mut units = BTreeMap::new();
    let primary = Location::new(body["location"].as_str().unwrap_or_default());
    units.insert(primary, body["sku"]["capacity"].as_u64().unwrap_or(0));
    for region in regions(body) {
        if let Some(location) = region["location"].as_str() {
            let n = region["sku"]["capacity"].as_u64().unwrap_or(0);
            units.insert(Location::new(location), n);
        }
    }
    units
}

/// What the metrics of one service are made of.
pub struct Source<'a> {
    pub values: &'a MetricValues,
    pub load: &'a ServiceLoad,
    /// The units per region now (of the last completed state).
    pub units: BTreeMap<Location, u64>,
    pub created: Option<jiff::Timestamp>,
    pub clock: &'a Clock,
}

impl Source<'_> {
    fn rps(&self, location: &Location, second: i64) -> Option<f64> {
        let at = jiff::Timestamp::from_second(second).ok()?;
        let minute = self.clock.minute_of_day(at);
        self.load.regions.get(location).map(|l| l.rps_at(minute))
    }

    fn capacity(&self, location: &Location, second: i64) -> f64 {
        match self.rps(location, second) {
            Some(rps) => {
                let units = self.units.get(location).copied().unwrap_or(0);
                capacity_percent(rps, units, self.load.rps_per_unit)
            }
            None => self.values.get("Capacity", location),
        }
    }

    /// A v2 gateway metric for the whole service at `second`.
    fn gateway(&self, metric: &str, locations: &[Location], second: i64) -> f64 {
        if self.load.regions.is_empty() {
            let sum: f64 = locations.iter().map(|l| self.values.get(metric, l)).sum();
            return sum / locations.len().max(1) as f64;
        }
        let rps: f64 = locations.iter().filter_map(|l| self.rps(l, second)).sum();
        let units: u64 = self.units.values().sum();
        let cpu = capacity_percent(rps, units, self.load.rps_per_unit);
        if metric == "MemoryPercent_Gateway" {
            memory_percent(cpu)
        } else {
            cpu
        }
    }

    /// Whether the minute starting at `second` has data at `now`.
    fn has_data(&self, second: i64, interval: i64, now: jiff::Timestamp) -> bool {
        second <= now.as_second()
            && self
                .created
                .is_none_or(|c| second.saturating_add(interval) > c.as_second())
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
    source: &Source<'_>,
    query: &HashMap<String, String>,
    now: jiff::Timestamp,
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
    let locations = locations(body);
    let primary = locations[0].clone();

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
        let series = |value: &dyn Fn(i64) -> f64, metadata: Value| {
            let data: Vec<Value> = stamps
                .iter()
                .map(|t| {
                    let stamp = jiff::Timestamp::from_second(*t).map(|t| t.to_string());
                    let mut point = json!({"timeStamp": stamp.unwrap_or_default()});
                    if source.has_data(*t, interval, now) {
                        let v = value(*t);
                        for a in &aggregations {
                            point[a.as_str()] = if a == "count" { json!(1.0) } else { json!(v) };
                        }
                    }
                    point
                })
                .collect();
            json!({"metadatavalues": metadata, "data": data})
        };
        let timeseries: Vec<Value> = if *metric != "Capacity" {
            vec![series(
                &|t| source.gateway(metric, &locations, t),
                json!([]),
            )]
        } else if split_by_location {
            locations
                .iter()
                .map(|l| {
                    let dimension = json!([{"name": {"value": "location", "localizedValue": "location"}, "value": l.display_name()}]);
                    series(&|t| source.capacity(l, t), dimension)
                })
                .collect()
        } else {
            let average = |t| {
                let sum: f64 = locations.iter().map(|l| source.capacity(l, t)).sum();
                sum / locations.len() as f64
            };
            vec![series(&average, json!([]))]
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
