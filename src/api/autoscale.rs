//! Per-region metric autoscale: a region's `autoscale` block, `spec.azureAutoscale`, and
//! the `status.autoscale` entries that tell why a region has the units it has.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How the operator lives with an Azure Monitor autoscale setting
/// (`Microsoft.Insights/autoscaleSettings`) on the same service.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum AzureAutoscaleMode {
    /// An enabled Azure autoscale setting that targets the service is a conflict: the two
    /// would undo each other's changes, so the operator autoscales no region and reports
    /// `AutoscaleConflict` naming the setting until the setting is removed or disabled.
    #[default]
    Conflict,
    /// Azure's autoscale setting keeps the primary region (Azure only ever scales the
    /// primary); the operator never changes the primary's units and autoscales only the
    /// additional regions.
    PrimaryOnly,
}

/// The Azure Monitor metric a region scales on; all are percentages averaged per minute.
#[derive(
    Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, Ord, PartialOrd, JsonSchema,
)]
pub enum AutoscaleMetric {
    /// `Capacity`: the load of the gateway in the region, per region on the classic tiers.
    /// Azure recalculated it in May 2025 (values read higher than before).
    #[default]
    Capacity,
    /// `CpuPercent_Gateway`: gateway CPU, for the v2 tiers (one value for the service).
    #[serde(rename = "CpuPercent_Gateway")]
    CpuPercentGateway,
    /// `MemoryPercent_Gateway`: gateway memory, for the v2 tiers (one value for the service).
    #[serde(rename = "MemoryPercent_Gateway")]
    MemoryPercentGateway,
}

impl AutoscaleMetric {
    /// Every metric, in declaration order.
    pub const ALL: [AutoscaleMetric; 3] = [
        AutoscaleMetric::Capacity,
        AutoscaleMetric::CpuPercentGateway,
        AutoscaleMetric::MemoryPercentGateway,
    ];

    /// The metric's name in Azure Monitor.
    pub fn azure_name(self) -> &'static str {
        match self {
            AutoscaleMetric::Capacity => "Capacity",
            AutoscaleMetric::CpuPercentGateway => "CpuPercent_Gateway",
            AutoscaleMetric::MemoryPercentGateway => "MemoryPercent_Gateway",
        }
    }

    /// The metric whose Azure Monitor name is `name`, ignoring case.
    pub fn from_azure_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.azure_name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for AutoscaleMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.azure_name())
    }
}

/// Autoscale of one region on an Azure Monitor metric. Defaults follow Microsoft's
/// guidance for API Management: add a unit when the average stays above 70 % for 30
/// minutes (then wait 60 minutes), remove one below 35 % (then wait 90 minutes).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.minUnits <= self.maxUnits",
        "message": "minUnits must not be greater than maxUnits",
        "fieldPath": ".minUnits"
    },
    {
        "rule": "self.scaleInBelow < self.scaleOutAbove",
        "message": "scaleInBelow must be lower than scaleOutAbove, or the region would scale in and out in turn",
        "fieldPath": ".scaleInBelow"
    }
]))]
pub struct RegionAutoscale {
    /// The fewest units the region may have, from 1 to 100. Units below it (for example
    /// after this value was raised) are brought up to it without waiting for a cooldown.
    #[schemars(range(min = 1, max = 100))]
    pub min_units: u32,

    /// The most units the region may have, from 1 to 100 and at least `minUnits`. The
    /// tier's own limit applies too (Premium 31 per region, PremiumV2 30, BasicV2 and
    /// StandardV2 10, Standard 4, Basic 2). Units above it are brought down to it.
    #[schemars(range(min = 1, max = 100))]
    pub max_units: u32,

    /// The Azure Monitor metric to scale on: `Capacity` (default; per region on the classic
    /// tiers), or `CpuPercent_Gateway` / `MemoryPercent_Gateway` (the v2 tiers, which report
    /// one value for the whole service).
    #[serde(default)]
    pub metric: AutoscaleMetric,

    /// Add `step` units when the metric's average over `window` is above this percentage
    /// (1 to 100, default 70). Azure recalculated `Capacity` in May 2025: re-check
    /// thresholds tuned before then.
    #[serde(default = "default_scale_out_above")]
    #[schemars(range(min = 1, max = 100))]
    pub scale_out_above: u32,

