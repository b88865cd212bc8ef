//! The operation recorded in status: poll it first (one Azure read per Retry-After while it
//! runs), learn from how it ended, and hold a resource whose last operation failed.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::{Decision, Facts, Findings, Input, Need};
use crate::api::{ConditionType, LastOperation, OperationResult, OperationStatus, Reason};
use crate::azure::{ErrorKind, OperationHandle, PollOutcome, ServiceResource};
use crate::controller::outcomes::Requeue;
use crate::plan::StepKind;
use crate::status::Outcome;
use crate::time::add;

/// What the recorded operation left for the next gates.
#[derive(Default)]
pub(super) struct Recorded<'f> {
    /// The service, when the poll's answer carried it (no GET needed then).
    pub resource: Option<&'f ServiceResource>,
    /// The step that just finished and the plan's total when it started.
    pub finished_step: Option<(u32, u32)>,
    /// The operation can no longer be polled: the live service decides what happens.
    pub lost: bool,
}

/// Polls the recorded operation; without one, holds a resource whose last operation failed.
pub(super) fn recorded<'f>(
    input: &Input,
    facts: &'f Facts,
    found: &mut Findings,
) -> Result<Recorded<'f>, Decision> {
    let Some(operation) = &input.previous.operation else {
        held_after_failure(input, found)?;
        return Ok(Recorded::default());
    };
    let Some(poll) = &facts.poll else {
        return Err(Decision::Gather(Need::Poll(handle(operation, input))));
    };
    let failed = |found: &mut Findings, error: String| {
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
    };
    match poll {
        Ok(PollOutcome::Running { retry_after }) => {
            let outcome = Outcome::InProgress {
                reason: operation.action.reason(),
                operation: operation.clone(),
            };
            let wait = (*retry_after).max(input.settings.min_retry_after);
            Err(found.conclude(outcome, Requeue::After(wait)))
        }
        Ok(PollOutcome::Succeeded(resource)) => {
            let took = input.now.duration_since(operation.started_at.0);
            found.learned = std::time::Duration::try_from(took)
                .ok()
                .map(|took| (operation.target_sku, StepKind::from(operation.action), took));
            found.observed.finished =
                Some(finished(operation, OperationResult::Succeeded, None, input));
            Ok(Recorded {
                resource: resource.as_ref(),
                finished_step: Some((operation.step, operation.total_steps)),
                lost: false,
            })
        }
        Ok(PollOutcome::Failed(body)) => {
            Err(failed(found, format!("({}) {}", body.code, body.message)))
        }
        Ok(PollOutcome::Canceled) => Err(failed(found, "the operation was canceled".into())),
        Err(e) if e.kind() == ErrorKind::Terminal => Ok(Recorded {
            lost: true,
            ..Recorded::default()
        }),
        Err(e) => {
            let outcome = Outcome::Retrying {
                message: e.to_string(),
            };
            Err(found.conclude(outcome, Requeue::Backoff))
        }
    }
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

fn finished(
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
    }
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
