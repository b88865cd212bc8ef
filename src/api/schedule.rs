//! Capacity schedules and change windows as a user writes them, and the schedule part of status.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn utc() -> String {
    "UTC".to_string()
}

/// Units that apply to some regions during recurring periods, for example more units during
/// business hours. While a schedule is active, the regions it lists get its units instead of
/// those in `spec.regions`; when schedules overlap, the one listed last wins. A schedule
/// never changes the tier or the set of regions. A scale-up is started early enough to be
/// finished when the schedule starts (from the durations this operator has seen, else 45
/// minutes); a scale-down starts when the schedule ends, never earlier.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.end) != has(self.duration)",
        "message": "a schedule needs exactly one of end (a cron expression) or duration (such as 11h)"
    },
    {
        "rule": "self.regions.all(r, self.regions.filter(o, o.location.lowerAscii().replace(' ', '') == r.location.lowerAscii().replace(' ', '')).size() == 1)",
        "message": "a schedule may list each region only once; locations are compared ignoring case and spaces",
        "fieldPath": ".regions"
    }
]))]
pub struct Schedule {
    /// A name for this schedule, unique in the list (a DNS label: lowercase letters, digits
    /// and '-'). Status and Events name the schedule in force with it.
    #[schemars(length(min = 1, max = 63))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
        "message": "name must be lowercase letters, digits and '-', starting and ending with a letter or digit"
    }]))]
    pub name: String,

    /// When the schedule starts: a cron expression with 5 fields (minute hour day-of-month
    /// month day-of-week), read in `timeZone`. Ranges (`1-5`), lists (`1,3`), steps (`*/15`)
    /// and names (`MON`, `JAN`) are allowed; when both day-of-month and day-of-week are
    /// restricted, a day matching either one matches. A start that falls in the hour skipped
    /// when clocks go forward takes effect right after the skipped hour; in the hour repeated
    /// when clocks go back, a fixed time takes effect once, the first time.
    #[schemars(length(min = 9, max = 100))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^\\\\s*\\\\S+(\\\\s+\\\\S+){4}\\\\s*$')",
        "message": "start must be a cron expression with 5 fields: minute hour day-of-month month day-of-week, for example '0 8 * * 1-5'"
    }]))]
    pub start: String,

    /// When the schedule ends: a cron expression like `start`. The schedule is active from
    /// a start until the next end. Give either `end` or `duration`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 9, max = 100))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^\\\\s*\\\\S+(\\\\s+\\\\S+){4}\\\\s*$')",
        "message": "end must be a cron expression with 5 fields: minute hour day-of-month month day-of-week, for example '0 19 * * 1-5'"
    }]))]
    pub end: Option<String>,

    /// How long the schedule stays active after each start, as elapsed time: `11h`, `90m`,
    /// `1h30m` (days are not accepted, since a day is not always 24 hours; write `48h`).
    /// Give either `end` or `duration`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 2, max = 32))]
    pub duration: Option<String>,

    /// The IANA time zone `start` and `end` are read in, such as `Europe/Amsterdam` or
    /// `America/New_York`; daylight saving time is followed. Default `UTC`.
    #[serde(default = "utc")]
    #[schemars(length(min = 1, max = 64))]
    pub time_zone: String,

    /// The units of the regions this schedule changes while it is active. Every location
    /// must also be listed in `spec.regions`; regions not listed here keep their units from
    /// `spec.regions`.
    #[schemars(length(min = 1, max = 16))]
    pub regions: Vec<ScheduleRegion>,
}

/// A region's units while a schedule is active: `units` for a region with fixed units, or
/// `minUnits`/`maxUnits` for a region with `autoscale`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.units) != (has(self.minUnits) || has(self.maxUnits))",
        "message": "a schedule region gives either units (a region with fixed units) or minUnits/maxUnits (a region with autoscale)"
    },
    {
        "rule": "!has(self.minUnits) || !has(self.maxUnits) || self.minUnits <= self.maxUnits",
        "message": "minUnits must not be greater than maxUnits",
        "fieldPath": ".minUnits"
    }
]))]
pub struct ScheduleRegion {
    /// The Azure region, as in `spec.regions` (case and spaces do not matter).
    #[schemars(length(min = 1, max = 64))]
    pub location: String,

    /// Scale units in this region while the schedule is active, from 1 to 100; the tier's
    /// limits apply as in `spec.regions`. For a region with fixed units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub units: Option<u32>,

    /// For a region with `autoscale`: its `minUnits` while the schedule is active, from 1 to
    /// 100 (absent: the region's own). For example a higher floor before a known peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub min_units: Option<u32>,

