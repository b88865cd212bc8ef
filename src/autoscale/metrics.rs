//! Azure Monitor metrics for autoscale: the one request per service and evaluation, and its
//! answer read leniently (it is untrusted input) into per-minute series per metric and region.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::request::{ArmGet, service_segments};
use crate::api::autoscale::{AutoscaleMetric, RegionAutoscale};
use crate::domain::ServiceRef;
use crate::domain::{Generation, Location, Sku};
use crate::paged::get_ci;

/// The Azure Monitor metrics api-version.
pub const API_VERSION: &str = "2023-10-01";
/// Answers larger than this are refused unread.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The longest window a request covers (the CRD allows up to 6h).
pub const MAX_WINDOW_MINUTES: u32 = 360;
const MAX_METRICS: usize = 8;
const MAX_SERIES_PER_METRIC: usize = 64;
const MAX_POINTS_PER_SERIES: usize = 2_000;
const MAX_LOCATION_CHARS: usize = 64;

/// The metrics request for a service whose autoscaled regions follow `rules`: every metric
/// they use, averaged per minute over the longest of their windows ending at `now`, split by
/// `Location` on the classic tiers (the v2 tiers' metrics have no dimension). `None` when no
/// region autoscales: such a service costs no metrics read.
pub fn metrics_request<'a>(
    service: &ServiceRef,
    sku: Sku,
    rules: impl IntoIterator<Item = &'a RegionAutoscale>,
    now: Timestamp,
) -> Option<ArmGet> {
    let mut metrics = BTreeSet::new();
    let mut window = 0;
    for rule in rules {
        metrics.insert(rule.metric);
        window = window.max(rule.window.minutes());
    }
    if metrics.is_empty() {
        return None;
    }
    let window = window.clamp(1, MAX_WINDOW_MINUTES);
    let start = now
        .checked_sub(jiff::SignedDuration::from_mins(i64::from(window)))
        .unwrap_or(Timestamp::MIN);
    let names: Vec<&str> = metrics.iter().map(|m| m.azure_name()).collect();
    let mut query = vec![
        ("api-version".to_string(), API_VERSION.to_string()),
        ("metricnames".to_string(), names.join(",")),
        ("aggregation".to_string(), "Average".to_string()),
        ("interval".to_string(), "PT1M".to_string()),
        (
            "timespan".to_string(),
            format!("{}/{}", iso_seconds(start), iso_seconds(now)),
        ),
    ];
    if splits_by_location(sku) {
        query.push(("$filter".to_string(), "Location eq '*'".to_string()));
    }
    let mut segments = service_segments(service);
    segments.extend(["providers", "microsoft.insights", "metrics"].map(String::from));
    Some(ArmGet::new(segments, query))
}

/// Whether the request asks for one series per region: on the classic tiers, where
/// `Capacity` has the `Location` dimension.
pub fn splits_by_location(sku: Sku) -> bool {
    sku.generation() == Generation::Classic
}

fn iso_seconds(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The answer could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    #[error("the metrics answer has {0} bytes, more than the {MAX_BODY_BYTES} accepted")]
    TooLarge(usize),
    #[error("the metrics answer is not JSON: {0}")]
    NotJson(String),
    #[error("the metrics answer has no `value` list")]
    NoValueList,
}

/// Per-minute values of one metric in one region (or for the whole service).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The metric.
    pub metric: AutoscaleMetric,
    /// The region, or `None` for a series without a `Location` dimension.
    pub location: Option<Location>,
    /// Minute (seconds since the epoch / 60) to the minute's average, in percent.
    points: BTreeMap<i64, f64>,
}

/// The average of a series over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    /// The mean of the minutes with data; `None` when none has.
    pub average: Option<f64>,
    /// How many minutes of the window had data.
    pub minutes_with_data: u32,
}

impl Series {
    /// The average over the minutes that start in `[from, to)`; minutes without data do
    /// not count.
    pub fn window(&self, from: Timestamp, to: Timestamp) -> WindowStats {
        let first = ceil_minute(from);
        let end = ceil_minute(to);
        if first >= end {
            return WindowStats {
                average: None,
                minutes_with_data: 0,
            };
        }
        let (sum, count) = self
            .points
            .range(first..end)
            .fold((0.0, 0u32), |(sum, count), (_, v)| (sum + v, count + 1));
        WindowStats {
            average: (count > 0).then(|| sum / f64::from(count)),
            minutes_with_data: count,
        }
    }

    /// How many minutes have data.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether no minute has data.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

fn ceil_minute(at: Timestamp) -> i64 {
    let seconds = at.as_second();
    seconds.div_euclid(60) + i64::from(seconds.rem_euclid(60) != 0 || at.subsec_nanosecond() > 0)
}

/// What a metrics answer holds for one region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a> {
    /// The region's own series, or the service's only series when it runs in one region.
    Found(&'a Series),
    /// The metric has one value for the whole service, which runs in several regions.
    NotRegional,
    /// Nothing for this metric and region.
    Missing,
}

/// The series read from one metrics answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricReadings {
    series: Vec<Series>,
    /// Values, series and metrics skipped because they were malformed, out of range or
    /// beyond the size limits.
    pub skipped: u32,
}

