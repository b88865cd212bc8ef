//! The reconcile pipeline (DESIGN §3): suspend → ownership → credentials → one GET → poll
//! the recorded operation → wait for foreign operations → plan → start one step.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::ResourceExt;

use super::context::Context;
use super::convert::{
    action_of, add, desired_capacity, desired_units, kind_of, live_units, planned_changes,
    reason_of, target_units,
};
use super::outcomes::{Requeue, from_azure_error, from_blocked};
use super::ownership::{other_manager, resource_id};
use super::polling::{Polled, held_after_failure, poll};
use crate::api::{
    ApimCapacity, ApimCapacityStatus, ConditionType, DriftPolicy, LastOperation, OperationResult,
    OperationStatus, Reason,
};
use crate::azure::{ApimApi, ArmClient, CapacityPatch, PatchOutcome, ServiceRef, ServiceResource};
use crate::plan::{self, Plan, Policy, Step};
use crate::status::{Observed, Outcome};

/// What one reconcile decided.
pub struct Decision {
    pub observed: Observed,
    pub outcome: Outcome,
    pub requeue: Requeue,
    /// Events beyond those implied by the status transition: (warning, reason, note).
    pub events: Vec<(bool, &'static str, String)>,
}

impl Decision {
    fn new(observed: Observed, outcome: Outcome, requeue: Requeue) -> Self {
        Decision {
            observed,
            outcome,
            requeue,
            events: Vec::new(),
        }
    }
}

/// Runs the pipeline for one resource.
pub async fn decide(
    obj: &ApimCapacity,
    ctx: &Context,
    previous: &ApimCapacityStatus,
    now: Timestamp,
) -> Decision {
    let mut observed = Observed {
        service_id: Some(resource_id(&obj.spec.service)),
        ..Observed::default()
    };
    if obj.spec.suspend {
        return Decision::new(observed, Outcome::Suspended, Requeue::OnChange);
    }
    let namespace = obj.namespace().unwrap_or_default();
    if let Some(policy) = &ctx.policy
        && !policy.allows(&namespace, &obj.spec.service)
    {
        let s = &obj.spec.service;
        let message = format!(
            "namespace {namespace} may not manage services in subscription {} (resource group {}, service {}): the operator's namespace policy does not allow it",
            s.subscription_id, s.resource_group, s.name
        );
        let outcome = Outcome::Stalled {
            reason: Reason::ScopeNotAllowed,
            message,
        };
        return Decision::new(observed, outcome, Requeue::Resync);
    }
    let all = ctx.store.state();
    if let Some(manager) = other_manager(obj, all.iter().map(|r| r.as_ref())) {
        let message = format!(
            "the service {} is already managed by ApimCapacity {manager}; only one resource may manage a service",
            obj.spec.service.name
        );
        let outcome = Outcome::Stalled {
            reason: Reason::ServiceConflict,
            message,
        };
        return Decision::new(observed, outcome, Requeue::Resync);
    }
    let secret = obj
        .spec
        .credentials
        .as_ref()
        .map(|c| c.secret_ref.name.as_str());
    let credential = match ctx
        .credentials
        .credential_for(&ctx.client, &namespace, secret)
        .await
    {
        Ok(credential) => credential,
        Err(e) => {
            let (outcome, requeue) = from_azure_error(&e, ctx.settings.busy_poll_interval());
            return Decision::new(observed, outcome, requeue);
        }
    };
    let api = ctx.arm.with_credential(credential);
    let service = ServiceRef::new(
        &obj.spec.service.subscription_id,
        &obj.spec.service.resource_group,
        &obj.spec.service.name,
    );
    let mut finished_step: Option<(u32, u32)> = None;
    // The operation recorded in status is polled first, without a GET of the service while
    // it runs: one Azure read per Retry-After.
    let mut latest: Option<ServiceResource> = None;
    let mut lost = false;
    if let Some(operation) = &previous.operation {
        match poll(&api, operation, ctx).await {
            Polled::Running(retry_after) => {
                let outcome = Outcome::InProgress {
                    reason: reason_of(operation.action),
                    operation: operation.clone(),
                };
                return Decision::new(observed, outcome, Requeue::After(retry_after));
            }
            Polled::Succeeded(resource) => {
                record_duration(ctx, operation, now);
                observed.finished =
                    Some(finished(operation, OperationResult::Succeeded, None, now));
                finished_step = Some((operation.step, operation.total_steps));
                latest = resource;
            }
            Polled::Failed(error) => {
                observed.finished = Some(finished(
                    operation,
                    OperationResult::Failed,
                    Some(error.clone()),
                    now,
                ));
                let message = format!(
                    "Azure reported that \"{}\" failed: {error}. It is retried at the next resync or when the spec changes",
                    operation.description
                );
                let outcome = Outcome::Stalled {
                    reason: Reason::OperationFailed,
                    message,
                };
                return Decision::new(observed, outcome, Requeue::Resync);
            }
            Polled::Lost(message) => {
                tracing::warn!(%message, "the recorded operation can no longer be polled");
                lost = true;
            }
            Polled::Error(message) => {
                return Decision::new(observed, Outcome::Retrying { message }, Requeue::Backoff);
            }
        }
    } else if held_after_failure(obj, previous, ctx, now) {
        let outcome = Outcome::Stalled {
            reason: Reason::OperationFailed,
            message: stalled_message(previous),
        };
        return Decision::new(observed, outcome, Requeue::Resync);
    }
    let resource = match latest {
        Some(resource) => resource,
        None => match api.get_service(&service).await {
            Ok(resource) => resource,
            Err(e) => {
                let (outcome, requeue) = from_azure_error(&e, ctx.settings.busy_poll_interval());
                return Decision::new(observed, outcome, requeue);
            }
        },
    };
    observed.service_id = Some(resource.live.id.clone());
    if lost && resource.live.is_busy() {
        observed.live = Some(resource.live);
        let message = "the recorded Azure operation can no longer be polled and the service is still busy; waiting for it".to_string();
        let requeue = Requeue::After(ctx.settings.busy_poll_interval());
        return Decision::new(observed, Outcome::WaitingForAzure { message }, requeue);
    }

    if resource.live.is_busy() {
        let message = format!(
            "Azure is running an operation on the service that this operator did not start (provisioningState {}); waiting for it to finish",
            resource.live.provisioning_state.as_str()
        );
        observed.live = Some(resource.live);
        let requeue = Requeue::After(ctx.settings.busy_poll_interval());
        return Decision::new(observed, Outcome::WaitingForAzure { message }, requeue);
    }

    let desired = desired_capacity(obj);
    let policy = Policy {
        allow_tier_downgrade: obj.spec.change_policy.allow_tier_downgrade,
        allow_region_removal: obj.spec.change_policy.allow_region_removal,
        allow_zone_change: obj.spec.change_policy.allow_zone_change,
        allow_downtime: obj.spec.change_policy.allow_downtime,
        limits: ctx.settings.limits.clone(),
        durations: ctx.durations(),
        ..Policy::default()
    };
    let planned = plan::plan(&desired, &resource.live, &policy, now);
    observed.live = Some(resource.live.clone());
    let steps = match planned {
        Plan::InSync => {
            observed.plan = Some(Vec::new());
            return Decision::new(observed, Outcome::InSync, Requeue::Resync);
        }
        Plan::Blocked(blocked) => {
            observed.plan = Some(Vec::new());
            return Decision::new(observed, from_blocked(&blocked), Requeue::Resync);
        }
        Plan::Steps(steps) => steps.steps,
    };
    observed.plan = Some(planned_changes(&steps));
    let mut events = Vec::new();
    if drifted(obj, previous) && finished_step.is_none() {
        let message = format!(
            "The service was changed outside this resource: Azure reports {} {}, the spec asks for {} {}",
            resource.live.sku,
            live_units(&resource),
            desired.sku,
            desired_units(&desired)
        );
        if obj.spec.drift == DriftPolicy::Report {
            let message = format!("{message}; spec.drift is Report, so nothing is changed");
            return Decision::new(
                observed,
                Outcome::DriftReported { message },
                Requeue::Resync,
            );
        }
        ctx.metrics.drift_detected();
        events.push((true, "DriftDetected", format!("{message}; correcting it")));
    }
    let (step_no, total) = match finished_step {
        Some((step, total)) if step < total => (step + 1, step + steps.len() as u32),
        _ => (1, steps.len() as u32),
    };
    let mut decision = start_step(
        &api,
        &service,
        &resource,
        &steps[0],
        (step_no, total),
        ctx,
        now,
    )
    .await;
    decision.observed = Observed {
        live: observed.live,
        service_id: observed.service_id,
        plan: observed.plan,
        finished: observed.finished.or(decision.observed.finished),
    };
    decision.events.extend(events);
    decision
}

async fn start_step(
    api: &ArmClient,
    service: &ServiceRef,
    resource: &ServiceResource,
    step: &Step,
    (step_no, total): (u32, u32),
    ctx: &Context,
    now: Timestamp,
) -> Decision {
    let target = CapacityPatch {
        sku: step.target.sku,
        primary_units: step.target.primary_units,
        additional: step.target.additional.clone(),
        zones: Some(step.target.zones.clone()),
    };
    match api.patch_capacity(service, resource, &target).await {
        Ok(PatchOutcome::Started(handle)) => {
            let expected = ctx.durations().expected(step.kind());
            let operation = OperationStatus {
                step: step_no,
                total_steps: total,
                description: step.description(),
                action: action_of(step.kind()),
                started_at: Time(handle.started_at),
                expected_completion: Time(add(now, expected)),
                poll_url: handle.url.clone(),
                poll_style: match handle.style {
                    crate::azure::PollStyle::AsyncOperation => {
                        crate::api::PollStyle::AzureAsyncOperation
                    }
                    crate::azure::PollStyle::Location => crate::api::PollStyle::Location,
                },
                target_sku: target.sku,
                target_units: target_units(&target, resource),
            };
            let outcome = Outcome::InProgress {
                reason: reason_of(operation.action),
                operation,
            };
            let wait = handle.retry_after.max(ctx.settings.min_retry_after);
            Decision::new(Observed::default(), outcome, Requeue::After(wait))
        }
        Ok(PatchOutcome::Done(_)) => {
            // Azure applied the change at once: look again right away for the next step.
            let observed = Observed {
                finished: Some(LastOperation {
                    description: step.description(),
                    result: OperationResult::Succeeded,
                    started_at: Time(now),
                    finished_at: Time(now),
                    error: None,
                }),
                ..Observed::default()
            };
            let outcome = Outcome::Retrying {
                message: format!(
                    "{} was applied at once; checking the service again",
                    step.description()
                ),
            };
            Decision::new(
                observed,
                outcome,
                Requeue::After(Duration::from_millis(200)),
            )
        }
        Err(e) => {
            let (outcome, requeue) = from_azure_error(&e, ctx.settings.busy_poll_interval());
            Decision::new(Observed::default(), outcome, requeue)
        }
    }
}

fn stalled_message(previous: &ApimCapacityStatus) -> String {
    previous
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Stalled)
        .map(|c| c.message.clone())
        .unwrap_or_default()
}

/// The service was in sync for this generation and no longer is.
fn drifted(obj: &ApimCapacity, previous: &ApimCapacityStatus) -> bool {
    let handled = obj.metadata.generation == Some(previous.observed_generation);
    handled
        && crate::status::ready(previous)
            .is_some_and(|ready| matches!(ready.reason, Reason::Succeeded | Reason::DriftDetected))
}

fn record_duration(ctx: &Context, operation: &OperationStatus, now: Timestamp) {
    let took = now.duration_since(operation.started_at.0);
    if let Ok(took) = Duration::try_from(took) {
        let kind = kind_of(operation.action);
        ctx.durations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(kind, took);
        ctx.metrics.operation_finished(kind.as_str(), took);
    }
}

fn finished(
    operation: &OperationStatus,
    result: OperationResult,
    error: Option<String>,
    now: Timestamp,
) -> LastOperation {
    LastOperation {
        description: operation.description.clone(),
        result,
        started_at: operation.started_at.clone(),
        finished_at: Time(now),
        error,
    }
}
