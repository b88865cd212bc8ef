//! Kubernetes Events on status transitions: operation started, succeeded or failed, blocked,
//! drift detected, back in sync.

use k8s_openapi::api::events::v1::Event as K8sEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::PostParams;
use kube::{Api, Resource};

use super::context::Context;
use crate::api::{ApimCapacity, ApimCapacityStatus, ConditionType, OperationResult, Reason};

/// The `reportingController` of every Event.
pub const REPORTING_CONTROLLER: &str = "capacity.apim.dev/apim-capacity-operator";

/// An Event to publish: warning or normal, reason, note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub warning: bool,
    pub reason: &'static str,
    pub note: String,
}

/// The Events implied by going from `previous` to `next`.
pub fn transitions(previous: &ApimCapacityStatus, next: &ApimCapacityStatus) -> Vec<Note> {
    let mut notes = Vec::new();
    if let Some(last) = &next.last_operation
        && previous.last_operation.as_ref() != Some(last)
    {
        notes.push(match last.result {
            OperationResult::Succeeded => Note {
                warning: false,
                reason: "OperationSucceeded",
                note: format!("{} succeeded", last.description),
            },
            OperationResult::Failed => Note {
                warning: true,
                reason: "OperationFailed",
                note: format!(
                    "{} failed: {}",
                    last.description,
                    last.error.as_deref().unwrap_or("no error given")
                ),
            },
        });
    }
    if let Some(op) = &next.operation
        && previous.operation.as_ref().map(|p| &p.poll_url) != Some(&op.poll_url)
    {
        notes.push(Note {
            warning: false,
            reason: "OperationStarted",
            note: format!("Step {} of {}: {}", op.step, op.total_steps, op.description),
        });
    }
    let stalled = |s: &ApimCapacityStatus| {
        s.conditions
            .iter()
            .find(|c| c.type_ == ConditionType::Stalled)
            .map(|c| (c.reason, c.message.clone()))
    };
    if let Some((reason, message)) = stalled(next)
        && stalled(previous).map(|(r, _)| r) != Some(reason)
        && reason != Reason::OperationFailed
    {
        notes.push(Note {
            warning: true,
            reason: reason.as_str(),
            note: message,
        });
    }
    let ready_reason =
        |s: &ApimCapacityStatus| crate::status::ready(s).map(|c| (c.status, c.reason));
    match (ready_reason(previous), ready_reason(next)) {
        (before, Some((_, Reason::DriftDetected)))
            if before.map(|b| b.1) != Some(Reason::DriftDetected) =>
        {
            if let Some(ready) = crate::status::ready(next) {
                notes.push(Note {
                    warning: true,
                    reason: "DriftDetected",
                    note: ready.message.clone(),
                });
            }
        }
        (before, Some((crate::api::ConditionStatus::True, Reason::Succeeded)))
            if before.map(|b| b.1) != Some(Reason::Succeeded) =>
        {
            notes.push(Note {
                warning: false,
                reason: "Ready",
                note: "The service matches the spec".into(),
            });
        }
        _ => {}
    }
    notes
}

/// Publishes `notes` about `obj` as events.k8s.io/v1 Events, one per note (kube-runtime's
/// recorder folds Events of the same reason into one series and keeps only the first note,
/// which would hide every step after the first). Failures are logged, never fatal.
pub async fn publish(ctx: &Context, obj: &ApimCapacity, notes: &[Note]) {
    if notes.is_empty() {
        return;
    }
    let reference = obj.object_ref(&());
    let namespace = reference.namespace.clone().unwrap_or_default();
    let api: Api<K8sEvent> = Api::namespaced(ctx.client.clone(), &namespace);
    for n in notes {
        let now = jiff::Timestamp::now();
        let event = K8sEvent {
            metadata: ObjectMeta {
                name: Some(format!(
                    "{}.{:x}",
                    reference.name.as_deref().unwrap_or("apimcapacity"),
                    now.as_nanosecond()
                )),
                namespace: Some(namespace.clone()),
                ..ObjectMeta::default()
            },
            event_time: Some(MicroTime(now)),
            type_: Some(if n.warning { "Warning" } else { "Normal" }.into()),
            reason: Some(n.reason.to_string()),
            note: Some(truncate(&n.note, 1024)),
            action: Some("Reconcile".into()),
            regarding: Some(reference.clone()),
            reporting_controller: Some(REPORTING_CONTROLLER.into()),
            reporting_instance: Some(ctx.instance.clone()),
            ..K8sEvent::default()
        };
        if let Err(e) = api.create(&PostParams::default(), &event).await {
            tracing::warn!(error = %e, reason = n.reason, "could not publish an Event");
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
