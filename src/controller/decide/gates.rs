//! The gates before any Azure read: suspension, the namespace policy, one manager per
//! service, and the resource's credentials.

use kube::ResourceExt;

use super::{Decision, Facts, Findings, Input, Need};
use crate::api::Reason;
use crate::controller::outcomes::{Requeue, from_azure_error};
use crate::controller::ownership::other_manager;
use crate::status::Outcome;

/// `spec.suspend` stops everything, before any Azure call.
pub(super) fn not_suspended(input: &Input, found: &Findings) -> Result<(), Decision> {
    if input.resource.spec.suspend {
        return Err(found.conclude(Outcome::Suspended, Requeue::OnChange));
    }
    Ok(())
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

/// No older ApimCapacity manages the same service.
pub(super) fn sole_manager(input: &Input, found: &Findings) -> Result<(), Decision> {
    let others = input.others.iter().map(|r| r.as_ref());
    let Some(manager) = other_manager(input.resource, others) else {
        return Ok(());
    };
    let message = format!(
        "the service {} is already managed by ApimCapacity {manager}; only one resource may manage a service",
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
