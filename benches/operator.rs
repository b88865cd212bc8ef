//! How fast, how frugal, how robust, in numbers: `apimcap run` (this profile's build, a
//! separate process) against the real kube-apiserver and the HTTPS Azure simulator.
//!
//! 1. convergence overhead of single changes, 2. Azure requests per change, 3. idle cost,
//! 4. a fleet changed at once.
//!
//! Prints a Markdown table and writes `docs/performance.md` (with the planner's figures
//! when `cargo bench --bench planner` ran before).
//!
//! Knobs (environment): `APIMCAP_BENCH_RUNS` (3), `APIMCAP_BENCH_IDLE` (20 resources),
//! `APIMCAP_BENCH_IDLE_SECONDS` (60), `APIMCAP_BENCH_FLEET` (10000), `APIMCAP_BENCH_FLEET_SUBS`
//! (20), `APIMCAP_BENCH_FLEET_OP_SECONDS` (25), `APIMCAP_BENCH_FLEET_RETRY_AFTER` (10),
//! `APIMCAP_BENCH_ONLY` (comma list of `convergence,idle,fleet`), `APIMCAP_BENCH_OUT` (the
//! Markdown file; default `docs/performance.md`, `-` for none).

#[path = "../tests/perf_support/mod.rs"]
mod perf_support;
#[path = "../tests/e2e/support/mod.rs"]
mod support;

mod scenarios {
    pub mod convergence;
    pub mod fleet;
    pub mod idle;
    pub mod report;
}

use scenarios::report::Report;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn wanted(scenario: &str) -> bool {
    match std::env::var("APIMCAP_BENCH_ONLY") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|s| s.trim() == scenario),
        _ => true,
    }
}

fn main() {
    // `cargo test --all-targets` (make test) runs bench targets without `--bench`: the
    // scenarios take minutes and are measurements, not tests, so they only run under
    // `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("operator benchmark: skipped (run it with `cargo bench --bench operator`)");
        return;
    }
    let started = std::time::Instant::now();
    let mut report = Report::new();
    if wanted("convergence") {
        scenarios::convergence::run(&mut report, env_or("APIMCAP_BENCH_RUNS", 3));
    }
    if wanted("idle") {
        scenarios::idle::run(
            &mut report,
            env_or("APIMCAP_BENCH_IDLE", 20),
            env_or("APIMCAP_BENCH_IDLE_SECONDS", 60),
        );
    }
    if wanted("fleet") {
        scenarios::fleet::run(
            &mut report,
            scenarios::fleet::Params {
                resources: env_or("APIMCAP_BENCH_FLEET", 10_000),
                subscriptions: env_or("APIMCAP_BENCH_FLEET_SUBS", 20),
                op_seconds: env_or("APIMCAP_BENCH_FLEET_OP_SECONDS", 25),
                retry_after: env_or("APIMCAP_BENCH_FLEET_RETRY_AFTER", 10),
            },
        );
    }
    let markdown = report.markdown(started.elapsed());
    println!("\n{markdown}");
    let out = std::env::var("APIMCAP_BENCH_OUT")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/docs/performance.md").into());
    if out != "-" {
        std::fs::write(&out, &markdown).expect("writing the performance report");
        println!("written to {out}");
    }
}
