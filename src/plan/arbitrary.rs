//! Random policies, live services and wishes for the property tests.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::domain::{
    DesiredCapacity, LiveRegion, LiveService, Location, ProvisioningState, RegionUnits,
    RegionZones, Sku, SubnetPrefix, UnitLimits, VnetType,
};

use super::azure_model::primary_of;
use super::{Policy, SubnetFacts};

pub const POOL: [&str; 5] = [
    "westeurope",
    "eastus",
    "northeurope",
    "westus2",
    "japaneast",
];

fn arb_subnets() -> impl Strategy<Value = BTreeMap<Location, SubnetFacts>> {
    let vnet = prop_oneof![Just(VnetType::External), Just(VnetType::Internal)];
    let facts = proptest::option::weighted(0.3, (24..=29u8, vnet));
    proptest::collection::vec(facts, POOL.len()).prop_map(|entries| {
        POOL.iter()
            .zip(entries)
            .filter_map(|(name, facts)| {
                let (length, vnet) = facts?;
                let prefix = SubnetPrefix {
                    address: std::net::Ipv4Addr::new(10, 0, 0, 0),
                    length,
                };
                Some((Location::new(name), SubnetFacts { prefix, vnet }))
            })
            .collect()
    })
}

pub fn arb_policy() -> impl Strategy<Value = Policy> {
    let limit = || proptest::option::of(1..=100u32);
    let consent = || proptest::bool::weighted(0.6);
    let flags = (consent(), consent(), any::<bool>(), consent(), consent())
        .prop_map(|(a, b, c, d, e)| [a, b, c, d, e]);
    (
        flags,
        (limit(), limit(), limit(), limit()),
        proptest::option::weighted(0.3, arb_subnets()),
    )
        .prop_map(
            |(flags, (premium, premium_v2, basic_v2, standard_v2), subnets)| {
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
                    allow_zone_change: flags[3],
                    allow_downtime: flags[4],
                    limits,
                    subnets: subnets.unwrap_or_default(),
                    ..Policy::default()
                }
            },
        )
}

/// A live service Azure could report, valid under `limits`.
pub fn arb_live(limits: UnitLimits) -> impl Strategy<Value = LiveService> {
    let sku = prop_oneof![
        8 => proptest::sample::select(Sku::TARGETS.to_vec()),
        1 => proptest::sample::select(Sku::ALL.to_vec()),
    ];
    arb_live_on(limits, sku)
}

/// A live service on a tier drawn from `sku`, valid under `limits`.
pub fn arb_live_on(
    limits: UnitLimits,
    sku: impl Strategy<Value = Sku>,
) -> impl Strategy<Value = LiveService> {
    (
        sku,
        Just(POOL.to_vec()).prop_shuffle(),
        0..=3usize,
        proptest::collection::vec((1..=100u32, 0..=3u32), POOL.len()),
        any::<bool>(),
    )
        .prop_map(move |(sku, names, extra, seeds, redundant)| {
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
            let zone_redundant =
                matches!(sku, Sku::StandardV2 | Sku::PremiumV2 | Sku::BasicV2).then_some(redundant);
            LiveService {
                id: "apim".to_string(),
                sku,
                regions,
                provisioning_state: ProvisioningState::Succeeded,
                target_provisioning_state: None,
                zone_redundant,
            }
        })
}

/// Zones a wish may set for a region: usually none, else a subset of 1–3 (sometimes
/// empty), rarely a list Azure would refuse.
fn arb_zones() -> impl Strategy<Value = Option<Vec<String>>> {
    let subset = proptest::sample::subsequence(vec!["1", "2", "3"], 0..=3)
        .prop_map(|zones| zones.into_iter().map(str::to_string).collect::<Vec<_>>());
    let odd = prop_oneof![
        Just(vec!["4".to_string()]),
        Just(vec!["1".to_string(), "1".to_string()]),
    ];
    prop_oneof![
        6 => Just(None),
        3 => subset.prop_map(Some),
        1 => odd.prop_map(Some),
    ]
}

/// Any wish: any tier, 1–4 regions (usually listing the primary), 0–40 units; sometimes
/// the live regions with the live or nearby units; sometimes zones and zone redundancy.
pub fn arb_desired(live: &LiveService) -> impl Strategy<Value = DesiredCapacity> + use<> {
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
        (
            prop_oneof![
                2 => Just(live.sku),
                4 => proptest::sample::select(same_generation),
                2 => proptest::sample::select(Sku::ALL.to_vec()),
            ],
            Just(POOL.to_vec()).prop_shuffle(),
            1..=4usize,
            proptest::collection::vec(units, POOL.len()),
        ),
        (
            proptest::bool::weighted(0.9),
            proptest::bool::weighted(0.3),
            proptest::bool::weighted(0.7),
        ),
        (
            proptest::collection::vec(arb_zones(), POOL.len()),
            proptest::bool::weighted(0.7),
            proptest::option::weighted(0.2, any::<bool>()),
        ),
    )
        .prop_map(
            move |(
                (sku, names, count, units),
                (keep_primary, like_live, single),
                (zones, even, zone_redundant),
            )| {
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
                let zones: Vec<RegionZones> = regions
                    .iter_mut()
                    .zip(zones)
                    .filter_map(|(region, zones)| {
                        let zones = zones?;
                        let n = zones.len() as u32;
                        if even && n > 0 && region.units > 0 {
                            region.units = region.units.div_ceil(n) * n;
                        }
                        Some(RegionZones {
                            location: region.location.clone(),
                            zones,
                        })
                    })
                    .collect();
                DesiredCapacity {
                    sku,
                    regions,
                    zones,
                    zone_redundant,
                }
            },
        )
}

pub fn scenario() -> impl Strategy<Value = (DesiredCapacity, LiveService, Policy)> {
    arb_policy().prop_flat_map(|policy| {
        let live = prop_oneof![
            3 => arb_live(policy.limits.clone()),
            2 => arb_live_on(policy.limits.clone(), Just(Sku::Premium)),
        ];
        live.prop_flat_map(move |live| {
            let policy = policy.clone();
            arb_desired(&live).prop_map(move |desired| (desired, live.clone(), policy.clone()))
        })
    })
}
