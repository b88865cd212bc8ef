//! `apimcap sim` options map onto the simulator's configuration.

use std::time::Duration;

use apimcap_sim::Sku;
use apimcap_sim::{
    AsyncHeader, DuringOperation, FailedState, LocationFinal, ScaleInScope, SimArgs, SubnetFull,
};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

fn parse(args: &[&str]) -> Result<apimcap_sim::SimConfig, String> {
    let cli = Cli::try_parse_from(std::iter::once("sim").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    cli.sim.to_config().map_err(|e| e.to_string())
}

#[test]
fn defaults_are_a_faithful_azure() {
    let config = parse(&[]).expect("defaults parse");
    assert_eq!(config.listen.to_string(), "127.0.0.1:8443");
    assert_eq!(config.retry_after, 60);
    assert_eq!(config.async_header, AsyncHeader::Service);
    assert_eq!(config.scale_in, ScaleInScope::Service);
    assert_eq!(config.scale_in_code, "InvalidParameters");
    assert!(config.zones_not_enabled.is_empty());
    assert_eq!(config.subnet_full, SubnetFull::FailOperation);
    assert_eq!(config.busy.status, 409);
    assert_eq!(config.busy.code, "Conflict");
    assert!(config.auth.enabled && config.throttle.enabled && config.zone_divisibility);
    assert_eq!(config.limits.max_units(Sku::Premium), 31);
    assert!(config.api_versions.contains(&"2024-05-01".to_string()));
}

#[test]
fn every_switch_is_read() {
    let config = parse(&[
        "--listen",
        "127.0.0.1:0",
        "--api-versions",
        "2024-05-01,2022-08-01",
        "--unit-limits",
        "Premium=40",
        "--zone-divisibility",
        "false",
        "--retry-after",
        "1",
        "--retry-after-text",
        "1e20",
        "--async-operation",
        "separate",
        "--during-operation",
        "new",
        "--location-final",
        "no-content",
        "--failed-state",
        "failed",
        "--time-scale",
        "0.005",
        "--operation-seconds",
        "2.5",
        "--busy-status",
        "400",
        "--busy-code",
        "InvalidOperation",
        "--busy-message",
        "API Management service is activating",
        "--busy-retry-after",
        "100000",
        "--no-throttle",
        "--read-burst",
        "5",
        "--reads-per-second",
        "1",
        "--write-burst",
        "2",
        "--writes-per-second",
        "0.5",
        "--no-auth",
        "--token-lifetime",
        "60",
        "--server-error-rate",
        "0.1",
        "--throttle-rate",
        "0.2",
        "--scale-in-scope",
        "region",
        "--scale-in-code",
        "ScaleInLimitExceeded",
        "--zones-not-enabled",
        "westeurope, East US",
        "--subnet-full",
        "refuse",
    ])
    .expect("switches parse");
    assert_eq!(config.scale_in, ScaleInScope::Region);
    assert_eq!(config.scale_in_code, "ScaleInLimitExceeded");
    assert_eq!(config.zones_not_enabled, ["westeurope", "East US"]);
    assert_eq!(config.subnet_full, SubnetFull::Refuse);
    assert_eq!(config.api_versions, ["2024-05-01", "2022-08-01"]);
    assert_eq!(config.limits.max_units(Sku::Premium), 40);
    assert!(!config.zone_divisibility);
    assert_eq!(config.async_header, AsyncHeader::Separate);
    assert_eq!(config.retry_after_header(), "1e20");
    assert_eq!(config.busy_retry_after.as_deref(), Some("100000"));
    assert_eq!(config.during_operation, DuringOperation::New);
    assert_eq!(config.location_final, LocationFinal::NoContent);
    assert_eq!(config.failed_state, FailedState::Failed);
    assert_eq!(config.time_scale, 0.005);
    assert_eq!(config.operation_duration, Some(Duration::from_millis(2500)));
    assert_eq!(
        (config.busy.status, config.busy.code.as_str()),
        (400, "InvalidOperation")
    );
    assert!(!config.throttle.enabled && !config.auth.enabled);
    assert_eq!(
        (
            config.throttle.read_burst,
            config.throttle.writes_per_second
        ),
        (5.0, 0.5)
    );
    assert_eq!(config.auth.token_lifetime, Duration::from_secs(60));
    assert_eq!(
        (config.faults.server_error_rate, config.faults.throttle_rate),
        (0.1, 0.2)
    );
    // A 30-minute operation at time scale 0.005 takes 9 s when no fixed duration is set.
    let scaled = parse(&["--time-scale", "0.005"]).expect("parses");
    assert_eq!(
        scaled.scaled(Duration::from_secs(1800)),
        Duration::from_secs(9)
    );
}

#[test]
fn nonsense_is_refused() {
    for args in [
        vec!["--unit-limits", "Standard=8"],
        vec!["--server-error-rate", "1.5"],
        vec!["--operation-seconds", "-1"],
        vec!["--async-operation", "sometimes"],
        vec!["--seed", "/nonexistent/seed.yaml"],
        vec!["--retry-after-text", ""],
        vec!["--busy-retry-after", "1\r\n2"],
    ] {
        assert!(parse(&args).is_err(), "{args:?}");
    }
}

#[tokio::test]
async fn negative_time_scale_is_refused_at_start() {
    let config = apimcap_sim::SimConfig {
        time_scale: -1.0,
        ..Default::default()
    };
    assert!(apimcap_sim::start(config).await.is_err());
}

/// The error for `flag=value`, which must name the flag.
fn refused(flag: &str, value: &str) -> String {
    let arg = format!("{flag}={value}");
    match parse(&[&arg]) {
        Ok(config) => panic!("{arg} parsed: {config:?}"),
        Err(error) => {
            assert!(error.contains(flag), "{arg}: {error}");
            error
        }
    }
}

#[test]
fn operation_seconds_1e19_is_a_start_up_error() {
    refused("--operation-seconds", "1e19");
    refused("--operation-seconds", "inf");
    let year = parse(&["--operation-seconds", "31536000"]).expect("a year is allowed");
    assert_eq!(
        year.operation_duration,
        Some(Duration::from_secs(31_536_000))
    );
}

#[test]
fn time_scale_inf_or_1e30_is_a_start_up_error() {
    for scale in ["inf", "1e30", "NaN", "-0.5"] {
        refused("--time-scale", scale);
    }
    assert!(parse(&["--time-scale", "0"]).is_ok());
}

#[test]
fn reads_per_second_1e_20_is_a_start_up_error() {
    refused("--reads-per-second", "1e-20");
    refused("--writes-per-second", "1e-20");
    // 0 is a bucket that never refills, as before.
    let config = parse(&["--reads-per-second", "0"]).expect("0 is allowed");
    assert_eq!(config.throttle.reads_per_second, 0.0);
}

#[test]
fn other_absurd_numbers_are_start_up_errors() {
    for (flag, value) in [
        ("--read-burst", "inf"),
        ("--write-burst", "-1"),
        ("--reads-per-second", "1e300"),
        ("--token-lifetime", "18446744073709551615"),
        ("--busy-status", "200"),
        ("--throttle-rate", "NaN"),
    ] {
        refused(flag, value);
    }
}
