//! Preflight: what Azure says about the service beyond the service itself, read only when a
//! change is pending, before the plan is judged. The unit limits Azure reports for the
//! service (`GET .../skus`) take the place of the built-in table (the operator's overrides
//! still win), and the subnets of the VNet-injected regions that would grow tell the planner
//! how many units each can hold.
//!
//! A change is pending when the plan, with every consent granted, has steps (or is blocked
//! by a unit limit Azure may raise): an in-sync service or a spec the rules refuse whatever
//! Azure says costs no read. A subnet that cannot be read (a 403 means the identity lacks
//! `Microsoft.Network/virtualNetworks/subnets/read`) is a warning, not a stop: the change
//! goes ahead unchecked, and Azure has the last word. A prefix remembered from an earlier
//! read that would refuse the change is read again first: the subnet may have grown.
//!
//! The plan is then judged rules first (DESIGN §9): when it lacks a consent but a rule or
//! the preflight would refuse it even with every consent, the rule is reported, so nobody
//! grants a consent only to learn that the change cannot be made anyway.

use jiff::Timestamp;

use super::{Decision, Facts, Findings, Input, Need};
use crate::azure::{ErrorKind, ServiceResource};
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::Requeue;
use crate::controller::read_facts::{SUBNET_READ_ACTION, SubnetProblem, SubnetRead, SubnetToRead};
use crate::domain::{DesiredCapacity, LiveService, VnetType};
use crate::plan::{self, BlockReason, Plan, Policy, SubnetFacts};
use crate::status::Outcome;

/// The planner's policy for this reconcile: the spec's consent and the operator's limits,
/// with what Azure reports when a change is pending. Asks for the reads it needs.
pub(super) fn policy(
    input: &Input,
    facts: &Facts,
    resource: &ServiceResource,
    found: &mut Findings,
) -> Result<Policy, Decision> {
    let spec = &input.resource.spec;
    let desired = spec.desired();
    let live = &resource.live;
    let mut policy = spec.planner_policy(input.settings.limits.clone(), input.durations.clone());
    if !pending(&desired, live, &policy, input.now) {
        return Ok(policy);
    }
    match &facts.skus {
        None => return Err(Decision::Gather(Need::Skus(spec.service.service_ref()))),
        Some(Ok(reported)) => policy.limits = policy.limits.clone().with_azure(reported),
        // The built-in table stands in; the read's failure was logged where it was made.
        Some(Err(_)) => {}
    }
    if !pending(&desired, live, &policy, input.now) {
        return Ok(policy);
    }
    let wanted = subnets_to_read(&desired, resource);
    if wanted.is_empty() {
        return Ok(policy);
    }
    let Some(reads) = &facts.subnets else {
        return Err(Decision::Gather(Need::Subnets(wanted, false)));
    };
    with_subnets(reads, resource.virtual_network_type(), &mut policy, found)?;
    // A remembered prefix never stalls a resource: the subnet may have grown since.
    let remembered = reads.iter().any(|r| !r.fresh && r.answer.is_ok());
    if remembered && too_small(&desired, live, &policy, input.now) {
        let wanted = reads.iter().map(|r| r.subnet.clone()).collect();
        return Err(Decision::Gather(Need::Subnets(wanted, true)));
    }
    Ok(policy)
}

/// Whether the subnets known to `policy` refuse the change (with every consent given).
fn too_small(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
    now: Timestamp,
) -> bool {
    matches!(
        plan::plan(desired, live, &consenting(policy), now),
        Plan::Blocked(blocked) if blocked.reason == BlockReason::SubnetTooSmall
    )
}

/// Puts the subnets read into `policy`; a transient failure retries the reconcile, another
/// is a warning when it was read just now.
fn with_subnets(
    reads: &[SubnetRead],
    vnet: VnetType,
    policy: &mut Policy,
    found: &mut Findings,
) -> Result<(), Decision> {
    for read in reads {
        match &read.answer {
            Ok(prefix) => {
                let facts = SubnetFacts {
                    prefix: *prefix,
                    vnet,
                };
                policy.subnets.insert(read.subnet.location.clone(), facts);
            }
            Err(problem) if problem.kind == ErrorKind::Transient => {
                let outcome = Outcome::Retrying {
                    message: format!(
                        "could not read subnet {} of {} to check its room for the units: {}",
                        read.subnet.id, read.subnet.location, problem.message
                    ),
                };
                return Err(found.conclude(outcome, Requeue::Backoff));
            }
            Err(problem) if read.fresh => found.events.push(Note::warning(
                EventReason::SubnetUnreadable,
                unreadable(&read.subnet, problem),
            )),
            Err(_) => {}
        }
    }
    Ok(())
}

/// Whether a change would be made if every consent were given: the plan has steps, or a
/// unit limit blocks it (Azure may report a higher one).
fn pending(desired: &DesiredCapacity, live: &LiveService, policy: &Policy, now: Timestamp) -> bool {
    match plan::plan(desired, live, &consenting(policy), now) {
        Plan::Steps(_) => true,
        Plan::Blocked(blocked) => blocked.reason == BlockReason::UnitLimitExceeded,
        Plan::InSync => false,
    }
}

/// The same policy with every consent given.
fn consenting(policy: &Policy) -> Policy {
    Policy {
        allow_tier_downgrade: true,
        allow_region_removal: true,
        allow_zone_change: true,
        allow_downtime: true,
        ..policy.clone()
    }
}

/// The subnets of the VNet-injected regions that stay and would take more addresses: their
/// units grow, or the tier changes (Developer takes one address per unit, the others two).
fn subnets_to_read(desired: &DesiredCapacity, resource: &ServiceResource) -> Vec<SubnetToRead> {
    if resource.virtual_network_type() == VnetType::None {
        return Vec::new();
    }
    let live = &resource.live;
    resource
        .subnet_ids()
        .into_iter()
        .filter(|(location, _)| {
            let wanted = desired.units_in(location);
            let now = live.region(location).map(|r| r.units);
            matches!((wanted, now), (Some(w), Some(n)) if w > n || desired.sku != live.sku)
        })
        .map(|(location, id)| SubnetToRead { location, id })
        .collect()
}

/// The warning for a subnet whose prefix is unknown.
fn unreadable(subnet: &SubnetToRead, problem: &SubnetProblem) -> String {
    let cause = if problem.forbidden {
        format!(
            "the operator's identity lacks {SUBNET_READ_ACTION} on it ({}); grant that action \
             on the virtual network (the Reader role has it) to have the subnet checked",
            problem.message
        )
    } else {
        problem.message.clone()
    };
    format!(
        "Could not read subnet {} of {}: {cause}. The change goes ahead without checking that \
         the subnet has room for the units.",
        subnet.id, subnet.location
    )
}

/// The plan, judged rules first: a plan that lacks a consent but that a rule or the
/// preflight refuses even with every consent reports the rule.
pub(super) fn rules_first(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
    now: Timestamp,
) -> Plan {
    let planned = plan::plan(desired, live, policy, now);
    match &planned {
        Plan::Blocked(blocked) if blocked.reason.is_consent() => {
            match plan::plan(desired, live, &consenting(policy), now) {
                ruled @ Plan::Blocked(_) => ruled,
                _ => planned,
            }
        }
        _ => planned,
    }
}
