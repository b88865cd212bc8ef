//! Table-driven tests of the rules that block a plan and of the messages people read.

use crate::domain::Sku::*;

use super::test_support::*;
use super::{BlockReason, Blocked, Plan, Policy, plan};

fn blocked(reason: BlockReason, message: &str) -> Plan {
    Plan::Blocked(Blocked {
        reason,
        message: message.to_string(),
    })
}

fn reason(outcome: &Plan) -> Option<BlockReason> {
    match outcome {
        Plan::Blocked(b) => Some(b.reason),
        _ => None,
    }
}

#[test]
fn downgrade_without_consent_is_blocked() {
    let outcome = plan(
        &desired(Standard, &[("westeurope", 2)]),
        &live(Premium, &[("westeurope", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::TierDowngradeNotAllowed,
            "Changing the tier from Premium to Standard is a downgrade; set \
             spec.changePolicy.allowTierDowngrade to true to allow it."
        )
    );
}

#[test]
fn region_removal_without_consent_is_blocked() {
    let policy = Policy {
        allow_tier_downgrade: true,
        ..Policy::default()
    };
    let outcome = plan(
        &desired(Standard, &[("westeurope", 2)]),
        &live(Premium, &[("westeurope", 2), ("eastus", 1)]),
        &policy,
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::RegionRemovalNotAllowed,
            "Region eastus (1 unit) is no longer listed and would be removed; set \
             spec.changePolicy.allowRegionRemoval to true to allow it."
        )
    );
}

#[test]
fn classic_to_v2_is_blocked() {
    let outcome = plan(
        &desired(StandardV2, &[("westeurope", 2)]),
        &live(Standard, &[("westeurope", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::UnsupportedTierChange,
            "Azure cannot move a service from Standard (classic) to StandardV2 (v2): classic \
             and v2 tiers do not mix; choose a classic tier or create a new service."
        )
    );
    let back = plan(
        &desired(Premium, &[("westeurope", 2)]),
        &live(PremiumV2, &[("westeurope", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(reason(&back), Some(BlockReason::UnsupportedTierChange));
}

#[test]
fn consumption_is_unmanageable() {
    let live_consumption = plan(
        &desired(Standard, &[("westeurope", 1)]),
        &live(Consumption, &[("westeurope", 0)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        live_consumption,
        blocked(
            BlockReason::UnmanageableTier,
            "The service's tier is Consumption, which is serverless and has no units: \
             Consumption cannot be scaled or changed to or from another tier."
        )
    );
    let desired_consumption = plan(
        &desired(Consumption, &[("westeurope", 1)]),
        &live(Standard, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        desired_consumption,
        blocked(
            BlockReason::UnmanageableTier,
            "The desired tier is Consumption, which is serverless and has no units: \
             Consumption cannot be scaled or changed to or from another tier."
        )
    );
    let isolated = plan(
        &desired(Isolated, &[("westeurope", 2)]),
        &live(Isolated, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(reason(&isolated), Some(BlockReason::UnmanageableTier));
}

#[test]
fn missing_primary_is_blocked() {
    let outcome = plan(
        &desired(Premium, &[("eastus", 2)]),
        &live(Premium, &[("westeurope", 2), ("eastus", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::PrimaryRegionMissing,
            "The service's primary region westeurope is not listed in spec.regions; the \
             primary region cannot be removed or moved, so list it with its units (it has 2 \
             now)."
        )
    );
    let no_regions = plan(
        &desired(Premium, &[("eastus", 2)]),
        &live(Premium, &[]),
        &Policy::default(),
        now(),
    );
    assert_eq!(reason(&no_regions), Some(BlockReason::PrimaryRegionMissing));
}

#[test]
fn multiple_regions_need_premium() {
    let outcome = plan(
        &desired(Standard, &[("westeurope", 2), ("eastus", 1)]),
        &live(Standard, &[("westeurope", 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::MultipleRegionsNeedPremium,
            "2 regions are listed (westeurope, eastus) but only the Premium tier runs in more \
             than one region, and the desired tier is Standard."
        )
    );
}

#[test]
fn invalid_units_are_blocked() {
    let cases = [
        (
            desired(Premium, &[("westeurope", 1), ("eastus", 0)]),
            "eastus asks for 0 units; every region needs at least 1 unit.",
        ),
        (
            desired(Developer, &[("westeurope", 2)]),
            "The Developer tier has exactly 1 unit, but westeurope asks for 2.",
        ),
        (
            desired(Premium, &[("westeurope", 1), ("westeurope", 2)]),
            "westeurope is listed twice (with 1 and 2 units); list each region once.",
        ),
    ];
    for (want, message) in cases {
        assert_eq!(
            plan(
                &want,
                &live(Premium, &[("westeurope", 3)]),
                &Policy::default(),
                now()
            ),
            blocked(BlockReason::InvalidUnits, message)
        );
    }
}

#[test]
fn zones_must_divide_units() {
    let have = live_zoned(Premium, &[("westeurope", 3, 3), ("eastus", 2, 2)]);
    let uneven = desired(Premium, &[("westeurope", 4), ("eastus", 2)]);
    assert_eq!(
        plan(&uneven, &have, &Policy::default(), now()),
        blocked(
            BlockReason::ZonesDoNotDivideUnits,
            "westeurope is pinned to 3 availability zones, so its units must be a multiple of \
             3, but 4 are asked for."
        )
    );
    let even = desired(Premium, &[("westeurope", 6), ("eastus", 4)]);
    let pinned: &[(&str, &[&str])] = &[("westeurope", &["1", "2", "3"]), ("eastus", &["1", "2"])];
    assert_eq!(
        plan(&even, &have, &Policy::default(), now()),
        steps(vec![step(
            vec![scale("westeurope", 3, 6), scale("eastus", 2, 4)],
            zoned(target(Premium, 6, &[("eastus", 4)]), pinned)
        )])
    );
    let relaxed = Policy {
        zones_must_divide_units: false,
        ..Policy::default()
    };
    assert_eq!(
        plan(&uneven, &have, &relaxed, now()),
        steps(vec![step(
            vec![scale("westeurope", 3, 4)],
            zoned(target(Premium, 4, &[("eastus", 2)]), pinned)
        )])
    );
}

#[test]
fn first_failing_rule_wins() {
    let policy = Policy::default();
    let cases = [
        // Consumption before classic/v2 and before the missing primary.
        (
            desired(Consumption, &[("eastus", 0)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::UnmanageableTier,
        ),
        // classic -> v2 before the missing primary.
        (
            desired(StandardV2, &[("eastus", 1)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::UnsupportedTierChange,
        ),
        // Missing primary before multiple regions on Standard.
        (
            desired(Standard, &[("eastus", 1), ("northeurope", 1)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::PrimaryRegionMissing,
        ),
        // Multiple regions before 0 units.
        (
            desired(Standard, &[("westeurope", 0), ("eastus", 1)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::MultipleRegionsNeedPremium,
        ),
        // 0 units before the limit.
        (
            desired(Premium, &[("westeurope", 0), ("eastus", 99)]),
            live(Premium, &[("westeurope", 1)]),
            BlockReason::InvalidUnits,
        ),
        // The limit before the downgrade.
        (
            desired(Basic, &[("westeurope", 3)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::UnitLimitExceeded,
        ),
        // The downgrade before the region removal.
        (
            desired(Standard, &[("westeurope", 1)]),
            live(Premium, &[("westeurope", 1), ("eastus", 1)]),
            BlockReason::TierDowngradeNotAllowed,
        ),
        // Region removal before zones.
        (
            desired(Premium, &[("westeurope", 1)]),
            live_zoned(Premium, &[("westeurope", 2, 2), ("eastus", 1, 0)]),
            BlockReason::RegionRemovalNotAllowed,
        ),
        // The limit before zone names.
        (
            desired_zoned(Premium, &[("westeurope", 40)], &[("westeurope", &["4"])]),
            live(Premium, &[("westeurope", 1)]),
            BlockReason::UnitLimitExceeded,
        ),
        // Zone names before the downgrade.
        (
            desired_zoned(Standard, &[("westeurope", 1)], &[("westeurope", &["1"])]),
            live(Premium, &[("westeurope", 1)]),
            BlockReason::InvalidZones,
        ),
        // The downgrade before the downtime.
        (
            desired(Developer, &[("westeurope", 1)]),
            live(Standard, &[("westeurope", 1)]),
            BlockReason::TierDowngradeNotAllowed,
        ),
        // The downtime before the zone change.
        (
            desired_zoned(
                Premium,
                &[("westeurope", 2)],
                &[("westeurope", &["1", "2"])],
            ),
            live(Developer, &[("westeurope", 1)]),
            BlockReason::DowntimeNotAllowed,
        ),
        // The zone change before the zones' multiple.
        (
            desired_zoned(
                Premium,
                &[("westeurope", 4)],
                &[("westeurope", &["1", "2", "3"])],
            ),
            live(Premium, &[("westeurope", 2)]),
            BlockReason::ZoneChangeNotAllowed,
        ),
    ];
    for (want, have, expected) in cases {
        assert_eq!(
            reason(&plan(&want, &have, &policy, now())),
            Some(expected),
            "{want:?} against {have:?}"
        );
    }
}

#[test]
fn block_reasons_have_pascal_case_names() {
    let all = [
        (BlockReason::UnmanageableTier, "UnmanageableTier"),
        (BlockReason::UnsupportedTierChange, "UnsupportedTierChange"),
        (
            BlockReason::TierDowngradeNotAllowed,
            "TierDowngradeNotAllowed",
        ),
        (
            BlockReason::RegionRemovalNotAllowed,
            "RegionRemovalNotAllowed",
        ),
        (BlockReason::PrimaryRegionMissing, "PrimaryRegionMissing"),
        (
            BlockReason::MultipleRegionsNeedPremium,
            "MultipleRegionsNeedPremium",
        ),
        (BlockReason::UnitLimitExceeded, "UnitLimitExceeded"),
        (BlockReason::ZonesDoNotDivideUnits, "ZonesDoNotDivideUnits"),
        (BlockReason::InvalidUnits, "InvalidUnits"),
        (BlockReason::InvalidZones, "InvalidZones"),
        (
            BlockReason::ZoneRedundancyImmutable,
            "ZoneRedundancyImmutable",
        ),
        (BlockReason::ZoneChangeNotAllowed, "ZoneChangeNotAllowed"),
        (BlockReason::DowntimeNotAllowed, "DowntimeNotAllowed"),
        (BlockReason::SubnetTooSmall, "SubnetTooSmall"),
    ];
    let consents: Vec<&str> = all
        .iter()
        .filter(|(reason, _)| reason.is_consent())
        .map(|(_, name)| *name)
        .collect();
    assert_eq!(
        consents,
        [
            "TierDowngradeNotAllowed",
            "RegionRemovalNotAllowed",
            "ZoneChangeNotAllowed",
            "DowntimeNotAllowed"
        ]
    );
    for (reason, name) in all {
        assert_eq!(reason.as_str(), name);
        assert_eq!(reason.to_string(), name);
        assert_eq!(
            serde_json::to_string(&reason).expect("serialises"),
            format!("\"{name}\"")
        );
    }
}
