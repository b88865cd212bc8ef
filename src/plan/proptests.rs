//! Property tests: random live services and random wishes, checked against a small,
//! independent model of Azure's rules.

use proptest::prelude::*;

use crate::domain::{
    DesiredCapacity, Generation, LiveRegion, LiveService, Location, ProvisioningState, RegionUnits,
    Sku, UnitLimits,
};

use super::azure_model::*;
use super::test_support::now;
use super::{BlockReason, Plan, Policy, plan};

const POOL: [&str; 5] = [
    "westeurope",
    "eastus",
    "northeurope",
    "westus2",
    "japaneast",
];

fn arb_policy() -> impl Strategy<Value = Policy> {
    let limit = || proptest::option::of(1..=100u32);
    let consent = || proptest::bool::weighted(0.6);
    let flags = (consent(), consent(), any::<bool>()).prop_map(|(a, b, c)| [a, b, c]);
    (flags, limit(), limit(), limit(), limit()).prop_map(
        |(flags, premium, premium_v2, basic_v2, standard_v2)| {
            let mut limits = UnitLimits::default();
            for (sku, max) in [
                (Sku::Premium, premium),
                (Sku::PremiumV2, premium_v2),
                (Sku::BasicV2, basic_v2),
                (Sku::StandardV2, standard_v2),
            ] {
                if let Some(max) = max {
                    limits = limits
                        .with_override(sku, max)
                        .expect("overridable, in range");
                }
            }
            Policy {
                allow_tier_downgrade: flags[0],
                allow_region_removal: flags[1],
                zones_must_divide_units: flags[2],
                limits,
                ..Policy::default()
            }
        },
    )
}

/// A live service Azure could report, valid under `limits`.
fn arb_live(limits: UnitLimits) -> impl Strategy<Value = LiveService> {
    let sku = prop_oneof![
        8 => proptest::sample::select(Sku::TARGETS.to_vec()),
        1 => proptest::sample::select(Sku::ALL.to_vec()),
    ];
    arb_live_on(limits, sku)
}

/// A live service on a tier drawn from `sku`, valid under `limits`.
fn arb_live_on(
    limits: UnitLimits,
    sku: impl Strategy<Value = Sku>,
) -> impl Strategy<Value = LiveService> {
    (
        sku,
        Just(POOL.to_vec()).prop_shuffle(),
        0..=3usize,
        proptest::collection::vec((1..=100u32, 0..=3u32), POOL.len()),
    )
        .prop_map(move |(sku, names, extra, seeds)| {
            let count = if sku == Sku::Premium { 1 + extra } else { 1 };
            let max = limits.max_units(sku);
            let regions = names
                .iter()
                .zip(&seeds)
                .take(count)
                .enumerate()
                .map(|(i, (name, (seed, zones)))| {
                    let mut units = match sku {
                        Sku::Consumption => 0,
                        _ => 1 + (seed - 1) % max,
                    };
                    let zones = if sku == Sku::Premium && *zones <= units {
                        *zones
                    } else {
                        0
                    };
                    if zones > 0 {
                        units -= units % zones;
                    }
                    LiveRegion {
                        location: Location::new(name),
                        units,
                        primary: i == 0,
                        zones: (1..=zones).map(|z| z.to_string()).collect(),
                    }
                })
                .collect();
            LiveService {
                id: "apim".to_string(),
                sku,
                regions,
                provisioning_state: ProvisioningState::Succeeded,
                target_provisioning_state: None,
            }
        })
}

