//! After the PATCH of a step: what Azure's answer means for status and the next look.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::trust::{capacity_text, is_the_service, reached};
use super::{Findings, Start, Verdict};
use crate::api::{
    Action, ApimCapacityStatus, LastOperation, OperationResult, OperationStatus, PendingChange,
    Reason,
};
use crate::azure::{AzureError, OperationHandle, PatchOutcome, ServiceResource};
use crate::controller::context::Settings;
use crate::controller::outcomes::{Requeue, from_azure_error};
use crate::domain::units_summary;
use crate::plan::DurationEstimates;
use crate::status::Outcome;
use crate::time::add;

/// The verdict of a started step, from Azure's answer to its PATCH.
pub fn after_start(
    mut start: Start,
    answer: Result<PatchOutcome, AzureError>,
    settings: &Settings,
    durations: &DurationEstimates,
    now: Timestamp,
) -> Verdict {
    let target_units = target_units(&start);
    let settled = match &answer {
        Ok(_) => true,
        Err(e) => !may_have_started(e),
    };
    let mut findings = std::mem::take(&mut start.findings);
    let (outcome, requeue) = match answer {
        Ok(PatchOutcome::Started(handle)) => {
            running(&start, &handle, target_units, settings, durations)
        }
        Ok(PatchOutcome::Done(resource)) => {
            applied_at_once(&start, &resource, &target_units, &mut findings, now)
        }
        Err(e @ AzureError::Busy(_)) => {
            refused_as_busy(&e, start.refused_while_idle_before, settings)
        }
        Err(e) => from_azure_error(&e, settings.busy_poll_interval()),
    };
    findings.observed.pending_settled = settled;
    Verdict {
        outcome,
        requeue,
        findings,
    }
}

/// Azure accepted the PATCH (202): the step runs as the operation `handle` names.
fn running(
    start: &Start,
    handle: &OperationHandle,
    target_units: String,
    settings: &Settings,
    durations: &DurationEstimates,
) -> (Outcome, Requeue) {
    let step = &start.step;
    let action = Action::from(step.kind());
    let operation = OperationStatus {
        step: start.number,
        total_steps: start.total,
        description: step.description(),
        action,
        started_at: Time(handle.started_at),
        // From when Azure started it, so the ETA is the expected duration exactly.
        expected_completion: Time(add(
            handle.started_at,
            durations.expected_for(step.target.sku, step.kind()),
        )),
        poll_url: handle.url.clone(),
        poll_style: handle.style,
        target_sku: step.target.sku,
        target_units,
        generation: start.generation,
        failed_polls: 0,
    };
    let wait = handle.retry_after.max(settings.min_retry_after);
    let outcome = Outcome::InProgress {
        reason: action.reason(),
        operation,
    };
    (outcome, Requeue::After(wait))
}

/// Azure applied the PATCH at once (200) and answered with the service: recorded as a
/// finished step, judged by whether the service has the step's target.
fn applied_at_once(
    start: &Start,
    resource: &ServiceResource,
    target_units: &str,
    findings: &mut Findings,
    now: Timestamp,
) -> (Outcome, Requeue) {
    let step = &start.step;
    let reached = is_the_service(resource, &start.service)
        && reached(&resource.live, step.target.sku, target_units);
    let missed = (!reached).then(|| {
        format!(
            "Azure reports {}, the step asked for {} {target_units}",
            capacity_text(&resource.live),
            step.target.sku
        )
    });
    if findings.observed.finished.is_none() || missed.is_some() {
        findings.observed.finished = Some(LastOperation {
            description: step.description(),
            result: OperationResult::Succeeded,
            started_at: Time(now),
            finished_at: Time(now),
            error: None,
            generation: start.generation,
            target_missed: missed.clone(),
        });
    }
    done_at_once(&step.description(), missed)
}

