//! One reconcile: decide, write status if it changed, publish Events, choose the requeue.

use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, ResourceExt};

use super::context::{Context, FIELD_MANAGER, jitter};
use super::decide::decide;
use super::events::{self, Note};
use super::outcomes::Requeue;
use crate::api::{ApimCapacity, ApimCapacityStatus};
use crate::status::{Outcome, next_status};

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
    reconcile_inner(obj, ctx, namespace, name)
        .instrument(span)
        .await
}

async fn reconcile_inner(
    obj: Arc<ApimCapacity>,
    ctx: Arc<Context>,
    namespace: String,
    name: String,
) -> Result<Action, Error> {
    let started = Instant::now();
    let now = Timestamp::now();
    let object = ObjectRef::from_obj(obj.as_ref());
    let previous = ctx.freshest_status(&object, &obj);

    let decision = decide(&obj, &ctx, &previous, now).await;
    if decision.not_leader {
        // The process is stepping down; the next leader reconciles from the stored status.
        tracing::info!("not the leader (any more): no Azure write and no status write");
        return Ok(Action::requeue(ctx.settings.busy_poll_interval()));
    }
    let result = result_label(&decision.outcome);
    let next = next_status(
        &previous,
        obj.metadata.generation,
        decision.observed,
        &decision.outcome,
        now,
    );
    if next != previous {
        let version = write_status(&ctx, &namespace, &name, &next).await?;
        ctx.remember_status(&object, version, &next);
    }
    let mut notes = events::transitions(&previous, &next);
    notes.extend(
        decision
            .events
            .into_iter()
            .map(|(warning, reason, note)| Note {
                warning,
                reason,
                note,
            }),
    );
    for n in &notes {
        if n.warning {
            tracing::warn!(reason = n.reason, "{}", n.note);
        } else {
            tracing::info!(reason = n.reason, "{}", n.note);
        }
    }
    events::publish(&ctx, &obj, &notes).await;

    let action = match decision.requeue {
        Requeue::Backoff => Action::requeue(ctx.next_backoff(&object)),
        other => {
            ctx.reset_backoff(&object);
            match other {
                Requeue::After(wait) => Action::requeue(wait),
                Requeue::Resync => Action::requeue(jitter(ctx.settings.resync_interval, 0.1)),
                Requeue::OnChange | Requeue::Backoff => Action::await_change(),
            }
        }
    };
    ctx.metrics
        .reconciled(result, started.elapsed(), next.operation.is_some(), &object);
    Ok(action)
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
    ctx.metrics.reconciled(
        "Error",
        std::time::Duration::ZERO,
        false,
        &ObjectRef::from_obj(obj.as_ref()),
    );
    Action::requeue(ctx.next_backoff(&ObjectRef::from_obj(obj.as_ref())))
}

async fn write_status(
    ctx: &Context,
    namespace: &str,
    name: &str,
    status: &ApimCapacityStatus,
) -> Result<Option<u64>, Error> {
    let api: Api<ApimCapacity> = Api::namespaced(ctx.client.clone(), namespace);
    let patch = serde_json::json!({
        "apiVersion": "capacity.apim.dev/v1alpha1",
        "kind": "ApimCapacity",
        "status": status,
    });
    let written = api
        .patch_status(
            name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await
        .map_err(|source| Error::StatusWrite {
            namespace: namespace.to_string(),
            name: name.to_string(),
            source,
        })?;
    Ok(written
        .metadata
        .resource_version
        .and_then(|v| v.parse().ok()))
}

/// The metric label of an outcome (a closed set).
fn result_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Suspended => "Suspended",
        Outcome::InSync => "InSync",
        Outcome::DriftReported { .. } => "DriftReported",
        Outcome::InProgress { .. } => "InProgress",
        Outcome::WaitingForAzure { .. } => "WaitingForAzure",
        Outcome::Stalled { .. } => "Stalled",
        Outcome::Retrying { .. } => "Retrying",
    }
}
