//! The planner's cost: `plan()` over a mix of cases (in sync, scale, tier change, tier change
//! with a new region, region removal, blocked), per call and as plans per second.
//!
//! `cargo bench --bench planner` (criterion prints the time per call; the summary line at the
//! end gives plans per second over the whole mix).

use std::hint::black_box;
use std::time::{Duration, Instant};

use apim_capacity::domain::{
    DesiredCapacity, LiveRegion, LiveService, Location, ProvisioningState, RegionUnits, Sku,
};
use apim_capacity::plan::{Plan, Policy, plan};
use criterion::{Criterion, criterion_group};
use jiff::Timestamp;

fn live(sku: Sku, regions: &[(&str, u32, usize)]) -> LiveService {
    LiveService {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim"
            .to_string(),
        sku,
        regions: regions
            .iter()
            .enumerate()
            .map(|(i, (name, units, zones))| LiveRegion {
                location: Location::new(name),
                units: *units,
                primary: i == 0,
                zones: (1..=*zones).map(|z| z.to_string()).collect(),
            })
            .collect(),
        provisioning_state: ProvisioningState::Succeeded,
        target_provisioning_state: None,
        zone_redundant: None,
    }
}

fn desired(sku: Sku, regions: &[(&str, u32)]) -> DesiredCapacity {
    DesiredCapacity::units(
        sku,
        regions
            .iter()
            .map(|(name, units)| RegionUnits {
                location: Location::new(name),
                units: *units,
            })
            .collect(),
    )
}

/// (name, desired, live, policy).
fn cases() -> Vec<(&'static str, DesiredCapacity, LiveService, Policy)> {
    let consent = Policy {
        allow_tier_downgrade: true,
        allow_region_removal: true,
        ..Policy::default()
    };
    let many: Vec<(String, u32)> = [
        "westeurope",
        "northeurope",
        "eastus",
        "westus2",
        "uksouth",
        "francecentral",
        "japaneast",
        "australiaeast",
    ]
    .iter()
    .map(|l| (l.to_string(), 3))
    .collect();
    let many_live: Vec<(&str, u32, usize)> =
        many.iter().map(|(l, u)| (l.as_str(), *u, 0)).collect();
    let many_desired: Vec<(&str, u32)> = many
        .iter()
        .enumerate()
        .map(|(i, (l, u))| (l.as_str(), u + (i as u32 % 3)))
        .collect();
    vec![
        (
            "in_sync",
            desired(Sku::Premium, &[("westeurope", 2), ("eastus", 1)]),
            live(Sku::Premium, &[("westeurope", 2, 0), ("eastus", 1, 0)]),
            Policy::default(),
        ),
        (
            "scale",
            desired(Sku::Standard, &[("westeurope", 3)]),
            live(Sku::Standard, &[("westeurope", 1, 0)]),
            Policy::default(),
        ),
        (
            "tier_upgrade",
            desired(Sku::Premium, &[("westeurope", 1)]),
            live(Sku::Standard, &[("westeurope", 1, 0)]),
            Policy::default(),
        ),
        (
            "tier_upgrade_new_region",
            desired(Sku::Premium, &[("westeurope", 2), ("eastus", 1)]),
            live(Sku::Standard, &[("westeurope", 1, 0)]),
            Policy::default(),
        ),
        (
            "downgrade_removing_regions",
            desired(Sku::Standard, &[("westeurope", 2)]),
            live(
                Sku::Premium,
                &[("westeurope", 2, 0), ("eastus", 1, 0), ("uksouth", 2, 0)],
            ),
            consent,
        ),
        (
            "blocked_removal",
            desired(Sku::Premium, &[("westeurope", 2)]),
            live(Sku::Premium, &[("westeurope", 2, 0), ("eastus", 1, 0)]),
            Policy::default(),
        ),
        (
            "scale_8_regions",
            desired(Sku::Premium, &many_desired),
            live(Sku::Premium, &many_live),
            Policy::default(),
        ),
    ]
}

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("a valid timestamp")
}

fn planner(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    for (name, desired, live, policy) in cases() {
        group.bench_function(name, |b| {
            b.iter(|| {
                plan(
                    black_box(&desired),
                    black_box(&live),
                    black_box(&policy),
                    now(),
                )
            })
        });
    }
    group.finish();
    let all = cases();
    let mut group = c.benchmark_group("plan");
    group.bench_function("mix", |b| {
        b.iter(|| {
            for (_, desired, live, policy) in &all {
                black_box(plan(desired, live, policy, now()));
            }
        })
    });
    group.finish();
}

/// Plans per second over the whole mix, measured directly (one line a person can quote).
fn throughput() {
    let all = cases();
    for (name, desired, live, policy) in &all {
        let kind = match plan(desired, live, policy, now()) {
            Plan::InSync => "in sync".to_string(),
            Plan::Steps(s) => format!("{} step(s)", s.steps.len()),
            Plan::Blocked(b) => format!("blocked ({:?})", b.reason),
        };
        println!("case {name:<28} -> {kind}");
    }
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        for (_, desired, live, policy) in &all {
            black_box(plan(desired, live, policy, now()));
            calls += 1;
        }
    }
    let took = started.elapsed().as_secs_f64();
    let line = format!(
        "{calls} plans in {took:.2} s over the {} cases = **{:.0} plans/s** ({:.2} µs per plan on average)",
        all.len(),
        calls as f64 / took,
        took * 1e6 / calls as f64
    );
    println!("planner throughput: {line}");
    write_summary(&all, &line);
}

/// A Markdown summary for `docs/performance.md` (the operator benchmark picks it up):
/// criterion's median per case, read from its estimates, and the throughput line.
fn write_summary(all: &[(&'static str, DesiredCapacity, LiveService, Policy)], line: &str) {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<bench>-<hash>
    let Some(profile) = exe.parent().and_then(|deps| deps.parent()) else {
        return;
    };
    let criterion = profile
        .parent()
        .map(|target| target.join("criterion"))
        .unwrap_or_default();
    let median_ns = |name: &str| -> Option<f64> {
        let path = criterion.join("plan").join(name).join("new/estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let mut out = String::from("| case | plan | median per call |\n|---|---|---|\n");
    for (name, desired, live, policy) in all {
        let kind = match plan(desired, live, policy, now()) {
            Plan::InSync => "in sync".to_string(),
            Plan::Steps(s) => format!("{} step(s)", s.steps.len()),
            Plan::Blocked(b) => format!("blocked ({:?})", b.reason),
        };
        let time = median_ns(name).map_or("–".to_string(), |ns| format!("{ns:.0} ns"));
        out.push_str(&format!("| {name} | {kind} | {time} |\n"));
    }
    if let Some(ns) = median_ns("mix") {
        out.push_str(&format!(
            "| all {} cases in a row | | {ns:.0} ns |\n",
            all.len()
        ));
    }
    out.push_str(&format!("\nThroughput, one thread: {line}.\n"));
    let dir = profile.join("apimcap-bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("planner.md"), out);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = planner
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Under `cargo test` criterion runs each case once; the summary is for `cargo bench`.
    if std::env::args().any(|a| a == "--bench") {
        throughput();
    }
}