/// The status to write before the PATCH of `start` is sent: the previous one with the change
/// in `status.pending` under the client request id the PATCH will carry, so that a process
/// that stops between the PATCH and the next status write finds it again and adopts the
/// operation Azure runs for it instead of losing it (or sending it twice).
pub fn intent(
    previous: &ApimCapacityStatus,
    start: &Start,
    client_request_id: &str,
    now: Timestamp,
) -> ApimCapacityStatus {
    let mut next = previous.clone();
    next.pending = Some(Box::new(PendingChange {
        client_request_id: client_request_id.to_string(),
        step: start.number,
        total_steps: start.total,
        description: start.step.description(),
        action: Action::from(start.step.kind()),
        requested_at: Time(now),
        target_sku: start.step.target.sku,
        target_units: target_units(start),
        generation: start.generation,
    }));
    next
}

/// An error after which the PATCH may still have reached Azure (no answer, or an answer
/// that could not be read): the recorded change stays until the service shows what became
/// of it.
fn may_have_started(e: &AzureError) -> bool {
    matches!(
        e,
        AzureError::Timeout { .. }
            | AzureError::Connection { .. }
            | AzureError::Malformed { .. }
            | AzureError::MissingOperationUrl { .. }
            | AzureError::InvalidOperationUrl(_)
            | AzureError::ServerError(_)
    )
}

/// How the message of a 409 on an idle service begins, so the next reconcile knows.
const REFUSED_WHILE_IDLE: &str =
    "Azure refused the change with a 409 although the service ran no operation";

/// Whether the previous reconcile ended on a 409 (not `ScopeLocked`) to a PATCH while the
/// service ran no operation.
pub(super) fn refused_while_idle(previous: &ApimCapacityStatus) -> bool {
    previous.ready().is_some_and(|ready| {
        ready.reason == Reason::WaitingForAzure && ready.message.starts_with(REFUSED_WHILE_IDLE)
    })
}

/// A 409 other than `ScopeLocked` to the PATCH. The service was idle when read just before
/// (a busy one never gets a PATCH): once, an operation may have started in between, so wait
/// and read it again (a busy service then waits at its own gate). Twice in a row on an idle
/// service it is no "busy": stall with Azure's message, looked at again at the resync.
fn refused_as_busy(error: &AzureError, before: bool, settings: &Settings) -> (Outcome, Requeue) {
    if !before {
        let message = format!("{REFUSED_WHILE_IDLE} ({error}); reading the service again");
        let requeue = Requeue::After(
            error
                .retry_after()
                .unwrap_or(settings.busy_poll_interval())
                .max(settings.busy_poll_interval()),
        );
        return (Outcome::WaitingForAzure { message }, requeue);
    }
    let message = format!(
        "Azure refused the change twice with a 409 while the service ran no operation, so it \
         is not busy: {error}. It is tried again at the resync interval or when the spec changes"
    );
    let outcome = Outcome::Stalled {
        reason: Reason::AzureError,
        message,
    };
    (outcome, Requeue::Resync)
}

/// Azure applied the change at once (200). When the service it returned has the target,
/// look again soon (with backoff: a second "done" in a row waits longer, so a PATCH that
/// Azure keeps acknowledging without effect never loops fast); when it does not, stall with
/// both values instead of repeating the change.
fn done_at_once(description: &str, missed: Option<String>) -> (Outcome, Requeue) {
    match missed {
        None => (
            Outcome::Retrying {
                message: format!("{description} was applied at once; checking the service again"),
            },
            Requeue::Backoff,
        ),
        Some(missed) => (
            Outcome::Stalled {
                reason: Reason::TargetNotReached,
                message: format!(
                    "Azure accepted \"{description}\" at once, but {missed}. Something holds it \
                         back (an Azure Policy, a limit support has not raised, another writer); it \
                         is not tried again until the spec changes"
                ),
            },
            Requeue::Resync,
        ),
    }
}

/// `westeurope=2,eastus=3`: the units per region the step aims at, the primary first.
fn target_units(start: &Start) -> String {
    let primary = start
        .current
        .live
        .primary()
        .map(|p| p.location.to_string())
        .unwrap_or_default();
    let target = &start.step.target;
    units_summary(
        std::iter::once((primary, target.primary_units)).chain(
            target
                .additional
                .iter()
                .map(|r| (r.location.to_string(), r.units)),
        ),
    )
}