impl MetricReadings {
    /// Reads an answer of shape
    /// `{"value":[{"name":{"value":"Capacity"},"timeseries":[{"metadatavalues":[{"name":{"value":"location"},"value":"West Europe"}],"data":[{"timeStamp":"…","average":41.5}]}]}]}`.
    /// Anything unexpected inside `value` is skipped and counted, never trusted: unknown
    /// metrics, series with an unreadable location, points without a readable time or an
    /// average in 0–100 (missing, null, `"NaN"`, `1e308`, negative).
    pub fn parse(body: &[u8]) -> Result<Self, MetricsError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(MetricsError::TooLarge(body.len()));
        }
        let json: Value =
            serde_json::from_slice(body).map_err(|e| MetricsError::NotJson(e.to_string()))?;
        let list = json
            .as_object()
            .and_then(|o| get_ci(o, "value"))
            .and_then(Value::as_array)
            .ok_or(MetricsError::NoValueList)?;
        let mut readings = MetricReadings::default();
        for (index, entry) in list.iter().enumerate() {
            if index >= MAX_METRICS {
                readings.skip(1);
                continue;
            }
            readings.read_metric(entry);
        }
        Ok(readings)
    }

    /// The series of `metric` for `location` in a service running in `regions` regions.
    pub fn lookup(
        &self,
        metric: AutoscaleMetric,
        location: &Location,
        regions: usize,
    ) -> Lookup<'_> {
        let of_metric = || self.series.iter().filter(|s| s.metric == metric);
        if let Some(series) = of_metric().find(|s| s.location.as_ref() == Some(location)) {
            return Lookup::Found(series);
        }
        match of_metric().find(|s| s.location.is_none()) {
            Some(series) if regions <= 1 => Lookup::Found(series),
            Some(_) => Lookup::NotRegional,
            None => Lookup::Missing,
        }
    }

    /// Every series read.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    fn skip(&mut self, count: usize) {
        self.skipped = self
            .skipped
            .saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
    }

    fn read_metric(&mut self, entry: &Value) {
        let Some(entry) = entry.as_object() else {
            return self.skip(1);
        };
        let Some(metric) = get_ci(entry, "name")
            .and_then(name_value)
            .and_then(AutoscaleMetric::from_azure_name)
        else {
            return self.skip(1);
        };
        let Some(list) = get_ci(entry, "timeseries").and_then(Value::as_array) else {
            return;
        };
        for (index, series) in list.iter().enumerate() {
            if index >= MAX_SERIES_PER_METRIC {
                self.skip(1);
                continue;
            }
            self.read_series(metric, series);
        }
    }

    fn read_series(&mut self, metric: AutoscaleMetric, series: &Value) {
        let Some(series) = series.as_object() else {
            return self.skip(1);
        };
        let Ok(location) = series_location(series) else {
            return self.skip(1);
        };
        let mut points = BTreeMap::new();
        let data = get_ci(series, "data").and_then(Value::as_array);
        for (index, point) in data.into_iter().flatten().enumerate() {
            if index >= MAX_POINTS_PER_SERIES {
                self.skip(1);
                continue;
            }
            match read_point(point) {
                Some((minute, value)) => {
                    points.entry(minute).or_insert(value);
                }
                None if is_empty_minute(point) => {}
                None => self.skip(1),
            }
        }
        match self
            .series
            .iter_mut()
            .find(|s| s.metric == metric && s.location == location)
        {
            Some(existing) => {
                for (minute, value) in points {
                    existing.points.entry(minute).or_insert(value);
                }
            }
            None => self.series.push(Series {
                metric,
                location,
                points,
            }),
        }
    }
}

/// `{"value": "Capacity", "localizedValue": ...}` or a plain string.
fn name_value(name: &Value) -> Option<&str> {
    match name {
        Value::String(text) => Some(text),
        Value::Object(object) => get_ci(object, "value").and_then(Value::as_str),
        _ => None,
    }
}

/// The series' `Location` dimension: `Ok(None)` when it has none, `Err` when it has one
/// that cannot be read (such a series must not pass for the whole service).
fn series_location(series: &Map<String, Value>) -> Result<Option<Location>, ()> {
    let Some(list) = get_ci(series, "metadatavalues") else {
        return Ok(None);
    };
    let Some(list) = list.as_array() else {
        return match list {
            Value::Null => Ok(None),
            _ => Err(()),
        };
    };
    let entry = list.iter().filter_map(Value::as_object).find(|entry| {
        get_ci(entry, "name")
            .and_then(name_value)
            .is_some_and(|name| name.eq_ignore_ascii_case("location"))
    });
    let Some(entry) = entry else {
        return Ok(None);
    };
    match get_ci(entry, "value").and_then(Value::as_str) {
        Some(text) if text.chars().count() <= MAX_LOCATION_CHARS => {
            let location = Location::new(text);
            if location.is_empty() {
                Err(())
            } else {
                Ok(Some(location))
            }
        }
        _ => Err(()),
    }
}

/// A point with a readable time and an average in 0–100, as (minute, value).
fn read_point(point: &Value) -> Option<(i64, f64)> {
    let point = point.as_object()?;
    let at: Timestamp = get_ci(point, "timeStamp")?.as_str()?.parse().ok()?;
    let value = match get_ci(point, "average")? {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) if text.len() <= 32 => text.trim().parse().ok()?,
        _ => return None,
    };
    ((0.0..=100.0).contains(&value)).then_some((at.as_second().div_euclid(60), value))
}

/// A minute Azure reports without data: no `average`, or `average: null`.
fn is_empty_minute(point: &Value) -> bool {
    point
        .as_object()
        .is_some_and(|p| get_ci(p, "average").is_none_or(Value::is_null))
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
