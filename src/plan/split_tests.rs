//! The exact splits of big scale-ins: Azure refuses, for more than 15 units, a cut of more
//! than 25 % in one operation, read per region and on the service's total at once.

use crate::domain::Sku::*;

use super::test_support::*;
use super::{Plan, Policy, Step, plan};

fn consenting() -> Policy {
    Policy {
        allow_tier_downgrade: true,
        allow_region_removal: true,
        ..Policy::default()
    }
}

fn step_list(outcome: Plan) -> Vec<Step> {
    match outcome {
        Plan::Steps(plan) => plan.steps,
        other => panic!("expected steps, got {other:?}"),
    }
}

/// The units of every region after each step, e.g. `[[("westeurope", 15)], ...]`.
fn units_after_each_step(outcome: Plan) -> Vec<Vec<(String, u32)>> {
    step_list(outcome)
        .iter()
        .map(|s| {
            let primary = ("primary".to_string(), s.target.primary_units);
            std::iter::once(primary)
                .chain(
                    s.target
                        .additional
                        .iter()
                        .map(|r| (r.location.to_string(), r.units)),
                )
                .collect()
        })
        .collect()
}

fn single_region(from: u32, to: u32) -> Vec<u32> {
    let support_raised = Policy {
        limits: crate::domain::UnitLimits::default()
            .with_overrides("Premium=100")
            .expect("valid override"),
        ..Policy::default()
    };
    let outcome = plan(
        &desired(Premium, &[("westeurope", to)]),
        &live(Premium, &[("westeurope", from)]),
        &support_raised,
        now(),
    );
    step_list(outcome)
        .iter()
        .map(|s| s.target.primary_units)
        .collect()
}

#[test]
fn one_region_is_cut_in_the_fewest_steps_the_guardrail_allows() {
    let cases: [(u32, u32, &[u32]); 6] = [
        // 20 → 15 is exactly 25 %; 15 is no longer "more than 15", so 15 → 4 is allowed.
        (20, 4, &[15, 4]),
        (31, 1, &[24, 18, 14, 1]),
        (16, 12, &[12]),
        (16, 11, &[12, 11]),
        (15, 1, &[1]),
        (100, 75, &[75]),
    ];
    for (from, to, expected) in cases {
        assert_eq!(single_region(from, to), expected, "{from} -> {to}");
    }
}

#[test]
fn twenty_to_four_is_two_numbered_scale_steps() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 4)]),
        &live(Premium, &[("westeurope", 20)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(vec![scale("westeurope", 20, 15)], target(Premium, 15, &[])),
            step(vec![scale("westeurope", 15, 4)], target(Premium, 4, &[])),
        ])
    );
}

#[test]
fn removing_a_small_region_comes_first_then_the_big_one_is_cut() {
    // Live westeurope=20, eastus=2; wanted westeurope=4 and eastus removed. Removing eastus
    // cuts the total 22 → 20 (9 %); 20 → 15 → 4 then holds for the region and the total.
    let outcome = plan(
        &desired(Premium, &[("westeurope", 4)]),
        &live(Premium, &[("westeurope", 20), ("eastus", 2)]),
        &consenting(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(vec![remove("eastus", 2)], target(Premium, 20, &[])),
            step(vec![scale("westeurope", 20, 15)], target(Premium, 15, &[])),
            step(vec![scale("westeurope", 15, 4)], target(Premium, 4, &[])),
        ])
    );
}

#[test]
fn a_big_region_is_cut_before_it_is_removed() {
    // eastus holds 31 of 35 units: removing it at once would cut the total by 89 %. It is
    // cut while the total's quarter allows, and removed once the total is 15 or less.
    let outcome = plan(
        &desired(Premium, &[("westeurope", 4)]),
        &live(Premium, &[("westeurope", 4), ("eastus", 31)]),
        &consenting(),
        now(),
    );
    let steps = step_list(outcome);
    let descriptions: Vec<String> = steps.iter().map(Step::description).collect();
    assert_eq!(
        descriptions,
        [
            "Scale eastus from 31 to 24 units",
            "Scale eastus from 24 to 18 units",
            "Scale eastus from 18 to 14 units",
            "Scale eastus from 14 to 10 units",
            "Remove region eastus",
        ]
    );
}

