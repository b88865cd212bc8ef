//! One reconcile, as a pipeline: gather (I/O) → decide (pure) → act (I/O) → report (pure
//! status, then I/O: write it when it changed, publish Events, choose the requeue).
//!
//! Every decision lives in [`super::decide`]; this file only runs the loop that feeds it
//! the facts it asks for and carries out what it decides.

use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use kube::ResourceExt;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use tracing::Instrument;

use super::act::start_step;
use super::clock::{next_look, schedule_transitions};
use super::context::{Context, FIELD_MANAGER, jitter};
use super::decide::listed::{may_answer, stands};
use super::decide::{Decision, Facts, Input, Need, Verdict, after_start, decide, intent};
use super::events::{self, EventType};
use super::gather::gather;
use super::outcomes::Requeue;
use crate::api::{ApimCapacity, ApimCapacityStatus};
use crate::azure::ServiceResource;
use crate::domain::Sku;
use crate::metrics::ResourceView;
use crate::plan::StepKind;
use crate::status::{Outcome, next_status};

/// More gathers than there are kinds of facts means the decision loops: a bug, reported as
/// a passing failure rather than a hang.
const MAX_GATHERS: usize = 10;

/// A reconcile failed in a way that could not even be reported in status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not write the status of {namespace}/{name}: {source}")]
    StatusWrite {
        namespace: String,
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("the resource has no namespace")]
    NotNamespaced,
}

/// The reconcile entry point for kube-runtime.
pub async fn reconcile(obj: Arc<ApimCapacity>, ctx: Arc<Context>) -> Result<Action, Error> {
    let namespace = obj.namespace().ok_or(Error::NotNamespaced)?;
    let name = obj.name_any();
    let span = tracing::info_span!("reconcile", resource = %format!("{namespace}/{name}"));
    async move {
        let started = Instant::now();
        let now = Timestamp::now();
        let object = ObjectRef::from_obj(obj.as_ref());
        let stored = ctx.freshest_status(&object, &obj);
        let Some(acted) = decide_and_act(&obj, &object, &ctx, &stored, now).await? else {
            // The process is stepping down: no Azure write was made and no status is
            // written; the next leader reconciles from the stored status.
            tracing::info!("not the leader (any more): no Azure write and no status write");
            return Ok(Action::requeue(ctx.settings.busy_poll_interval()));
        };
        let previous = acted.intent.unwrap_or(stored);
        report(&ctx, &obj, &object, &previous, acted.verdict, now, started).await
    }
    .instrument(span)
    .await
}

/// What a reconcile decided, and the status it wrote before a PATCH.
struct Acted {
    verdict: Verdict,
    /// The status written before the PATCH (it names the change in `status.pending`).
    intent: Option<ApimCapacityStatus>,
}