/// Any wish: any tier, 1–4 regions (usually listing the primary), 0–40 units; sometimes
/// the live regions with the live or nearby units.
fn arb_desired(live: &LiveService) -> impl Strategy<Value = DesiredCapacity> + use<> {
    let live = live.clone();
    let units = prop_oneof![1..=4u32, 0..=40u32];
    let same_generation: Vec<Sku> = Sku::TARGETS
        .into_iter()
        .filter(|s| s.generation() == live.sku.generation())
        .collect();
    let same_generation = if same_generation.is_empty() {
        vec![live.sku]
    } else {
        same_generation
    };
    (
        prop_oneof![
            2 => Just(live.sku),
            4 => proptest::sample::select(same_generation),
            2 => proptest::sample::select(Sku::ALL.to_vec()),
        ],
        Just(POOL.to_vec()).prop_shuffle(),
        1..=4usize,
        proptest::collection::vec(units, POOL.len()),
        proptest::bool::weighted(0.9),
        proptest::bool::weighted(0.3),
        proptest::bool::weighted(0.7),
    )
        .prop_map(
            move |(sku, names, count, units, keep_primary, like_live, single)| {
                let mut regions: Vec<RegionUnits> = if like_live {
                    live.regions
                        .iter()
                        .zip(&units)
                        .map(|(r, u)| RegionUnits {
                            location: r.location.clone(),
                            units: if *u <= 2 { r.units } else { *u },
                        })
                        .collect()
                } else {
                    names
                        .iter()
                        .zip(&units)
                        .take(count)
                        .map(|(name, u)| RegionUnits {
                            location: Location::new(name),
                            units: *u,
                        })
                        .collect()
                };
                let primary = primary_of(&live).location.clone();
                if keep_primary {
                    match regions.iter().position(|r| r.location == primary) {
                        Some(at) => regions.swap(0, at),
                        None => regions[0].location = primary,
                    }
                }
                if sku != Sku::Premium && single {
                    regions.truncate(1);
                }
                DesiredCapacity { sku, regions }
            },
        )
}

fn scenario() -> impl Strategy<Value = (DesiredCapacity, LiveService, Policy)> {
    arb_policy().prop_flat_map(|policy| {
        let live = prop_oneof![
            3 => arb_live(policy.limits.clone()),
            1 => arb_live_on(policy.limits.clone(), Just(Sku::Premium)),
        ];
        live.prop_flat_map(move |live| {
            let policy = policy.clone();
            arb_desired(&live).prop_map(move |desired| (desired, live.clone(), policy.clone()))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

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
                let steps = &steps_plan.steps;
                let primary = primary_of(&live).location.clone();
                let mut state = live_model(&live);
                for step in steps {
                    let next: Model =
                        (step.target.sku, step.target.primary_units, step.target.additional.clone());
                    if let Err(e) = valid_state(next.0, next.1, &next.2, &policy.limits) {
                        return Err(TestCaseError::fail(format!("{e} after {}", step.description())));
                    }
                    prop_assert!(state.0.can_change_to(next.0));
                    if state.0 != next.0 {
                        let mut before: Vec<&Location> = state.2.iter().map(|r| &r.location).collect();
                        let mut after: Vec<&Location> = next.2.iter().map(|r| &r.location).collect();
                        before.sort();
                        after.sort();
                        prop_assert_eq!(before, after, "tier change with regions added or removed");
                    }
                    let expected = changes_between(&primary, &state, &next);
                    prop_assert!(!expected.is_empty(), "a step that changes nothing");
                    prop_assert_eq!(canonical(&step.changes), expected);
                    state = next;
                }
                let additional: Vec<RegionUnits> =
                    desired.regions.iter().filter(|r| r.location != primary).cloned().collect();
                prop_assert_eq!(state, (desired.sku, desired.units_in(&primary).unwrap_or(0), additional));
                let tier_changes = desired.sku != live.sku;
                let regions_change = live.regions.len() > 1 || desired.regions.len() > 1;
                prop_assert!(steps.len() <= 2);
                if !tier_changes || !regions_change {
                    prop_assert_eq!(steps.len(), 1);
                }
                let minutes = 30 * steps.len() as i64;
                prop_assert_eq!(
                    steps_plan.expected_completion,
                    now().checked_add(jiff::SignedDuration::from_mins(minutes)).expect("in range")
                );
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
                DesiredCapacity { sku, regions: desired.regions }
            });
            (permitted, Just(live))
        })
    ) {
        prop_assume!(live.sku.generation() != Generation::Fixed);
        let policy = Policy {
            allow_tier_downgrade: true,
            allow_region_removal: true,
            zones_must_divide_units: false,
            ..Policy::default()
        };
        let outcome = plan(&desired, &live, &policy, now());
        prop_assert!(!matches!(outcome, Plan::Blocked(_)), "{:?}", outcome);
        prop_assert_eq!(outcome == Plan::InSync, same_capacity(&desired, &live));
    }
}
