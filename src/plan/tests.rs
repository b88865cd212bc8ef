//! Table-driven tests of the steps the planner chooses and how they read.

use crate::domain::Sku::*;

use super::test_support::*;
use super::{Plan, Policy, StepKind, StepsPlan, plan};

fn consenting() -> Policy {
    Policy {
        allow_tier_downgrade: true,
        allow_region_removal: true,
        ..Policy::default()
    }
}

#[test]
fn scale_one_region_is_one_step() {
    let outcome = plan(
        &desired(Standard, &[("westeurope", 3)]),
        &live(Standard, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![scale("westeurope", 1, 3)],
            target(Standard, 3, &[])
        )])
    );
}

#[test]
fn in_sync_is_in_sync() {
    let cases = [
        (
            desired(Premium, &[("eastus", 3), ("westeurope", 2)]),
            live(Premium, &[("westeurope", 2), ("eastus", 3)]),
        ),
        (
            desired(Developer, &[("westeurope", 1)]),
            live(Developer, &[("westeurope", 1)]),
        ),
        // Nothing to send, so nothing to block: Azure already holds more than our table says.
        (
            desired(Premium, &[("westeurope", 40)]),
            live(Premium, &[("westeurope", 40)]),
        ),
    ];
    for (want, have) in cases {
        assert_eq!(plan(&want, &have, &Policy::default(), now()), Plan::InSync);
    }
}

#[test]
fn upgrade_with_new_region_changes_tier_first() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 2), ("eastus", 3)]),
        &live(Standard, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(
                vec![tier(Standard, Premium), scale("westeurope", 1, 2)],
                target(Premium, 2, &[])
            ),
            step(vec![add("eastus", 3)], target(Premium, 2, &[("eastus", 3)])),
        ])
    );
}

#[test]
fn downgrade_with_consent_removes_regions_first() {
    let outcome = plan(
        &desired(Standard, &[("westeurope", 3)]),
        &live(
            Premium,
            &[("westeurope", 2), ("eastus", 1), ("northeurope", 2)],
        ),
        &consenting(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(
                vec![remove("eastus", 1), remove("northeurope", 2)],
                target(Premium, 2, &[])
            ),
            step(
                vec![tier(Premium, Standard), scale("westeurope", 2, 3)],
                target(Standard, 3, &[])
            ),
        ])
    );
}

#[test]
fn downgrade_to_a_smaller_tier_drops_units_with_the_tier_change() {
    let outcome = plan(
        &desired(Basic, &[("westeurope", 2)]),
        &live(Standard, &[("westeurope", 4)]),
        &consenting(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![tier(Standard, Basic), scale("westeurope", 4, 2)],
            target(Basic, 2, &[])
        )])
    );
}

#[test]
fn units_above_the_old_tier_limit_ride_with_the_tier_change() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 10)]),
        &live(Standard, &[("westeurope", 4)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![tier(Standard, Premium), scale("westeurope", 4, 10)],
            target(Premium, 10, &[])
        )])
    );
}

#[test]
fn tier_change_alone_sends_the_primary_units() {
    let downtime = Policy {
        allow_downtime: true,
        ..Policy::default()
    };
    let outcome = plan(
        &desired(Premium, &[("westeurope", 1)]),
        &live(Developer, &[("westeurope", 1)]),
        &downtime,
        now(),
    );
    let expected = step(vec![tier(Developer, Premium)], target(Premium, 1, &[]));
    assert!(
        expected.causes_downtime(),
        "leaving Developer takes the service down"
    );
    assert_eq!(outcome, steps(vec![expected]));
}