/// Gather → decide → act: feeds [`decide`] the facts it asks for until it starts a step or
/// concludes; `None` when the fence refused the write (this process no longer leads).
async fn decide_and_act(
    obj: &ApimCapacity,
    object: &ObjectRef<ApimCapacity>,
    ctx: &Context,
    previous: &ApimCapacityStatus,
    now: Timestamp,
) -> Result<Option<Acted>, Error> {
    let others = ctx.store.state();
    let durations = ctx.durations();
    let input = Input {
        resource: obj,
        previous,
        now,
        settings: &ctx.settings,
        durations: &durations,
        scopes: ctx.policy.as_ref(),
        others: &others,
    };
    let mut facts = Facts::default();
    let mut azure = None;
    // The subscription's listing may stand in for the GET of the service (see `listed`).
    let mut listing = ctx.listing.as_deref().filter(|_| may_answer(obj, previous));
    let mut listed = false;
    for _ in 0..MAX_GATHERS {
        let decision = decide(&input, &facts);
        if listed && !stands(&decision) {
            // Decided on the listing, something other than "in sync": read the service.
            tracing::debug!("the listed service is not in sync: reading it");
            (facts.service, listed) = (None, false);
            continue;
        }
        match decision {
            Decision::Gather(Need::Service(service)) if listing.is_some() => {
                match listing.take().and_then(|l| l.answer(&service)) {
                    Some(live) => {
                        facts.service = Some(Ok(ServiceResource::from_listing(live)));
                        listed = true;
                    }
                    None => {
                        let need = Need::Service(service);
                        gather(need, obj, ctx, &mut facts, &mut azure).await;
                    }
                }
            }
            Decision::Gather(need) => gather(need, obj, ctx, &mut facts, &mut azure).await,
            Decision::Start(start) => {
                if ctx.fence.check().is_err() {
                    return Ok(None);
                }
                // A listing taken before this write must not answer after it.
                if let Some(listing) = &ctx.listing {
                    listing.forget(&start.service);
                }
                // The change is recorded before it is sent; when that write fails nothing
                // is sent (the error retries the reconcile with backoff).
                let id = uuid::Uuid::new_v4().to_string();
                let recorded = intent(previous, &start, &id, now);
                let version = write_status(ctx, obj, &recorded).await?;
                ctx.remember_status(object, version, &recorded);
                let api = azure.as_ref().map(|a| a.with_write_request_id(&id));
                let Ok(answer) = start_step(&start, api.as_ref(), ctx).await else {
                    return Ok(None);
                };
                let verdict = after_start(*start, answer, &ctx.settings, &durations, now);
                return Ok(Some(Acted {
                    verdict,
                    intent: Some(recorded),
                }));
            }
            Decision::Conclude(verdict) => {
                if listed {
                    ctx.metrics.listed_read();
                }
                return Ok(Some(Acted {
                    verdict: *verdict,
                    intent: None,
                }));
            }
        }
    }
    tracing::error!("the reconcile kept asking for facts it had; giving up this round");
    let verdict = Verdict {
        outcome: Outcome::Retrying {
            message: "internal error: the reconcile did not reach a decision".into(),
        },
        requeue: Requeue::Backoff,
        findings: Default::default(),
    };
    Ok(Some(Acted {
        verdict,
        intent: None,
    }))
}

/// The verdict made visible: status (written only when it changed), Events, metrics, and
/// the requeue.
async fn report(
    ctx: &Context,
    obj: &ApimCapacity,
    object: &ObjectRef<ApimCapacity>,
    previous: &ApimCapacityStatus,
    verdict: Verdict,
    now: Timestamp,
    started: Instant,
) -> Result<Action, Error> {
    let Verdict {
        outcome,
        requeue,
        findings,
    } = verdict;
    let wake_at = findings.wake_at;
    learn(ctx, findings.learned, findings.drift_corrected).await;
    let next = next_status(
        previous,
        obj.metadata.generation,
        findings.observed,
        &outcome,
        now,
    );
    let unwritten = persist(ctx, obj, object, previous, &next).await;
    let mut notes = events::transitions(previous, &next);
    notes.extend(schedule_transitions(previous, &next));
    notes.extend(findings.events);
    for n in &notes {
        match n.kind {
            EventType::Warning => tracing::warn!(reason = n.reason.as_str(), "{}", n.note),
            EventType::Normal => tracing::info!(reason = n.reason.as_str(), "{}", n.note),
        }
    }
    events::publish(ctx, obj, &notes).await;

    let base = requeue_wait(ctx, object, requeue);
    // The earliest wins: a schedule or change window that changes something sooner.
    let action = match next_look(base, wake_at, now, ctx.settings.resync_interval) {
        Some(wait) => Action::requeue(wait),
        None => Action::await_change(),
    };
    ctx.metrics.reconciled(
        outcome.label(),
        started.elapsed(),
        next.operation.is_some(),
        object,
    );
    ctx.metrics
        .show_resource(object, &ResourceView::of(&next, &ctx.durations()));
    ctx.metrics
        .show_autoscale(object, &previous.autoscale, &next.autoscale);
    match unwritten {
        Some(e) => Err(e),
        None => Ok(action),
    }
}

