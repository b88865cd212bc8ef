//! The gates after the live service is known: busy in Azure, whether an operation that ended
//! reached its target, the plan (in sync, blocked), a hold after a missed target, drift, and
//! the step to start.

use super::operation::{Recorded, finished, succeeded};
use super::trust::{capacity_text, reached};
use super::{Decision, Facts, Findings, Input, Need, Start};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::{
    ConditionType, DriftPolicy, OperationResult, OperationStatus, PendingChange, PollStyle, Reason,
    planned_changes,
};
use crate::azure::ServiceResource;
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::{Requeue, from_azure_error, from_blocked};
use crate::domain::DesiredCapacity;
use crate::plan::{Plan, Policy, Step};
use crate::status::Outcome;
use crate::time::add;

/// The live service: as the poll returned it, or one GET.
pub(super) fn live<'f>(
    input: &Input,
    facts: &'f Facts,
    polled: Option<&'f ServiceResource>,
    found: &mut Findings,
) -> Result<&'f ServiceResource, Decision> {
    let resource = match (polled, &facts.service) {
        (Some(resource), _) | (None, Some(Ok(resource))) => resource,
        (None, None) => {
            let service = input.resource.spec.service.service_ref();
            return Err(Decision::Gather(Need::Service(service)));
        }
        (None, Some(Err(e))) => {
            let (outcome, requeue) = from_azure_error(e, input.settings.busy_poll_interval());
            return Err(found.conclude(outcome, requeue));
        }
    };
    found.observed.service_id = Some(resource.live.id.clone());
    Ok(resource)
}

/// No operation runs on the service: never stack a second one. An operation followed by
/// reading the service is still running while the service is busy, and a change recorded
/// before its PATCH is adopted when the service is busy (its PATCH went through before the
/// process stopped).
pub(super) fn not_busy(
    input: &Input,
    resource: &ServiceResource,
    recorded: &Recorded,
    found: &mut Findings,
) -> Result<(), Decision> {
    let live = &resource.live;
    if !live.is_busy() {
        return Ok(());
    }
    found.observed.live = Some(live.clone());
    let requeue = Requeue::After(input.settings.busy_poll_interval());
    let followed = match (recorded.followed, recorded.pending) {
        (Some(operation), _) => Some(operation.clone()),
        (None, Some(pending)) => {
            found.events.push(Note::normal(
                EventReason::OperationStarted,
                format!(
                    "Adopted the Azure operation of \"{}\" (client request id {}), sent before the operator restarted",
                    pending.description, pending.client_request_id
                ),
            ));
            Some(adopted(pending, input))
        }
        (None, None) => None,
    };
    if let Some(operation) = followed {
        let outcome = Outcome::InProgress {
            reason: operation.action.reason(),
            operation,
        };
        return Err(found.conclude(outcome, requeue));
    }
    let message = if recorded.lost.is_some() {
        "the recorded Azure operation can no longer be followed by its URL and the service is still busy; waiting for it".to_string()
    } else {
        format!(
            "Azure is running an operation on the service that this operator did not start (provisioningState {}); waiting for it to finish",
            live.provisioning_state.as_str()
        )
    };
    Err(found.conclude(Outcome::WaitingForAzure { message }, requeue))
}

/// The operation of a change recorded before its PATCH, followed by reading the service.
fn adopted(pending: &PendingChange, input: &Input) -> OperationStatus {
    let kind = crate::plan::StepKind::from(pending.action);
    OperationStatus {
        step: pending.step,
        total_steps: pending.total_steps,
        description: pending.description.clone(),
        action: pending.action,
        started_at: pending.requested_at.clone(),
        expected_completion: Time(add(
            pending.requested_at.0,
            input.durations.expected_for(pending.target_sku, kind),
        )),
        poll_url: String::new(),
        poll_style: PollStyle::Service,
        target_sku: pending.target_sku,
        target_units: pending.target_units.clone(),
        generation: pending.generation,
        failed_polls: 0,
    }
}