#[test]
fn a_removal_shares_the_first_cut_when_that_saves_a_step() {
    // Removing eastus alone, then 40 → 30 → 23 → 18 → 14 → 10, takes 6 steps; removing it
    // with the first cut (45 → 34, 24 %) takes 5.
    let outcome = plan(
        &desired(Premium, &[("westeurope", 10)]),
        &live(Premium, &[("westeurope", 40), ("eastus", 5)]),
        &Policy {
            limits: crate::domain::UnitLimits::default()
                .with_overrides("Premium=40")
                .expect("valid"),
            ..consenting()
        },
        now(),
    );
    let units: Vec<u32> = units_after_each_step(outcome)
        .iter()
        .map(|regions| regions.iter().map(|(_, u)| u).sum())
        .collect();
    assert_eq!(units, [34, 26, 20, 15, 10]);
}

#[test]
fn two_regions_cut_together_respect_the_total() {
    // Each region alone could go 20 → 15 → 4, but the total 40 may lose at most 10 at a
    // time, then 7, 5 and 4, until it is 15 or less.
    let outcome = plan(
        &desired(Premium, &[("westeurope", 4), ("northeurope", 4)]),
        &live(Premium, &[("westeurope", 20), ("northeurope", 20)]),
        &Policy::default(),
        now(),
    );
    let after: Vec<Vec<(String, u32)>> = units_after_each_step(outcome);
    let pairs: Vec<(u32, u32)> = after.iter().map(|r| (r[0].1, r[1].1)).collect();
    assert_eq!(pairs, [(15, 15), (8, 15), (8, 10), (8, 6), (4, 4)]);
}

#[test]
fn a_region_that_grows_waits_for_the_last_cut() {
    // Growing eastus in the last step offsets that step's cut: 17 → 14 in total.
    let outcome = plan(
        &desired(Premium, &[("westeurope", 4), ("eastus", 10)]),
        &live(Premium, &[("westeurope", 20), ("eastus", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(
                vec![scale("westeurope", 20, 15)],
                target(Premium, 15, &[("eastus", 2)])
            ),
            step(
                vec![scale("westeurope", 15, 4), scale("eastus", 2, 10)],
                target(Premium, 4, &[("eastus", 10)])
            ),
        ])
    );
}

#[test]
fn a_downgrade_cuts_on_the_old_tier_and_finishes_with_the_tier_change() {
    let outcome = plan(
        &desired(Standard, &[("westeurope", 4)]),
        &live(Premium, &[("westeurope", 20)]),
        &consenting(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![
            step(vec![scale("westeurope", 20, 15)], target(Premium, 15, &[])),
            step(
                vec![tier(Premium, Standard), scale("westeurope", 15, 4)],
                target(Standard, 4, &[])
            ),
        ])
    );
    let v2 = plan(
        &desired(BasicV2, &[("westeurope", 4)]),
        &live(PremiumV2, &[("westeurope", 30)]),
        &consenting(),
        now(),
    );
    let units: Vec<u32> = step_list(v2)
        .iter()
        .map(|s| s.target.primary_units)
        .collect();
    assert_eq!(units, [23, 18, 15, 4]);
}

#[test]
fn cuts_of_a_zone_pinned_region_stay_multiples_of_its_zones() {
    let outcome = plan(
        &desired(Premium, &[("westeurope", 3)]),
        &live_zoned(Premium, &[("westeurope", 30, 3)]),
        &Policy::default(),
        now(),
    );
    let units: Vec<u32> = step_list(outcome)
        .iter()
        .map(|s| s.target.primary_units)
        .collect();
    assert_eq!(units, [24, 18, 15, 3]);
}
