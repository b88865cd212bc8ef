//! The autoscale side of the decision table's world: a spec whose regions autoscale, the
//! metric Azure Monitor reports per region, the Azure autoscale settings of the resource
//! group, and whether the driver remembers them (a remembered read costs no call).

use jiff::SignedDuration;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::json;

use super::world::{World, at};
use super::{Facts, Need};
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleMetric, AutoscaleReason, AzureAutoscaleMode, LastAutoscaleDecision,
    RegionAutoscale, RegionAutoscaleStatus,
};
use crate::autoscale::{AutoscaleSetting, MetricReadings};

/// The service id of the default world.
pub const SERVICE_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc";

/// Azure Monitor's answer: `Capacity` per region, every minute of the last 30.
fn readings(capacity: &[(&str, f64)], now: jiff::Timestamp) -> MetricReadings {
    let series: Vec<_> = capacity
        .iter()
        .map(|(location, average)| {
            let data: Vec<_> = (1..=30)
                .map(|k| {
                    let t = now - SignedDuration::from_mins(k);
                    json!({"timeStamp": t.to_string(), "average": average})
                })
                .collect();
            json!({"metadatavalues": [{"name": {"value": "location"}, "value": location}], "data": data})
        })
        .collect();
    let body = json!({"value": [{"name": {"value": "Capacity"}, "timeseries": series}]});
    MetricReadings::parse(body.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

/// An Azure autoscale setting named `name` that targets the service.
pub fn azure_setting(name: &str, enabled: bool) -> AutoscaleSetting {
    AutoscaleSetting {
        id: format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Insights/autoscaleSettings/{name}"
        ),
        name: name.into(),
        enabled,
        target_resource_uri: Some(SERVICE_ID.into()),
    }
}

/// The default world with both regions autoscaled: westeurope 2..4 (live 2), eastus 1..4
/// (live 1), Capacity 50 % in each.
pub fn autoscaled() -> World {
    super::world::world().spec(|s| {
        s.regions[0].units = None;
        s.regions[0].autoscale = Some(RegionAutoscale::with_bounds(2, 4));
        s.regions[1].units = None;
        s.regions[1].autoscale = Some(RegionAutoscale::with_bounds(1, 4));
    })
}

impl World {
    /// Azure Monitor reports this Capacity for the region (display name).
    pub fn capacity(mut self, location: &'static str, percent: f64) -> Self {
        for entry in &mut self.autoscale.capacity {
            if entry.0 == location {
                entry.1 = percent;
            }
        }
        self
    }

    pub fn metrics_fail(mut self, why: &str) -> Self {
        self.autoscale.metrics_error = Some(why.into());
        self
    }

    /// Both autoscale reads are remembered from an earlier reconcile.
    pub fn autoscale_remembered(mut self) -> Self {
        self.autoscale.settings_remembered = true;
        self.autoscale.metrics_remembered = true;
        self
    }

    pub fn azure_settings(mut self, answer: Result<Vec<AutoscaleSetting>, String>) -> Self {
        self.autoscale.settings = answer;
        self
    }

    pub fn azure_autoscale(self, mode: AzureAutoscaleMode) -> Self {
        self.spec(|s| s.azure_autoscale = mode)
    }

    /// The previous reconcile recorded `location` (normalised) at `own` units, last scaled
    /// `minutes_ago` minutes ago (never when `None`).
    pub fn remembers(mut self, location: &str, own: u32, minutes_ago: Option<i64>) -> Self {
        self.previous.autoscale.push(RegionAutoscaleStatus {
            location: location.into(),
            metric: AutoscaleMetric::Capacity,
            window_average: None,
            minutes_with_data: 0,
            units: Some(own),
            wanted_units: own,
            last_decision: LastAutoscaleDecision {
                at: Time(at(-60)),
                action: AutoscaleAction::Hold,
                reason: AutoscaleReason::WithinBand,
                message: String::new(),
            },
            next_scale_allowed_at: None,
            own_units: Some(own),
            last_scale_at: minutes_ago.map(|m| Time(at(-m))),
        });
        self
    }

    /// Gathers an autoscale read like `gather_autoscale.rs` does.
    pub(super) fn gather_autoscale(
        &self,
        need: Need,
        facts: &mut Facts,
        calls: &mut Vec<&'static str>,
    ) {
        let answers = &self.autoscale;
        match need {
            Need::AutoscaleSettings(_) => {
                if !answers.settings_remembered {
                    calls.push("settings");
                }
                facts.autoscale_settings = Some(answers.settings.clone());
            }
            Need::Metrics(_) => {
                if !answers.metrics_remembered {
                    calls.push("metrics");
                }
                facts.metrics = Some(match &answers.metrics_error {
                    Some(why) => Err(why.clone()),
                    None => Ok(readings(&answers.capacity, self.now)),
                });
            }
            other => panic!("not an autoscale read: {other:?}"),
        }
    }
}
