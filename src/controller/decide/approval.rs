//! What the change costs (`status.cost`) and the approval gate (DESIGN §9: consent →
//! approval → change window): a plan that `spec.changePolicy.requireApproval` holds back
//! starts nothing until the annotation `capacity.apim.dev/approve` names its hash.

use kube::ResourceExt;

use super::{Decision, Facts, Findings, Input, Need};
use crate::api::{APPROVE_ANNOTATION, Reason};
use crate::azure::ServiceResource;
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::Requeue;
use crate::cost::{self, CostChange, Gate, GateInput, approver, gate};
use crate::domain::DesiredCapacity;
use crate::plan::{Plan, Step, StepsPlan};
use crate::status::Outcome;

/// Prices the live service and the spec with the quotes gathered (the day cache of the
/// Retail Prices API, the built-in table for what it lacks): `status.cost`. Clears
/// `status.approval` until the approval gate says otherwise.
pub(super) fn priced(
    facts: &Facts,
    resource: &ServiceResource,
    desired: &DesiredCapacity,
    found: &mut Findings,
) -> Result<Option<CostChange>, Decision> {
    let live = &resource.live;
    let Some(quotes) = &facts.prices else {
        return Err(Decision::Gather(Need::Prices(cost::wanted(live, desired))));
    };
    let change = cost::cost_of_change(live, desired, quotes).ok();
    found.observed.cost = Some(change.as_ref().map(CostChange::to_status));
    found.observed.approval = Some(None);
    Ok(change)
}

/// The approval gate, after consent: `Err` (Stalled, `AwaitingApproval`) while the plan
/// needs an approval it does not have.
pub(super) fn approved(
    input: &Input,
    resource: &ServiceResource,
    steps: &[Step],
    change: Option<&CostChange>,
    found: &mut Findings,
) -> Result<(), Decision> {
    let object = input.resource;
    let annotation = object.annotations().get(APPROVE_ANNOTATION);
    let plan = Plan::Steps(StepsPlan {
        steps: steps.to_vec(),
        expected_completion: input.now,
    });
    let previous = input.previous.approval.as_deref();
    let decided = gate(&GateInput {
        rules: object.spec.change_policy.require_approval.as_ref(),
        currency: input.settings.currency,
        service_id: &resource.live.id,
        plan: &plan,
        cost: change,
        annotation: annotation.map(String::as_str),
        previous,
    });
    let who = object.metadata.managed_fields.as_deref().and_then(approver);
    found.observed.approval = Some(decided.status(who.clone()));
    match &decided {
        Gate::NotNeeded => Ok(()),
        Gate::Approved {
            approved, reasons, ..
        } => {
            let before = previous.and_then(|p| p.approved_hash.as_deref());
            if before != Some(approved.as_str()) {
                let who = who.as_deref().unwrap_or("an unknown writer");
                found.events.push(Note::normal(
                    EventReason::Approved,
                    format!(
                        "Plan {approved} approved by {who} ({APPROVE_ANNOTATION}); it needed approval because {}",
                        reasons.join("; ")
                    ),
                ));
            }
            Ok(())
        }
        Gate::Needed { hash, .. } => {
            Err(awaiting(input, &decided, hash.as_str(), annotation, found))
        }
    }
}

/// The plan needs an approval it does not have: Stalled AwaitingApproval, with how to
/// approve it and, once per plan, a Warning Event.
fn awaiting(
    input: &Input,
    decided: &Gate,
    hash: &str,
    annotation: Option<&String>,
    found: &mut Findings,
) -> Decision {
    let object = input.resource;
    let previous = input.previous.approval.as_deref();
    let mut message = decided.message().unwrap_or_default();
    if let Some(other) = annotation.filter(|a| !a.trim().is_empty()) {
        message.push_str(&format!(
            "; the annotation approves {:?}, which is not this plan",
            other.chars().take(40).collect::<String>()
        ));
    }
    message.push_str(&format!(
        " (or run: kubectl apimcap approve {} -n {})",
        object.name_any(),
        object.namespace().unwrap_or_default()
    ));
    let asked_before = previous.is_some_and(|p| p.plan_hash == hash && p.approved_hash.is_none())
        && input.previous.stalled_reason() == Some(Reason::AwaitingApproval);
    if !asked_before {
        found
            .events
            .push(Note::warning(EventReason::ApprovalNeeded, message.clone()));
    }
    let outcome = Outcome::Stalled {
        reason: Reason::AwaitingApproval,
        message,
    };
    found.conclude(outcome, Requeue::Resync)
}
