//! A change recorded before its PATCH (`status.pending`) and an operation followed by
//! reading the service: what a reconcile makes of them after a restart, and when the
//! recorded change is settled.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::intent;
use super::world::{POLL_URL, Run, World, at, azure_error, operation, service, world};
use crate::api::{Action, OperationResult, OperationStatus, PendingChange, PollStyle, Reason};
use crate::azure::AzureError;
use crate::azure::error::{Call, RequestIds};
use crate::controller::events::EventReason;
use crate::controller::outcomes::Requeue;
use crate::domain::Sku;
use crate::status::{Outcome, next_status};

const BUSY: Requeue = Requeue::After(Duration::from_secs(30));

/// The change `world()` plans (westeurope 2 → 3), recorded 5 minutes ago, no operation.
fn pending() -> PendingChange {
    PendingChange {
        client_request_id: "6f1c3c57-8f0a-4b8e-9d43-2f3a1e0b7c11".into(),
        step: 1,
        total_steps: 1,
        description: "Scale westeurope from 2 to 3 units".into(),
        action: Action::Scale,
        requested_at: Time(at(-5)),
        target_sku: Sku::Premium,
        target_units: "westeurope=3,eastus=1".into(),
        generation: Some(1),
    }
}

fn with_pending(mut w: World) -> World {
    w.previous.pending = Some(Box::new(pending()));
    w
}

fn live(w: World, westeurope: u32, state: &'static str) -> World {
    w.live(move || {
        Ok(service(
            Sku::Premium,
            &[("West Europe", westeurope), ("East US", 1)],
            state,
        ))
    })
}

/// `operation(1, 1, 20)` followed by reading the service (no URL).
fn followed() -> OperationStatus {
    OperationStatus {
        poll_url: String::new(),
        poll_style: PollStyle::Service,
        ..operation(1, 1, 20)
    }
}

fn status_after(w: &World, run: &Run) -> crate::api::ApimCapacityStatus {
    next_status(
        &w.previous,
        Some(1),
        run.verdict.findings.observed.clone(),
        &run.verdict.outcome,
        w.now,
    )
}

fn in_progress(run: &Run) -> &OperationStatus {
    match &run.verdict.outcome {
        Outcome::InProgress { operation, .. } => operation,
        other => panic!("expected InProgress, got {other:?}"),
    }
}

#[test]
fn a_pending_change_on_a_busy_service_is_adopted_without_a_second_patch() {
    let w = live(with_pending(world()), 2, "Updating");
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get"]);
    assert_eq!(run.reason(), Reason::Scaling);
    assert_eq!(run.requeue(), BUSY);
    let op = in_progress(&run);
    assert_eq!(op.poll_style, PollStyle::Service);
    assert_eq!(op.target_units, "westeurope=3,eastus=1");
    assert_eq!(op.started_at, Time(at(-5)));
    let note = &run.verdict.findings.events;
    assert!(
        note.iter()
            .any(|n| n.reason == EventReason::OperationStarted
                && n.note.contains("6f1c3c57-8f0a-4b8e-9d43-2f3a1e0b7c11")),
        "{note:?}"
    );
    let next = status_after(&w, &run);
    assert_eq!(
        next.pending, None,
        "the adopted operation replaces the pending change"
    );
    assert_eq!(
        next.operation.as_ref().map(|o| o.poll_style),
        Some(PollStyle::Service)
    );
}

#[test]
fn a_pending_change_the_idle_service_already_has_is_finished() {
    let w = live(with_pending(world()), 3, "Succeeded");
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get"]);
    assert_eq!(run.reason(), Reason::Succeeded);
    let next = status_after(&w, &run);
    assert_eq!(next.pending, None);
    let last = next
        .last_operation
        .expect("the change is recorded as finished");
    assert_eq!(last.result, OperationResult::Succeeded);
    assert_eq!(last.description, "Scale westeurope from 2 to 3 units");
}

#[test]
fn a_pending_change_the_idle_service_lacks_is_planned_and_sent_again() {
    let w = with_pending(world());
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get", "patch"]);
    assert_eq!(run.reason(), Reason::Scaling);
    let next = status_after(&w, &run);
    assert_eq!(next.pending, None);
    assert!(
        next.last_operation.is_none(),
        "nothing finished: it never ran"
    );
}

#[test]
fn an_operation_followed_by_the_service_waits_while_it_is_busy_and_never_polls() {
    let mut w = live(world(), 2, "Updating");
    w.previous.operation = Some(Box::new(followed()));
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get"]);
    assert_eq!(run.reason(), Reason::Scaling);
    assert_eq!(run.requeue(), BUSY);
}

#[test]
fn an_operation_followed_by_the_service_ends_when_it_is_idle_with_the_target() {
    let mut w = live(world(), 3, "Succeeded");
    w.previous.operation = Some(Box::new(followed()));
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get"]);
    assert_eq!(run.reason(), Reason::Succeeded);
    let next = status_after(&w, &run);
    assert_eq!(next.operation, None);
    let last = next.last_operation.expect("finished");
    assert_eq!(last.result, OperationResult::Succeeded);
    assert_eq!(last.target_missed, None);
    assert!(
        run.verdict.findings.learned.is_some(),
        "its duration is learned"
    );
}

#[test]
fn an_operation_followed_by_the_service_that_missed_its_target_is_tried_once_more() {
    let mut w = world();
    w.previous.operation = Some(Box::new(followed()));
    let run = w.reconcile();
    assert_eq!(run.calls, ["credentials", "get", "patch"]);
    let next = status_after(&w, &run);
    let last = next.last_operation.expect("finished");
    assert!(last.target_missed.is_some(), "{last:?}");
}

#[test]
fn the_intent_names_the_step_and_the_request_id_before_the_patch() {
    let w = world();
    let run = w.reconcile();
    let start = run.started.expect("world() starts a step");
    let recorded = intent(&w.previous, &start, "id-1", at(0));
    let pending = recorded.pending.expect("recorded");
    assert_eq!(pending.client_request_id, "id-1");
    assert_eq!(pending.target_units, "westeurope=3,eastus=1");
    assert_eq!(pending.target_sku, Sku::Premium);
    assert_eq!((pending.step, pending.total_steps), (1, 1));
    assert_eq!(pending.requested_at, Time(at(0)));
    assert_eq!(
        recorded.conditions, w.previous.conditions,
        "only the change is added"
    );
    assert_eq!(recorded.operation, None);
}

#[test]
fn a_patch_without_an_answer_keeps_the_pending_change_an_answer_settles_it() {
    let timeout = || {
        Err(AzureError::Timeout {
            call: Call::PatchCapacity,
            message: "no answer in 30s".into(),
            ids: RequestIds::default(),
        })
    };
    let refused = || Err(azure_error(Call::PatchCapacity, 400, "ValidationError"));
    for (answer, settled) in [
        (Box::new(timeout) as Box<dyn Fn() -> _>, false),
        (Box::new(refused), true),
    ] {
        let w = with_pending(world()).patch(answer);
        let run = w.reconcile();
        assert_eq!(run.calls, ["credentials", "get", "patch"]);
        assert_eq!(run.verdict.findings.observed.pending_settled, settled);
    }
    let accepted = with_pending(world()).reconcile();
    let next = status_after(&with_pending(world()), &accepted);
    assert_eq!(next.pending, None);
    assert_eq!(
        next.operation.map(|o| o.poll_url),
        Some(POLL_URL.to_string())
    );
}
