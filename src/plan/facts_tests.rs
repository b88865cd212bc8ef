//! Rules fed by facts the operator gathers: the unit limits (built-in table, what Azure
//! reports for the service, operator overrides) and the subnets of VNet-injected regions.

use std::collections::BTreeMap;

use crate::domain::{AzureLimits, Sku::*, SubnetPrefix, UnitLimits, VnetType};

use super::test_support::*;
use super::{BlockReason, Blocked, Plan, Policy, SubnetFacts, plan};

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
fn limit_from_table_is_enforced_and_overridable() {
    let want = desired(Premium, &[("westeurope", 2), ("eastus", 35)]);
    let have = live(Premium, &[("westeurope", 2), ("eastus", 30)]);
    assert_eq!(
        plan(&want, &have, &Policy::default(), now()),
        blocked(
            BlockReason::UnitLimitExceeded,
            "eastus asks for 35 units but Premium allows at most 31 units per region; if Azure \
             support raised your limit, raise it in the operator configuration (unit limit \
             overrides, e.g. Premium=35)."
        )
    );
    let raised = Policy {
        limits: UnitLimits::default()
            .with_overrides("Premium=40")
            .expect("valid override"),
        ..Policy::default()
    };
    assert_eq!(
        plan(&want, &have, &raised, now()),
        steps(vec![step(
            vec![scale("eastus", 30, 35)],
            target(Premium, 2, &[("eastus", 35)])
        )])
    );
    let standard = plan(
        &desired(Standard, &[("westeurope", 5)]),
        &live(Standard, &[("westeurope", 4)]),
        &raised,
        now(),
    );
    assert_eq!(reason(&standard), Some(BlockReason::UnitLimitExceeded));
}

#[test]
fn the_limit_azure_reports_wins_over_the_table_and_overrides_win_over_it() {
    let mut reported = AzureLimits::default();
    reported.insert(Premium, 12);
    let want = desired(Premium, &[("westeurope", 14)]);
    let have = live(Premium, &[("westeurope", 10)]);
    let azure = Policy {
        limits: UnitLimits::default().with_azure(&reported),
        ..Policy::default()
    };
    assert_eq!(
        plan(&want, &have, &azure, now()),
        blocked(
            BlockReason::UnitLimitExceeded,
            "westeurope asks for 14 units but Azure reports at most 12 units per region of \
             Premium for this service; if Azure support raised your limit, raise it in the \
             operator configuration (unit limit overrides, e.g. Premium=14)."
        )
    );
    let raised = Policy {
        limits: azure
            .limits
            .clone()
            .with_overrides("Premium=20")
            .expect("valid"),
        ..Policy::default()
    };
    assert_eq!(
        plan(&want, &have, &raised, now()),
        steps(vec![step(
            vec![scale("westeurope", 10, 14)],
            target(Premium, 14, &[])
        )])
    );
    let capped = Policy {
        limits: UnitLimits::default()
            .with_overrides("Premium=13")
            .expect("valid"),
        ..Policy::default()
    };
    assert_eq!(
        plan(&want, &have, &capped, now()),
        blocked(
            BlockReason::UnitLimitExceeded,
            "westeurope asks for 14 units but the operator configuration allows at most 13 \
             units per region of Premium (unit limit overrides); raise the override if Azure \
             support raised your limit."
        )
    );
}

fn subnets(list: &[(&str, &str, VnetType)]) -> Policy {
    let subnets = list
        .iter()
        .map(|(name, prefix, vnet)| {
            let prefix: SubnetPrefix = prefix.parse().expect("valid prefix");
            (
                loc(name),
                SubnetFacts {
                    prefix,
                    vnet: *vnet,
                },
            )
        })
        .collect::<BTreeMap<_, _>>();
    Policy {
        subnets,
        ..Policy::default()
    }
}

#[test]
fn a_scale_up_the_subnet_cannot_hold_is_refused_before_any_patch() {
    let policy = subnets(&[("westeurope", "10.0.0.0/27", VnetType::Internal)]);
    let have = live(Premium, &[("westeurope", 12), ("eastus", 1)]);
    assert_eq!(
        plan(
            &desired(Premium, &[("westeurope", 14), ("eastus", 1)]),
            &have,
            &policy,
            now()
        ),
        blocked(
            BlockReason::SubnetTooSmall,
            "westeurope: 14 units of Premium do not fit in subnet 10.0.0.0/27: /27 allows at \
             most 13 units (2 addresses per unit, 1 for the internal load balancer, 5 reserved \
             by Azure); use /26 or a larger subnet, or ask for fewer units."
        )
    );
    assert_eq!(
        plan(
            &desired(Premium, &[("westeurope", 13), ("eastus", 1)]),
            &have,
            &policy,
            now()
        ),
        steps(vec![step(
            vec![scale("westeurope", 12, 13)],
            target(Premium, 13, &[("eastus", 1)])
        )])
    );
}

#[test]
fn regions_without_a_known_subnet_and_scale_ins_are_not_checked() {
    let policy = subnets(&[("eastus", "10.1.0.0/29", VnetType::External)]);
    let grow_elsewhere = plan(
        &desired(Premium, &[("westeurope", 20), ("eastus", 1)]),
        &live(Premium, &[("westeurope", 2), ("eastus", 1)]),
        &policy,
        now(),
    );
    assert_eq!(reason(&grow_elsewhere), None);
    // Azure reports more units than the subnet holds: cutting them is never refused.
    let shrink = plan(
        &desired(Premium, &[("westeurope", 1), ("eastus", 2)]),
        &live(Premium, &[("westeurope", 1), ("eastus", 3)]),
        &policy,
        now(),
    );
    assert_eq!(reason(&shrink), None);
    let grow_here = plan(
        &desired(Premium, &[("westeurope", 1), ("eastus", 2)]),
        &live(Premium, &[("westeurope", 1), ("eastus", 1)]),
        &policy,
        now(),
    );
    assert_eq!(reason(&grow_here), Some(BlockReason::SubnetTooSmall));
}

#[test]
fn leaving_developer_doubles_the_addresses_per_unit() {
    let policy = Policy {
        allow_downtime: true,
        ..subnets(&[("westeurope", "10.0.0.0/29", VnetType::External)])
    };
    let outcome = plan(
        &desired(Premium, &[("westeurope", 2)]),
        &live(Developer, &[("westeurope", 1)]),
        &policy,
        now(),
    );
    assert_eq!(reason(&outcome), Some(BlockReason::SubnetTooSmall));
}
