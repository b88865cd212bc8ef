//! `apimcap plan -o table`: the report as people read it in a terminal or a pull request.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::cost::report::{Outcome, PlanReport, WarningKind};
use crate::domain::LiveService;

fn minutes(seconds: u64) -> u64 {
    seconds.div_ceil(60)
}

fn clock(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The plan of one service: the live capacity, the steps with their p50/p90 durations, the
/// finish time, the cost before and after, the approval it needs, warnings and a summary.
pub fn render(live: &LiveService, report: &PlanReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Live: {} {} ({})",
        live.sku,
        live.units_summary(),
        live.provisioning_state.as_str()
    );
    match report.outcome {
        Outcome::InSync => out.push_str("In sync: nothing to do.\n"),
        Outcome::Blocked => {
            if let Some(blocked) = &report.blocked {
                let reason = blocked.reason.as_str();
                let _ = writeln!(out, "Blocked ({reason}): {}", blocked.message);
            }
        }
        Outcome::Steps => steps(&mut out, report),
    }
    if let Some(cost) = &report.cost {
        let _ = writeln!(
            out,
            "Cost: {} -> {} {}/month ({}); prices: {:?} as of {}",
            cost.live.monthly,
            cost.desired.monthly,
            cost.currency,
            cost.monthly_delta,
            cost.source,
            cost.as_of.0.strftime("%Y-%m-%d")
        );
    }
    if let Some(approval) = report.approval.as_ref().filter(|a| a.required) {
        let state = if approval.approved {
            "approved"
        } else {
            "needed"
        };
        let _ = writeln!(
            out,
            "Approval {state} (plan hash {}): {}",
            approval.plan_hash,
            approval.reasons.join("; ")
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "Warning ({:?}): {}", warning.kind, warning.message);
    }
    let _ = writeln!(out, "Summary: {}", report.summary);
    out
}

fn steps(out: &mut String, report: &PlanReport) {
    let finish = report
        .expected_finish
        .map(|f| {
            format!(
                ", expected to finish by {} (p90 {})",
                clock(f.p50),
                clock(f.p90)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(out, "{} Azure operation(s){finish}:", report.steps.len());
    for step in &report.steps {
        let _ = writeln!(
            out,
            "  {}. {}{} [p50 {} min, p90 {} min]",
            step.number,
            step.description,
            marks(report, step.number),
            minutes(step.expected_duration.p50_seconds),
            minutes(step.expected_duration.p90_seconds)
        );
    }
    let changes: usize = report.steps.iter().map(|s| s.changes.len()).sum();
    let _ = writeln!(out, "{changes} change(s) in all.");
}

/// What a step costs beyond its time, as a suffix of its line.
fn marks(report: &PlanReport, number: u32) -> String {
    let mut out = String::new();
    for warning in report.warnings.iter().filter(|w| w.step == Some(number)) {
        match warning.kind {
            WarningKind::Downtime => {
                out.push_str(" [DOWNTIME: Azure serves no requests while this step runs]")
            }
            WarningKind::IpAddressChange => out.push_str(
                " [NEW IP ADDRESSES: Azure gives the service new public and private IPs]",
            ),
            _ => {}
        }
    }
    out
}
