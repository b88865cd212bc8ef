//! Does per-region autoscale pay? One simulated day of `autoscale::model::realistic_day()`
//! (three regions), minute by minute, run three ways by `autoscale::day` with the operator's
//! own decision function: static units sized for the peak, autoscale of the primary region
//! only (as Azure's autoscale can), and apimcap on every region.
//!
//! Prints a Markdown table, writes the chart `docs/autoscale-day.svg`, leaves the summary
//! for the operator benchmark's report and replaces the autoscale section of
//! `docs/performance.md` (`APIMCAP_BENCH_OUT`: another file, `-` for none).

#[path = "scenarios/day_chart.rs"]
mod day_chart;
#[allow(dead_code)]
#[path = "scenarios/report.rs"]
mod report;

use std::time::Instant;

use apim_capacity::api::autoscale::RegionAutoscale;
use apim_capacity::autoscale::day::{DayPlan, DayResult, Way, benchmark_rule, simulate};
use apim_capacity::cost::table;
use apim_capacity::domain::Sku;

const HEADING: &str = "## Autoscale day (`cargo bench --bench autoscale`)";

fn run(plan: &DayPlan) -> Vec<DayResult> {
    Way::ALL.iter().map(|w| simulate(plan, *w)).collect()
}

fn rule_text(rule: &RegionAutoscale) -> String {
    format!(
        "minUnits {}, maxUnits {}, scaleOutAbove {} %, scaleInBelow {} %, window {}, cooldownOut {}, cooldownIn {}, step {}",
        rule.min_units,
        rule.max_units,
        rule.scale_out_above,
        rule.scale_in_below,
        rule.window,
        rule.cooldown_out,
        rule.cooldown_in,
        rule.step
    )
}

