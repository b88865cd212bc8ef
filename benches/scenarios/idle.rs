//! Scenario 3: the idle cost of in-sync resources. A time-scaled run (`--resync-interval 2s`
//! for a minute with N resources) extrapolated to the default resync interval (10 min), with
//! one GET per resource and resync (`--list-drift=false`): the cost the drift watch by
//! listing replaces. Then the drift watch by listing itself (the default), over several
//! subscriptions with small pages: its reads per subscription and resync, and both figures
//! for a fleet of 10,000 resources over 20 subscriptions.

use std::time::Duration;

use super::report::Report;
use crate::perf_support::analysis::diff;
use crate::perf_support::{Svc, World, WorldConfig, manifest, subscription};

const RESYNC_SECONDS: f64 = 2.0;
/// The listing run: resources over this many subscriptions, this many to a page.
const LISTING_SUBSCRIPTIONS: usize = 2;
const LISTING_PAGE_SIZE: usize = 4;
/// The fleet the figures are scaled to, and the page size assumed for Azure (it does not
/// document one; the simulator's default).
const FLEET: (f64, f64) = (10_000.0, 20.0);
const AZURE_PAGE_SIZE: f64 = 100.0;
const DEFAULT_RESYNC_SECONDS: f64 = 600.0;

pub fn run(report: &mut Report, resources: usize, seconds: u64) {
    per_resource(report, resources, seconds);
    by_listing(report, resources, seconds);
}

/// In-sync resources over [`LISTING_SUBSCRIPTIONS`], drift watched by listing (the default).
fn by_listing(report: &mut Report, resources: usize, seconds: u64) {
    let services: Vec<Svc> = (0..resources)
        .map(|i| {
            let sub = subscription(i % LISTING_SUBSCRIPTIONS);
            Svc::new(
                &sub,
                &format!("listed-{i}"),
                "Standard",
                &[("westeurope", 1)],
            )
        })
        .collect();
    let mut config = WorldConfig::new("bench-listing", services.clone())
        .flag("resync-interval", &format!("{RESYNC_SECONDS}s"));
    config.sim.list_page_size = LISTING_PAGE_SIZE;
    let mut world = in_sync_world(config, &services);
    std::thread::sleep(Duration::from_secs(seconds));
    let requests = arm_requests(&world);
    let is_listing = |r: &&crate::perf_support::Req| {
        let path = r.path.split('?').next().unwrap_or_default().to_lowercase();
        r.is_read() && path.ends_with("/providers/microsoft.apimanagement/service")
    };
    let listing = requests.iter().filter(is_listing).count() as f64;
    let gets = requests
        .iter()
        .filter(|r| r.is_read() && !is_listing(r))
        .count();
    world.check_alive();
    let periods = seconds as f64 / RESYNC_SECONDS;
    let per_round = listing / LISTING_SUBSCRIPTIONS as f64 / periods;
    let pages = (resources as f64 / LISTING_SUBSCRIPTIONS as f64 / LISTING_PAGE_SIZE as f64).ceil();
    let rounds_per_hour = 3600.0 / DEFAULT_RESYNC_SECONDS;
    let (fleet, subs) = FLEET;
    let fleet_pages = (fleet / subs / AZURE_PAGE_SIZE).ceil();
    // Measured pages per subscription and round, scaled from this run's pages to the fleet's.
    let fleet_listing = subs * rounds_per_hour * per_round / pages * fleet_pages;
    let fleet_gets = fleet * rounds_per_hour;
    report.row(
        "3",
        "idle Azure reads with the drift watch by listing: per subscription and resync / other reads",
        format!("{per_round:.2} pages / {gets}"),
        format!("{pages} pages, 0 other reads"),
        Some((per_round - pages).abs() <= 0.5 && gets == 0),
        format!(
            "{resources} in-sync resources over {LISTING_SUBSCRIPTIONS} subscriptions, {LISTING_PAGE_SIZE} services a page, --resync-interval {RESYNC_SECONDS}s, for {seconds} s: {listing:.0} listing pages"
        ),
    );
    report.row(
        "3",
        "idle Azure reads per hour, 10,000 resources over 20 subscriptions (10 min resync): by listing / one GET per resource",
        format!("{fleet_listing:.0} / {fleet_gets:.0}"),
        "independent of the number of services",
        None,
        format!(
            "the measured pages per subscription and resync scaled to {:.0} services a subscription at {AZURE_PAGE_SIZE} a page (Azure documents no page size) × {subs} subscriptions × {rounds_per_hour} resyncs; one GET per resource: {fleet} × {rounds_per_hour}",
            fleet / subs
        ),
    );
}

/// Starts `config`'s world and takes `services` under management (all Ready, then 3 s
/// of quiet, the request log cleared).
fn in_sync_world(config: WorldConfig, services: &[Svc]) -> World {
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
    world
}

/// The Azure requests `world`'s simulator logged.
fn arm_requests(world: &World) -> Vec<crate::perf_support::Req> {
    world
        .requests()
        .into_iter()
        .filter(|r| r.is_arm())
        .collect()
}

/// One GET per resource and resync (`--list-drift=false`).
fn per_resource(report: &mut Report, resources: usize, seconds: u64) {
    let sub = subscription(0);
    let services: Vec<Svc> = (0..resources)
        .map(|i| Svc::new(&sub, &format!("idle-{i}"), "Standard", &[("westeurope", 1)]))
        .collect();
    let config = WorldConfig::new("bench-idle", services.clone())
        .flag("resync-interval", &format!("{RESYNC_SECONDS}s"))
        .flag("list-drift", "false");
    let mut world = in_sync_world(config, &services);
    let kube_before = world.apiserver_requests();
    let cpu_before = world.operator_usage().unwrap_or_default();
    std::thread::sleep(Duration::from_secs(seconds));
    let requests = arm_requests(&world);
    let kube_after = world.apiserver_requests();
    let usage = world.operator_usage().unwrap_or_default();
    world.check_alive();

    let reads = requests.iter().filter(|r| r.is_read()).count() as f64;
    let writes = requests.iter().filter(|r| r.is_write()).count();
    // Resync periods that fit in the window, per resource (for the Kubernetes and CPU rows).
    let periods = seconds as f64 / RESYNC_SECONDS;
    // The mean time between two reads of the same service, free of where the window's edges
    // fall: reads per hour at the default interval are 3600 s over that gap scaled up.
    let mut gaps = Vec::new();
    for s in &services {
        let mut times: Vec<i64> = requests
            .iter()
            .filter(|r| r.is_read() && r.about(&s.name))
            .map(|r| r.at().as_millisecond())
            .collect();
        times.sort_unstable();
        if let (Some(first), Some(last)) = (times.first(), times.last())
            && times.len() > 1
        {
            gaps.push((last - first) as f64 / 1000.0 / (times.len() - 1) as f64);
        }
    }
    let gap = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let per_hour = 3600.0 / (gap * DEFAULT_RESYNC_SECONDS / RESYNC_SECONDS);
    let allowed = 3600.0 / DEFAULT_RESYNC_SECONDS;
    let inputs = format!(
        "{resources} in-sync resources, --resync-interval {RESYNC_SECONDS}s (±10% jitter), --list-drift=false, for {seconds} s: {reads:.0} GETs, one every {gap:.3} s per resource on average; scaled to 10 min"
    );
    report.row(
        "3",
        "idle Azure reads per in-sync resource per hour (10 min resync)",
        format!("{per_hour:.2}"),
        "≤ 6",
        // Two decimals of noise from the jitter.
        Some(per_hour <= allowed + 0.05),
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
