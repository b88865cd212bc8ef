//! The decisions of a reconcile, as one pure function: [`decide`] takes the resource, its
//! previous status, the time and what has been gathered so far ([`Facts`]), and answers
//! with one [`Decision`]: gather one more fact, start a step, or conclude. No I/O, no clock
//! reads, no async: the driver in [`super::reconcile`] gathers what is asked for, calls
//! `decide` again, and acts on the answer.
//!
//! The gates run in the order of DESIGN §9; the first that holds decides:
//!
//! ```text
//! suspended ─ namespace policy ─ ownership ─ schedules and windows readable (the
//!   effective capacity) ─ first sight (a status before any Azure call) ─ credentials
//!   ─ recorded operation (poll; its URL must lie under the service) ─ hold after a failure
//!   ─ live service (GET) ─ busy in Azure ─ the ended operation reached its target
//!   ─ autoscale (Azure autoscale settings, AutoscaleConflict; metrics; the decision)
//!   ─ cost (prices from the day cache) ─ preflight (/skus, subnets, only when a change is pending) ─ plan (in sync, blocked
//!   by a rule, then consent) ─ hold after a missed target ─ drift ─ approval
//!   ─ change window ─ start step N of M
//! ```
//!
//! A gate that can be decided from the spec alone costs no Azure call: `decide` asks for a
//! read only when the next gate needs it, so a table test can show which reads each case
//! costs.

mod approval;
mod autoscale;
mod clock;
mod gates;
pub mod listed;
mod operation;
mod preflight;
mod service;
mod started;
mod trust;

#[cfg(test)]
mod approval_world;
#[cfg(test)]
mod autoscale_answers;
#[cfg(test)]
mod autoscale_world;
#[cfg(test)]
mod pending_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod world;
#[cfg(test)]
mod world_preflight;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::context::Settings;
use super::events::Note;
use super::outcomes::Requeue;
use crate::api::{ApimCapacity, ApimCapacityStatus};
use crate::autoscale::{ArmGet, AutoscaleSetting, MetricReadings};
use crate::azure::{AzureError, OperationHandle, PollOutcome, ServiceResource};
use crate::cost::Quotes;
use crate::domain::{AzureLimits, Location, ServiceRef, Sku};
use crate::plan::{DurationEstimates, Step, StepKind};
use crate::policy::NamespacePolicy;
use crate::status::{Observed, Outcome};

pub use super::read_facts::{SUBNET_READ_ACTION, SubnetProblem, SubnetRead, SubnetToRead};
pub use started::{after_start, intent};

/// Everything a decision depends on that is known before any Azure call.
pub struct Input<'a> {
    /// The resource as the watch delivered it.
    pub resource: &'a ApimCapacity,
    /// The status to build on.
    pub previous: &'a ApimCapacityStatus,
    /// The time of this reconcile.
    pub now: Timestamp,
    /// The operator's settings (limits, resync interval, Retry-After floor).
    pub settings: &'a Settings,
    /// The durations learned so far.
    pub durations: &'a DurationEstimates,
    /// Which scopes each namespace may target; `None` allows every namespace.
    pub scopes: Option<&'a NamespacePolicy>,
    /// Every ApimCapacity the controller knows (for "one service, one manager").
    pub others: &'a [Arc<ApimCapacity>],
}

/// What the driver has gathered so far; `None` until asked for and gathered.
#[derive(Default)]
pub struct Facts {
    /// Whether a credential for the resource could be had.
    pub credentials: Option<Result<(), AzureError>>,
    /// The answer to one poll of the operation recorded in status.
    pub poll: Option<Result<PollOutcome, AzureError>>,
    /// The live service (one GET).
    pub service: Option<Result<ServiceResource, AzureError>>,
    /// Unit prices of the live and the desired tier in each region (the day cache of the
    /// Retail Prices API, no ARM call).
    pub prices: Option<Quotes>,
    /// The unit limits Azure reports for the service (`/skus`, cached for a day).
    pub skus: Option<Result<AzureLimits, AzureError>>,
    /// The subnets of the VNet-injected regions a pending change would grow (cached).
    pub subnets: Option<Vec<SubnetRead>>,
    /// Every Azure autoscale setting of the service's resource group (cached 10 minutes),
    /// or why they could not be listed.
    pub autoscale_settings: Option<Result<Vec<AutoscaleSetting>, String>>,
    /// The Azure Monitor metrics of the autoscaled regions (one request, kept until the
    /// next evaluation), or why they could not be read.
    pub metrics: Option<Result<MetricReadings, String>>,
}

