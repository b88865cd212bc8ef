//! Zones, zone redundancy and downtime: what is blocked, with which message, and how zone
//! changes are placed in steps of their own.

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

fn zone_consent() -> Policy {
    Policy {
        allow_zone_change: true,
        ..Policy::default()
    }
}

#[test]
fn a_zone_change_without_consent_is_blocked_and_warns_of_new_addresses() {
    let outcome = plan(
        &desired_zoned(
            Premium,
            &[("westeurope", 6)],
            &[("westeurope", &["1", "2", "3"])],
        ),
        &live_zoned(Premium, &[("westeurope", 6, 2)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        blocked(
            BlockReason::ZoneChangeNotAllowed,
            "Changing the availability zones of westeurope from 1, 2 to 1, 2, 3 gives the \
             service new public and private IP addresses (Azure assigns new ones when zones \
             change); set spec.changePolicy.allowZoneChange to true to allow it."
        )
    );
}

#[test]
fn zones_change_in_a_step_of_their_own_placed_where_the_units_divide() {
    let cases = [
        // 6 units fit 2 zones: zones first, then the cut.
        (
            desired_zoned(
                Premium,
                &[("westeurope", 4)],
                &[("westeurope", &["1", "2"])],
            ),
            live_zoned(Premium, &[("westeurope", 6, 3)]),
            vec![
                step(
                    vec![zones("westeurope", &["1", "2", "3"], &["1", "2"])],
                    zoned(target(Premium, 6, &[]), &[("westeurope", &["1", "2"])]),
                ),
                step(
                    vec![scale("westeurope", 6, 4)],
                    zoned(target(Premium, 4, &[]), &[("westeurope", &["1", "2"])]),
                ),
            ],
        ),
        // 4 units do not fit 3 zones, 3 fit none pinned: scale first, then pin.
        (
            desired_zoned(
                Premium,
                &[("westeurope", 3)],
                &[("westeurope", &["3", "1", "2"])],
            ),
            live(Premium, &[("westeurope", 4)]),
            vec![
                step(vec![scale("westeurope", 4, 3)], target(Premium, 3, &[])),
                step(
                    vec![zones("westeurope", &[], &["1", "2", "3"])],
                    zoned(target(Premium, 3, &[]), &[("westeurope", &["1", "2", "3"])]),
                ),
            ],
        ),
        // 2 units fit 2 zones but not 3, 3 units fit 3 but not 2: the zone step carries
        // the units, as Azure's own example sends zones with sku.capacity.
        (
            desired_zoned(
                Premium,
                &[("westeurope", 3)],
                &[("westeurope", &["1", "2", "3"])],
            ),
            live_zoned(Premium, &[("westeurope", 2, 2)]),
            vec![step(
                vec![
                    zones("westeurope", &["1", "2"], &["1", "2", "3"]),
                    scale("westeurope", 2, 3),
                ],
                zoned(target(Premium, 3, &[]), &[("westeurope", &["1", "2", "3"])]),
            )],
        ),
    ];
    for (want, have, expected) in cases {
        assert_eq!(plan(&want, &have, &zone_consent(), now()), steps(expected));
    }
}

#[test]
fn zones_of_a_new_region_come_with_it_without_consent() {
    let outcome = plan(
        &desired_zoned(
            Premium,
            &[("westeurope", 1), ("eastus", 2)],
            &[("eastus", &["1", "2"])],
        ),
        &live(Premium, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(
        outcome,
        steps(vec![step(
            vec![add("eastus", 2)],
            zoned(
                target(Premium, 1, &[("eastus", 2)]),
                &[("eastus", &["1", "2"])]
            )
        )])
    );
}

#[test]
fn a_zoned_premium_service_sheds_its_zones_before_leaving_premium() {
    let want = desired(Standard, &[("westeurope", 2)]);
    let have = live_zoned(Premium, &[("westeurope", 2, 2)]);
    let downgrade = Policy {
        allow_tier_downgrade: true,
        ..Policy::default()
    };
    assert_eq!(
        plan(&want, &have, &downgrade, now()),
        blocked(
            BlockReason::ZoneChangeNotAllowed,
            "The service is pinned to availability zones in westeurope (1, 2), which only the \
             Premium tier has: moving to Standard first removes the zones, and Azure gives the \
             service new public and private IP addresses when its zones change; set \
             spec.changePolicy.allowZoneChange to true to allow it, or keep Premium."
        )
    );
    let consent = Policy {
        allow_zone_change: true,
        ..downgrade
    };
    assert_eq!(
        plan(&want, &have, &consent, now()),
        steps(vec![
            step(
                vec![zones("westeurope", &["1", "2"], &[])],
                target(Premium, 2, &[])
            ),
            step(vec![tier(Premium, Standard)], target(Standard, 2, &[])),
        ])
    );
}

#[test]
fn zones_left_out_keep_the_live_ones_and_their_multiple() {
    let have = live_zoned(Premium, &[("westeurope", 4, 2)]);
    let odd = plan(
        &desired(Premium, &[("westeurope", 5)]),
        &have,
        &Policy::default(),
        now(),
    );
    assert_eq!(reason(&odd), Some(BlockReason::ZonesDoNotDivideUnits));
    let even = plan(
        &desired(Premium, &[("westeurope", 6)]),
        &have,
        &Policy::default(),
        now(),
    );
    assert_eq!(
        even,
        steps(vec![step(
            vec![scale("westeurope", 4, 6)],
            zoned(target(Premium, 6, &[]), &[("westeurope", &["1", "2"])])
        )])
    );
    // The same zones in another order are no change.
    let same = desired_zoned(
        Premium,
        &[("westeurope", 4)],
        &[("westeurope", &["2", "1"])],
    );
    assert_eq!(plan(&same, &have, &Policy::default(), now()), Plan::InSync);
}

#[test]
fn zone_lists_azure_would_refuse_are_blocked() {
    let cases = [
        (
            desired_zoned(
                Premium,
                &[("westeurope", 2)],
                &[("westeurope", &["1", "4"])],
            ),
            "westeurope lists zone \"4\"; availability zones are named \"1\", \"2\" and \"3\".",
        ),
        (
            desired_zoned(
                Premium,
                &[("westeurope", 2)],
                &[("westeurope", &["1", "1"])],
            ),
            "westeurope lists zone 1 twice; list each zone once.",
        ),
        (
            desired_zoned(
                Standard,
                &[("westeurope", 2)],
                &[("westeurope", &["1", "2"])],
            ),
            "westeurope lists availability zones, but only the Premium tier pins regions to \
             zones and the desired tier is Standard; remove the zones or use Premium.",
        ),
    ];
    for (want, message) in cases {
        assert_eq!(
            plan(
                &want,
                &live(Standard, &[("westeurope", 1)]),
                &zone_consent(),
                now()
            ),
            blocked(BlockReason::InvalidZones, message)
        );
    }
}

#[test]
fn v2_zone_redundancy_is_never_changed() {
    let mut have = live(StandardV2, &[("westeurope", 2)]);
    have.zone_redundant = Some(false);
    let mut want = desired(StandardV2, &[("westeurope", 2)]);
    want.zone_redundant = Some(true);
    assert_eq!(
        plan(&want, &have, &Policy::default(), now()),
        blocked(
            BlockReason::ZoneRedundancyImmutable,
            "The service is not zone redundant and Azure cannot change that after the service \
             is created, but spec.zoneRedundant is true; set it to false or remove it, or \
             create a new service."
        )
    );
    want.zone_redundant = Some(false);
    assert_eq!(plan(&want, &have, &Policy::default(), now()), Plan::InSync);
    want.zone_redundant = None;
    assert_eq!(plan(&want, &have, &Policy::default(), now()), Plan::InSync);
    let mut classic = desired(Standard, &[("westeurope", 2)]);
    classic.zone_redundant = Some(true);
    let outcome = plan(
        &classic,
        &live(Standard, &[("westeurope", 1)]),
        &Policy::default(),
        now(),
    );
    assert_eq!(reason(&outcome), Some(BlockReason::InvalidZones));
}

#[test]
fn developer_tier_changes_need_consent_for_downtime() {
    let want = desired(Premium, &[("westeurope", 2)]);
    let have = live(Developer, &[("westeurope", 1)]);
    assert_eq!(
        plan(&want, &have, &Policy::default(), now()),
        blocked(
            BlockReason::DowntimeNotAllowed,
            "Changing the tier from Developer to Premium takes the service down: Azure does \
             not serve requests during a tier change to or from Developer, which takes 15 to \
             45 minutes or more; set spec.changePolicy.allowDowntime to true to allow it."
        )
    );
    let consent = Policy {
        allow_downtime: true,
        ..Policy::default()
    };
    let Plan::Steps(planned) = plan(&want, &have, &consent, now()) else {
        panic!("expected steps");
    };
    assert!(planned.steps[0].causes_downtime());
    let down = plan(
        &desired(Developer, &[("westeurope", 1)]),
        &live(Standard, &[("westeurope", 2)]),
        &Policy {
            allow_tier_downgrade: true,
            ..Policy::default()
        },
        now(),
    );
    assert_eq!(reason(&down), Some(BlockReason::DowntimeNotAllowed));
    let scale = step(vec![scale("westeurope", 1, 2)], target(Premium, 2, &[]));
    assert!(!scale.causes_downtime());
    assert!(!scale.changes_ip_addresses());
}

#[test]
fn only_regions_whose_target_misfits_their_old_zones_carry_units_through_the_zone_step() {
    // westeurope (no zones, 13 → 1, pinned to zone 3) finishes its cut first; eastus (2 units
    // on zones 1, 2 → 3 units on 1, 2, 3) fits neither side alone and moves with its zones.
    let outcome = plan(
        &desired_zoned(
            Premium,
            &[
                ("westeurope", 1),
                ("japaneast", 1),
                ("northeurope", 1),
                ("eastus", 3),
            ],
            &[("westeurope", &["3"]), ("eastus", &["1", "2", "3"])],
        ),
        &live_zoned(Premium, &[("westeurope", 13, 0), ("eastus", 2, 2)]),
        &zone_consent(),
        now(),
    );
    let regions = &[("japaneast", 1), ("northeurope", 1)];
    assert_eq!(
        outcome,
        steps(vec![
            step(
                vec![
                    add("japaneast", 1),
                    add("northeurope", 1),
                    scale("westeurope", 13, 1)
                ],
                zoned(
                    target(Premium, 1, &[regions[0], regions[1], ("eastus", 2)]),
                    &[("eastus", &["1", "2"])]
                ),
            ),
            step(
                vec![
                    zones("westeurope", &[], &["3"]),
                    zones("eastus", &["1", "2"], &["1", "2", "3"]),
                    scale("eastus", 2, 3),
                ],
                zoned(
                    target(Premium, 1, &[regions[0], regions[1], ("eastus", 3)]),
                    &[("westeurope", &["3"]), ("eastus", &["1", "2", "3"])]
                ),
            ),
        ])
    );
}
