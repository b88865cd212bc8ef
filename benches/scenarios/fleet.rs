//! Scenario 4: a fleet of ApimCapacity resources over as many simulated services across
//! several subscriptions, all changed at once (a scale). Time until all are Ready over the
//! time of one change alone; the peak Azure request rate per subscription (1 s windows)
//! against ARM's limits and the 429s; the operator's peak RSS and CPU; the Kubernetes API
//! requests it made.

use std::time::{Duration, Instant};

use apimcap_sim::SimConfig;

use super::report::Report;
use crate::perf_support::analysis::{diff, peak_per_second, peak_rate, slope, write_bound_seconds};
use crate::perf_support::{Svc, World, WorldConfig, manifest, subscription};

/// ARM's (and the client's) sustained rates per subscription, and the averaging window:
/// a bucket whose burst equals its rate lets one window hold rate × (window + 1).
const READS_PER_SECOND: f64 = 25.0;
const WRITES_PER_SECOND: f64 = 10.0;
const WINDOW: f64 = 10.0;
/// The figures of the previous release, for comparison (its README; 2 CPUs, AMD EPYC,
/// 24 GiB RAM).
const BEFORE: &str = "Before (the previous release, 2 CPUs AMD EPYC, 24 GiB RAM): 1,000 resources over 4 subscriptions peaked at 57.0 MiB RSS, about 40 KiB more per resource, and were all Ready 54 s after a change of all of them; in-sync resources cost one Azure GET per resource and resync, 60,000 reads per hour for 10,000 resources.";

/// In how many steps the fleet is taken under management (for the memory slope).
const STEPS: usize = 4;

pub struct Params {
    pub resources: usize,
    pub subscriptions: usize,
    pub op_seconds: u64,
    pub retry_after: u64,
}

fn units(n: u32) -> Vec<(String, u32)> {
    vec![("westeurope".to_string(), n)]
}

