use super::*;
use crate::api::{Action, OperationResult, PollStyle};
use crate::domain::{LiveRegion, Location, ProvisioningState, Sku};

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + second).expect("valid time")
}

fn live(units: u32, state: ProvisioningState) -> LiveService {
    LiveService {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc"
            .into(),
        sku: Sku::Premium,
        regions: vec![
            LiveRegion {
                location: Location::new("westeurope"),
                units,
                primary: true,
                zones: vec![],
            },
            LiveRegion {
                location: Location::new("East US"),
                units: 1,
                primary: false,
                zones: vec![],
            },
        ],
        provisioning_state: state,
        target_provisioning_state: None,
        zone_redundant: None,
    }
}

fn operation() -> OperationStatus {
    OperationStatus {
        step: 1,
        total_steps: 2,
        description: "Scale westeurope from 1 to 2 units".into(),
        action: Action::Scale,
        started_at: Time(at(0)),
        expected_completion: Time(at(1800)),
        poll_url: "https://management.azure.com/op/1".into(),
        poll_style: PollStyle::Location,
        target_sku: Sku::Premium,
        target_units: "westeurope=2,eastus=1".into(),
        generation: Some(1),
        failed_polls: 0,
    }
}

fn types(status: &ApimCapacityStatus) -> Vec<(ConditionType, ConditionStatus, Reason)> {
    status
        .conditions
        .iter()
        .map(|c| (c.type_, c.status, c.reason))
        .collect()
}

#[test]
fn first_status_has_unobserved_generation() {
    assert_eq!(ApimCapacityStatus::default().observed_generation, -1);
}

#[test]
fn in_sync_is_ready_and_records_the_generation() {
    let observed = Observed {
        live: Some(live(2, ProvisioningState::Succeeded)),
        plan: Some(vec![]),
        ..Observed::default()
    };
    let next = next_status(
        &ApimCapacityStatus::default(),
        Some(3),
        observed,
        &Outcome::InSync,
        at(10),
    );
    assert_eq!(
        types(&next),
        vec![(
            ConditionType::Ready,
            ConditionStatus::True,
            Reason::Succeeded
        )]
    );
    assert_eq!(next.observed_generation, 3);
    assert_eq!(next.units_summary.as_deref(), Some("westeurope=2,eastus=1"));
    assert_eq!(next.operation, None);
    assert_eq!(next.conditions[0].observed_generation, Some(3));
}

#[test]
fn an_operation_in_flight_is_reconciling_and_does_not_observe_the_generation() {
    let outcome = Outcome::InProgress {
        reason: Reason::Scaling,
        operation: operation(),
    };
    let next = next_status(
        &ApimCapacityStatus::default(),
        Some(2),
        Observed::default(),
        &outcome,
        at(5),
    );
    assert_eq!(
        types(&next),
        vec![
            (
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::Scaling
            ),
            (
                ConditionType::Reconciling,
                ConditionStatus::True,
                Reason::Scaling
            ),
        ]
    );
    assert_eq!(next.observed_generation, -1);
    assert_eq!(next.operation, Some(Box::new(operation())));
    assert_eq!(
        next.conditions[0].message,
        "Step 1 of 2: Scale westeurope from 1 to 2 units"
    );
}

#[test]
fn stalled_is_terminal_and_observes_the_generation() {
    let outcome = Outcome::Stalled {
        reason: Reason::NotConsented,
        message: "set allowTierDowngrade".into(),
    };
    let next = next_status(
        &ApimCapacityStatus::default(),
        Some(4),
        Observed::default(),
        &outcome,
        at(5),
    );
    assert_eq!(
        types(&next),
        vec![
            (
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::NotConsented
            ),
            (
                ConditionType::Stalled,
                ConditionStatus::True,
                Reason::NotConsented
            ),
        ]
    );
    assert_eq!(next.observed_generation, 4);
}

#[test]
fn suspended_keeps_a_recorded_operation_and_is_unknown() {
    let previous = ApimCapacityStatus {
        operation: Some(Box::new(operation())),
        ..ApimCapacityStatus::default()
    };
    let next = next_status(
        &previous,
        Some(2),
        Observed::default(),
        &Outcome::Suspended,
        at(5),
    );
    assert_eq!(
        types(&next),
        vec![(
            ConditionType::Ready,
            ConditionStatus::Unknown,
            Reason::Suspended
        )]
    );
    assert_eq!(next.operation, Some(Box::new(operation())));
}

