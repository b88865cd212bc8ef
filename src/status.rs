//! Pure status computation: the next status of an `ApimCapacity` from the previous one,
//! what the reconcile observed and decided, and the time. No I/O.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::{
    ApimCapacityStatus, ApprovalStatus, Condition, ConditionStatus, ConditionType, CostStatus,
    LastOperation, LiveRegionStatus, LiveStatus, OperationStatus, PlannedChange, Reason,
};
use crate::domain::LiveService;

/// What a reconcile concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Seen for the first time: the status says so before any Azure call, so GitOps tools
    /// (kstatus) do not read a resource without status as done.
    Pending,
    /// `spec.suspend` is true: nothing was done.
    Suspended,
    /// The service matches the spec.
    InSync,
    /// The service differs from the spec because of a change made elsewhere, and
    /// `spec.drift` is `Report`.
    DriftReported { message: String },
    /// An operation of this operator runs (started now or earlier).
    InProgress {
        reason: Reason,
        operation: OperationStatus,
    },
    /// Azure runs an operation this operator did not start, or refused a change as busy.
    WaitingForAzure { message: String },
    /// A step is ready but held until a moment comes (a change window opens); it goes on
    /// by itself, so Reconciling, not Stalled.
    Waiting { reason: Reason, message: String },
    /// Progress needs a person: a blocked plan, a refused change, missing rights.
    Stalled { reason: Reason, message: String },
    /// A passing failure; the reconcile is retried with backoff.
    Retrying { message: String },
}

impl Outcome {
    /// The metric label of the outcome (a closed set).
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pending => "Pending",
            Outcome::Suspended => "Suspended",
            Outcome::InSync => "InSync",
            Outcome::DriftReported { .. } => "DriftReported",
            Outcome::InProgress { .. } => "InProgress",
            Outcome::WaitingForAzure { .. } => "WaitingForAzure",
            Outcome::Waiting { .. } => "Waiting",
            Outcome::Stalled { .. } => "Stalled",
            Outcome::Retrying { .. } => "Retrying",
        }
    }
}

/// What the reconcile learned besides its outcome. `None` keeps the previous value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The live service, when it was read.
    pub live: Option<LiveService>,
    /// The Azure resource id of the service.
    pub service_id: Option<String>,
    /// The remaining changes, when planned.
    pub plan: Option<Vec<PlannedChange>>,
    /// An operation that finished during this reconcile.
    pub finished: Option<LastOperation>,
    /// The capacity aimed at and the schedules (`status.effective`, `status.schedule`),
    /// when worked out.
    pub aim: Option<crate::effective::Aim>,
    /// What the live and the desired service cost; `Some(None)` removes it.
    pub cost: Option<Option<CostStatus>>,
    /// The plan's approval; `Some(None)` removes it.
    pub approval: Option<Option<ApprovalStatus>>,
    /// The operation in flight as it is now (e.g. one more failed poll), for outcomes that
    /// keep it.
    pub operation: Option<OperationStatus>,
    /// The recorded operation is not to be followed any more (its URL is not trusted).
    pub forget_operation: bool,
    /// The change recorded before its PATCH (`status.pending`) is settled: Azure answered
    /// the PATCH, or the live service showed what became of it.
    pub pending_settled: bool,
    /// `status.autoscale` as decided now; `Some(empty)` removes it.
    pub autoscale: Option<Vec<crate::api::autoscale::RegionAutoscaleStatus>>,
}