    /// Remove `step` units when the metric's average over `window` is below this percentage
    /// (0 to 99, default 35; 0 never scales in), unless the load spread over the fewer units
    /// would exceed `scaleOutAbove` at once.
    #[serde(default = "default_scale_in_below")]
    #[schemars(range(min = 0, max = 99))]
    pub scale_in_below: u32,

    /// How far back the metric is averaged, as `30m` or `1h30m`: from 5 minutes to 6 hours,
    /// default 30m. Minutes without data do not count; with data for less than half of the
    /// window, the region holds.
    #[serde(default = "default_window")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "duration(self) >= duration('5m') && duration(self) <= duration('6h')",
        "message": "window must be between 5m and 6h"
    }]))]
    pub window: AutoscaleDuration,

    /// How long after any scale of this region before it may scale out, as `60m` or `1h`:
    /// up to 24h, default 60m. Counted from the end of the Azure operation.
    #[serde(default = "default_cooldown_out")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "duration(self) <= duration('24h')",
        "message": "cooldownOut must be at most 24h"
    }]))]
    pub cooldown_out: AutoscaleDuration,

    /// How long after any scale of this region before it may scale in, as `90m`: up to 24h,
    /// default 90m. Counted from the end of the Azure operation.
    #[serde(default = "default_cooldown_in")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "duration(self) <= duration('24h')",
        "message": "cooldownIn must be at most 24h"
    }]))]
    pub cooldown_in: AutoscaleDuration,

    /// Units added or removed per scale, from 1 to 100 (default 1). A scale-in of a service
    /// with more than 15 units never removes more than 25 % at once (Azure's rule).
    #[serde(default = "default_step")]
    #[schemars(range(min = 1, max = 100))]
    pub step: u32,
}

fn default_scale_out_above() -> u32 {
    70
}
fn default_scale_in_below() -> u32 {
    35
}
fn default_window() -> AutoscaleDuration {
    AutoscaleDuration::from_minutes(30)
}
fn default_cooldown_out() -> AutoscaleDuration {
    AutoscaleDuration::from_minutes(60)
}
fn default_cooldown_in() -> AutoscaleDuration {
    AutoscaleDuration::from_minutes(90)
}
fn default_step() -> u32 {
    1
}

impl RegionAutoscale {
    /// A rule with Microsoft's defaults between `min_units` and `max_units`.
    pub fn with_bounds(min_units: u32, max_units: u32) -> Self {
        RegionAutoscale {
            min_units,
            max_units,
            metric: AutoscaleMetric::default(),
            scale_out_above: default_scale_out_above(),
            scale_in_below: default_scale_in_below(),
            window: default_window(),
            cooldown_out: default_cooldown_out(),
            cooldown_in: default_cooldown_in(),
            step: default_step(),
        }
    }
}

/// A duration in whole minutes, written like a Kubernetes duration: `30m`, `2h`, `1h30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AutoscaleDuration {
    minutes: u32,
}

impl AutoscaleDuration {
    pub const fn from_minutes(minutes: u32) -> Self {
        AutoscaleDuration { minutes }
    }

    pub const fn minutes(self) -> u32 {
        self.minutes
    }

    /// The same length as a jiff duration.
    pub fn as_duration(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_mins(i64::from(self.minutes))
    }
}

/// The text was not a duration of hours and minutes such as `30m` or `1h30m`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a duration such as 30m, 2h or 1h30m")]
pub struct InvalidDuration(pub String);

impl FromStr for AutoscaleDuration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDuration(text.chars().take(32).collect());
        let number = |digits: &str, max_len: usize| {
            let ok = !digits.is_empty()
                && digits.len() <= max_len
                && digits.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| digits.parse::<u32>().ok()).flatten()
        };
        let (hours, rest) = text
            .split_once('h')
            .map_or((None, text), |(h, r)| (Some(h), r));
        let hours = match hours {
            None => 0,
            Some(digits) => number(digits, 4).ok_or_else(invalid)?,
        };
        let minutes = match rest {
            "" if text.ends_with('h') => 0,
            _ => number(rest.strip_suffix('m').ok_or_else(invalid)?, 5).ok_or_else(invalid)?,
        };
        let total = hours * 60 + minutes;
        Ok(AutoscaleDuration::from_minutes(total))
    }
}

