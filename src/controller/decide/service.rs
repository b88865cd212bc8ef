//! The gates after the live service is known: busy in Azure, the plan (in sync, blocked),
//! drift, and the step to start.

use super::{Decision, Facts, Findings, Input, Need, Start};
use crate::api::{DriftPolicy, Reason, planned_changes};
use crate::azure::ServiceResource;
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::{Requeue, from_azure_error, from_blocked};
use crate::domain::DesiredCapacity;
use crate::plan::{self, Plan, Step};
use crate::status::Outcome;

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

/// No operation runs on the service: never stack a second one.
pub(super) fn not_busy(
    input: &Input,
    resource: &ServiceResource,
    lost: bool,
    found: &mut Findings,
) -> Result<(), Decision> {
    let live = &resource.live;
    if !live.is_busy() {
        return Ok(());
    }
    let message = if lost {
        "the recorded Azure operation can no longer be polled and the service is still busy; waiting for it".to_string()
    } else {
        format!(
            "Azure is running an operation on the service that this operator did not start (provisioningState {}); waiting for it to finish",
            live.provisioning_state.as_str()
        )
    };
    found.observed.live = Some(live.clone());
    let requeue = Requeue::After(input.settings.busy_poll_interval());
    Err(found.conclude(Outcome::WaitingForAzure { message }, requeue))
}

/// The plan from the live service to the capacity aimed at; concludes when in sync or
/// blocked.
pub(super) fn planned(
    input: &Input,
    desired: &DesiredCapacity,
    resource: &ServiceResource,
    finished_step: Option<(u32, u32)>,
    found: &mut Findings,
) -> Result<Vec<Step>, Decision> {
    let spec = &input.resource.spec;
    let policy = spec.planner_policy(input.settings.limits.clone(), input.durations.clone());
    let planned = plan::plan(desired, &resource.live, &policy, input.now);
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
            service: input.resource.spec.service.service_ref(),
            current: resource.clone(),
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
