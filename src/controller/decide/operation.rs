//! The operation recorded in status: poll it first (one Azure read per Retry-After while it
//! runs), learn from how it ended, give up polling a URL that stays stuck or keeps failing,
//! and hold a resource whose last operation failed.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::trust::{is_the_service, poll_url_belongs};
use super::{Decision, Facts, Findings, Input, Need};
use crate::api::{
    ConditionType, LastOperation, OperationResult, OperationStatus, PendingChange, PollStyle,
    Reason,
};
use crate::azure::{AzureError, ErrorKind, OperationHandle, PollOutcome, ServiceResource};
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::Requeue;
use crate::domain::ServiceRef;
use crate::plan::StepKind;
use crate::status::Outcome;
use crate::time::add;

/// Polls that fail in a row before the operator reads the service instead.
pub const MAX_FAILED_POLLS: u32 = 5;

/// What the recorded operation left for the next gates.
#[derive(Default)]
pub(super) struct Recorded<'f> {
    /// The service, when the poll's answer carried it (no GET needed then).
    pub resource: Option<&'f ServiceResource>,
    /// The operation that ended in this reconcile (Azure said so, or the service says so).
    pub ended: Option<&'f OperationStatus>,
    /// The operation can no longer be followed by its URL: the live service decides.
    pub lost: Option<&'f OperationStatus>,
    /// An operation followed by reading the service (no URL): running while it is busy.
    pub followed: Option<&'f OperationStatus>,
    /// A change recorded before its PATCH, with no operation after it: the process stopped
    /// in between. A busy service is running it; an idle one may already have it.
    pub pending: Option<&'f PendingChange>,
}

impl Recorded<'_> {
    /// The step that just finished and the plan's total when it started.
    pub fn finished_step(&self) -> Option<(u32, u32)> {
        self.ended
            .or(self.followed)
            .map(|op| (op.step, op.total_steps))
    }
}

/// Polls the recorded operation; without one, holds a resource whose last operation failed.
pub(super) fn recorded<'f>(
    input: &'f Input,
    facts: &'f Facts,
    found: &mut Findings,
) -> Result<Recorded<'f>, Decision> {
    let Some(operation) = &input.previous.operation else {
        if let Some(pending) = &input.previous.pending {
            return Ok(Recorded {
                pending: Some(pending),
                ..Recorded::default()
            });
        }
        held_after_failure(input, found)?;
        return Ok(Recorded::default());
    };
    if operation.poll_style == PollStyle::Service {
        return Ok(Recorded {
            followed: Some(operation),
            ..Recorded::default()
        });
    }
    let service = input.resource.spec.service.service_ref();
    if !poll_url_belongs(&operation.poll_url, &service) {
        found.events.push(Note::warning(
            EventReason::Stalled(Reason::AzureError),
            format!(
                "the operation URL recorded in status is not under the service {}; it is not read, the service is",
                service.resource_id()
            ),
        ));
        found.observed.forget_operation = true;
        return Ok(lost(operation));
    }
    let Some(poll) = &facts.poll else {
        return Err(Decision::Gather(Need::Poll(handle(operation, input))));
    };
    polled(operation, poll, &service, input, found)
}

