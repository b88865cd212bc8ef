//! Property tests: random live services and random wishes, checked against a small,
//! independent model of Azure's rules.

use proptest::prelude::*;

use crate::domain::{
    DesiredCapacity, Generation, LiveService, Location, RegionUnits, Sku, UnitLimits,
};

use super::arbitrary::{arb_desired, arb_live, scenario};
use super::azure_model::*;
use super::planner_model::{same_capacity, violated, wished_zones};
use super::test_support::now;
use super::{BlockReason, Change, Plan, Policy, Step, StepsPlan, plan};

/// Checks one plan of steps against the model: every state valid, every step within the
/// scale-in rule under both readings, zone steps alone and consented, downtime consented,
/// the changes as the model computes them, and the wish reached.
fn check_steps(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
    steps: &[Step],
) -> Result<(), TestCaseError> {
    let primary = primary_of(live).location.clone();
    let mut state = live_model(live);
    for step in steps {
        let next = Model::of_target(&step.target);
        let context = || format!("after {}", step.description());
        if let Err(e) = valid_state(
            &next,
            &primary,
            &policy.limits,
            policy.zones_must_divide_units,
        ) {
            return Err(TestCaseError::fail(format!("{e} {}", context())));
        }
        if let Err(e) = scale_in_ok(&primary, &state, &next) {
            return Err(TestCaseError::fail(format!("guardrail: {e} {}", context())));
        }
        prop_assert!(state.sku.can_change_to(next.sku));
        let regions = |m: &Model| {
            let mut names: Vec<Location> =
                m.additional.iter().map(|r| r.location.clone()).collect();
            names.sort();
            names
        };
        if state.sku != next.sku {
            prop_assert_eq!(
                regions(&state),
                regions(&next),
                "tier change with regions added or removed"
            );
        }
        let zone_changes: Vec<&Location> = step
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::ChangeZones { location, .. } => Some(location),
                _ => None,
            })
            .collect();
        if !zone_changes.is_empty() {
            prop_assert!(policy.allow_zone_change, "zones changed without consent");
            prop_assert!(
                step.changes.iter().all(|c| match c {
                    Change::ChangeZones { .. } => true,
                    Change::Scale { location, .. } => zone_changes.contains(&location),
                    _ => false,
                }),
                "a zone change shares its step: {}",
                step.description()
            );
        }
        prop_assert!(
            !step.causes_downtime() || policy.allow_downtime,
            "downtime without consent"
        );
        let expected = changes_between(&primary, &state, &next);
        prop_assert!(!expected.is_empty(), "a step that changes nothing");
        prop_assert_eq!(canonical(&step.changes), expected);
        state = next;
    }
    let additional: Vec<RegionUnits> = desired
        .regions
        .iter()
        .filter(|r| r.location != primary)
        .cloned()
        .collect();
    let reached = Model {
        sku: desired.sku,
        primary_units: desired.units_in(&primary).unwrap_or(0),
        additional,
        zones: wished_zones(desired, live),
    };
    prop_assert_eq!(state, reached);
    Ok(())
}

/// The old bounds hold wherever the guardrail cannot bite and no zone changes: at most two
/// steps, one when the tier or the regions stay. One region on its own takes exactly the
/// fewest cuts the guardrail allows.
fn check_step_count(
    desired: &DesiredCapacity,
    live: &LiveService,
    policy: &Policy,
    plan: &StepsPlan,
) -> Result<(), TestCaseError> {
    let steps = plan.steps.len();
    let before = live_model(live);
    let zones_change = plan.steps.iter().any(Step::changes_ip_addresses);
    let total: u32 = live.regions.iter().map(|r| r.units).sum();
    if total <= 15 && !zones_change {
        let tier_changes = desired.sku != live.sku;
        let regions_change = live.regions.len() > 1 || desired.regions.len() > 1;
        prop_assert!(steps <= 2);
        if !tier_changes || !regions_change {
            prop_assert_eq!(steps, 1);
        }
    }
    if live.regions.len() == 1 && desired.regions.len() == 1 && !zones_change {
        let zones = before.zones.values().next().map_or(0, Vec::len) as u32;
        let multiple = if policy.zones_must_divide_units && desired.sku == live.sku {
            zones
        } else {
            1
        };
        let target = desired.regions[0].units;
        let cuts = fewest_cuts(before.primary_units, target, multiple).max(1);
        prop_assert_eq!(steps, cuts, "{} -> {}", before.primary_units, target);
    }
    let minutes = 30 * steps as i64;
    prop_assert_eq!(
        plan.expected_completion,
        now()
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .expect("in range")
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn steps_are_valid_minimal_and_reach_desired((desired, live, policy) in scenario()) {
        let outcome = plan(&desired, &live, &policy, now());
        let broken = violated(&desired, &live, &policy);
        match &outcome {
            Plan::InSync => prop_assert!(same_capacity(&desired, &live)),
            Plan::Blocked(blocked) => {
                prop_assert!(!same_capacity(&desired, &live));
                prop_assert_eq!(broken.first(), Some(&blocked.reason), "{}", blocked.message);
                prop_assert!(!blocked.message.is_empty());
            }
            Plan::Steps(steps_plan) => {
                prop_assert!(!same_capacity(&desired, &live));
                prop_assert_eq!(&broken, &Vec::<BlockReason>::new());
                check_steps(&desired, &live, &policy, &steps_plan.steps)?;
                check_step_count(&desired, &live, &policy, steps_plan)?;
            }
        }
    }

    #[test]
    fn permitted_wishes_are_never_blocked(
        (desired, live) in arb_live(UnitLimits::default()).prop_flat_map(|live| {
            let base = live.clone();
            let permitted = arb_desired(&live).prop_map(move |mut desired| {
                let live = &base;
                let limits = UnitLimits::default();
                let sku = if desired.sku.generation() == live.sku.generation() {
                    desired.sku
                } else {
                    live.sku
                };
                let primary = primary_of(live).location.clone();
                desired.regions.retain(|r| r.location != primary);
                desired.regions.insert(0, RegionUnits { location: primary, units: 1 });
                if sku != Sku::Premium {
                    desired.regions.truncate(1);
                }
                let max = limits.max_units(sku).max(1);
                for region in &mut desired.regions {
                    region.units = if sku == Sku::Developer { 1 } else { 1 + region.units % max };
                }
                DesiredCapacity::units(sku, desired.regions)
            });
            (permitted, Just(live))
        })
    ) {
        prop_assume!(live.sku.generation() != Generation::Fixed);
        let policy = Policy {
            allow_tier_downgrade: true,
            allow_region_removal: true,
            zones_must_divide_units: false,
            allow_zone_change: true,
            allow_downtime: true,
            ..Policy::default()
        };
        let outcome = plan(&desired, &live, &policy, now());
        prop_assert!(!matches!(outcome, Plan::Blocked(_)), "{:?}", outcome);
        prop_assert_eq!(outcome == Plan::InSync, same_capacity(&desired, &live));
    }
}
