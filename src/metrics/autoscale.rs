//! Autoscale metrics: the window average of each autoscaled region's metric (a gauge per
//! object, region and metric, removed when the region stops autoscaling or the object is
//! gone) and the decisions reached, counted by region and action (a decision is counted
//! once, when it is first reached, not at every reconcile that keeps it).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use kube::runtime::reflector::ObjectRef;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::api::ApimCapacity;
use crate::api::autoscale::{AutoscaleAction, RegionAutoscaleStatus};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RegionLabels {
    resource_namespace: String,
    resource_name: String,
    location: String,
    metric: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    location: String,
    action: String,
}

/// The autoscale series and which region series each object has.
pub(super) struct AutoscaleSeries {
    value: Family<RegionLabels, Gauge<f64, AtomicU64>>,
    decisions: Family<DecisionLabels, Counter>,
    shown: HashMap<ObjectRef<ApimCapacity>, Vec<RegionLabels>>,
}

fn action(action: AutoscaleAction) -> &'static str {
    match action {
        AutoscaleAction::ScaleOut => "ScaleOut",
        AutoscaleAction::ScaleIn => "ScaleIn",
        AutoscaleAction::Hold => "Hold",
    }
}

impl AutoscaleSeries {
    pub(super) fn register(registry: &mut Registry) -> AutoscaleSeries {
        let series = AutoscaleSeries {
            value: Family::default(),
            decisions: Family::default(),
            shown: HashMap::new(),
        };
        registry.register(
            "autoscale_metric_value_percent",
            "The window average of the metric an autoscaled region scales on, per ApimCapacity, region and metric",
            series.value.clone(),
        );
        registry.register(
            "autoscale_decisions",
            "Autoscale decisions reached, by region and action (ScaleOut, ScaleIn, Hold)",
            series.decisions.clone(),
        );
        series
    }

    /// Shows `next` (the new `status.autoscale`) for `object`; decisions not in
    /// `previous` (or reached at another time) are counted.
    pub(super) fn show(
        &mut self,
        object: &ObjectRef<ApimCapacity>,
        previous: &[RegionAutoscaleStatus],
        next: &[RegionAutoscaleStatus],
    ) {
        for entry in next {
            let before = previous.iter().find(|p| p.location == entry.location);
            if before.is_none_or(|p| p.last_decision.at != entry.last_decision.at) {
                let labels = DecisionLabels {
                    location: entry.location.clone(),
                    action: action(entry.last_decision.action).to_string(),
                };
                self.decisions.get_or_create(&labels).inc();
            }
        }
        let namespace = object.namespace.clone().unwrap_or_default();
        let labels = |entry: &RegionAutoscaleStatus| RegionLabels {
            resource_namespace: namespace.clone(),
            resource_name: object.name.clone(),
            location: entry.location.clone(),
            metric: entry.metric.azure_name().to_string(),
        };
        let shown: Vec<(RegionLabels, f64)> = next
            .iter()
            .filter_map(|e| e.window_average.map(|v| (labels(e), v)))
            .collect();
        for old in self.shown.remove(object).unwrap_or_default() {
            if !shown.iter().any(|(l, _)| *l == old) {
                self.value.remove(&old);
            }
        }
        for (labels, value) in &shown {
            self.value.get_or_create(labels).set(*value);
        }
        if !shown.is_empty() {
            let labels = shown.into_iter().map(|(l, _)| l).collect();
            self.shown.insert(object.clone(), labels);
        }
    }

    /// Removes the series of every object `exists` says is gone.
    pub(super) fn forget_missing(&mut self, exists: impl Fn(&ObjectRef<ApimCapacity>) -> bool) {
        let gone: Vec<_> = self.shown.keys().filter(|o| !exists(o)).cloned().collect();
        for object in gone {
            for labels in self.shown.remove(&object).unwrap_or_default() {
                self.value.remove(&labels);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    use super::*;
    use crate::api::autoscale::{AutoscaleMetric, AutoscaleReason, LastAutoscaleDecision};
    use crate::metrics::Metrics;

    fn entry(at: i64, action: AutoscaleAction, average: Option<f64>) -> RegionAutoscaleStatus {
        RegionAutoscaleStatus {
            location: "eastus".into(),
            metric: AutoscaleMetric::Capacity,
            window_average: average,
            minutes_with_data: 30,
            units: Some(1),
            wanted_units: 2,
            last_decision: LastAutoscaleDecision {
                at: Time(jiff::Timestamp::from_second(at).unwrap_or_default()),
                action,
                reason: AutoscaleReason::AboveThreshold,
                message: String::new(),
            },
            next_scale_allowed_at: None,
            own_units: Some(1),
            last_scale_at: None,
        }
    }

    #[test]
    fn the_metric_is_shown_per_region_and_a_decision_counted_once() {
        let metrics = Metrics::default();
        let object = ObjectRef::<ApimCapacity>::new("payments").within("platform");
        let out = [entry(100, AutoscaleAction::ScaleOut, Some(91.5))];
        metrics.show_autoscale(&object, &[], &out);
        metrics.show_autoscale(&object, &out, &out);
        let text = metrics.encode();
        assert!(
            text.contains("apimcap_autoscale_metric_value_percent{resource_namespace=\"platform\",resource_name=\"payments\",location=\"eastus\",metric=\"Capacity\"} 91.5"),
            "{text}"
        );
        assert!(
            text.contains(
                "apimcap_autoscale_decisions_total{location=\"eastus\",action=\"ScaleOut\"} 1"
            ),
            "{text}"
        );
        let hold = [entry(200, AutoscaleAction::Hold, None)];
        metrics.show_autoscale(&object, &out, &hold);
        let text = metrics.encode();
        assert!(
            !text.contains("apimcap_autoscale_metric_value_percent{"),
            "{text}"
        );
        assert!(
            text.contains(
                "apimcap_autoscale_decisions_total{location=\"eastus\",action=\"Hold\"} 1"
            ),
            "{text}"
        );
        metrics.show_autoscale(&object, &[], &out);
        metrics.forget_missing(|_| false);
        assert!(
            !metrics
                .encode()
                .contains("apimcap_autoscale_metric_value_percent{")
        );
    }
}