/// What the answer to the poll of the recorded operation means.
fn polled<'f>(
    operation: &'f OperationStatus,
    poll: &'f Result<PollOutcome, AzureError>,
    service: &ServiceRef,
    input: &Input,
    found: &mut Findings,
) -> Result<Recorded<'f>, Decision> {
    match poll {
        Ok(PollOutcome::Running { retry_after }) if !overdue(operation, input) => {
            let operation = OperationStatus {
                failed_polls: 0,
                ..operation.clone()
            };
            let outcome = Outcome::InProgress {
                reason: operation.action.reason(),
                operation,
            };
            let wait = (*retry_after).max(input.settings.min_retry_after);
            Err(found.conclude(outcome, Requeue::After(wait)))
        }
        // Running far longer than any operation of its kind: ask the service instead.
        Ok(PollOutcome::Running { .. }) => Ok(lost(operation)),
        Ok(PollOutcome::Succeeded(resource)) => {
            succeeded(operation, input, found);
            // A body that is not this service is not taken as the live service.
            let resource = resource.as_ref().filter(|r| is_the_service(r, service));
            Ok(Recorded {
                resource,
                ended: Some(operation),
                ..Recorded::default()
            })
        }
        Ok(PollOutcome::Failed(body)) => Err(failed(
            operation,
            format!("({}) {}", body.code, body.message),
            input,
            found,
        )),
        Ok(PollOutcome::Canceled) => Err(failed(
            operation,
            "the operation was canceled".into(),
            input,
            found,
        )),
        Err(e) if e.kind() == ErrorKind::Terminal => Ok(lost(operation)),
        Err(_) if operation.failed_polls + 1 >= MAX_FAILED_POLLS => Ok(lost(operation)),
        Err(e) => {
            found.observed.operation = Some(OperationStatus {
                failed_polls: operation.failed_polls + 1,
                ..operation.clone()
            });
            let outcome = Outcome::Retrying {
                message: e.to_string(),
            };
            Err(found.conclude(outcome, Requeue::Backoff))
        }
    }
}

fn lost(operation: &OperationStatus) -> Recorded<'_> {
    Recorded {
        lost: Some(operation),
        ..Recorded::default()
    }
}

/// Running past twice the longest duration seen for its kind (45 minutes when none).
fn overdue(operation: &OperationStatus, input: &Input) -> bool {
    let bound = input
        .durations
        .upper_bound(StepKind::from(operation.action))
        .saturating_mul(2);
    add(operation.started_at.0, bound) < input.now
}

fn failed(
    operation: &OperationStatus,
    error: String,
    input: &Input,
    found: &mut Findings,
) -> Decision {
    found.observed.finished = Some(finished(
        operation,
        OperationResult::Failed,
        Some(error.clone()),
        input,
    ));
    let message = format!(
        "Azure reported that \"{}\" failed: {error}. It is retried at the next resync or when the spec changes",
        operation.description
    );
    let outcome = Outcome::Stalled {
        reason: Reason::OperationFailed,
        message,
    };
    found.conclude(outcome, Requeue::Resync)
}

/// The poll handle of a recorded operation.
fn handle(operation: &OperationStatus, input: &Input) -> OperationHandle {
    OperationHandle {
        url: operation.poll_url.clone(),
        style: operation.poll_style,
        retry_after: input.settings.min_retry_after,
        started_at: operation.started_at.0,
    }
}

/// The operation as it ended.
pub(super) fn finished(
    operation: &OperationStatus,
    result: OperationResult,
    error: Option<String>,
    input: &Input,
) -> LastOperation {
    LastOperation {
        description: operation.description.clone(),
        result,
        started_at: operation.started_at.clone(),
        finished_at: Time(input.now),
        error,
        generation: operation.generation,
        target_missed: None,
    }
}

/// An operation Azure ended without an error: recorded as finished (Succeeded), and its
/// duration learned for its tier and kind.
pub(super) fn succeeded(operation: &OperationStatus, input: &Input, found: &mut Findings) {
    let took = input.now.duration_since(operation.started_at.0);
    found.learned = Duration::try_from(took)
        .ok()
        .map(|took| (operation.target_sku, StepKind::from(operation.action), took));
    found.observed.finished = Some(finished(operation, OperationResult::Succeeded, None, input));
}

/// A failed operation stalls the resource until the spec changes or the resync interval has
/// passed since the failure, so a failing change is not repeated in a loop.
fn held_after_failure(input: &Input, found: &Findings) -> Result<(), Decision> {
    let previous = input.previous;
    let Some(stalled) = previous.condition(ConditionType::Stalled) else {
        return Ok(());
    };
    let same_generation = input.resource.metadata.generation == Some(previous.observed_generation);
    let recent = previous.last_operation.as_ref().is_some_and(|last| {
        last.result == OperationResult::Failed
            && add(last.finished_at.0, input.settings.resync_interval) > input.now
    });
    if stalled.reason != Reason::OperationFailed || !same_generation || !recent {
        return Ok(());
    }
    let outcome = Outcome::Stalled {
        reason: Reason::OperationFailed,
        message: stalled.message.clone(),
    };
    Err(found.conclude(outcome, Requeue::Resync))
}