    /// For a region with `autoscale`: its `maxUnits` while the schedule is active, from 1 to
    /// 100 (absent: the region's own); the tier's limits apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub max_units: Option<u32>,
}

/// When the operator may start an Azure operation. An operation cannot be cancelled once
/// started, so windows decide when a step may start, not when it must be finished. Outside
/// every `allow` window, or inside any `deny` window, nothing starts: Ready is False with
/// reason WaitingForChangeWindow and a message naming the next opening. The annotation
/// `capacity.apim.dev/change-window-override: "<metadata.generation>"` lets that one
/// generation through outside the windows.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeWindows {
    /// The IANA time zone the windows' cron expressions are read in, such as
    /// `Europe/Amsterdam`. Default `UTC`.
    #[serde(default = "utc")]
    #[schemars(length(min = 1, max = 64))]
    pub time_zone: String,

    /// Periods in which operations may start. When empty, every moment is allowed except
    /// the `deny` windows.
    #[serde(default)]
    #[schemars(length(max = 16))]
    pub allow: Vec<Window>,

    /// Periods in which no operation may start, even inside an `allow` window (for example
    /// a year-end freeze).
    #[serde(default)]
    #[schemars(length(max = 16))]
    pub deny: Vec<Window>,

    /// Start a step even when its expected duration runs past the end of the window it
    /// starts in (the end of the allow window, or the start of a deny window). Default
    /// false: such a step waits for a window with room for it.
    #[serde(default)]
    pub allow_overrun: bool,
}

/// A recurring period: from each `start` for `duration`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// When the window opens: a cron expression with 5 fields (minute hour day-of-month
    /// month day-of-week) in the windows' `timeZone`, for example `0 6 * * *`.
    #[schemars(length(min = 9, max = 100))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^\\\\s*\\\\S+(\\\\s+\\\\S+){4}\\\\s*$')",
        "message": "start must be a cron expression with 5 fields: minute hour day-of-month month day-of-week, for example '0 6 * * *'"
    }]))]
    pub start: String,

    /// How long the window stays open after each start, as elapsed time: `3h`, `90m`,
    /// `48h`.
    #[schemars(length(min = 2, max = 32))]
    pub duration: String,
}

/// Where the schedules stand.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatus {
    /// The schedule whose units apply now; absent when only `spec.regions` applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<String>,

    /// The next change of units a schedule will make, if any in the coming year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<NextChange>,
}

/// A change of units a schedule will make.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextChange {
    /// When the schedule starts or ends.
    pub at: Time,
    /// The schedule that starts or ends then.
    pub schedule: String,
    /// What changes, for example `westeurope 2 → 6, eastus 1 → 3`.
    pub description: String,
    /// When the operator will start the Azure operation: before `at` for a scale-up, so it
    /// is finished in time; at `at` (or the next change window) for a scale-down.
    pub preparation_starts_at: Time,
    /// True when no change window lets the scale-up start in time: the capacity will be
    /// late.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn schema() -> Value {
        let crd = crate::api::crd::definition();
        let schema = crd.spec.versions[0]
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .expect("a schema");
        serde_json::to_value(schema).expect("serialises")
    }

    fn rules(node: &Value) -> Vec<String> {
        node["x-kubernetes-validations"]
            .as_array()
            .map(|rules| {
                rules
                    .iter()
                    .filter_map(|r| r["message"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_crd_bounds_and_validates_schedules_and_windows() {
        let schema = schema();
        let spec = &schema["properties"]["spec"];
        let schedules = &spec["properties"]["schedules"];
        assert_eq!(schedules["maxItems"], 16);
        assert!(rules(schedules).contains(&"schedule names must be unique".to_string()));
        assert!(
            rules(spec)
                .iter()
                .any(|m| m.starts_with("every region of a schedule must also be listed"))
        );
        let schedule = &schedules["items"];
        assert!(
            rules(schedule)
                .iter()
                .any(|m| m.starts_with("a schedule needs exactly one of end"))
        );
        assert_eq!(schedule["properties"]["start"]["maxLength"], 100);
        assert_eq!(schedule["properties"]["regions"]["maxItems"], 16);
        assert_eq!(schedule["properties"]["timeZone"]["default"], "UTC");
        let required: Vec<&str> = schedule["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(required, ["name", "regions", "start"]);
        let windows = &spec["properties"]["changeWindows"]["properties"];
        assert_eq!(windows["allow"]["maxItems"], 16);
        assert_eq!(
            windows["deny"]["items"]["properties"]["duration"]["maxLength"],
            32
        );
        let status = &schema["properties"]["status"]["properties"]["schedule"]["properties"];
        assert!(status["nextChange"]["properties"]["preparationStartsAt"].is_object());
    }
}
