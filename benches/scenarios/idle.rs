//! Scenario 3: the idle cost of in-sync resources. A time-scaled run (`--resync-interval 2s`
//! for a minute with N resources) extrapolated to the default resync interval (10 min).

use std::time::Duration;

use super::report::Report;
use crate::perf_support::analysis::diff;
use crate::perf_support::{Svc, World, WorldConfig, manifest, subscription};

const RESYNC_SECONDS: f64 = 2.0;
const DEFAULT_RESYNC_SECONDS: f64 = 600.0;

pub fn run(report: &mut Report, resources: usize, seconds: u64) {
    let sub = subscription(0);
    let services: Vec<Svc> = (0..resources)
        .map(|i| Svc::new(&sub, &format!("idle-{i}"), "Standard", &[("westeurope", 1)]))
        .collect();
    let config = WorldConfig::new("bench-idle", services.clone())
        .flag("resync-interval", &format!("{RESYNC_SECONDS}s"));
    let mut world = World::start(config);
    world.start_operator();
    let manifests: Vec<String> = services
        .iter()
        .map(|s| manifest(&s.name, s, "Standard", &[("westeurope".into(), 1)], ""))
        .collect();
    let since = std::time::Instant::now();
    world.apply(&manifests.join("---\n"));
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    assert!(
        world
            .wait_ready(&names, since, Duration::from_secs(120))
            .is_some(),
        "not Ready: {:?}",
        world.not_ready(&names)
    );
    std::thread::sleep(Duration::from_secs(3));
    world.clear_requests();
    let kube_before = world.apiserver_requests();
    let cpu_before = world.operator_usage().unwrap_or_default();
    std::thread::sleep(Duration::from_secs(seconds));
    let requests: Vec<_> = world
        .requests()
        .into_iter()
        .filter(|r| r.is_arm())
        .collect();
    let kube_after = world.apiserver_requests();
    let usage = world.operator_usage().unwrap_or_default();
    world.check_alive();

    let reads = requests.iter().filter(|r| r.is_read()).count() as f64;
    let writes = requests.iter().filter(|r| r.is_write()).count();
    // Resync periods that fit in the window, per resource.
    let periods = seconds as f64 / RESYNC_SECONDS;
    let per_period = reads / resources as f64 / periods;
    let per_hour = per_period * 3600.0 / DEFAULT_RESYNC_SECONDS;
    let allowed = 3600.0 / DEFAULT_RESYNC_SECONDS;
    let inputs = format!(
        "{resources} in-sync resources, --resync-interval {RESYNC_SECONDS}s for {seconds} s: {reads:.0} GETs ({per_period:.2} per resource per resync), scaled to 10 min"
    );
    report.row(
        "3",
        "idle Azure reads per in-sync resource per hour (10 min resync)",
        format!("{per_hour:.2}"),
        "≤ 6",
        // Jitter (±10%) lets a few more periods fit in the window than the mean.
        Some(per_hour <= allowed * 1.1),
        inputs,
    );
    report.row(
        "3",
        "idle Azure writes",
        format!("{writes}"),
        "0",
        Some(writes == 0),
        format!("PATCH/PUT in the same {seconds} s window"),
    );
    let kube = diff(&kube_before, &kube_after);
    let status_writes: f64 = kube
        .iter()
        .filter(|((verb, resource, sub), _)| {
            resource == "apimcapacities"
                && sub == "status"
                && !matches!(verb.as_str(), "GET" | "LIST" | "WATCH")
        })
        .map(|(_, n)| n)
        .sum::<f64>()
        + 0.0;
    let event_writes: f64 = kube
        .iter()
        .filter(|((verb, resource, _), _)| {
            resource == "events" && !matches!(verb.as_str(), "GET" | "LIST" | "WATCH")
        })
        .map(|(_, n)| n)
        .sum::<f64>()
        + 0.0;
    let kube_per_hour = (status_writes + event_writes) / resources as f64 / periods * 3600.0
        / DEFAULT_RESYNC_SECONDS;
    report.row(
        "3",
        "idle Kubernetes writes per resource per hour (10 min resync)",
        format!("{kube_per_hour:.2}"),
        "0 (status unchanged)",
        Some(kube_per_hour == 0.0),
        format!(
            "apiserver_request_total deltas: {status_writes:.0} status writes, {event_writes:.0} Event writes in {seconds} s"
        ),
    );
    let cpu = usage.cpu_seconds - cpu_before.cpu_seconds;
    report.row(
        "3",
        "idle operator CPU per resource per hour (10 min resync)",
        format!(
            "{:.2} ms",
            cpu * 1000.0 / resources as f64 / periods * 3600.0 / DEFAULT_RESYNC_SECONDS
        ),
        "–",
        None,
        format!(
            "{cpu:.2} CPU s over {seconds} s for {resources} resources; RSS {:.1} MiB",
            usage.rss_kib as f64 / 1024.0
        ),
    );
}
