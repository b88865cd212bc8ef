//! The `apimcap` command line.

use clap::{Parser, Subcommand};

use crate::sim::SimArgs;

/// Keeps the capacity of Azure API Management services where an ApimCapacity resource says.
#[derive(Debug, Parser)]
#[command(name = "apimcap", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the ApimCapacity CustomResourceDefinition as YAML.
    Crd,
    /// Run an HTTPS simulator of Azure Resource Manager, Entra ID and Azure Monitor for API
    /// Management services, seeded from a file.
    Sim(Box<SimArgs>),
    /// Run the controller: watch ApimCapacity resources and change Azure to match them.
    /// A flag given twice takes its last value.
    #[command(args_override_self = true)]
    Run(Box<RunArgs>),
    /// Print what the operator would do for a manifest, against the live service, without
    /// changing anything.
    Plan(Box<crate::dry_run::PlanArgs>),
}

/// Options of `apimcap run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Kubeconfig file; default: $KUBECONFIG, then the in-cluster service account.
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// Azure endpoints, CA bundle, api-version and unit limits.
    #[command(flatten)]
    pub azure: AzureArgs,

    /// How often an in-sync resource is checked for drift (jittered by ±10%).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub resync_interval: std::time::Duration,

    /// Lower bound on Azure's Retry-After when polling operations.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub min_retry_after: std::time::Duration,

    /// Address of the HTTP server for /metrics, /livez and /readyz.
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub metrics_addr: std::net::SocketAddr,

    /// Elect a leader with a Lease so that only one replica reconciles.
    #[arg(long)]
    pub leader_elect: bool,

    /// Name of the Lease used for leader election.
    #[arg(long, default_value = "apim-capacity-operator")]
    pub lease_name: String,

    /// Namespace of the Lease (the operator's own namespace).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,

    /// How long a standby waits, after it last saw the Lease change, before taking it over.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub lease_duration: std::time::Duration,

    /// How long the leader tries to renew its Lease before it stops writing and exits;
    /// shorter than --lease-duration [default: 2/3 of --lease-duration, 10s].
    #[arg(long, value_parser = parse_duration)]
    pub renew_deadline: Option<std::time::Duration>,

    /// How often the leader renews its Lease and a standby tries to take it; shorter than
    /// --renew-deadline / 1.2 [default: 2/15 of --lease-duration, 2s].
    #[arg(long, value_parser = parse_duration)]
    pub retry_period: Option<std::time::Duration>,

    /// YAML file mapping namespaces to the Azure scopes they may target. Without it (and
    /// without --allow-all-namespaces) no namespace may target anything.
    #[arg(long, env = "APIMCAP_NAMESPACE_POLICY")]
    pub namespace_policy: Option<std::path::PathBuf>,

    /// Let ApimCapacity resources in every namespace target any service the operator's Azure
    /// identity reaches (instead of --namespace-policy).
    #[arg(
        long,
        env = "APIMCAP_ALLOW_ALL_NAMESPACES",
        num_args = 0..=1,
        require_equals = true,
        default_value_t = false,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub allow_all_namespaces: bool,

    /// Log format; default: text on a terminal, JSON otherwise.
    #[arg(long, value_enum)]
    pub log_format: Option<crate::telemetry::LogFormat>,
}

/// How to reach Azure; shared by `apimcap run` and `apimcap plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct AzureArgs {
    /// Azure cloud whose endpoints are the defaults.
    #[arg(long, value_enum, default_value = "public")]
    pub cloud: CloudArg,

    /// Azure Resource Manager base URL (overrides the cloud's; e.g. the simulator's).
    #[arg(long, env = "APIMCAP_ARM_ENDPOINT")]
    pub arm_endpoint: Option<url::Url>,

    /// OAuth scope of ARM tokens; default: the cloud's, or `{arm-endpoint}/.default`.
    #[arg(long)]
    pub token_scope: Option<String>,

    /// Entra ID authority host for tokens (default: the cloud's).
    #[arg(long, env = "AZURE_AUTHORITY_HOST")]
    pub authority_host: Option<url::Url>,

    /// Extra CA certificates (PEM) to trust for Azure, e.g. a TLS-inspecting proxy's.
    #[arg(long, env = "APIMCAP_CA_BUNDLE")]
    pub ca_bundle: Option<std::path::PathBuf>,

    /// ARM api-version of Microsoft.ApiManagement.
    #[arg(long, default_value = crate::azure::DEFAULT_API_VERSION)]
    pub api_version: String,

    /// Raise unit limits that Azure support raised, e.g. `Premium=40,PremiumV2=35`.
    #[arg(long, default_value = "")]
    pub unit_limits: String,
}

/// The Azure clouds with known endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CloudArg {
    Public,
    China,
    UsGov,
}

/// Parses `90s`, `10m`, `1h`, `500ms` or plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30s, 10m or 1h"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{text:?} has an unknown unit; use ms, s, m or h")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("{text:?} is not a valid duration"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn a_repeated_run_flag_takes_its_last_value() {
        let cli = Cli::try_parse_from([
            "apimcap",
            "run",
            "--resync-interval=30s",
            "--resync-interval=3s",
        ])
        .expect("repeated flags parse");
        match cli.command {
            Command::Run(args) => assert_eq!(args.resync_interval, Duration::from_secs(3)),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn allow_all_namespaces_is_off_unless_given() {
        let parse = |extra: &[&str]| {
            let args = ["apimcap", "run"].iter().chain(extra).copied();
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Run(args)) => Ok(args.allow_all_namespaces),
                Ok(other) => panic!("parsed as {other:?}"),
                Err(e) => Err(e),
            }
        };
        assert_eq!(parse(&[]).ok(), Some(false));
        assert_eq!(parse(&["--allow-all-namespaces"]).ok(), Some(true));
        assert_eq!(parse(&["--allow-all-namespaces=true"]).ok(), Some(true));
        assert_eq!(parse(&["--allow-all-namespaces=false"]).ok(), Some(false));
        assert!(parse(&["--allow-all-namespaces=maybe"]).is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