#[test]
fn waiting_and_retrying_are_reconciling_without_stalling() {
    for (outcome, reason) in [
        (
            Outcome::WaitingForAzure {
                message: "busy".into(),
            },
            Reason::WaitingForAzure,
        ),
        (
            Outcome::Retrying {
                message: "429".into(),
            },
            Reason::Retrying,
        ),
        (
            Outcome::Waiting {
                reason: Reason::WaitingForChangeWindow,
                message: "the window opens at 22:00".into(),
            },
            Reason::WaitingForChangeWindow,
        ),
    ] {
        let next = next_status(
            &ApimCapacityStatus::default(),
            Some(1),
            Observed::default(),
            &outcome,
            at(5),
        );
        assert_eq!(
            types(&next),
            vec![
                (ConditionType::Ready, ConditionStatus::False, reason),
                (ConditionType::Reconciling, ConditionStatus::True, reason),
            ]
        );
    }
}

#[test]
fn transition_time_moves_only_when_the_status_changes() {
    let first = next_status(
        &ApimCapacityStatus::default(),
        Some(1),
        Observed::default(),
        &Outcome::InProgress {
            reason: Reason::Scaling,
            operation: operation(),
        },
        at(0),
    );
    let waiting = next_status(
        &first,
        Some(1),
        Observed::default(),
        &Outcome::WaitingForAzure {
            message: "busy".into(),
        },
        at(60),
    );
    assert_eq!(waiting.conditions[0].last_transition_time, Time(at(0)));
    let ready = next_status(
        &waiting,
        Some(1),
        Observed::default(),
        &Outcome::InSync,
        at(120),
    );
    assert_eq!(ready.conditions[0].last_transition_time, Time(at(120)));
}

#[test]
fn an_unchanged_service_gives_an_unchanged_status() {
    let observed = || Observed {
        live: Some(live(2, ProvisioningState::Succeeded)),
        plan: Some(vec![]),
        ..Observed::default()
    };
    let first = next_status(
        &ApimCapacityStatus::default(),
        Some(1),
        observed(),
        &Outcome::InSync,
        at(0),
    );
    let again = next_status(&first, Some(1), observed(), &Outcome::InSync, at(600));
    assert_eq!(
        first, again,
        "a resync that sees nothing new must not write status"
    );
    let changed = next_status(
        &first,
        Some(1),
        Observed {
            live: Some(live(3, ProvisioningState::Succeeded)),
            ..Observed::default()
        },
        &Outcome::InSync,
        at(700),
    );
    assert_eq!(
        changed.live.as_ref().map(|l| l.observed_at.clone()),
        Some(Time(at(700)))
    );
}

#[test]
fn a_finished_operation_is_recorded_and_cleared_when_in_sync() {
    let previous = ApimCapacityStatus {
        operation: Some(Box::new(operation())),
        ..ApimCapacityStatus::default()
    };
    let finished = LastOperation {
        description: operation().description,
        result: OperationResult::Succeeded,
        started_at: Time(at(0)),
        finished_at: Time(at(30)),
        error: None,
        generation: None,
        target_missed: None,
    };
    let observed = Observed {
        finished: Some(finished.clone()),
        ..Observed::default()
    };
    let next = next_status(&previous, Some(1), observed, &Outcome::InSync, at(30));
    assert_eq!(next.operation, None);
    assert_eq!(next.last_operation, Some(Box::new(finished)));
}

#[test]
fn drift_reported_is_not_ready_but_handled() {
    let outcome = Outcome::DriftReported {
        message: "changed elsewhere".into(),
    };
    let next = next_status(
        &ApimCapacityStatus::default(),
        Some(2),
        Observed::default(),
        &outcome,
        at(1),
    );
    assert_eq!(
        types(&next),
        vec![(
            ConditionType::Ready,
            ConditionStatus::False,
            Reason::DriftDetected
        )]
    );
    assert_eq!(next.observed_generation, 2);
}

#[test]
fn the_aim_replaces_effective_and_schedule_and_is_kept_when_not_worked_out() {
    use crate::api::{EffectiveRegionStatus, ScheduleStatus};
    let aim = crate::effective::Aim {
        effective: vec![EffectiveRegionStatus {
            location: "westeurope".into(),
            units: 6,
            source: "schedule business-hours".into(),
        }],
        schedule: Some(ScheduleStatus {
            in_force: Some("business-hours".into()),
            next_change: None,
        }),
    };
    let observed = Observed {
        aim: Some(aim.clone()),
        ..Observed::default()
    };
    let previous = ApimCapacityStatus::default();
    let next = next_status(&previous, Some(1), observed, &Outcome::InSync, at(5));
    assert_eq!(
        (&next.effective, &next.schedule.as_deref().cloned()),
        (&aim.effective, &aim.schedule)
    );
    let kept = next_status(
        &next,
        Some(1),
        Observed::default(),
        &Outcome::Suspended,
        at(9),
    );
    assert_eq!(
        kept.effective, next.effective,
        "suspended: nothing worked out"
    );
    let cleared = Observed {
        aim: Some(crate::effective::Aim::default()),
        ..Observed::default()
    };
    let next = next_status(&next, Some(2), cleared, &Outcome::InSync, at(9));
    assert!(next.effective.is_empty() && next.schedule.is_none());
}
