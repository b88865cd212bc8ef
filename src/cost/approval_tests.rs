//! Table tests of the approval gate and the plan hash.

use jiff::Timestamp;

use super::approval::{Gate, GateInput, canonical_text, gate, plan_hash};
use super::estimate::{CostChange, PricedCapacity, estimate_change};
use super::money::Currency;
use super::table::BuiltInPrices;
use crate::api::{ApprovalStatus, MoneyAmount, RequireApproval};
use crate::domain::{Location, RegionUnits, Sku};
use crate::plan::{BlockReason, Blocked, Change, Plan, Step, StepsPlan, Target};

const SERVICE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/api";

fn loc(name: &str) -> Location {
    Location::new(name)
}

fn steps_plan(steps: Vec<Step>) -> Plan {
    Plan::Steps(StepsPlan {
        steps,
        expected_completion: Timestamp::UNIX_EPOCH,
    })
}

/// Premium, primary westeurope `from` → `to` units, eastus 3 units kept.
fn scale(from: u32, to: u32) -> Step {
    Step {
        changes: vec![Change::Scale {
            location: loc("westeurope"),
            from,
            to,
        }],
        target: Target {
            sku: Sku::Premium,
            primary_units: to,
            additional: vec![RegionUnits {
                location: loc("eastus"),
                units: 3,
            }],
            zones: vec![],
        },
    }
}

/// Premium westeurope 2 + eastus 3 → remove eastus, then Standard with 2 units.
fn downgrade_steps() -> Vec<Step> {
    vec![
        Step {
            changes: vec![Change::RemoveRegion {
                location: loc("eastus"),
                units: 3,
            }],
            target: Target {
                sku: Sku::Premium,
                primary_units: 2,
                additional: vec![],
                zones: vec![],
            },
        },
        Step {
            changes: vec![Change::ChangeTier {
                from: Sku::Premium,
                to: Sku::Standard,
            }],
            target: Target {
                sku: Sku::Standard,
                primary_units: 2,
                additional: vec![],
                zones: vec![],
            },
        },
    ]
}

fn cost(sku_from: Sku, from: u32, sku_to: Sku, to: u32) -> CostChange {
    let capacity = |sku, units| {
        PricedCapacity::of_target(
            &Target {
                sku,
                primary_units: units,
                additional: vec![],
                zones: vec![],
            },
            &loc("eastus"),
        )
    };
    estimate_change(
        &capacity(sku_from, from),
        &capacity(sku_to, to),
        &BuiltInPrices,
    )
    .expect("built-in prices")
}

fn rules(threshold: Option<&str>) -> RequireApproval {
    RequireApproval {
        cost_increase_above: threshold.map(|t| MoneyAmount(t.into())),
        ..RequireApproval::default()
    }
}

fn input<'a>(
    rules: &'a RequireApproval,
    plan: &'a Plan,
    cost: Option<&'a CostChange>,
    annotation: Option<&'a str>,
) -> GateInput<'a> {
    GateInput {
        rules: Some(rules),
        currency: Currency::USD,
        service_id: SERVICE,
        plan,
        cost,
        annotation,
        previous: None,
    }
}

fn hash_of(plan: &Plan) -> String {
    match plan {
        Plan::Steps(p) => plan_hash(SERVICE, &p.steps).to_string(),
        _ => String::new(),
    }
}

