use super::*;
use crate::api::{
    Action, Condition, ConditionStatus, ConditionType, LastOperation, OperationStatus, PollStyle,
};
use crate::domain::Sku;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

fn t(s: i64) -> Time {
    Time(jiff::Timestamp::from_second(1_800_000_000 + s).expect("valid"))
}

fn condition(type_: ConditionType, status: ConditionStatus, reason: Reason) -> Condition {
    Condition {
        type_,
        status,
        reason,
        message: format!("{reason}"),
        last_transition_time: t(0),
        observed_generation: Some(1),
    }
}

fn op(url: &str) -> OperationStatus {
    OperationStatus {
        step: 1,
        total_steps: 1,
        description: "Scale westeurope from 1 to 2 units".into(),
        action: Action::Scale,
        started_at: t(0),
        expected_completion: t(60),
        poll_url: url.into(),
        poll_style: PollStyle::Location,
        target_sku: Sku::Premium,
        target_units: "westeurope=2".into(),
        generation: Some(1),
        failed_polls: 0,
    }
}

fn reasons(notes: &[Note]) -> Vec<&'static str> {
    notes.iter().map(|n| n.reason.as_str()).collect()
}

#[test]
fn starting_an_operation_is_announced_once() {
    let before = ApimCapacityStatus::default();
    let running = ApimCapacityStatus {
        operation: Some(Box::new(op("https://x/op/1"))),
        ..ApimCapacityStatus::default()
    };
    assert_eq!(
        reasons(&transitions(&before, &running)),
        ["OperationStarted"]
    );
    assert!(transitions(&running, &running).is_empty());
}

#[test]
fn finishing_reports_success_or_failure_with_azures_error() {
    let running = ApimCapacityStatus {
        operation: Some(Box::new(op("https://x/op/1"))),
        ..ApimCapacityStatus::default()
    };
    let failed = ApimCapacityStatus {
        last_operation: Some(Box::new(LastOperation {
            description: "Scale westeurope from 1 to 2 units".into(),
            result: OperationResult::Failed,
            started_at: t(0),
            finished_at: t(60),
            error: Some("(InvalidParameters) capacity too high".into()),
            generation: None,
            target_missed: None,
        })),
        conditions: vec![
            condition(
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::OperationFailed,
            ),
            condition(
                ConditionType::Stalled,
                ConditionStatus::True,
                Reason::OperationFailed,
            ),
        ],
        ..ApimCapacityStatus::default()
    };
    let notes = transitions(&running, &failed);
    assert_eq!(reasons(&notes), ["OperationFailed"]);
    assert_eq!(notes[0].kind, EventType::Warning);
    assert!(
        notes[0]
            .note
            .contains("(InvalidParameters) capacity too high")
    );
}

#[test]
fn stalling_warns_once_with_its_reason() {
    let before = ApimCapacityStatus::default();
    let blocked = ApimCapacityStatus {
        conditions: vec![
            condition(
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::NotConsented,
            ),
            condition(
                ConditionType::Stalled,
                ConditionStatus::True,
                Reason::NotConsented,
            ),
        ],
        ..ApimCapacityStatus::default()
    };
    let notes = transitions(&before, &blocked);
    assert_eq!(reasons(&notes), ["NotConsented"]);
    assert_eq!(notes[0].kind, EventType::Warning);
    assert!(transitions(&blocked, &blocked).is_empty());
}

#[test]
fn becoming_ready_and_drift_are_announced() {
    let before = ApimCapacityStatus::default();
    let ready = ApimCapacityStatus {
        conditions: vec![condition(
            ConditionType::Ready,
            ConditionStatus::True,
            Reason::Succeeded,
        )],
        ..ApimCapacityStatus::default()
    };
    assert_eq!(reasons(&transitions(&before, &ready)), ["Ready"]);
    let drift = ApimCapacityStatus {
        conditions: vec![condition(
            ConditionType::Ready,
            ConditionStatus::False,
            Reason::DriftDetected,
        )],
        ..ApimCapacityStatus::default()
    };
    assert_eq!(reasons(&transitions(&ready, &drift)), ["DriftDetected"]);
    assert!(transitions(&drift, &drift).is_empty());
}