/// The status after a reconcile.
pub fn next_status(
    previous: &ApimCapacityStatus,
    generation: Option<i64>,
    observed: Observed,
    outcome: &Outcome,
    now: Timestamp,
) -> ApimCapacityStatus {
    let mut next = previous.clone();
    if let Some(id) = observed.service_id {
        next.service_id = Some(id);
    }
    if let Some(live) = &observed.live {
        let live_status = live_status(live, previous.live.as_ref(), now);
        next.units_summary = Some(live_status.units_summary());
        next.live = Some(live_status);
    }
    if let Some(plan) = observed.plan {
        next.plan = plan;
    }
    if let Some(finished) = observed.finished {
        next.last_operation = Some(Box::new(finished));
    }
    if let Some(autoscale) = observed.autoscale {
        next.autoscale = autoscale;
    }
    if let Some(aim) = observed.aim {
        next.effective = aim.effective;
        next.schedule = aim.schedule.map(Box::new);
    }
    if let Some(cost) = observed.cost {
        next.cost = cost.map(Box::new);
    }
    if let Some(approval) = observed.approval {
        next.approval = approval.map(Box::new);
    }
    if let Some(operation) = observed.operation {
        next.operation = Some(Box::new(operation));
    }
    if observed.forget_operation {
        next.operation = None;
    }
    match outcome {
        Outcome::InProgress { operation, .. } => next.operation = Some(Box::new(operation.clone())),
        Outcome::Pending
        | Outcome::Suspended
        | Outcome::WaitingForAzure { .. }
        | Outcome::Waiting { .. }
        | Outcome::Retrying { .. } => {}
        Outcome::InSync | Outcome::DriftReported { .. } | Outcome::Stalled { .. } => {
            next.operation = None
        }
    }
    if matches!(outcome, Outcome::InSync) {
        next.plan.clear();
    }
    if next.operation.is_some() || observed.pending_settled {
        next.pending = None;
    }
    let handled = matches!(
        outcome,
        Outcome::InSync | Outcome::DriftReported { .. } | Outcome::Stalled { .. }
    );
    if handled && let Some(generation) = generation {
        next.observed_generation = generation;
    }
    next.conditions = conditions(&previous.conditions, outcome, generation, now);
    next
}

/// Ready (always), Reconciling and Stalled (only when true) for an outcome.
fn conditions(
    previous: &[Condition],
    outcome: &Outcome,
    generation: Option<i64>,
    now: Timestamp,
) -> Vec<Condition> {
    use ConditionStatus::{False, True, Unknown};
    let (ready, reason, message, reconciling, stalled) = match outcome {
        Outcome::Pending => (
            Unknown,
            Reason::Pending,
            "The operator has seen the resource and reads the service in Azure next".to_string(),
            true,
            false,
        ),
        Outcome::Suspended => (
            Unknown,
            Reason::Suspended,
            "spec.suspend is true: the operator leaves the service alone".to_string(),
            false,
            false,
        ),
        Outcome::InSync => (
            True,
            Reason::Succeeded,
            "The service matches the spec".to_string(),
            false,
            false,
        ),
        Outcome::DriftReported { message } => {
            (False, Reason::DriftDetected, message.clone(), false, false)
        }
        Outcome::InProgress { reason, operation } => {
            (False, *reason, operation.headline(), true, false)
        }
        Outcome::WaitingForAzure { message } => {
            (False, Reason::WaitingForAzure, message.clone(), true, false)
        }
        Outcome::Waiting { reason, message } => (False, *reason, message.clone(), true, false),
        Outcome::Stalled { reason, message } => (False, *reason, message.clone(), false, true),
        Outcome::Retrying { message } => (False, Reason::Retrying, message.clone(), true, false),
    };
    let make = |type_: ConditionType, status: ConditionStatus| {
        let since = previous
            .iter()
            .find(|c| c.type_ == type_ && c.status == status)
            .map(|c| c.last_transition_time.clone())
            .unwrap_or_else(|| Time(now));
        Condition {
            type_,
            status,
            reason,
            message: message.clone(),
            last_transition_time: since,
            observed_generation: generation,
        }
    };
    let mut out = vec![make(ConditionType::Ready, ready)];
    if reconciling {
        out.push(make(ConditionType::Reconciling, True));
    }
    if stalled {
        out.push(make(ConditionType::Stalled, True));
    }
    out
}

/// The live service for status; `observedAt` moves only when what Azure reports changes, so
/// an unchanged service causes no status write.
fn live_status(live: &LiveService, previous: Option<&LiveStatus>, now: Timestamp) -> LiveStatus {
    let regions: Vec<LiveRegionStatus> = live
        .regions
        .iter()
        .map(|r| LiveRegionStatus {
            location: r.location.to_string(),
            units: r.units,
            primary: r.primary,
        })
        .collect();
    let provisioning_state = live.provisioning_state.as_str().to_string();
    let observed_at = match previous {
        Some(p)
            if p.sku == live.sku
                && p.regions == regions
                && p.provisioning_state == provisioning_state =>
        {
            p.observed_at.clone()
        }
        _ => Time(now),
    };
    LiveStatus {
        sku: live.sku,
        regions,
        provisioning_state,
        observed_at,
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