#[test]
fn a_cost_increase_above_the_threshold_needs_approval() {
    let plan = steps_plan(vec![scale(2, 6)]);
    let up = cost(Sku::Premium, 2, Sku::Premium, 6);
    let rules = rules(Some("5000"));
    let Gate::Needed { hash, reasons } = gate(&input(&rules, &plan, Some(&up), None)) else {
        panic!("approval expected");
    };
    assert_eq!(hash.as_str().len(), 10);
    assert!(
        hash.as_str()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(
        reasons,
        [
            "the monthly list price rises by 11,180.68 USD/month (from 5,590.34 to 16,771.02 USD/month), more than the 5,000.00 USD/month requireApproval.costIncreaseAbove allows"
        ]
    );
}

#[test]
fn a_cost_increase_at_or_below_the_threshold_does_not() {
    let plan = steps_plan(vec![scale(2, 3)]);
    let up = cost(Sku::Premium, 2, Sku::Premium, 3);
    for threshold in ["5000", "2795.17"] {
        let rules = rules(Some(threshold));
        assert_eq!(
            gate(&input(&rules, &plan, Some(&up), None)),
            Gate::NotNeeded
        );
    }
    let rules = rules(Some("2795.16"));
    assert!(!gate(&input(&rules, &plan, Some(&up), None)).allows_start());
}

#[test]
fn a_cost_that_cannot_be_compared_needs_approval() {
    let plan = steps_plan(vec![scale(2, 3)]);
    let up = cost(Sku::Premium, 2, Sku::Premium, 3);
    let unknown = rules(Some("100000"));
    let unreadable = rules(Some("lots"));
    let negative = rules(Some("-5"));
    let mut eur = input(&unknown, &plan, Some(&up), None);
    eur.currency = Currency::parse("EUR").expect("valid");
    let cases: [(GateInput<'_>, &str); 4] = [
        (input(&unknown, &plan, None, None), "could not be estimated"),
        (
            eur,
            "only be estimated in USD but requireApproval.costIncreaseAbove is in EUR",
        ),
        (
            input(&unreadable, &plan, Some(&up), None),
            "\"lots\" is not an amount",
        ),
        (
            input(&negative, &plan, Some(&up), None),
            "\"-5\" is not an amount",
        ),
    ];
    for (case, expected) in cases {
        match gate(&case) {
            Gate::Needed { reasons, .. } => {
                assert!(reasons[0].contains(expected), "{reasons:?}")
            }
            other => panic!("approval expected, got {other:?}"),
        }
    }
}

#[test]
fn downgrade_region_removal_and_always_name_their_reasons() {
    let plan = steps_plan(downgrade_steps());
    let all = RequireApproval {
        downgrade: true,
        region_removal: true,
        always: true,
        cost_increase_above: None,
    };
    let Gate::Needed { reasons, .. } = gate(&input(&all, &plan, None, None)) else {
        panic!("approval expected");
    };
    assert_eq!(
        reasons,
        [
            "every change needs approval (requireApproval.always)",
            "the tier goes down from Premium to Standard (requireApproval.downgrade)",
            "region eastus is removed (requireApproval.regionRemoval)",
        ]
    );
    let upgrade = steps_plan(vec![scale(2, 6)]);
    let only_guards = RequireApproval {
        always: false,
        ..all.clone()
    };
    assert_eq!(
        gate(&input(&only_guards, &upgrade, None, None)),
        Gate::NotNeeded
    );
    let always = RequireApproval {
        always: true,
        ..RequireApproval::default()
    };
    assert!(!gate(&input(&always, &upgrade, None, None)).allows_start());
}

#[test]
fn nothing_to_start_or_no_rules_needs_no_approval() {
    let always = RequireApproval {
        always: true,
        ..RequireApproval::default()
    };
    let blocked = Plan::Blocked(Blocked {
        reason: BlockReason::UnitLimitExceeded,
        message: "too many".into(),
    });
    for plan in [Plan::InSync, blocked] {
        assert_eq!(gate(&input(&always, &plan, None, None)), Gate::NotNeeded);
    }
    let plan = steps_plan(vec![scale(2, 6)]);
    let mut no_rules = input(&always, &plan, None, None);
    no_rules.rules = None;
    assert_eq!(gate(&no_rules), Gate::NotNeeded);
}

#[test]
fn only_the_right_hash_approves() {
    let plan = steps_plan(vec![scale(2, 6)]);
    let rules = RequireApproval {
        always: true,
        ..RequireApproval::default()
    };
    let hash = hash_of(&plan);
    for wrong in ["", "0000000000", "approved", "yes"] {
        assert!(
            !gate(&input(&rules, &plan, None, Some(wrong))).allows_start(),
            "{wrong}"
        );
    }
    for right in [hash.clone(), format!("  {}\n", hash.to_uppercase())] {
        let decided = gate(&input(&rules, &plan, None, Some(&right)));
        assert!(
            matches!(decided, Gate::Approved { next: None, .. }),
            "{decided:?}"
        );
        let status = decided.status(Some("kubectl-annotate".into()));
        assert_eq!(
            status.map(|s| (s.plan_hash, s.approved_hash, s.approved_by)),
            Some((
                hash.clone(),
                Some(hash.clone()),
                Some("kubectl-annotate".into())
            ))
        );
    }
}

#[test]
fn a_changed_plan_gets_a_new_hash_and_the_old_approval_does_nothing() {
    let rules = RequireApproval {
        always: true,
        ..RequireApproval::default()
    };
    let approved = steps_plan(vec![scale(2, 6)]);
    let annotation = hash_of(&approved);
    // A spec edit (6 → 7), drift (the live 2 became 3), another region's units.
    let mut other_region = scale(2, 6);
    other_region.target.additional[0].units = 4;
    for changed in [scale(2, 7), scale(3, 6), other_region] {
        let plan = steps_plan(vec![changed]);
        assert_ne!(hash_of(&plan), annotation);
        let decided = gate(&input(&rules, &plan, None, Some(&annotation)));
        assert!(matches!(decided, Gate::Needed { .. }), "{decided:?}");
    }
}

#[test]
fn an_approval_carries_over_to_the_rest_of_its_plan_only() {
    let rules = RequireApproval {
        region_removal: true,
        downgrade: true,
        ..RequireApproval::default()
    };
    let whole = steps_plan(downgrade_steps());
    let annotation = hash_of(&whole);
    let first = gate(&input(&rules, &whole, None, Some(&annotation)));
    let recorded = first.status(None).expect("approved status");
    assert!(recorded.next_hash.is_some());
    // The first step ran; the rest of the plan is the tier change.
    let rest = steps_plan(downgrade_steps().split_off(1));
    let mut continuing = input(&rules, &rest, None, Some(&annotation));
    continuing.previous = Some(&recorded);
    let Gate::Approved { hash, approved, .. } = gate(&continuing) else {
        panic!("the rest of an approved plan is approved");
    };
    assert_eq!(
        (hash.to_string(), approved.to_string()),
        (hash_of(&rest), annotation.clone())
    );
    // Re-deciding the same rest (a change window was closed) keeps it approved.
    let again = gate(&continuing).status(None).expect("approved");
    continuing.previous = Some(&again);
    assert!(gate(&continuing).allows_start());
    // Removing the annotation revokes; a different rest (drift) is not approved.
    let mut revoked = input(&rules, &rest, None, None);
    revoked.previous = Some(&recorded);
    assert!(!gate(&revoked).allows_start());
    let mut drifted_steps = downgrade_steps().split_off(1);
    drifted_steps[0].target.primary_units = 1;
    let drifted = steps_plan(drifted_steps);
    let mut other = input(&rules, &drifted, None, Some(&annotation));
    other.previous = Some(&recorded);
    assert!(!gate(&other).allows_start());
    // A status that was never approved carries nothing.
    let waiting = ApprovalStatus {
        approved_hash: None,
        ..recorded.clone()
    };
    let mut unapproved = input(&rules, &rest, None, Some(&annotation));
    unapproved.previous = Some(&waiting);
    assert!(!gate(&unapproved).allows_start());
}

#[test]
fn the_hash_is_stable_and_defined_by_the_canonical_text() {
    let steps = vec![scale(2, 6)];
    assert_eq!(
        canonical_text(SERVICE, &steps),
        "capacity.apim.dev/plan-hash/v1\n\
         service /subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.apimanagement/service/api\n\
         step\n\
         change Scale westeurope 2 6\n\
         target Premium 6 eastus=3\n"
    );
    // Pinned: a different value means approvals written by older versions stop matching.
    assert_eq!(plan_hash(SERVICE, &steps).as_str(), "3818944b42");
    assert_eq!(
        plan_hash(&SERVICE.to_uppercase(), &steps),
        plan_hash(SERVICE, &steps)
    );
    assert_ne!(
        plan_hash(&SERVICE.replace("/api", "/other"), &steps),
        plan_hash(SERVICE, &steps)
    );
}

#[test]
fn the_waiting_message_says_how_to_approve() {
    let plan = steps_plan(vec![scale(2, 6)]);
    let rules = RequireApproval {
        always: true,
        ..RequireApproval::default()
    };
    let decided = gate(&input(&rules, &plan, None, None));
    assert_eq!(
        decided.message(),
        Some(format!(
            "Approval needed: every change needs approval (requireApproval.always); to approve this plan, set the annotation capacity.apim.dev/approve={}",
            hash_of(&plan)
        ))
    );
    assert_eq!(Gate::NotNeeded.status(None), None);
}
