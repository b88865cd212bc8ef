//! Soak: random desired changes under random faults — the operator killed with SIGKILL at
//! random moments and restarted, 5xx and 429 bursts, storms of 5xx, 429 or dropped
//! connections on a fraction of all requests, foreign operations that keep a service
//! busy, failed operations, drift — against the real control plane and the simulator.
//!
//! At the end every resource has converged (Ready, and Azure holds what the spec says), and
//! the simulator's request log shows no step issued twice, no write while one of the
//! operator's own operations ran on that service, and no write to a service already in sync.
//! Correctness only: nothing here is timed beyond generous deadlines.
//!
//! `APIMCAP_SOAK_OPERATIONS` (default 8) random actions; `APIMCAP_SOAK_SEED` replays a run
//! (the seed is printed at the start). `make soak` runs a long one.

#[path = "perf_support/mod.rs"]
mod perf_support;
#[path = "e2e/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use apimcap_sim::SimConfig;
use perf_support::analysis::write_violations;
use perf_support::{Svc, World, WorldConfig, condition, is_ready, manifest, subscription};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

const SERVICES: usize = 3;
const CONSENT: &str = "  changePolicy: {allowTierDowngrade: true, allowRegionRemoval: true}\n";

/// A desired capacity Azure accepts: (sku, regions, primary first).
fn random_spec(rng: &mut StdRng) -> (String, Vec<(String, u32)>) {
    let we = |u: u32| ("westeurope".to_string(), u);
    match rng.random_range(0..5) {
        0 => ("Basic".into(), vec![we(rng.random_range(1..=2))]),
        1 | 2 => ("Standard".into(), vec![we(rng.random_range(1..=4))]),
        3 => ("Premium".into(), vec![we(rng.random_range(1..=3))]),
        _ => (
            "Premium".into(),
            vec![
                we(rng.random_range(1..=2)),
                ("eastus".into(), rng.random_range(1..=2)),
            ],
        ),
    }
}

#[derive(Default, Debug)]
struct Counts {
    changes: u32,
    kills: u32,
    server_errors: u32,
    throttles: u32,
    storms: u32,
    busy: u32,
    failed_operations: u32,
    drifts: u32,
}

impl Counts {
    fn faults(&self) -> u32 {
        self.kills
            + self.server_errors
            + self.throttles
            + self.storms
            + self.busy
            + self.failed_operations
            + self.drifts
    }
}

