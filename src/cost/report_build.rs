//! Builds the [`PlanReport`] of `apimcap plan -o json` from the plan, the durations seen, the
//! cost and the approval gate; pure, the clock passed in.

use std::time::Duration;

use jiff::Timestamp;

use super::approval::Gate;
use super::estimate::{CostChange, PricedCapacity, estimate};
use super::money::format_monthly;
use super::prices::PriceLookup;
use super::report::{
    ApprovalReport, BlockedReport, CapacityReport, DurationReport, FinishReport, Outcome,
    PLAN_REPORT_API_VERSION, PLAN_REPORT_KIND, PlanReport, RegionReport, StepReport, Warning,
    WarningKind,
};
use crate::api::PriceOrigin;
use crate::domain::{DesiredCapacity, LiveService, Location};
use crate::plan::{Change, DurationEstimates, Plan, Step};

/// What a report is built from.
#[derive(Clone, Copy)]
pub struct ReportInput<'a> {
    pub service_id: &'a str,
    pub live: Option<&'a LiveService>,
    pub desired: &'a DesiredCapacity,
    pub plan: &'a Plan,
    pub durations: &'a DurationEstimates,
    pub cost: Option<&'a CostChange>,
    /// Prices each step's target when given (the same source as `cost`).
    pub prices: Option<&'a dyn PriceLookup>,
    pub gate: &'a Gate,
    pub now: Timestamp,
}

fn seconds(d: Duration) -> u64 {
    d.as_secs()
}

fn capacity(priced: &PricedCapacity) -> CapacityReport {
    CapacityReport {
        sku: priced.sku,
        regions: priced
            .regions
            .iter()
            .map(|r| RegionReport {
                location: r.location.clone(),
                units: r.units,
                primary: r.primary,
            })
            .collect(),
    }
}

fn step_warnings(number: u32, step: &Step) -> Vec<Warning> {
    let warn = |kind, message| Warning {
        kind,
        step: Some(number),
        message,
    };
    let mut warnings = Vec::new();
    if step.causes_downtime() {
        warnings.push(warn(
            WarningKind::Downtime,
            format!(
                "\"{}\" takes the service down while it runs",
                step.description()
            ),
        ));
    }
    if step.changes_ip_addresses() {
        warnings.push(warn(
            WarningKind::IpAddressChange,
            format!(
                "\"{}\" gives the service new public and private IP addresses",
                step.description()
            ),
        ));
    }
    for c in &step.changes {
        match c {
            Change::ChangeTier { from, to } if to.rank() < from.rank() => warnings.push(warn(
                WarningKind::TierDowngrade,
                format!("the tier goes down from {from} to {to}"),
            )),
            Change::RemoveRegion { location, units } => warnings.push(warn(
                WarningKind::RegionRemoval,
                format!("region {location} and its {units} units are removed"),
            )),
            _ => {}
        }
    }
    warnings
}

/// "about 30 minutes", "about 1 h 45 min".
pub fn about(d: Duration) -> String {
    let minutes = d.as_secs().div_ceil(60);
    if minutes < 120 {
        format!("about {minutes} minutes")
    } else {
        format!("about {} h {} min", minutes / 60, minutes % 60)
    }
}