pub fn run(report: &mut Report, p: Params) {
    let subs = p.subscriptions.max(1);
    let services: Vec<Svc> = (0..p.resources)
        .map(|i| {
            Svc::new(
                &subscription(i % subs),
                &format!("fleet-{i}"),
                "Standard",
                &[("westeurope", 1)],
            )
        })
        .collect();
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let mut config = WorldConfig::new("bench-fleet", services.clone())
        .flag("min-retry-after", &format!("{}s", p.retry_after))
        .flag("resync-interval", "10m");
    config.sim = SimConfig {
        retry_after: p.retry_after,
        operation_duration: Some(Duration::from_secs(p.op_seconds)),
        ..config.sim
    };
    let mut world = World::start(config);
    world.start_operator();
    let inputs = format!(
        "{} resources / services over {subs} subscriptions; operations {} s, Retry-After {} s",
        p.resources, p.op_seconds, p.retry_after
    );

    // Take the fleet under management (every service already in sync), in steps, with the
    // operator's memory after each: the memory each resource costs is the slope.
    let all = |n: u32, of: &[Svc]| -> String {
        of.iter()
            .map(|s| manifest(&s.name, s, "Standard", &units(n), ""))
            .collect::<Vec<_>>()
            .join("---\n")
    };
    let taken = take_under_management(&mut world, &services, &all);
    let (at_start, at_end) = (
        taken.rss.first().map_or(0.0, |p| p.1),
        taken.rss.last().map_or(0.0, |p| p.1),
    );
    report.note(format!(
        "Fleet: taking {} in-sync resources under management in {} steps took {:.1} s (kubectl apply --server-side of all of them: {:.1} s); operator RSS after each step: {}.",
        p.resources,
        taken.rss.len() - 1,
        taken.took.as_secs_f64(),
        taken.applying.as_secs_f64(),
        taken
            .rss
            .iter()
            .map(|(n, mib)| format!("{n:.0}: {mib:.1} MiB"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.note(BEFORE);
    let slope_kib = slope(&taken.rss).map_or(f64::NAN, |mib| mib * 1024.0);
    report.row(
        "4",
        "fleet: operator memory per resource (least-squares slope of RSS)",
        format!("{slope_kib:.1} KiB"),
        "–",
        None,
        format!(
            "RSS (VmRSS) {at_start:.1} MiB with none, {at_end:.1} MiB with {} in-sync resources, 2 s after each step was Ready",
            p.resources
        ),
    );
    std::thread::sleep(Duration::from_secs(2));

    // One change alone, as the yardstick.
    let lone = &services[0];
    let started = Instant::now();
    world.apply(&manifest(&lone.name, lone, "Standard", &units(2), ""));
    let Some(ready) = world.wait_ready(
        std::slice::from_ref(&lone.name),
        started,
        Duration::from_secs(300),
    ) else {
        panic!("the single change did not finish");
    };
    let single = ready.duration_since(started).as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));

    // Everything at once.
    world.clear_requests();
    let kube_before = world.apiserver_requests();
    let usage_before = world.operator_usage().unwrap_or_default();
    let started = Instant::now();
    world.apply(&all(3, &services));
    let applied = started.elapsed();
    let ready = world.wait_ready(&names, started, Duration::from_secs(900));
    let Some(ready) = ready else {
        panic!(
            "the fleet change did not finish: {:?}",
            first(&world.not_ready(&names))
        );
    };
    let took = ready.duration_since(started).as_secs_f64();
    std::thread::sleep(Duration::from_secs(1));
    let usage = world.operator_usage().unwrap_or_default();
    let kube_after = world.apiserver_requests();
    let requests: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.is_arm())
        .collect();
    world.check_alive();

    let bound = write_bound_seconds(
        per_subscription(&services).into_values(),
        WRITES_PER_SECOND,
        p.op_seconds as f64,
    );
    report.row(
        "4",
        "fleet: all Ready / the bound of ARM's write budget",
        format!("{:.2} ({took:.1} s / {bound:.1} s)", took / bound),
        "≤ 1.2",
        Some(took / bound <= 1.2),
        format!(
            "the bound: the busiest subscription's {} PATCHes at {WRITES_PER_SECOND}/s, plus one operation ({} s)",
            per_subscription(&services).into_values().max().unwrap_or(0),
            p.op_seconds
        ),
    );
    report.row(
        "4",
        "fleet: all Ready / one change alone",
        format!("{:.2} ({took:.1} s / {single:.1} s)", took / single),
        "–",
        None,
        format!(
            "{inputs}; scale 1→3 units of all at once (the kubectl apply itself took {:.1} s), the lone change 1→2 units",
            applied.as_secs_f64()
        ),
    );
    let reads = peak_per_second(&requests, |r| r.is_read());
    let writes = peak_per_second(&requests, |r| r.is_write());
    let peak_reads = reads.values().copied().max().unwrap_or(0);
    let peak_writes = writes.values().copied().max().unwrap_or(0);
    let sustained_reads = max(&peak_rate(&requests, 10, |r| r.is_read()));
    let sustained_writes = max(&peak_rate(&requests, 10, |r| r.is_write()));
    let throttled = requests.iter().filter(|r| r.status == Some(429)).count();
    let total_reads = requests.iter().filter(|r| r.is_read()).count();
    let total_writes = requests.iter().filter(|r| r.is_write()).count();
    report.row(
        "4",
        "fleet: Azure reads per subscription, peak 1 s window / peak 10 s average",
        format!("{peak_reads} / {sustained_reads:.1} per s"),
        "≤ 25 per s sustained (ARM: 25/s, burst 250)",
        Some(sustained_reads <= READS_PER_SECOND + READS_PER_SECOND / WINDOW),
        format!(
            "from the sim's log; 1 s peaks per subscription: {}; {total_reads} reads in all ({:.1} per resource). The client's bucket (25/s, burst 25) allows up to 50 in one 1 s window and 25/s + 2.5 over 10 s",
            list(&reads),
            total_reads as f64 / p.resources as f64
        ),
    );
    report.row(
        "4",
        "fleet: Azure writes per subscription, peak 1 s window / peak 10 s average",
        format!("{peak_writes} / {sustained_writes:.1} per s"),
        "≤ 10 per s sustained (ARM: 10/s, burst 200)",
        Some(sustained_writes <= WRITES_PER_SECOND + WRITES_PER_SECOND / WINDOW),
        format!(
            "1 s peaks per subscription: {}; {total_writes} writes in all (min {}). The client's bucket (10/s, burst 10) allows up to 20 in one 1 s window",
            list(&writes),
            p.resources
        ),
    );
    let polls = requests.iter().filter(|r| r.is_poll()).count();
    let gets = total_reads - polls;
    let budget = total_reads as f64 / (subs as f64 * READS_PER_SECOND);
    let bound = if budget >= 0.8 * took {
        "the fleet is bound by ARM's read rate"
    } else {
        "the read rate is not what bounds the fleet"
    };
    report.note(format!(
        "Fleet change: {total_reads} reads ({gets} GETs of services and their /skus + {polls} operation polls) at {READS_PER_SECOND}/s in each of {subs} subscriptions need {budget:.0} s of the {took:.0} s it took: {bound}."
    ));
    report.note(format!(
        "Fleet change, Azure reads by kind: {}.",
        read_kinds(&requests)
            .iter()
            .map(|(kind, n)| format!(
                "{kind}: {n} ({:.2} per resource)",
                *n as f64 / p.resources as f64
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.row(
        "4",
        "fleet: Azure answers 429",
        format!("{throttled}"),
        "0",
        Some(throttled == 0),
        "the sim's token buckets: reads 250 burst / 25 per s, writes 200 / 10 per s, per subscription and principal",
    );
    let mib = usage.peak_rss_kib as f64 / 1024.0;
    report.row(
        "4",
        "fleet: operator peak RSS (VmHWM)",
        format!("{mib:.1} MiB"),
        "< 64 MiB",
        Some(mib < 64.0),
        format!(
            "{} resources; RSS at the end {:.1} MiB",
            p.resources,
            usage.rss_kib as f64 / 1024.0
        ),
    );
    let cpu = usage.cpu_seconds - usage_before.cpu_seconds;
    report.row(
        "4",
        "fleet: operator CPU for the change",
        format!(
            "{cpu:.1} s ({:.1} ms per resource)",
            cpu * 1000.0 / p.resources as f64
        ),
        "–",
        None,
        format!(
            "utime+stime from /proc; {:.1} CPU s since the operator started",
            usage.cpu_seconds
        ),
    );
    let kube = diff(&kube_before, &kube_after);
    let sum = |f: &dyn Fn(&str, &str, &str) -> bool| -> f64 {
        kube.iter()
            .filter(|((v, r, s), _)| f(v, r, s))
            .map(|(_, n)| n)
            .sum::<f64>()
            + 0.0
    };
    let mutating = |v: &str| !matches!(v, "GET" | "LIST" | "WATCH");
    let status = sum(&|v, r, s| r == "apimcapacities" && s == "status" && mutating(v));
    let events = sum(&|v, r, _| r == "events" && mutating(v));
    report.row(
        "4",
        "fleet: Kubernetes API writes by the operator",
        format!(
            "{:.0} ({:.2} per resource)",
            status + events,
            (status + events) / p.resources as f64
        ),
        "–",
        None,
        format!(
            "apiserver_request_total deltas (no user-agent label there, so by resource): {status:.0} status writes + {events:.0} Event writes; kubectl's own apply and the benchmark's watch excluded"
        ),
    );
    let detail: Vec<String> = kube
        .iter()
        .map(|((v, r, s), n)| {
            let what = if s.is_empty() {
                r.clone()
            } else {
                format!("{r}/{s}")
            };
            format!("{v} {what}: {n:.0}")
        })
        .collect();
    report.note(format!(
        "Fleet change, every apiserver request counted (kubectl and the benchmark included): {}.",
        detail.join(", ")
    ));
}

/// What taking the fleet under management took, and the operator's RSS (MiB) by the number
/// of resources under management.
struct Taken {
    took: Duration,
    applying: Duration,
    rss: Vec<(f64, f64)>,
}

/// Applies `services` in [`STEPS`] parts, each once the previous one is Ready, and reads
/// the operator's RSS before the first and 2 s after each.
fn take_under_management(
    world: &mut World,
    services: &[Svc],
    all: &dyn Fn(u32, &[Svc]) -> String,
) -> Taken {
    let rss_mib = |world: &World| {
        world
            .operator_usage()
            .map_or(0.0, |u| u.rss_kib as f64 / 1024.0)
    };
    std::thread::sleep(Duration::from_secs(2));
    let mut rss = vec![(0.0, rss_mib(world))];
    let started = Instant::now();
    let mut applying = Duration::ZERO;
    let size = services.len().div_ceil(STEPS).max(1);
    for (step, part) in services.chunks(size).enumerate() {
        let names: Vec<String> = part.iter().map(|s| s.name.clone()).collect();
        let since = Instant::now();
        world.apply(&all(1, part));
        applying += since.elapsed();
        if world
            .wait_ready(&names, since, Duration::from_secs(900))
            .is_none()
        {
            panic!(
                "step {step} of the fleet did not become Ready: {}",
                first(&world.not_ready(&names))
            );
        }
        std::thread::sleep(Duration::from_secs(2));
        rss.push(((step * size + part.len()) as f64, rss_mib(world)));
    }
    Taken {
        took: started.elapsed(),
        applying,
        rss,
    }
}

/// The ARM reads of `requests` by what they read: the service, its operations (polls),
/// its `/skus`, or anything else (by the path's last segment).
fn read_kinds(requests: &[crate::perf_support::Req]) -> std::collections::BTreeMap<String, usize> {
    let mut kinds = std::collections::BTreeMap::new();
    for r in requests.iter().filter(|r| r.is_read()) {
        let path = r.path.split('?').next().unwrap_or_default().to_lowercase();
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let kind = if r.is_poll() {
            "operation polls".to_string()
        } else if segments.len() >= 2 && segments[segments.len() - 2] == "service" {
            "service GETs".to_string()
        } else {
            format!("…/{}", segments.last().copied().unwrap_or_default())
        };
        *kinds.entry(kind).or_insert(0) += 1;
    }
    kinds
}

/// How many of `services` each subscription holds.
fn per_subscription(services: &[Svc]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for s in services {
        *counts.entry(s.subscription.clone()).or_insert(0) += 1;
    }
    counts
}

fn list(map: &std::collections::BTreeMap<String, u32>) -> String {
    map.iter()
        .map(|(sub, n)| format!("…{}: {n}", &sub[sub.len().saturating_sub(4)..]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn max(map: &std::collections::BTreeMap<String, f64>) -> f64 {
    map.values().copied().fold(0.0, f64::max)
}

fn first<T: std::fmt::Debug>(v: &[T]) -> String {
    format!(
        "{} not ready, e.g. {:?}",
        v.len(),
        v.iter().take(3).collect::<Vec<_>>()
    )
}
