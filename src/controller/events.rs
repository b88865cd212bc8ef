//! Kubernetes Events on status transitions: operation started, succeeded or failed, blocked,
//! drift detected, back in sync.

use k8s_openapi::api::events::v1::Event as K8sEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::PostParams;
use kube::{Api, Resource};

use super::context::Context;
use crate::api::{ApimCapacity, ApimCapacityStatus, ConditionStatus, OperationResult, Reason};

/// The `reportingController` of every Event.
pub const REPORTING_CONTROLLER: &str = "capacity.apim.dev/apim-capacity-operator";

/// `Normal` or `Warning`, the two Event types Kubernetes knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Why an Event was published: a closed set, like the condition reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventReason {
    /// An Azure operation of this operator started.
    OperationStarted,
    /// An Azure operation of this operator succeeded.
    OperationSucceeded,
    /// An Azure operation of this operator failed or was canceled.
    OperationFailed,
    /// The service was changed outside this resource.
    DriftDetected,
    /// The service matches the spec again.
    Ready,
    /// The plan needs a person's approval (`spec.changePolicy.requireApproval`); the note
    /// names its hash. Published once per plan hash.
    ApprovalNeeded,
    /// The plan was approved (the `capacity.apim.dev/approve` annotation names its hash);
    /// the note names who set the annotation, when known.
    Approved,
    /// The subnet of a VNet-injected region could not be read (often a missing
    /// `Microsoft.Network/virtualNetworks/subnets/read`): a change goes ahead unchecked.
    SubnetUnreadable,
    /// The resource stalled; the condition's reason says why.
    Stalled(Reason),
    /// A schedule came into force.
    ScheduleStarted,
    /// A schedule is no longer in force.
    ScheduleEnded,
    /// The change-window override annotation let a step start outside the windows.
    ChangeWindowOverridden,
    /// Autoscale decided to scale a region; the note gives the numbers and why.
    Autoscaled,
}

impl EventReason {
    /// The PascalCase word Kubernetes shows as the Event's reason.
    pub fn as_str(self) -> &'static str {
        match self {
            EventReason::OperationStarted => "OperationStarted",
            EventReason::OperationSucceeded => "OperationSucceeded",
            EventReason::OperationFailed => "OperationFailed",
            EventReason::DriftDetected => "DriftDetected",
            EventReason::Ready => "Ready",
            EventReason::ApprovalNeeded => "ApprovalNeeded",
            EventReason::Approved => "Approved",
            EventReason::SubnetUnreadable => "SubnetUnreadable",
            EventReason::Stalled(reason) => reason.as_str(),
            EventReason::ScheduleStarted => "ScheduleStarted",
            EventReason::ScheduleEnded => "ScheduleEnded",
            EventReason::ChangeWindowOverridden => "ChangeWindowOverridden",
            EventReason::Autoscaled => "Autoscaled",
        }
    }
}

impl std::fmt::Display for EventReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Event to publish: its type, reason and note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: EventType,
    pub reason: EventReason,
    pub note: String,
}

impl Note {
    pub fn normal(reason: EventReason, note: impl Into<String>) -> Self {
        Note {
            kind: EventType::Normal,
            reason,
            note: note.into(),
        }
    }

    pub fn warning(reason: EventReason, note: impl Into<String>) -> Self {
        Note {
            kind: EventType::Warning,
            reason,
            note: note.into(),
        }
    }
}

/// The Events implied by going from `previous` to `next`.
pub fn transitions(previous: &ApimCapacityStatus, next: &ApimCapacityStatus) -> Vec<Note> {
    let mut notes = Vec::new();
    if let Some(last) = &next.last_operation
        && previous.last_operation.as_ref() != Some(last)
    {
        notes.push(match last.result {
            OperationResult::Succeeded => Note::normal(
                EventReason::OperationSucceeded,
                format!("{} succeeded", last.description),
            ),
            OperationResult::Failed => Note::warning(
                EventReason::OperationFailed,
                format!(
                    "{} failed: {}",
                    last.description,
                    last.error.as_deref().unwrap_or("no error given")
                ),
            ),
        });
    }
    if let Some(op) = &next.operation
        && previous.operation.as_ref().map(|p| &p.poll_url) != Some(&op.poll_url)
    {
        notes.push(Note::normal(EventReason::OperationStarted, op.headline()));
    }
    if let Some(stalled) = next.condition(crate::api::ConditionType::Stalled)
        && previous.stalled_reason() != Some(stalled.reason)
        // These two have Events of their own (OperationFailed, ApprovalNeeded).
        && !matches!(stalled.reason, Reason::OperationFailed | Reason::AwaitingApproval)
    {
        notes.push(Note::warning(
            EventReason::Stalled(stalled.reason),
            stalled.message.clone(),
        ));
    }
    let ready = |s: &ApimCapacityStatus| s.ready().map(|c| (c.status, c.reason, c.message.clone()));
    let before = ready(previous).map(|(_, reason, _)| reason);
    match ready(next) {
        Some((_, Reason::DriftDetected, message)) if before != Some(Reason::DriftDetected) => {
            notes.push(Note::warning(EventReason::DriftDetected, message));
        }
        Some((ConditionStatus::True, Reason::Succeeded, _))
            if before != Some(Reason::Succeeded) =>
        {
            notes.push(Note::normal(
                EventReason::Ready,
                "The service matches the spec",
            ));
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
            type_: Some(n.kind.as_str().into()),
            reason: Some(n.reason.as_str().into()),
            note: Some(truncate(&n.note, 1024)),
            action: Some("Reconcile".into()),
            regarding: Some(reference.clone()),
            reporting_controller: Some(REPORTING_CONTROLLER.into()),
            reporting_instance: Some(ctx.instance.clone()),
            ..K8sEvent::default()
        };
        if let Err(e) = api.create(&PostParams::default(), &event).await {
            tracing::warn!(error = %e, reason = n.reason.as_str(), "could not publish an Event");
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
