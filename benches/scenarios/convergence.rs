//! Scenarios 1 and 2: single changes (a scale, a tier upgrade, a tier upgrade with a new
//! region) with simulated operations of 5 s and Retry-After 1 s: time from `kubectl apply`
//! until Ready=True over the simulated time the change needs at least, and the Azure
//! requests each change made beside the minimum.

use std::time::{Duration, Instant};

use apimcap_sim::SimConfig;

use super::report::Report;
use crate::perf_support::analysis::median;
use crate::perf_support::{Svc, World, WorldConfig, manifest, subscription};

const OP_SECONDS: u64 = 5;
const RETRY_AFTER: u64 = 1;

struct Change {
    key: &'static str,
    label: &'static str,
    sku: &'static str,
    regions: &'static [(&'static str, u32)],
    steps: u64,
}

const CHANGES: [Change; 3] = [
    Change {
        key: "scale",
        label: "single scale (Standard 1→2 units)",
        sku: "Standard",
        regions: &[("westeurope", 2)],
        steps: 1,
    },
    Change {
        key: "tier",
        label: "tier upgrade (Standard→Premium)",
        sku: "Premium",
        regions: &[("westeurope", 1)],
        steps: 1,
    },
    Change {
        key: "tier-region",
        label: "tier upgrade + new region (Standard→Premium, +eastus)",
        sku: "Premium",
        regions: &[("westeurope", 1), ("eastus", 1)],
        steps: 2,
    },
];

/// What one change cost.
struct Sample {
    seconds: f64,
    writes: usize,
    service_reads: usize,
    polls: usize,
    throttled: usize,
    others: usize,
}

fn regions(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    list.iter().map(|(l, u)| (l.to_string(), *u)).collect()
}

pub fn run(report: &mut Report, runs: usize) {
    let sub = subscription(0);
    let mut services = Vec::new();
    for change in &CHANGES {
        for run in 0..runs {
            services.push(Svc::new(
                &sub,
                &format!("conv-{}-{run}", change.key),
                "Standard",
                &[("westeurope", 1)],
            ));
        }
    }
    let mut config = WorldConfig::new("bench-convergence", services.clone())
        .flag("min-retry-after", &format!("{RETRY_AFTER}s"))
        .flag("resync-interval", "10m");
    config.sim = SimConfig {
        retry_after: RETRY_AFTER,
        operation_duration: Some(Duration::from_secs(OP_SECONDS)),
        ..config.sim
    };
    let mut world = World::start(config);
    world.start_operator();
    let initial: Vec<String> = services
        .iter()
        .map(|s| manifest(&s.name, s, "Standard", &regions(&[("westeurope", 1)]), ""))
        .collect();
    let since = Instant::now();
    world.apply(&initial.join("---\n"));
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    assert!(
        world
            .wait_ready(&names, since, Duration::from_secs(120))
            .is_some(),
        "the initial resources did not become Ready: {:?}",
        world.not_ready(&names)
    );
    std::thread::sleep(Duration::from_secs(1));

    for change in &CHANGES {
        let mut samples = Vec::new();
        for run in 0..runs {
            let svc = services
                .iter()
                .find(|s| s.name == format!("conv-{}-{run}", change.key))
                .expect("the service exists")
                .clone();
            let since = jiff::Timestamp::now();
            let started = Instant::now();
            world.apply(&manifest(
                &svc.name,
                &svc,
                change.sku,
                &regions(change.regions),
                "",
            ));
            let Some(ready) = world.wait_ready(
                std::slice::from_ref(&svc.name),
                started,
                Duration::from_secs(120),
            ) else {
                panic!(
                    "{} did not become Ready: {:?}\n{}",
                    svc.name,
                    world.not_ready(std::slice::from_ref(&svc.name)),
                    world.log_tail(60)
                );
            };
            let seconds = ready.duration_since(started).as_secs_f64();
            // Let a request made right after Ready (if any) reach the log.
            std::thread::sleep(Duration::from_millis(1500));
            let window: Vec<_> = world
                .requests()
                .into_iter()
                .filter(|r| r.is_arm() && r.at() >= since)
                .collect();
            let mine: Vec<_> = window.iter().filter(|r| r.about(&svc.name)).collect();
            let sample = Sample {
                seconds,
                writes: mine.iter().filter(|r| r.is_write()).count(),
                service_reads: mine.iter().filter(|r| r.is_read() && !r.is_poll()).count(),
                polls: mine.iter().filter(|r| r.is_poll()).count(),
                throttled: mine.iter().filter(|r| r.status == Some(429)).count(),
                others: window.len() - mine.len(),
            };
            println!(
                "{} run {run}: {:.2} s, {} writes, {} GETs, {} polls, {} other ARM requests",
                change.key,
                sample.seconds,
                sample.writes,
                sample.service_reads,
                sample.polls,
                sample.others
            );
            samples.push(sample);
        }
        record(report, change, &samples, runs);
    }
    if let Some(usage) = world.operator_usage() {
        report.note(format!(
            "Convergence runs: the operator peaked at {:.1} MiB resident and used {:.2} CPU s for {} resources and {} changes.",
            usage.peak_rss_kib as f64 / 1024.0,
            usage.cpu_seconds,
            services.len(),
            services.len()
        ));
    }
}

