//! The gates before any Azure read: suspension, the namespace policy, one manager per
//! service, and the resource's credentials.

use kube::ResourceExt;

use super::{Decision, Facts, Findings, Input, Need};
use crate::api::{ApimCapacity, Reason};
use crate::controller::outcomes::{Requeue, from_azure_error};
use crate::controller::ownership::{other_manager, same_service};
use crate::status::Outcome;

/// `spec.suspend` stops everything, before any Azure call.
pub(super) fn not_suspended(input: &Input, found: &Findings) -> Result<(), Decision> {
    if input.resource.spec.suspend {
        return Err(found.conclude(Outcome::Suspended, Requeue::OnChange));
    }
    Ok(())
}

/// A resource the operator has not written a status for yet gets one first, before any
/// Azure call: without status, GitOps tools (kstatus) would read it as done.
pub(super) fn seen_before(input: &Input, found: &Findings) -> Result<(), Decision> {
    if !input.previous.conditions.is_empty() {
        return Ok(());
    }
    Err(found.conclude(Outcome::Pending, Requeue::After(std::time::Duration::ZERO)))
}

/// The namespace may target the service under the operator's namespace policy.
pub(super) fn scope_allowed(input: &Input, found: &Findings) -> Result<(), Decision> {
    let Some(policy) = input.scopes else {
        return Ok(());
    };
    let namespace = input.resource.namespace().unwrap_or_default();
    let service = input.resource.spec.service.service_ref();
    if policy.allows(&namespace, &service) {
        return Ok(());
    }
    let message = policy.refusal(&namespace, &service);
    let outcome = Outcome::Stalled {
        reason: Reason::ScopeNotAllowed,
        message,
    };
    Err(found.conclude(outcome, Requeue::Resync))
}

/// No older ApimCapacity manages the same service. Only resources that may act on it take
/// part: one that is suspended or whose namespace the policy denies cannot keep another
/// team's resource from its service. Resources of other namespaces are not named.
pub(super) fn sole_manager(input: &Input, found: &Findings) -> Result<(), Decision> {
    let eligible = |r: &ApimCapacity| {
        !r.spec.suspend
            && input.scopes.is_none_or(|policy| {
                let namespace = r.namespace().unwrap_or_default();
                policy.allows(&namespace, &r.spec.service.service_ref())
            })
    };
    // The same service first: it allocates nothing, the policy check does.
    let mine = &input.resource.spec.service;
    let others = input
        .others
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| same_service(&r.spec.service, mine))
        .filter(|r| eligible(r));
    let Some(manager) = other_manager(input.resource, others) else {
        return Ok(());
    };
    let who = if Some(&manager.namespace) == input.resource.metadata.namespace.as_ref() {
        format!("ApimCapacity {} in this namespace", manager.name)
    } else {
        "an ApimCapacity in another namespace".to_string()
    };
    let message = format!(
        "the service {} is already managed by {who}; only one resource may manage a service",
        input.resource.spec.service.name
    );
    let outcome = Outcome::Stalled {
        reason: Reason::ServiceConflict,
        message,
    };
    Err(found.conclude(outcome, Requeue::Resync))
}

/// A credential for the resource: its Secret, or the operator's own identity.
pub(super) fn credentials(input: &Input, facts: &Facts, found: &Findings) -> Result<(), Decision> {
    match &facts.credentials {
        None => Err(Decision::Gather(Need::Credentials)),
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => {
            let (outcome, requeue) = from_azure_error(e, input.settings.busy_poll_interval());
            Err(found.conclude(outcome, requeue))
        }
    }
}