/// Builds the report.
pub fn build(input: &ReportInput<'_>) -> PlanReport {
    let primary = input
        .live
        .and_then(LiveService::primary)
        .map(|r| r.location.clone())
        .or_else(|| input.desired.regions.first().map(|r| r.location.clone()))
        .unwrap_or_else(|| Location::new(""));
    let steps = match input.plan {
        Plan::Steps(plan) => plan.steps.as_slice(),
        Plan::InSync | Plan::Blocked(_) => &[],
    };
    let mut finish = (input.now, input.now);
    let mut total = (Duration::ZERO, Duration::ZERO);
    let mut warnings = Vec::new();
    let mut step_reports = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let kind = step.kind();
        let (p50, p90) = (input.durations.expected(kind), input.durations.p90(kind));
        total = (total.0.saturating_add(p50), total.1.saturating_add(p90));
        finish = (
            finish.0.checked_add(p50).unwrap_or(Timestamp::MAX),
            finish.1.checked_add(p90).unwrap_or(Timestamp::MAX),
        );
        let target = PricedCapacity::of_target(&step.target, &primary);
        let monthly_after = input
            .prices
            .and_then(|prices| estimate(&target, prices).ok())
            .map(|cost| cost.monthly.to_decimal_string());
        warnings.extend(step_warnings(number, step));
        step_reports.push(StepReport {
            number,
            kind,
            description: step.description(),
            changes: step
                .changes
                .iter()
                .map(|c| crate::api::convert::planned_change(number, c))
                .collect(),
            target: capacity(&target),
            expected_duration: DurationReport {
                p50_seconds: seconds(p50),
                p90_seconds: seconds(p90),
            },
            expected_finish: FinishReport {
                p50: finish.0,
                p90: finish.1,
            },
            monthly_after,
        });
    }
    let approval = input.gate.status(None).map(|status| ApprovalReport {
        required: true,
        approved: status.approved_hash.is_some(),
        plan_hash: status.plan_hash,
        reasons: status.reasons,
    });
    if let Some(message) = input.gate.message() {
        warnings.push(Warning {
            kind: WarningKind::ApprovalRequired,
            step: None,
            message,
        });
    }
    if let Some(cost) = input.cost.filter(|c| c.origin() == PriceOrigin::BuiltIn) {
        warnings.push(Warning {
            kind: WarningKind::BuiltInPrices,
            step: None,
            message: format!(
                "the Retail Prices API could not be read for every region: built-in East US list prices dated {} were used",
                cost.as_of().strftime("%Y-%m-%d")
            ),
        });
    }
    let (outcome, blocked) = match input.plan {
        Plan::InSync => (Outcome::InSync, None),
        Plan::Steps(_) => (Outcome::Steps, None),
        Plan::Blocked(b) => (
            Outcome::Blocked,
            Some(BlockedReport {
                reason: b.reason,
                message: b.message.clone(),
            }),
        ),
    };
    let summary = summary(input, steps.len(), total.0);
    PlanReport {
        api_version: PLAN_REPORT_API_VERSION.to_string(),
        kind: PLAN_REPORT_KIND.to_string(),
        service_id: input.service_id.to_string(),
        generated_at: input.now,
        outcome,
        blocked,
        from: input.live.map(|l| capacity(&PricedCapacity::of_live(l))),
        to: capacity(&PricedCapacity::of_desired(input.desired, &primary)),
        steps: step_reports,
        expected_duration: DurationReport {
            p50_seconds: seconds(total.0),
            p90_seconds: seconds(total.1),
        },
        expected_finish: (!steps.is_empty()).then_some(FinishReport {
            p50: finish.0,
            p90: finish.1,
        }),
        cost: input.cost.map(CostChange::to_status),
        approval,
        warnings,
        summary,
    }
}

fn summary(input: &ReportInput<'_>, steps: usize, p50: Duration) -> String {
    match input.plan {
        Plan::Blocked(b) => format!("blocked: {b}"),
        Plan::InSync => match input.cost {
            Some(cost) => format!(
                "in sync, {}",
                format_monthly(cost.live.monthly, cost.currency())
            ),
            None => "in sync".to_string(),
        },
        Plan::Steps(_) => {
            let noun = if steps == 1 { "step" } else { "steps" };
            let mut parts = Vec::with_capacity(4);
            if let Some(cost) = input.cost {
                parts.push(cost.summary());
            }
            parts.push(format!("{steps} {noun}"));
            parts.push(about(p50));
            if matches!(input.gate, Gate::Needed { .. }) {
                parts.push("needs approval".to_string());
            }
            parts.join(", ")
        }
    }
}