/// What a finished operation taught (its duration, by tier and kind) and drift corrected,
/// into the learned durations (kept in the ConfigMap, if any) and the metrics.
async fn learn(
    ctx: &Context,
    learned: Option<(Sku, StepKind, std::time::Duration)>,
    drift_corrected: bool,
) {
    if let Some((tier, kind, took)) = learned {
        ctx.durations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record_for(tier, kind, took);
        ctx.metrics.operation_finished(kind.as_str(), took);
        ctx.keep_durations().await;
    }
    if drift_corrected {
        ctx.metrics.drift_detected();
    }
}

/// Writes `next` when it changed (or an earlier one is still unwritten). A status that could
/// not be written is kept (it may carry the operation Azure now runs) and written again by
/// the next reconcile; the error is returned so the reconcile retries with backoff.
async fn persist(
    ctx: &Context,
    obj: &ApimCapacity,
    object: &ObjectRef<ApimCapacity>,
    previous: &ApimCapacityStatus,
    next: &ApimCapacityStatus,
) -> Option<Error> {
    if next == previous && !ctx.has_unwritten(object) {
        return None;
    }
    match write_status(ctx, obj, next).await {
        Ok(version) => {
            ctx.remember_status(object, version, next);
            None
        }
        Err(e) => {
            ctx.keep_unwritten(object, next);
            Some(e)
        }
    }
}

/// How long until the object is looked at again for `requeue` (`None`: on a change only).
fn requeue_wait(
    ctx: &Context,
    object: &ObjectRef<ApimCapacity>,
    requeue: Requeue,
) -> Option<std::time::Duration> {
    match requeue {
        Requeue::Backoff => Some(ctx.next_backoff(object)),
        other => {
            ctx.reset_backoff(object);
            match other {
                // Never later than the resync: Azure's Retry-After cannot park an object.
                Requeue::After(wait) => Some(wait.min(ctx.settings.resync_interval)),
                Requeue::Resync => Some(jitter(ctx.settings.resync_interval, 0.1)),
                Requeue::OnChange | Requeue::Backoff => None,
            }
        }
    }
}

/// Handles errors the reconcile could not report in status: retry with backoff.
pub fn error_policy(obj: Arc<ApimCapacity>, error: &Error, ctx: Arc<Context>) -> Action {
    if let Error::StatusWrite {
        source: kube::Error::Api(status),
        ..
    } = error
        && status.code == 403
    {
        tracing::error!(error = %error, "the operator may not write ApimCapacity status: check its RBAC (apimcapacities/status patch)");
        ctx.health.set_problem(Some(format!(
            "forbidden to write ApimCapacity status: {error}"
        )));
    }
    tracing::warn!(resource = %format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any()), error = %error, "reconcile failed");
    let object = ObjectRef::from_obj(obj.as_ref());
    ctx.metrics
        .reconciled("Error", std::time::Duration::ZERO, false, &object);
    Action::requeue(ctx.next_backoff(&object))
}

/// Writes the whole status under the operator's field manager; returns the resourceVersion
/// it produced.
async fn write_status(
    ctx: &Context,
    obj: &ApimCapacity,
    status: &ApimCapacityStatus,
) -> Result<Option<u64>, Error> {
    let namespace = obj.namespace().unwrap_or_default();
    let name = obj.name_any();
    let api: kube::Api<ApimCapacity> = kube::Api::namespaced(ctx.client.clone(), &namespace);
    let failed = |source| Error::StatusWrite {
        namespace: namespace.clone(),
        name: name.clone(),
        source,
    };
    // The whole status is replaced (a JSON Patch `add` of /status), not merged: fields
    // someone else wrote into it (e.g. `kubectl patch --subresource=status`) would otherwise
    // survive the operator's writes, leave an object the schema refuses, and make every
    // later status write fail.
    let patch = serde_json::from_value(serde_json::json!([
        {"op": "add", "path": "/status", "value": status}
    ]))
    .map_err(|e| failed(kube::Error::SerdeError(e)))?;
    let written = api
        .patch_status(
            &name,
            &PatchParams {
                field_manager: Some(FIELD_MANAGER.to_string()),
                ..PatchParams::default()
            },
            &Patch::<()>::Json(patch),
        )
        .await
        .map_err(failed)?;
    Ok(written
        .metadata
        .resource_version
        .and_then(|v| v.parse().ok()))
}