#[test]
fn random_changes_and_faults_converge_without_duplicate_or_overlapping_writes() {
    let operations: u32 = std::env::var("APIMCAP_SOAK_OPERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("APIMCAP_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!("soak: {operations} operations, seed {seed} (replay: APIMCAP_SOAK_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);

    let sub = subscription(0);
    let services: Vec<Svc> = (0..SERVICES)
        .map(|i| Svc::new(&sub, &format!("soak-{i}"), "Standard", &[("westeurope", 1)]))
        .collect();
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let mut config = WorldConfig::new("soak", services.clone())
        .flag("min-retry-after", "1s")
        .flag("resync-interval", "4s");
    config.sim = SimConfig {
        retry_after: 1,
        operation_duration: Some(Duration::from_millis(1500)),
        ..config.sim
    };
    let mut world = World::start(config);
    world.start_operator();
    let mut desired: HashMap<String, (String, Vec<(String, u32)>)> = HashMap::new();
    let mut yaml = Vec::new();
    for s in &services {
        let spec = ("Standard".to_string(), vec![("westeurope".to_string(), 1)]);
        yaml.push(manifest(&s.name, s, &spec.0, &spec.1, CONSENT));
        desired.insert(s.name.clone(), spec);
    }
    let since = Instant::now();
    world.apply(&yaml.join("---\n"));
    assert!(
        world
            .wait_ready(&names, since, Duration::from_secs(60))
            .is_some(),
        "not Ready at the start: {:?}",
        world.not_ready(&names)
    );

    let mut counts = Counts::default();
    // Moments at which something outside the operator changed a service.
    let mut outside: HashMap<String, Vec<jiff::Timestamp>> = HashMap::new();
    for n in 0..operations {
        let svc = services[rng.random_range(0..SERVICES)].clone();
        let roll = rng.random_range(0..100);
        let what = match roll {
            0..35 => {
                let spec = random_spec(&mut rng);
                world.apply(&manifest(&svc.name, &svc, &spec.0, &spec.1, CONSENT));
                counts.changes += 1;
                let text = format!("{} {:?}", spec.0, spec.1);
                desired.insert(svc.name.clone(), spec);
                format!("change {} to {text}", svc.name)
            }
            35..48 => {
                world.kill_9();
                std::thread::sleep(Duration::from_millis(rng.random_range(0..2000)));
                world.start_operator();
                counts.kills += 1;
                "SIGKILL the operator and restart it".into()
            }
            48..56 => {
                let count = rng.random_range(3..10);
                world.faults(json!({"kind": "serverError", "count": count, "status": 503}));
                counts.server_errors += 1;
                format!("{count} answers 503")
            }
            56..64 => {
                let count = rng.random_range(3..10);
                world.faults(json!({"kind": "throttle", "count": count, "retryAfterSeconds": 1}));
                counts.throttles += 1;
                format!("{count} answers 429")
            }
            64..74 => {
                // A fraction of every ARM request fails for a few seconds, PATCHes included.
                let kind = ["serverError", "throttle", "drop"][rng.random_range(0..3)];
                let rate = rng.random_range(0.2..0.6);
                let seconds = rng.random_range(1.0..4.0);
                world.faults(
                    json!({"kind": kind, "rate": rate, "status": 503, "retryAfterSeconds": 1}),
                );
                std::thread::sleep(Duration::from_secs_f64(seconds));
                world.faults(json!({"kind": kind, "rate": 0.0}));
                counts.storms += 1;
                format!(
                    "{kind} storm: {:.0} % of ARM requests for {seconds:.1} s",
                    rate * 100.0
                )
            }
            74..84 => {
                let seconds = rng.random_range(1.0..4.0);
                if world.busy(&svc.name, seconds) {
                    counts.busy += 1;
                    format!(
                        "{} busy with a foreign operation for {seconds:.1} s",
                        svc.name
                    )
                } else {
                    format!(
                        "{} not made busy: an operation already runs on it",
                        svc.name
                    )
                }
            }
            84..92 => {
                world.fail_next_operation(&svc.name, "InjectedFailure");
                outside
                    .entry(svc.name.clone())
                    .or_default()
                    .push(jiff::Timestamp::now());
                counts.failed_operations += 1;
                format!("the next operation on {} fails", svc.name)
            }
            _ => {
                let (_, live) = world.azure_capacity(&svc.name);
                let units = if live[0].1 == 1 { 2 } else { 1 };
                world.drift(&svc.name, json!({"sku": {"capacity": units}}));
                outside
                    .entry(svc.name.clone())
                    .or_default()
                    .push(jiff::Timestamp::now());
                counts.drifts += 1;
                format!(
                    "drift: {} primary units set to {units} behind the operator's back",
                    svc.name
                )
            }
        };
        println!("soak #{n}: {what}");
        world.check_alive();
        std::thread::sleep(Duration::from_millis(rng.random_range(200..3000)));
    }

    // Faults end; everything converges.
    world.clear_faults();
    let deadline = Instant::now() + Duration::from_secs(120);
    let converged = |world: &World| -> Vec<String> {
        names
            .iter()
            .filter(|n| {
                let ready = world.seen(n).is_some_and(|s| is_ready(&s.object));
                let (sku, regions) = &desired[*n];
                ready && world.azure_capacity(n) == (sku.clone(), regions.clone())
            })
            .cloned()
            .collect()
    };
    while converged(&world).len() < names.len() && Instant::now() < deadline {
        world.check_alive();
        std::thread::sleep(Duration::from_millis(500));
    }
    let done = converged(&world);
    let mut stuck = Vec::new();
    for n in names.iter().filter(|n| !done.contains(n)) {
        let seen = world.seen(n).map(|s| s.object).unwrap_or_default();
        let stalled = condition(&seen, "Stalled").cloned();
        stuck.push(format!(
            "{n}: spec {:?}, Azure {:?}, Stalled {stalled:?}, status {}",
            desired[n],
            world.azure_capacity(n),
            seen["status"]
        ));
    }

    let requests = world.requests();
    let sim_operations = world.operations();
    let violations = write_violations(&requests, &sim_operations, &outside);
    let count = |kind: &str| violations.iter().filter(|v| v.kind == kind).count();
    let writes = requests.iter().filter(|r| r.is_write()).count();
    let accepted = requests
        .iter()
        .filter(|r| r.is_write() && r.status == Some(202))
        .count();
    println!(
        "soak summary (seed {seed}): operations {operations}: {} spec changes; faults {}: {} kills, {} 5xx bursts, {} 429 bursts, {} storms, {} busy, {} failed operations, {} drifts; Azure writes {writes} ({accepted} accepted), Azure operations {}; duplicate writes {}, overlapping writes {}, writes in sync {}; converged {}/{}",
        counts.changes,
        counts.faults(),
        counts.kills,
        counts.server_errors,
        counts.throttles,
        counts.storms,
        counts.busy,
        counts.failed_operations,
        counts.drifts,
        sim_operations.len(),
        count("duplicate"),
        count("overlap"),
        count("write in sync"),
        done.len(),
        names.len()
    );
    for v in &violations {
        println!("violation [{}] {}: {}", v.kind, v.service, v.detail);
    }
    assert!(
        stuck.is_empty(),
        "not converged (seed {seed}):\n{}\n--- operator log ---\n{}",
        stuck.join("\n"),
        world.log_tail(120)
    );
    assert!(
        violations.is_empty(),
        "{} violations (seed {seed}), see above",
        violations.len()
    );
}