/// An operation that ended (Azure said so, or its URL was lost and the service is idle) is
/// judged by the service: success means the step's target was reached. A missed target is
/// tried once more per generation, then the resource stalls.
pub(super) fn ended_as_asked(
    input: &Input,
    resource: &ServiceResource,
    recorded: &Recorded,
    found: &mut Findings,
) -> Result<(), Decision> {
    let live = &resource.live;
    if let Some(pending) = recorded.pending {
        settle_pending(pending, live, input, found);
        return Ok(());
    }
    if let Some(operation) = recorded.followed {
        // Followed by reading the service, which is idle now: it ended.
        succeeded(operation, input, found);
    }
    let ended = recorded.ended.or(recorded.followed);
    let Some(operation) = ended.or(recorded.lost) else {
        return Ok(());
    };
    if reached(live, operation.target_sku, &operation.target_units) {
        if ended.is_none() {
            let done = finished(operation, OperationResult::Succeeded, None, input);
            found.observed.finished = Some(done);
        }
        return Ok(());
    }
    if ended.is_none() {
        // Lost and not reached: it may never have run; the plan decides again.
        return Ok(());
    }
    missed_target(operation, live, input, found)
}

/// Azure reported the step done, and the service does not have its target: tried once more
/// per generation, then the resource stalls with both values.
fn missed_target(
    operation: &OperationStatus,
    live: &crate::domain::LiveService,
    input: &Input,
    found: &mut Findings,
) -> Result<(), Decision> {
    let missed = format!(
        "Azure reports {}, the step asked for {} {}",
        capacity_text(live),
        operation.target_sku,
        operation.target_units
    );
    if let Some(done) = found.observed.finished.as_mut() {
        done.target_missed = Some(missed.clone());
    }
    let missed_before = input.previous.last_operation.as_ref().is_some_and(|last| {
        last.target_missed.is_some()
            && operation.generation.is_some()
            && last.generation == operation.generation
    });
    if !missed_before {
        found.events.push(Note::warning(
            EventReason::Stalled(Reason::TargetNotReached),
            format!(
                "Azure reported \"{}\" as done, but {missed}; trying once more",
                operation.description
            ),
        ));
        return Ok(());
    }
    found.observed.live = Some(live.clone());
    let message = format!(
        "Azure reported \"{}\" as done twice, but the service does not have its target: {missed}. \
         Something holds it back (an Azure Policy, a limit support has not raised, Azure's own \
         autoscale); it is not tried again until the spec changes",
        operation.description
    );
    let outcome = Outcome::Stalled {
        reason: Reason::TargetNotReached,
        message,
    };
    Err(found.conclude(outcome, Requeue::Resync))
}

/// A change recorded before its PATCH, and the service idle: the process stopped around the
/// PATCH. When the service has the step's target, the change went through; either way the
/// recorded change is settled (the plan decides what is left).
fn settle_pending(
    pending: &PendingChange,
    live: &crate::domain::LiveService,
    input: &Input,
    found: &mut Findings,
) {
    if reached(live, pending.target_sku, &pending.target_units) {
        let done = finished(
            &adopted(pending, input),
            OperationResult::Succeeded,
            None,
            input,
        );
        found.observed.finished = Some(done);
    }
    found.observed.pending_settled = true;
}

/// The plan from the live service to the capacity aimed at under `policy`; concludes when
/// in sync or blocked (a rule before a missing consent).
pub(super) fn planned(
    input: &Input,
    desired: &DesiredCapacity,
    resource: &ServiceResource,
    policy: &Policy,
    finished_step: Option<(u32, u32)>,
    found: &mut Findings,
) -> Result<Vec<Step>, Decision> {
    let planned = super::preflight::rules_first(desired, &resource.live, policy, input.now);
    found.observed.live = Some(resource.live.clone());
    match planned {
        Plan::InSync => {
            found.observed.plan = Some(Vec::new());
            Err(found.conclude(Outcome::InSync, Requeue::Resync))
        }
        Plan::Blocked(blocked) => {
            found.observed.plan = Some(Vec::new());
            Err(found.conclude(from_blocked(&blocked), Requeue::Resync))
        }
        Plan::Steps(steps) => {
            let (first, _) = numbering(finished_step, steps.steps.len());
            found.observed.plan = Some(planned_changes(&steps.steps, first));
            Ok(steps.steps)
        }
    }
}