/// A fact the next gate needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Need {
    /// The credential of the resource (its Secret, or the operator's own identity).
    Credentials,
    /// One poll of the recorded operation.
    Poll(OperationHandle),
    /// One GET of the service.
    Service(ServiceRef),
    /// The unit prices of these tiers in these regions.
    Prices(Vec<(Sku, Location)>),
    /// The unit limits Azure reports for the service.
    Skus(ServiceRef),
    /// The address prefix of each of these subnets; `true`: read again even when
    /// remembered (a remembered prefix would refuse the change).
    Subnets(Vec<SubnetToRead>, bool),
    /// Every page of the resource group's Azure autoscale settings, from this request on.
    AutoscaleSettings(ArmGet),
    /// The one Azure Monitor metrics request of the service.
    Metrics(ArmGet),
}

/// What to do next.
#[derive(Debug)]
pub enum Decision {
    /// Gather this fact and decide again.
    Gather(Need),
    /// Start one step with one PATCH, then hand Azure's answer to [`after_start`].
    Start(Box<Start>),
    /// Nothing more to do in this reconcile.
    Conclude(Box<Verdict>),
}

/// The end of a reconcile: the outcome for status, when to look again, and what else to
/// publish or record.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub requeue: Requeue,
    pub findings: Findings,
}

/// A step to start now.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// What the PATCH changes.
    pub step: Step,
    /// Its number in the plan (1-based), counting steps finished earlier.
    pub number: u32,
    /// Steps in the plan, counting those finished earlier.
    pub total: u32,
    /// The metadata.generation the step is started for.
    pub generation: Option<i64>,
    /// The service to PATCH.
    pub service: ServiceRef,
    /// The live service the PATCH is built on (it keeps every field of the regions that stay).
    pub current: ServiceResource,
    /// The previous PATCH was refused with a 409 (not `ScopeLocked`) although the service ran
    /// no operation: a second such refusal is not "busy".
    pub refused_while_idle_before: bool,
    /// What was found on the way here.
    pub findings: Findings,
}

/// What a reconcile learned on the way to its decision, besides the outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    /// For status: the live service, the plan, an operation that finished.
    pub observed: Observed,
    /// Events beyond those implied by the status transition.
    pub events: Vec<Note>,
    /// A finished operation's duration, to learn from: the tier it moved the service to,
    /// its kind and how long it took.
    pub learned: Option<(Sku, StepKind, Duration)>,
    /// Drift was found and is being corrected.
    pub drift_corrected: bool,
    /// The next instant a schedule or change window changes what the operator aims at or
    /// may do: the reconcile looks again then at the latest.
    pub wake_at: Option<Timestamp>,
}

impl Findings {
    fn conclude(&self, outcome: Outcome, requeue: Requeue) -> Decision {
        Decision::Conclude(Box::new(Verdict {
            outcome,
            requeue,
            findings: self.clone(),
        }))
    }
}

/// Decides what the reconcile does next, from what is known so far.
pub fn decide(input: &Input, facts: &Facts) -> Decision {
    match chain(input, facts) {
        Ok(decision) | Err(decision) => decision,
    }
}

/// The gates in order; each returns `Err(decision)` when it decides.
fn chain(input: &Input, facts: &Facts) -> Result<Decision, Decision> {
    let spec = &input.resource.spec;
    let mut found = Findings::default();
    found.observed.service_id = Some(spec.service.service_ref().resource_id());
    gates::not_suspended(input, &found)?;
    gates::scope_allowed(input, &found)?;
    gates::sole_manager(input, &found)?;
    let mut aimed = clock::aim(input, &mut found)?;
    gates::seen_before(input, &found)?;
    gates::credentials(input, facts, &found)?;
    let recorded = operation::recorded(input, facts, &mut found)?;
    let live = service::live(input, facts, recorded.resource, &mut found)?;
    service::not_busy(input, live, &recorded, &mut found)?;
    service::ended_as_asked(input, live, &recorded, &mut found)?;
    autoscale::scaled(input, facts, live, &mut aimed, &mut found)?;
    let desired = &aimed.desired;
    let cost = approval::priced(facts, live, desired, &mut found)?;
    let finished_step = recorded.finished_step();
    let policy = preflight::policy(input, facts, live, desired, &mut found)?;
    let steps = service::planned(input, desired, live, &policy, finished_step, &mut found)?;
    service::held_after_missed_target(input, &found)?;
    let finished_or_moved = finished_step.is_some() || aimed.moved;
    service::drift(input, desired, live, finished_or_moved, &mut found)?;
    approval::approved(input, live, &steps, cost.as_ref(), &mut found)?;
    clock::change_window(input, &aimed, &steps, &mut found)?;
    Ok(service::start(input, live, steps, finished_step, found))
}