/// The table of one run of the three ways, with `rate` the list price per unit-hour (USD).
fn table(days: &[DayResult], rate: f64) -> String {
    let (fixed, primary) = (&days[0], &days[1]);
    let mut out = String::from(
        "| way | unit-hours | vs static | list price per day (USD) | minutes with a region above 80 % | vs primary-only | operations |\n|---|---|---|---|---|---|---|\n",
    );
    for day in days {
        let versus = |a: f64, b: f64| {
            if b == 0.0 {
                if a == 0.0 {
                    "=".to_string()
                } else {
                    "more".to_string()
                }
            } else {
                format!("×{:.2}", a / b)
            }
        };
        out.push_str(&format!(
            "| {} | {:.1} | {} | {:.2} | {} | {} | {} |\n",
            day.way.label(),
            day.unit_hours(),
            versus(day.unit_hours(), fixed.unit_hours()),
            day.unit_hours() * rate,
            day.minutes_over,
            versus(f64::from(day.minutes_over), f64::from(primary.minutes_over)),
            day.operations
        ));
    }
    out
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches` builds it; the figures are for `cargo bench`.
    }
    let plan = DayPlan::realistic(benchmark_rule());
    let started = Instant::now();
    let days = run(&plan);
    let took = started.elapsed();
    let defaults = run(&DayPlan::realistic(RegionAutoscale::with_bounds(1, 8)));
    let rate = table::entry(Sku::Premium).map_or(0.0, |e| e.rate().micros() as f64 / 1e6);
    let (fixed, primary, every) = (&days[0], &days[1], &days[2]);
    let saving = 1.0 - every.unit_hours() / fixed.unit_hours();
    let met = saving >= 0.30 && every.minutes_over <= primary.minutes_over;
    let names: Vec<&str> = plan.profiles.iter().map(|p| p.location.as_str()).collect();

    let mut md = format!("{HEADING}\n\n");
    md.push_str(&format!(
        "One simulated day of `autoscale::model::realistic_day()` ({}; 1,000 rps per unit at 100 % Capacity), in discrete minute steps in-process: the operator's own `autoscale::decide` on an `Evaluation` every {} minutes, from a metrics answer in Azure Monitor's shape read by the real parser; a decision starts one operation (every changed region in one PATCH) that takes the planner's expected Scale duration ({} minutes), units change when it ends, and nothing is decided while it runs. Static units are sized for 70 % at each region's peak. The second of two simulated days is measured. Rule of every autoscaled region: {}. Premium list price {rate:.4} USD per unit-hour (the built-in table, East US, for every region). Machine: {}; the three ways took {:.2} s ({} build).\n\n",
        names.join(", "),
        plan.interval_minutes,
        plan.scale_minutes,
        rule_text(&plan.rule),
        report::machine(),
        took.as_secs_f64(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    ));
    md.push_str(&table(&days, rate));
    md.push_str(&format!(
        "\nUnit-hours vs static: ×{:.2} ({:.0} % fewer); minutes above 80 % vs primary-only: {} vs {}. Target (≥ 30 % fewer unit-hours than static, no more minutes above 80 % than primary-only): {}.\n\n",
        every.unit_hours() / fixed.unit_hours(),
        saving * 100.0,
        every.minutes_over,
        primary.minutes_over,
        if met { "met" } else { "**not met**" }
    ));
    md.push_str(&format!(
        "With Microsoft's default rule instead ({}), the 30-minute operations lag the ramps:\n\n{}",
        rule_text(&RegionAutoscale::with_bounds(1, 8)),
        table(&defaults, rate)
    ));
    md.push_str(&sensitivity());
    md.push_str("\n![units and load per region over the day](autoscale-day.svg)\n");
    println!("{md}");

    let svg = day_chart::svg(&days, &names, plan.rps_per_unit);
    write("docs/autoscale-day.svg", &svg);
    let summary = report::planner_summary_path().with_file_name("autoscale.md");
    if let Some(dir) = summary.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    write(&summary.to_string_lossy(), &md);
    let out = std::env::var("APIMCAP_BENCH_OUT").unwrap_or_else(|_| "docs/performance.md".into());
    if out != "-" {
        let current = std::fs::read_to_string(&out).unwrap_or_else(|_| "# Performance\n".into());
        write(&out, &splice(&current, &md));
    }
}

/// How the figures move when the rule moves a little: the benchmark's rule is tuned for
/// this day, and the 80 % line is crossed in minutes, not hours.
fn sensitivity() -> String {
    use apim_capacity::api::autoscale::AutoscaleDuration;
    let base = benchmark_rule();
    let variants: [(&str, RegionAutoscale); 4] = [
        ("the rule above", base.clone()),
        (
            "cooldownIn 20m",
            RegionAutoscale {
                cooldown_in: AutoscaleDuration::from_minutes(20),
                ..base.clone()
            },
        ),
        (
            "scaleOutAbove 45 %",
            RegionAutoscale {
                scale_out_above: 45,
                ..base.clone()
            },
        ),
        ("step 2", RegionAutoscale { step: 2, ..base }),
    ];
    let mut out = String::from(
        "\nSensitivity (apimcap on every region vs the other two ways, same day):\n\n| rule | unit-hours vs static | minutes above 80 %: apimcap / primary-only | operations: apimcap / primary-only |\n|---|---|---|---|\n",
    );
    for (name, rule) in variants {
        let days = run(&DayPlan::realistic(rule));
        out.push_str(&format!(
            "| {name} | ×{:.2} | {} / {} | {} / {} |\n",
            days[2].unit_hours() / days[0].unit_hours(),
            days[2].minutes_over,
            days[1].minutes_over,
            days[2].operations,
            days[1].operations
        ));
    }
    out
}

/// `doc` with its autoscale section replaced by `section` (added before `## Notes`, or at
/// the end, when it has none).
fn splice(doc: &str, section: &str) -> String {
    let (before, after) = match doc.find(HEADING) {
        Some(start) => {
            let rest = &doc[start + HEADING.len()..];
            let end = rest
                .find("\n## ")
                .map_or(doc.len(), |i| start + HEADING.len() + i + 1);
            (&doc[..start], &doc[end..])
        }
        None => match doc.find("\n## Notes") {
            Some(i) => (&doc[..=i], &doc[i + 1..]),
            None => (doc, ""),
        },
    };
    let gap = if before.is_empty() || before.ends_with("\n\n") {
        ""
    } else {
        "\n"
    };
    let tail = if after.is_empty() { "" } else { "\n" };
    format!("{before}{gap}{section}{tail}{after}")
}

fn write(path: &str, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("cannot write {path}: {e}");
    }
}