/// After Azure twice reported a step of this generation done without reaching its target,
/// nothing more is sent until the spec changes (the service is still read at each resync:
/// when it reaches the spec some other way, the resource is Ready again).
pub(super) fn held_after_missed_target(input: &Input, found: &Findings) -> Result<(), Decision> {
    let previous = input.previous;
    let Some(stalled) = previous
        .condition(ConditionType::Stalled)
        .filter(|c| c.reason == Reason::TargetNotReached)
    else {
        return Ok(());
    };
    let same_generation = previous.last_operation.as_ref().is_some_and(|last| {
        last.generation.is_some() && last.generation == input.resource.metadata.generation
    });
    if !same_generation {
        return Ok(());
    }
    let outcome = Outcome::Stalled {
        reason: Reason::TargetNotReached,
        message: stalled.message.clone(),
    };
    Err(found.conclude(outcome, Requeue::Resync))
}

/// The service was in sync for this generation and no longer is, and no step of ours just
/// finished (nor did a schedule move the target): someone changed it elsewhere. Reported
/// only, or corrected with an Event.
pub(super) fn drift(
    input: &Input,
    desired: &DesiredCapacity,
    resource: &ServiceResource,
    just_finished: bool,
    found: &mut Findings,
) -> Result<(), Decision> {
    let previous = input.previous;
    let handled = input.resource.metadata.generation == Some(previous.observed_generation);
    let was_in_sync = previous
        .ready()
        .is_some_and(|ready| matches!(ready.reason, Reason::Succeeded | Reason::DriftDetected));
    if just_finished || !handled || !was_in_sync {
        return Ok(());
    }
    let live = &resource.live;
    let message = format!(
        "The service was changed outside this resource: Azure reports {} {}, the spec asks for {} {}",
        live.sku,
        live.units_summary(),
        desired.sku,
        desired.units_summary()
    );
    if input.resource.spec.drift == DriftPolicy::Report {
        let message = format!("{message}; spec.drift is Report, so nothing is changed");
        return Err(found.conclude(Outcome::DriftReported { message }, Requeue::Resync));
    }
    found.drift_corrected = true;
    found.events.push(Note::warning(
        EventReason::DriftDetected,
        format!("{message}; correcting it"),
    ));
    Ok(())
}

/// The first remaining step, numbered after the step that just finished.
pub(super) fn start(
    input: &Input,
    resource: &ServiceResource,
    steps: Vec<Step>,
    finished_step: Option<(u32, u32)>,
    found: Findings,
) -> Decision {
    let (number, total) = numbering(finished_step, steps.len());
    match steps.into_iter().next() {
        Some(step) => Decision::Start(Box::new(Start {
            step,
            number,
            total,
            generation: input.resource.metadata.generation,
            service: input.resource.spec.service.service_ref(),
            current: resource.clone(),
            refused_while_idle_before: super::started::refused_while_idle(input.previous),
            findings: found,
        })),
        // The planner never returns an empty list of steps; in sync is the honest answer.
        None => found.conclude(Outcome::InSync, Requeue::Resync),
    }
}

/// The number of the next step and the plan's total: after step k of n finished (k < n),
/// the remaining steps are k+1..; otherwise a new plan starts at 1.
fn numbering(finished_step: Option<(u32, u32)>, remaining: usize) -> (u32, u32) {
    let remaining = u32::try_from(remaining).unwrap_or(u32::MAX);
    match finished_step {
        Some((step, total)) if step < total => (step + 1, step.saturating_add(remaining)),
        _ => (1, remaining),
    }
}