fn record(report: &mut Report, change: &Change, samples: &[Sample], runs: usize) {
    let minimum = (OP_SECONDS * change.steps) as f64;
    let times: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
    let ratio = median(&times) / minimum;
    let spread = times
        .iter()
        .map(|t| format!("{t:.2}"))
        .collect::<Vec<_>>()
        .join(", ");
    report.row(
        "1",
        format!("convergence overhead, {}", change.label),
        format!("{ratio:.2}"),
        "< 1.2",
        Some(ratio < 1.2),
        format!(
            "median of {runs} runs of apply→Ready {{{spread}}} s over {minimum:.0} s minimum ({} step(s) × {OP_SECONDS} s operation, Retry-After {RETRY_AFTER} s)",
            change.steps
        ),
    );
    // Minimum: one PATCH per step; per step the polls Retry-After dictates (one per
    // Retry-After until the operation ends) and one GET after it (the status URL Azure names
    // since May 2025 answers `{"status"}`, not the resource); plus the GET of the first
    // reconcile.
    let polls_per_step = OP_SECONDS.div_ceil(RETRY_AFTER);
    let min_writes = change.steps as f64;
    let min_reads = (1 + change.steps * (polls_per_step + 1)) as f64;
    let writes = median(&samples.iter().map(|s| s.writes as f64).collect::<Vec<_>>());
    let reads = median(
        &samples
            .iter()
            .map(|s| (s.service_reads + s.polls) as f64)
            .collect::<Vec<_>>(),
    );
    let gets = median(
        &samples
            .iter()
            .map(|s| s.service_reads as f64)
            .collect::<Vec<_>>(),
    );
    let polls = median(&samples.iter().map(|s| s.polls as f64).collect::<Vec<_>>());
    let throttled: usize = samples.iter().map(|s| s.throttled).sum();
    let others: usize = samples.iter().map(|s| s.others).sum();
    report.row(
        "2",
        format!("Azure writes, {}", change.label),
        format!("{writes:.0} (min {min_writes:.0})"),
        "= min",
        Some(writes == min_writes),
        format!("median of {runs} runs; PATCHes in the sim's request log"),
    );
    report.row(
        "2",
        format!("Azure reads, {}", change.label),
        format!(
            "{reads:.0} (min {min_reads:.0}; ×{:.2})",
            reads / min_reads
        ),
        "≤ min × 1.2",
        Some(reads <= min_reads * 1.2),
        format!(
            "median {gets:.0} service GETs + {polls:.0} operation polls; min = 1 GET + {} step(s) × ({polls_per_step} polls + 1 GET); {throttled} answered 429, {others} other ARM requests in the windows",
            change.steps
        ),
    );
}
