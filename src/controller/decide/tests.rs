//! The decision table: every branch of a reconcile, one named row each. A row is a world
//! (see `world.rs`), the Azure calls the reconcile makes in it, the reason Ready will show,
//! and when the resource is looked at again; an optional check pins the rest.

use std::time::Duration;

use super::world::{SECOND, aiming_at, at, azure_error, handle, operation, service, world};
use crate::api::{
    ApprovalStatus, DriftPolicy, OperationResult, OperationStatus, PriceOrigin, Reason,
    RequireApproval,
};
use crate::azure::error::Call;
use crate::azure::{AzureError, PatchOutcome, PollOutcome};
use crate::controller::events::EventReason;
use crate::controller::outcomes::Requeue::{self, After, Backoff, OnChange, Resync};
use crate::domain::Sku;
use crate::plan::StepKind;

const BUSY: Requeue = After(Duration::from_secs(30));

fn secs(n: u64) -> Requeue {
    After(Duration::from_secs(n))
}

macro_rules! decisions {
    ($(
        $name:ident: $world:expr => [$($call:literal),*], $reason:ident, $requeue:expr
            $(, then $check:expr)?;
    )*) => {$(
        #[test]
        fn $name() {
            let run = $world.reconcile();
            let calls: &[&str] = &[$($call),*];
            assert_eq!(run.calls, calls, "Azure calls");
            assert_eq!(run.reason(), Reason::$reason, "reason; message: {}", run.message());
            assert_eq!(run.requeue(), $requeue, "requeue");
            $( ($check)(&run); )?
        }
    )*};
}

/// Premium westeurope 2 → 3 (eastus 1 kept) adds one Premium unit: +2,795.17 USD/month at
/// the built-in price.
const ONE_PREMIUM_UNIT: &str = "+2795.17";

fn not_found() -> AzureError {
    azure_error(Call::GetService, 404, "ResourceNotFound")
}