impl fmt::Display for AutoscaleDuration {
    /// `45m`, `2h` or `1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (hours, minutes) = (self.minutes / 60, self.minutes % 60);
        match (hours, minutes) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

impl Serialize for AutoscaleDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AutoscaleDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for AutoscaleDuration {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "AutoscaleDuration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([0-9]{1,4}h)?([0-9]{1,5}m)?$",
            "minLength": 2,
            "maxLength": 11
        })
    }
}

/// What the autoscale of a region decided.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum AutoscaleAction {
    /// Add units.
    ScaleOut,
    /// Remove units.
    ScaleIn,
    /// Keep the units.
    Hold,
}

/// Why the autoscale of a region decided what it did. A closed set, usable as Event reason
/// and metric label.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum AutoscaleReason {
    /// The window average is above `scaleOutAbove`.
    AboveThreshold,
    /// The window average is below `scaleInBelow`.
    BelowThreshold,
    /// The window average is between the thresholds.
    WithinBand,
    /// The units are below `minUnits` and are brought up to it.
    BelowMinUnits,
    /// The units are above `maxUnits` (or the tier's limit) and are brought down to it.
    AboveMaxUnits,
    /// Above `scaleOutAbove`, but already at `maxUnits` or the tier's limit.
    AtMaxUnits,
    /// Below `scaleInBelow`, but already at `minUnits`.
    AtMinUnits,
    /// The cooldown after the last scale of this region has not passed yet.
    CoolingDown,
    /// Below `scaleInBelow`, but the load spread over fewer units would exceed
    /// `scaleOutAbove`, so scaling in would only cause a scale-out.
    ScaleInWouldOverflow,
    /// Azure's rule (more than 15 units: at most 25 % removed per operation) leaves nothing
    /// to remove in this operation.
    ScaleInGuardrail,
    /// Azure Monitor returned no value for this region in the window.
    NoData,
    /// Fewer than half of the window's minutes have data.
    TooLittleData,
    /// The metrics could not be read.
    MetricsUnavailable,
    /// The metric has one value for the whole service, which cannot steer one region of
    /// several; use `Capacity`.
    NoRegionalValue,
    /// An Azure operation runs on the service; deciding after it ends.
    OperationRunning,
    /// An enabled Azure autoscale setting targets the service.
    AutoscaleConflict,
    /// The Azure autoscale settings could not be read, so a conflict cannot be ruled out.
    AutoscaleSettingsUnknown,
    /// `spec.azureAutoscale` is PrimaryOnly: Azure's setting keeps the primary region.
    LeftToAzureAutoscale,
    /// The units were changed elsewhere within the bounds: adopted, not undone.
    ChangedElsewhere,
    /// The bounds in force are invalid (minUnits above maxUnits, or 0).
    InvalidBounds,
    /// `minUnits` is above what the tier allows per region.
    BoundsBeyondTierLimit,
    /// The region's availability zones need a multiple of the zone count, and none lies
    /// within the bounds.
    ZonesLeaveNoValidCount,
    /// The region is not part of the service yet; it starts at `minUnits`.
    RegionNotLive,
}

/// The autoscale state of one region, as reported in `status.autoscale`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionAutoscaleStatus {
    /// The region's normalised name.
    #[schemars(length(max = 64))]
    pub location: String,
    /// The metric the region scales on.
    pub metric: AutoscaleMetric,
    /// The metric's average over the window (percent), when there was data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_average: Option<f64>,
    /// How many minutes of the window had data.
    #[serde(default)]
    pub minutes_with_data: u32,
    /// The region's live units (absent while the region is not part of the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// The units autoscale wants for the region now.
    pub wanted_units: u32,
    /// The latest decision and why; `at` is when this decision was first reached.
    pub last_decision: LastAutoscaleDecision,
    /// When the region may scale next (the cooldown); absent when nothing holds it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_scale_allowed_at: Option<Time>,
    /// The units this operator last set (or adopted) for the region, so that a count
    /// changed elsewhere can be told apart from its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_units: Option<u32>,
    /// When the last scale of the region ended (or a change made elsewhere was first seen);
    /// cooldowns count from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_at: Option<Time>,
}

/// A decision of the autoscale of one region.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastAutoscaleDecision {
    /// When this decision was first reached.
    pub at: Time,
    /// ScaleOut, ScaleIn or Hold.
    pub action: AutoscaleAction,
    /// A PascalCase word for why.
    pub reason: AutoscaleReason,
    /// A sentence for people, with the numbers behind the decision.
    #[schemars(length(max = 1024))]
    pub message: String,
}
