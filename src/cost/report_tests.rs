//! Tests of the `apimcap plan -o json` report.

use serde_json::json;

use super::approval::{Gate, GateInput, gate};
use super::estimate::{PricedCapacity, estimate_change};
use super::estimate_tests::{at, desired, live};
use super::money::Currency;
use super::report::{Outcome, PLAN_REPORT_API_VERSION, PlanReport, WarningKind};
use super::report_build::{ReportInput, about, build};
use super::table::BuiltInPrices;
use crate::api::{MoneyAmount, RequireApproval};
use crate::domain::{Location, Sku};
use crate::plan::{self, DurationEstimates, Plan, Policy};

#[test]
fn durations_read_as_people_say_them() {
    let minute = std::time::Duration::from_secs(60);
    assert_eq!(about(30 * minute), "about 30 minutes");
    assert_eq!(
        about(35 * minute - std::time::Duration::from_secs(1)),
        "about 35 minutes"
    );
    assert_eq!(about(105 * minute), "about 105 minutes");
    assert_eq!(about(150 * minute), "about 2 h 30 min");
}

#[test]
fn the_report_shows_steps_durations_cost_and_the_approval() {
    let now = at(1_800_000_000);
    let service = live(Sku::Premium, &[("eastus", 2)]);
    let want = desired(Sku::Premium, &[("eastus", 6)]);
    let planned = plan::plan(&want, &service, &Policy::default(), now);
    let primary = Location::new("eastus");
    let cost = estimate_change(
        &PricedCapacity::of_live(&service),
        &PricedCapacity::of_desired(&want, &primary),
        &BuiltInPrices,
    )
    .expect("priced");
    let rules = RequireApproval {
        cost_increase_above: Some(MoneyAmount("5000".into())),
        ..RequireApproval::default()
    };
    let decided = gate(&GateInput {
        rules: Some(&rules),
        currency: Currency::USD,
        service_id: &service.id,
        plan: &planned,
        cost: Some(&cost),
        annotation: None,
        previous: None,
    });
    let Gate::Needed { hash, .. } = &decided else {
        panic!("approval expected");
    };
    let report = build(&ReportInput {
        service_id: &service.id,
        live: Some(&service),
        desired: &want,
        plan: &planned,
        durations: &DurationEstimates::default(),
        cost: Some(&cost),
        prices: Some(&BuiltInPrices),
        gate: &decided,
        now,
    });
    assert_eq!(report.api_version, PLAN_REPORT_API_VERSION);
    assert_eq!(report.outcome, Outcome::Steps);
    assert_eq!(
        report.summary,
        "+11,180.68 USD/month, 1 step, about 30 minutes, needs approval"
    );
    assert_eq!(report.steps.len(), 1);
    let step = &report.steps[0];
    assert_eq!(step.description, "Scale eastus from 2 to 6 units");
    assert_eq!(
        (
            step.expected_duration.p50_seconds,
            step.expected_duration.p90_seconds
        ),
        (1_800, 2_700)
    );
    assert_eq!(step.expected_finish.p90, at(1_800_002_700));
    assert_eq!(step.monthly_after.as_deref(), Some("16771.02"));
    let kinds: Vec<WarningKind> = report.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        [WarningKind::ApprovalRequired, WarningKind::BuiltInPrices]
    );
    let approval = report.approval.as_ref().expect("approval");
    assert_eq!((approval.required, approval.approved), (true, false));
    assert_eq!(&approval.plan_hash, hash.as_str());
    let value = serde_json::to_value(&report).expect("serialises");
    assert_eq!(value["apiVersion"], "capacity.apim.dev/plan/v1");
    assert_eq!(
        value["steps"][0]["changes"][0],
        json!({"step": 1, "action": "Scale", "location": "eastus", "fromUnits": 2, "toUnits": 6})
    );
    assert_eq!(
        value["expectedDuration"],
        json!({"p50Seconds": 1800, "p90Seconds": 2700})
    );
    assert_eq!(value["cost"]["monthlyDelta"], "+11180.68");
    let back: PlanReport = serde_json::from_value(value).expect("round trip");
    assert_eq!(back, report);
}

#[test]
fn downgrades_and_region_removals_are_warned_about() {
    let now = at(1_800_000_000);
    let service = live(Sku::Premium, &[("westeurope", 2), ("eastus", 1)]);
    let want = desired(Sku::Developer, &[("westeurope", 1)]);
    let policy = Policy {
        allow_tier_downgrade: true,
        allow_region_removal: true,
        allow_downtime: true,
        ..Policy::default()
    };
    let planned = plan::plan(&want, &service, &policy, now);
    assert!(matches!(planned, Plan::Steps(_)), "{planned:?}");
    let report = build(&ReportInput {
        service_id: &service.id,
        live: Some(&service),
        desired: &want,
        plan: &planned,
        durations: &DurationEstimates::default(),
        cost: None,
        prices: None,
        gate: &Gate::NotNeeded,
        now,
    });
    let kinds: Vec<(WarningKind, Option<u32>)> =
        report.warnings.iter().map(|w| (w.kind, w.step)).collect();
    assert_eq!(
        kinds,
        [
            (WarningKind::RegionRemoval, Some(1)),
            (WarningKind::Downtime, Some(2)),
            (WarningKind::TierDowngrade, Some(2)),
        ]
    );
    assert_eq!(report.summary, "2 steps, about 60 minutes");
    assert_eq!(report.approval, None);
}