#[rustfmt::skip]
decisions! {
    // ── Gates before any Azure call ──────────────────────────────────────────────────────
    suspended_makes_no_azure_call:
        world().spec(|s| s.suspend = true)
        => [], Suspended, OnChange;
    namespace_outside_its_scopes_is_stalled:
        world().policy("other: [/subscriptions/00000000-0000-0000-0000-000000000000]")
        => [], ScopeNotAllowed, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("namespace platform may not manage"));
    namespace_inside_its_scopes_goes_on:
        world().policy("platform: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG]")
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_resource_seen_first_gets_a_status_before_any_azure_call:
        world().never_seen()
        => [], Pending, After(Duration::ZERO);
    a_suspended_resource_seen_first_says_suspended:
        world().never_seen().spec(|s| s.suspend = true)
        => [], Suspended, OnChange;
    an_older_resource_for_the_same_service_wins_unnamed_across_namespaces:
        world().other_manager("team-b", -5)
        => [], ServiceConflict, Resync,
        then |r: &super::world::Run| {
            assert!(r.message().contains("already managed by an ApimCapacity in another namespace"), "{}", r.message());
            assert!(!r.message().contains("team-b"), "{}", r.message());
        };
    an_older_resource_in_the_same_namespace_is_named:
        world().other_manager("platform", -5)
        => [], ServiceConflict, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("ApimCapacity other in this namespace"), "{}", r.message());
    a_suspended_older_resource_does_not_keep_the_service:
        world().other_manager_like("team-b", -5, |o| o.spec.suspend = true)
        => ["credentials", "get", "patch"], Scaling, secs(60);
    an_older_resource_its_policy_denies_does_not_keep_the_service:
        world().policy("platform: [/subscriptions/*]").other_manager("squatter", -5)
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_younger_resource_for_the_same_service_stands_aside:
        world().other_manager("team-b", 5)
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_missing_credentials_secret_stalls:
        world().credentials(|| Err(AzureError::SecretNotFound { namespace: "platform".into(), name: "sp".into() }))
        => ["credentials"], CredentialsError, Resync;
    an_unreadable_credentials_secret_retries:
        world().credentials(|| Err(AzureError::SecretUnreadable { namespace: "platform".into(), name: "sp".into(), message: "timeout".into() }))
        => ["credentials"], Retrying, Backoff;

    // ── The operation recorded in status is polled first, without a GET ─────────────────
    a_running_operation_costs_one_poll:
        world().recorded(operation(1, 1, 5), || Ok(PollOutcome::Running { retry_after: Duration::from_secs(60) }))
        => ["credentials", "poll"], Scaling, secs(60),
        then |r: &super::world::Run| assert!(r.verdict.findings.observed.finished.is_none());
    a_short_retry_after_is_raised_to_the_floor:
        world().recorded(operation(1, 1, 5), || Ok(PollOutcome::Running { retry_after: SECOND }))
        => ["credentials", "poll"], Scaling, secs(10);
    a_succeeded_operation_in_sync_is_ready_and_learned:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Succeeded(None)))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "poll", "get"], Succeeded, Resync,
        then |r: &super::world::Run| {
            let finished = r.verdict.findings.observed.finished.as_ref().map(|f| f.result);
            assert_eq!(finished, Some(OperationResult::Succeeded));
            assert_eq!(r.verdict.findings.learned, Some((Sku::Premium, StepKind::Scale, Duration::from_secs(25 * 60))));
        };
    a_succeeded_operation_that_returned_the_service_needs_no_get:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Succeeded(Some(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))))
        => ["credentials", "poll"], Succeeded, Resync;
    the_step_after_a_finished_one_keeps_its_number:
        world().recorded(aiming_at(operation(1, 2, 25), "westeurope=2,eastus=1"), || Ok(PollOutcome::Succeeded(None)))
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            let started = r.started.as_ref().map(|s| (s.number, s.total));
            assert_eq!(started, Some((2, 2)), "step 2 of 2, not 1 of 1");
            let plan = r.verdict.findings.observed.plan.clone().unwrap_or_default();
            assert!(plan.iter().all(|c| c.step == 2), "{plan:?}");
        };
    a_new_plan_after_the_last_step_starts_at_one:
        world().recorded(aiming_at(operation(2, 2, 25), "westeurope=2,eastus=1"), || Ok(PollOutcome::Succeeded(None)))
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| assert_eq!(r.started.as_ref().map(|s| (s.number, s.total)), Some((1, 1)));
    a_failed_operation_stalls_with_azures_error:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Failed(crate::azure::AzureErrorBody { code: "InternalError".into(), message: "boom".into(), ..Default::default() })))
        => ["credentials", "poll"], OperationFailed, Resync,
        then |r: &super::world::Run| {
            assert!(r.message().contains("(InternalError) boom"), "{}", r.message());
            let last = r.verdict.findings.observed.finished.clone();
            assert_eq!(last.map(|l| (l.result, l.error)), Some((OperationResult::Failed, Some("(InternalError) boom".into()))));
            assert!(r.verdict.findings.learned.is_none(), "a failure teaches no duration");
        };
    a_canceled_operation_stalls:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Canceled))
        => ["credentials", "poll"], OperationFailed, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("the operation was canceled"));
    a_poll_that_fails_for_a_while_retries_with_backoff:
        world().recorded(operation(1, 1, 5), || Err(azure_error(Call::PollOperation, 503, "ServiceUnavailable")))
        => ["credentials", "poll"], Retrying, Backoff;
    a_lost_operation_on_a_busy_service_waits_for_it:
        world().recorded(operation(1, 1, 5), || Err(azure_error(Call::PollOperation, 404, "NotFound")))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "poll", "get"], WaitingForAzure, BUSY,
        then |r: &super::world::Run| assert!(r.message().contains("can no longer be followed by its URL"));
    a_lost_operation_on_an_idle_service_is_planned_again:
        world().recorded(operation(1, 1, 5), || Err(azure_error(Call::PollOperation, 404, "NotFound")))
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| assert!(r.verdict.findings.observed.finished.is_none());

    // ── A failed operation holds the resource until the resync or a spec change ──────────
    a_recent_failure_holds_the_resource:
        world().failed_minutes_ago(5)
        => ["credentials"], OperationFailed, Resync,
        then |r: &super::world::Run| assert_eq!(r.message(), "previously OperationFailed");
    a_failure_older_than_the_resync_is_retried:
        world().failed_minutes_ago(11)
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_spec_change_after_a_failure_is_tried_at_once:
        world().failed_minutes_ago(5).generation(2)
        => ["credentials", "get", "patch"], Scaling, secs(60);

    // ── The live service ─────────────────────────────────────────────────────────────────
    a_service_busy_with_a_foreign_operation_is_waited_for:
        world().live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "get"], WaitingForAzure, BUSY,
        then |r: &super::world::Run| assert!(r.message().contains("did not start (provisioningState Updating)"));
    a_missing_service_stalls:
        world().live(|| Err(not_found()))
        => ["credentials", "get"], ServiceNotFound, Resync;
    a_forbidden_read_stalls:
        world().live(|| Err(azure_error(Call::GetService, 403, "AuthorizationFailed")))
        => ["credentials", "get"], AccessDenied, Resync;
    a_throttled_read_retries_with_backoff:
        world().live(|| Err(azure_error(Call::GetService, 429, "SubscriptionRequestsThrottled")))
        => ["credentials", "get"], Retrying, Backoff;
    in_sync_is_ready:
        world().live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "get"], Succeeded, Resync,
        then |r: &super::world::Run| assert_eq!(r.verdict.findings.observed.plan, Some(vec![]));
    a_plan_azure_forbids_is_blocked:
        world().spec(|s| s.regions.retain(|r| r.location != "westeurope"))
        => ["credentials", "get"], Blocked, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("primary region westeurope is not listed"));
    a_downgrade_without_consent_is_not_consented:
        world().spec(|s| { s.sku = Sku::Standard; s.regions.truncate(1); s.regions[0].units = Some(2); s.change_policy.allow_region_removal = true; })
        => ["credentials", "get"], NotConsented, Resync;

    // ── Drift: the service changed elsewhere after this generation was in sync ───────────
    drift_is_corrected_with_an_event:
        world().was_ready()
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            assert!(r.verdict.findings.drift_corrected);
            let events: Vec<_> = r.verdict.findings.events.iter().map(|e| e.reason).collect();
            assert_eq!(events, [EventReason::DriftDetected]);
            assert!(r.verdict.findings.events[0].note.contains("Azure reports Premium westeurope=2,eastus=1, the spec asks for Premium westeurope=3,eastus=1"));
        };
    drift_is_only_reported_when_asked:
        world().was_ready().spec(|s| s.drift = DriftPolicy::Report)
        => ["credentials", "get"], DriftDetected, Resync,
        then |r: &super::world::Run| assert!(r.message().ends_with("spec.drift is Report, so nothing is changed"));
    a_new_generation_is_a_change_not_drift:
        world().was_ready().generation(2)
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| assert!(r.verdict.findings.events.is_empty());

    // ── Starting a step, and Azure's answer to the PATCH ─────────────────────────────────
    a_started_step_is_recorded_for_polling:
        world()
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            let op = match &r.verdict.outcome { crate::status::Outcome::InProgress { operation, .. } => operation.clone(), other => panic!("{other:?}") };
            assert_eq!((op.step, op.total_steps), (1, 1));
            assert_eq!(op.description, "Scale westeurope from 2 to 3 units");
            assert_eq!(op.poll_url, super::world::POLL_URL);
            assert_eq!(op.target_units, "westeurope=3,eastus=1");
            assert_eq!(op.expected_completion.0, at(30), "the documented 30 minutes when nothing was learned");
        };
    a_short_retry_after_on_start_is_raised_to_the_floor:
        world().patch(|| Ok(PatchOutcome::Started(handle(SECOND))))
        => ["credentials", "get", "patch"], Scaling, secs(10);
    a_change_applied_at_once_looks_again_with_backoff:
        world().patch(|| Ok(PatchOutcome::Done(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded"))))
        => ["credentials", "get", "patch"], Retrying, Backoff,
        then |r: &super::world::Run| {
            let last = r.verdict.findings.observed.finished.as_ref().map(|l| (l.result, l.description.clone()));
            assert_eq!(last, Some((OperationResult::Succeeded, "Scale westeurope from 2 to 3 units".into())));
        };
    a_change_refused_as_busy_waits:
        world().patch(|| Err(azure_error(Call::PatchCapacity, 409, "Conflict")))
        => ["credentials", "get", "patch"], WaitingForAzure, BUSY,
        then |r: &super::world::Run| assert!(r.message().starts_with("Azure refused the change with a 409 although the service ran no operation"), "{}", r.message());
    a_second_409_on_an_idle_service_is_not_busy_and_stalls:
        world().refused_while_idle_before().patch(|| Err(azure_error(Call::PatchCapacity, 409, "Conflict")))
        => ["credentials", "get", "patch"], AzureError, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("twice with a 409") && r.message().contains("Conflict"), "{}", r.message());
    a_409_after_the_service_was_busy_waits_again:
        world().refused_while_idle_before().live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "get"], WaitingForAzure, BUSY;
    a_change_azure_refuses_stalls_with_its_code:
        world().patch(|| Err(azure_error(Call::PatchCapacity, 400, "InvalidParameters")))
        => ["credentials", "get", "patch"], AzureError, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("InvalidParameters"), "{}", r.message());

    // ── Cost and approvals (consent → approval → change window) ──────────────────────────
    the_cost_of_live_and_desired_is_in_status:
        world()
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            assert_eq!(r.prices_read, 1, "one read of the price cache, no ARM call");
            assert_eq!(r.cost(), Some((ONE_PREMIUM_UNIT.into(), PriceOrigin::BuiltIn)));
            let cost = r.verdict.findings.observed.cost.clone().flatten().expect("status.cost");
            assert_eq!((cost.live.monthly.as_str(), cost.desired.monthly.as_str()), ("8385.51", "11180.68"));
            assert_eq!(r.approval(), None, "no rules, no approval");
        };
    prices_read_from_the_api_are_used:
        world().api_price("westeurope", 4_000_000).api_price("eastus", 3_829_000)
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| assert_eq!(r.cost(), Some(("+2920.00".into(), PriceOrigin::RetailPricesApi)));
    in_sync_shows_the_cost_without_a_plan_to_approve:
        world().always().live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "get"], Succeeded, Resync,
        then |r: &super::world::Run| {
            assert_eq!(r.cost(), Some(("0.00".into(), PriceOrigin::BuiltIn)));
            assert_eq!(r.verdict.findings.observed.approval, Some(None), "status.approval is removed");
        };
    a_change_over_the_cost_threshold_awaits_approval_and_starts_nothing:
        world().cost_above("2000")
        => ["credentials", "get"], AwaitingApproval, Resync,
        then |r: &super::world::Run| {
            let approval = r.approval().expect("status.approval");
            assert_eq!(approval.plan_hash.len(), 10);
            assert!(approval.reasons[0].starts_with("the monthly list price rises by 2,795.17 USD/month"), "{approval:?}");
            assert!(r.message().contains(&format!("capacity.apim.dev/approve={}", approval.plan_hash)), "{}", r.message());
            assert!(r.message().ends_with("(or run: kubectl apimcap approve payments -n platform)"), "{}", r.message());
            assert_eq!(r.event_reasons(), [EventReason::ApprovalNeeded]);
        };
    a_change_within_the_cost_threshold_starts:
        world().cost_above("3000")
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| assert_eq!(r.approval(), None);
    every_change_awaits_approval_when_always:
        world().always()
        => ["credentials", "get"], AwaitingApproval, Resync;
    a_region_removal_awaits_approval_after_consent:
        world().spec(|s| { s.regions.truncate(1); s.regions[0].units = Some(2); s.change_policy.allow_region_removal = true; })
            .require(RequireApproval { region_removal: true, ..RequireApproval::default() })
        => ["credentials", "get"], AwaitingApproval, Resync,
        then |r: &super::world::Run| assert_eq!(r.approval().map(|a| a.reasons), Some(vec!["region eastus is removed (requireApproval.regionRemoval)".to_string()]));
    a_downgrade_awaits_approval_after_consent:
        world().spec(|s| { s.sku = Sku::Standard; s.regions.truncate(1); s.regions[0].units = Some(2); s.change_policy.allow_region_removal = true; s.change_policy.allow_tier_downgrade = true; })
            .require(RequireApproval { downgrade: true, ..RequireApproval::default() })
        => ["credentials", "get"], AwaitingApproval, Resync;
    consent_is_asked_before_approval:
        world().always().spec(|s| { s.sku = Sku::Standard; s.regions.truncate(1); s.regions[0].units = Some(2); s.change_policy.allow_region_removal = true; })
        => ["credentials", "get"], NotConsented, Resync;
    the_approved_hash_starts_the_step_and_names_who_approved:
        world().always().approve(&world().plan_hash(), "kubectl-apimcap")
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            let approval = r.approval().expect("status.approval");
            assert_eq!(approval.approved_hash.as_deref(), Some(approval.plan_hash.as_str()));
            assert_eq!(approval.approved_by.as_deref(), Some("kubectl-apimcap"));
            assert_eq!(approval.next_hash, None, "a one-step plan has no rest");
            assert_eq!(r.event_reasons(), [EventReason::Approved]);
            assert!(r.verdict.findings.events[0].note.contains("approved by kubectl-apimcap"));
        };
    an_approval_of_another_plan_keeps_waiting:
        world().always().approve("0123456789", "kubectl-annotate")
        => ["credentials", "get"], AwaitingApproval, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("the annotation approves \"0123456789\", which is not this plan"), "{}", r.message());
    a_spec_edit_after_approving_voids_the_approval:
        world().always().approve(&world().plan_hash(), "kubectl-apimcap").spec(|s| s.regions[0].units = Some(4))
        => ["credentials", "get"], AwaitingApproval, Resync,
        then |r: &super::world::Run| assert_ne!(r.approval().map(|a| a.plan_hash), Some(world().plan_hash()));
    drift_after_approving_voids_the_approval:
        world().always().approve(&world().plan_hash(), "kubectl-apimcap")
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 1), ("East US", 1)], "Succeeded")))
        => ["credentials", "get"], AwaitingApproval, Resync;
    an_approval_carries_over_to_the_next_step_of_its_plan:
        world().always().approve("aaaaaaaaaa", "kubectl-apimcap")
            .recorded(aiming_at(operation(1, 2, 25), "westeurope=2,eastus=1"), || Ok(PollOutcome::Succeeded(None)))
            .approval(ApprovalStatus { plan_hash: "aaaaaaaaaa".into(), reasons: vec![], approved_hash: Some("aaaaaaaaaa".into()), approved_by: Some("kubectl-apimcap".into()), next_hash: Some(world().plan_hash()) }, false)
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            assert_eq!(r.started.as_ref().map(|s| (s.number, s.total)), Some((2, 2)));
            assert_eq!(r.approval().and_then(|a| a.approved_hash), Some("aaaaaaaaaa".into()));
            assert!(r.event_reasons().is_empty(), "approved once, announced once: {:?}", r.verdict.findings.events);
        };
    the_approval_request_is_published_once_per_plan:
        world().always()
            .approval(ApprovalStatus { plan_hash: world().plan_hash(), reasons: vec![], approved_hash: None, approved_by: None, next_hash: None }, true)
        => ["credentials", "get"], AwaitingApproval, Resync,
        then |r: &super::world::Run| assert!(r.event_reasons().is_empty());

    // ── What Azure and status say is checked, not trusted ───────────────────────────────
    a_poll_url_outside_the_service_is_never_read:
        world().recorded(OperationStatus { poll_url: "https://management.azure.com/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x/providers/Microsoft.ApiManagement/service/other/operationresults/1".into(), ..operation(1, 1, 5) }, || panic!("a forged URL is polled"))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            assert!(r.verdict.findings.observed.forget_operation);
            assert!(r.verdict.findings.events.iter().any(|e| e.note.contains("is not under the service")));
        };
    a_polled_body_of_another_service_is_not_the_live_service:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Succeeded(Some(other_service()))))
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60);
    a_succeeded_operation_that_missed_its_target_is_tried_once_more:
        world().recorded(operation(1, 1, 25), || Ok(PollOutcome::Succeeded(None)))
        => ["credentials", "poll", "get", "patch"], Scaling, secs(60),
        then |r: &super::world::Run| {
            let missed = r.verdict.findings.observed.finished.as_ref().and_then(|f| f.target_missed.clone());
            assert_eq!(missed.as_deref(), Some("Azure reports Premium westeurope=2,eastus=1, the step asked for Premium westeurope=3,eastus=1"));
            assert!(r.verdict.findings.events.iter().any(|e| e.reason == EventReason::Stalled(Reason::TargetNotReached)));
        };
    a_second_missed_target_in_a_generation_stalls:
        world().missed_target_before(false).recorded(operation(1, 1, 25), || Ok(PollOutcome::Succeeded(None)))
        => ["credentials", "poll", "get"], TargetNotReached, Resync,
        then |r: &super::world::Run| assert!(r.message().contains("done twice"), "{}", r.message());
    a_missed_target_holds_the_generation_without_a_patch:
        world().missed_target_before(true)
        => ["credentials", "get"], TargetNotReached, Resync;
    a_missed_target_is_released_by_a_spec_change:
        world().missed_target_before(true).generation(2)
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_missed_target_clears_when_the_service_reaches_the_spec:
        world().missed_target_before(true)
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "get"], Succeeded, Resync;
    a_change_done_at_once_without_effect_stalls_instead_of_looping:
        world().patch(|| Ok(PatchOutcome::Done(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Succeeded"))))
        => ["credentials", "get", "patch"], TargetNotReached, Resync,
        then |r: &super::world::Run| {
            assert!(r.message().contains("accepted \"Scale westeurope from 2 to 3 units\" at once, but Azure reports Premium westeurope=2,eastus=1"), "{}", r.message());
            let missed = r.verdict.findings.observed.finished.as_ref().and_then(|f| f.target_missed.clone());
            assert!(missed.is_some());
        };

    // ── Polling gives up on a URL that stays stuck or keeps failing ─────────────────────
    a_failed_poll_is_counted:
        world().recorded(operation(1, 1, 5), || Err(azure_error(Call::PollOperation, 503, "ServiceUnavailable")))
        => ["credentials", "poll"], Retrying, Backoff,
        then |r: &super::world::Run| assert_eq!(r.verdict.findings.observed.operation.as_ref().map(|o| o.failed_polls), Some(1));
    polls_failing_in_a_row_make_the_service_read_instead:
        world().recorded(OperationStatus { failed_polls: 4, ..operation(1, 1, 5) }, || Err(azure_error(Call::PollOperation, 503, "ServiceUnavailable")))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "poll", "get"], Succeeded, Resync,
        then |r: &super::world::Run| assert_eq!(r.verdict.findings.observed.finished.as_ref().map(|f| f.result), Some(OperationResult::Succeeded));
    an_operation_running_far_too_long_is_judged_by_the_service:
        world().recorded(operation(1, 1, 91), || Ok(PollOutcome::Running { retry_after: Duration::from_secs(60) }))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded")))
        => ["credentials", "poll", "get"], Succeeded, Resync;
    an_overdue_operation_on_a_busy_service_is_waited_for:
        world().recorded(operation(1, 1, 91), || Ok(PollOutcome::Running { retry_after: Duration::from_secs(60) }))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "poll", "get"], WaitingForAzure, BUSY;
}

fn other_service() -> crate::azure::ServiceResource {
    crate::azure::ServiceResource::from_value(serde_json::json!({
        "id": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x/providers/Microsoft.ApiManagement/service/other",
        "location": "West Europe",
        "sku": {"name": "Premium", "capacity": 3},
        "properties": {"provisioningState": "Succeeded", "additionalLocations": [{"location": "East US", "sku": {"name": "Premium", "capacity": 1}}]}
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

// Preflight, consent and Azure's own refusals: tests/azure_today.rs.
mod azure_today;

// Autoscale: tests/autoscale.rs.
mod autoscale;

#[path = "clock_tests.rs"]
mod clock;