#[test]
fn v2_tier_changes_within_v2() {
    let cases = [
        (
            desired(StandardV2, &[("westeurope", 5)]),
            live(BasicV2, &[("westeurope", 2)]),
            vec![tier(BasicV2, StandardV2), scale("westeurope", 2, 5)],
            target(StandardV2, 5, &[]),
        ),
        (
            desired(BasicV2, &[("westeurope", 4)]),
            live(PremiumV2, &[("westeurope", 12)]),
            vec![tier(PremiumV2, BasicV2), scale("westeurope", 12, 4)],
            target(BasicV2, 4, &[]),
        ),
        (
            desired(PremiumV2, &[("westeurope", 30)]),
            live(StandardV2, &[("westeurope", 10)]),
            vec![tier(StandardV2, PremiumV2), scale("westeurope", 10, 30)],
            target(PremiumV2, 30, &[]),
        ),
    ];
    for (want, have, changes, after) in cases {
        assert_eq!(
            plan(&want, &have, &consenting(), now()),
            steps(vec![step(changes, after)])
        );
    }
}

#[test]
fn scale_and_add_region_share_one_step() {
    let outcome = plan(
        &desired(
            Premium,
            &[("westeurope", 2), ("northeurope", 4), ("eastus", 3)],
        ),
        &live(Premium, &[("westeurope", 1), ("northeurope", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![
                add("eastus", 3),
                scale("westeurope", 1, 2),
                scale("northeurope", 2, 4)
            ],
            target(Premium, 2, &[("northeurope", 4), ("eastus", 3)])
        )])
    );
}

#[test]
fn removal_with_consent_and_scaling_share_one_step() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 3), ("northeurope", 1)]),
        &live(
            Premium,
            &[("westeurope", 2), ("eastus", 1), ("northeurope", 1)],
        ),
        &consenting(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![remove("eastus", 1), scale("westeurope", 2, 3)],
            target(Premium, 3, &[("northeurope", 1)])
        )])
    );
}

#[test]
fn last_target_lists_additional_regions_in_desired_order() {
    let outcome = plan(
        &desired(
            Premium,
            &[("eastus", 1), ("westeurope", 1), ("northeurope", 1)],
        ),
        &live(Basic, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(vec![tier(Basic, Premium)], target(Premium, 1, &[])),
            step(
                vec![add("eastus", 1), add("northeurope", 1)],
                target(Premium, 1, &[("eastus", 1), ("northeurope", 1)])
            ),
        ])
    );
}

#[test]
fn expected_completion_uses_observed_durations() {
    let mut policy = Policy::default();
    policy.durations.record(StepKind::ChangeTier, MINUTE * 60);
    policy.durations.record(StepKind::AddRegion, MINUTE * 10);
    policy.durations.record(StepKind::AddRegion, MINUTE * 20);
    policy.durations.record(StepKind::Scale, MINUTE * 5);
    let Plan::Steps(StepsPlan {
        steps,
        expected_completion,
    }) = plan(
        &desired(Premium, &[("westeurope", 2), ("eastus", 3)]),
        &live(Standard, &[("westeurope", 1)]),
        &policy,
        now(),
    )
    else {
        panic!("expected steps");
    };
    let kinds: Vec<StepKind> = steps.iter().map(|s| s.kind()).collect();
    assert_eq!(kinds, [StepKind::ChangeTier, StepKind::AddRegion]);
    assert_eq!(
        expected_completion,
        now().checked_add(MINUTE * 75).expect("in range")
    );
}

#[test]
fn regions_on_a_tier_without_them_ride_through_an_upgrade() {
    // Azure should never report this, but if it does, the upgrade keeps the region and
    // scales it in the same step as the tier change.
    let outcome = plan(
        &desired(Premium, &[("eastus", 3), ("westeurope", 2)]),
        &live(Standard, &[("westeurope", 1), ("eastus", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![
                tier(Standard, Premium),
                scale("westeurope", 1, 2),
                scale("eastus", 1, 3)
            ],
            target(Premium, 2, &[("eastus", 3)])
        )])
    );
}

#[test]
fn plans_round_trip_through_json() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 2), ("eastus", 3)]),
        &live(Standard, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    let json = serde_json::to_string(&outcome).expect("serialises");
    let back: Plan = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, outcome);
}
