//! Per-resource gauges for alerts: since when an `ApimCapacity` is Stalled, and when its
//! running Azure operation started and should have ended (its start plus the upper bound of
//! its kind). Labels are the object's namespace and name (`resource_namespace`,
//! `resource_name`: a scrape's own `namespace` label would rename a plain `namespace`) plus
//! one word from a closed set (the Stalled reason, the operation's action); one series per
//! object at most, removed when the state ends or the object is gone, so the series count is
//! bounded by the object count.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use kube::runtime::reflector::ObjectRef;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::api::{ApimCapacity, ApimCapacityStatus, ConditionStatus, ConditionType};
use crate::plan::{DurationEstimates, StepKind};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StalledLabels {
    resource_namespace: String,
    resource_name: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    resource_namespace: String,
    resource_name: String,
    action: String,
}

type Seconds = Gauge<f64, AtomicU64>;

/// What the metrics show about one object, read from its status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceView {
    /// The Stalled reason and the Unix time the condition became true.
    pub stalled: Option<(&'static str, f64)>,
    /// The running operation: its action, its start and its deadline (Unix seconds).
    pub operation: Option<(&'static str, f64, f64)>,
}

impl ResourceView {
    /// What `status` shows; the deadline of an operation is its start plus the upper bound
    /// `durations` gives for its kind.
    pub fn of(status: &ApimCapacityStatus, durations: &DurationEstimates) -> ResourceView {
        let stalled = status
            .conditions
            .iter()
            .find(|c| c.type_ == ConditionType::Stalled && c.status == ConditionStatus::True)
            .map(|c| {
                (
                    c.reason.as_str(),
                    c.last_transition_time.0.as_second() as f64,
                )
            });
        let operation = status.operation.as_ref().map(|op| {
            let kind = StepKind::from(op.action);
            let started = op.started_at.0.as_second() as f64;
            let bound = durations.upper_bound(kind).as_secs_f64();
            (kind.as_str(), started, started + bound)
        });
        ResourceView { stalled, operation }
    }
}

/// The per-resource gauges and which series each object has.
pub(super) struct ResourceGauges {
    stalled_since: Family<StalledLabels, Seconds>,
    operation_started: Family<OperationLabels, Seconds>,
    operation_deadline: Family<OperationLabels, Seconds>,
    shown: HashMap<ObjectRef<ApimCapacity>, (Option<StalledLabels>, Option<OperationLabels>)>,
}

impl ResourceGauges {
    pub(super) fn register(registry: &mut Registry) -> ResourceGauges {
        let gauges = ResourceGauges {
            stalled_since: Family::default(),
            operation_started: Family::default(),
            operation_deadline: Family::default(),
            shown: HashMap::new(),
        };
        registry.register(
            "resource_stalled_since_timestamp_seconds",
            "Unix time the Stalled condition of an ApimCapacity became true, by reason; only while Stalled",
            gauges.stalled_since.clone(),
        );
        registry.register(
            "operation_started_timestamp_seconds",
            "Unix time the running Azure operation of an ApimCapacity started, by action",
            gauges.operation_started.clone(),
        );
        registry.register(
            "operation_deadline_timestamp_seconds",
            "Unix time by which the running operation should have ended: its start plus the upper bound of its kind",
            gauges.operation_deadline.clone(),
        );
        gauges
    }

    /// Shows `view` for `object`, removing the series it had before that no longer apply.
    pub(super) fn show(&mut self, object: &ObjectRef<ApimCapacity>, view: &ResourceView) {
        let namespace = object.namespace.clone().unwrap_or_default();
        let stalled = view.stalled.map(|(reason, _)| StalledLabels {
            resource_namespace: namespace.clone(),
            resource_name: object.name.clone(),
            reason: reason.to_string(),
        });
        let operation = view.operation.map(|(action, _, _)| OperationLabels {
            resource_namespace: namespace,
            resource_name: object.name.clone(),
            action: action.to_string(),
        });
        let (old_stalled, old_operation) = self.shown.remove(object).unwrap_or_default();
        if old_stalled.is_some() && old_stalled != stalled {
            self.remove_stalled(old_stalled);
        }
        if old_operation.is_some() && old_operation != operation {
            self.remove_operation(old_operation);
        }
        if let (Some(labels), Some((_, since))) = (&stalled, view.stalled) {
            self.stalled_since.get_or_create(labels).set(since);
        }
        if let (Some(labels), Some((_, started, deadline))) = (&operation, view.operation) {
            self.operation_started.get_or_create(labels).set(started);
            self.operation_deadline.get_or_create(labels).set(deadline);
        }
        if stalled.is_some() || operation.is_some() {
            self.shown.insert(object.clone(), (stalled, operation));
        }
    }

    /// Removes the series of every object `exists` says is gone.
    pub(super) fn forget_missing(&mut self, exists: impl Fn(&ObjectRef<ApimCapacity>) -> bool) {
        let gone: Vec<_> = self.shown.keys().filter(|o| !exists(o)).cloned().collect();
        for object in gone {
            if let Some((stalled, operation)) = self.shown.remove(&object) {
                self.remove_stalled(stalled);
                self.remove_operation(operation);
            }
        }
        // After a fleet-wide change the table would keep a slot per object for good.
        if self.shown.capacity() > 4 * self.shown.len() + 64 {
            self.shown.shrink_to_fit();
        }
    }

    fn remove_stalled(&self, labels: Option<StalledLabels>) {
        if let Some(labels) = labels {
            self.stalled_since.remove(&labels);
        }
    }

    fn remove_operation(&self, labels: Option<OperationLabels>) {
        if let Some(labels) = labels {
            self.operation_started.remove(&labels);
            self.operation_deadline.remove(&labels);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    fn status(json: serde_json::Value) -> ApimCapacityStatus {
        serde_json::from_value(json).expect("a status")
    }

    fn stalled_and_scaling() -> ApimCapacityStatus {
        status(serde_json::json!({
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "Blocked", "message": "m",
                 "lastTransitionTime": "2026-12-01T10:00:00Z"},
                {"type": "Stalled", "status": "True", "reason": "Blocked", "message": "m",
                 "lastTransitionTime": "2026-12-01T10:00:00Z"}
            ],
            "operation": {
                "step": 1, "totalSteps": 1, "description": "Scale", "action": "Scale",
                "startedAt": "2026-12-01T10:00:00Z",
                "expectedCompletion": "2026-12-01T10:30:00Z",
                "pollUrl": "https://example/op", "pollStyle": "Location",
                "targetSku": "Premium", "targetUnits": "westeurope=3"
            }
        }))
    }

    #[test]
    fn the_view_reads_the_stalled_condition_and_the_operation_deadline() {
        let view = ResourceView::of(&stalled_and_scaling(), &DurationEstimates::default());
        let t0 = 1_796_119_200.0; // 2026-12-01T10:00:00Z
        assert_eq!(view.stalled, Some(("Blocked", t0)));
        // Nothing observed yet: the documented upper bound of 45 minutes.
        assert_eq!(view.operation, Some(("Scale", t0, t0 + 45.0 * 60.0)));
        let idle = ResourceView::of(
            &ApimCapacityStatus::default(),
            &DurationEstimates::default(),
        );
        assert_eq!(idle, ResourceView::default());
    }

    #[test]
    fn series_follow_the_state_and_disappear_with_the_object() {
        let metrics = Metrics::default();
        let payments = ObjectRef::<ApimCapacity>::new("payments").within("platform");
        let view = ResourceView::of(&stalled_and_scaling(), &DurationEstimates::default());
        metrics.show_resource(&payments, &view);
        let text = metrics.encode();
        assert!(
            text.contains("apimcap_resource_stalled_since_timestamp_seconds{resource_namespace=\"platform\",resource_name=\"payments\",reason=\"Blocked\"} 1796119200"),
            "{text}"
        );
        assert!(
            text.contains("apimcap_operation_deadline_timestamp_seconds{resource_namespace=\"platform\",resource_name=\"payments\",action=\"Scale\"} 1796121900"),
            "{text}"
        );
        // Another reason replaces the series instead of adding one.
        let other = ResourceView {
            stalled: Some(("AccessDenied", 1.0)),
            operation: None,
        };
        metrics.show_resource(&payments, &other);
        let text = metrics.encode();
        assert!(!text.contains("reason=\"Blocked\""), "{text}");
        assert!(text.contains("reason=\"AccessDenied\""), "{text}");
        assert!(!text.contains("action=\"Scale\""), "{text}");
        // Deleted objects lose their series; the others keep theirs.
        let orders = ObjectRef::<ApimCapacity>::new("orders").within("platform");
        metrics.show_resource(&orders, &view);
        metrics.forget_missing(|o| o.name == "orders");
        let text = metrics.encode();
        assert!(!text.contains("resource_name=\"payments\""), "{text}");
        assert!(text.contains("resource_name=\"orders\""), "{text}");
        metrics.show_resource(&orders, &ResourceView::default());
        let text = metrics.encode();
        assert!(!text.contains("resource_name=\"orders\""), "{text}");
    }
}
