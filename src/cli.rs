//! The `apimcap` command line: commands and options (clap), and their conversion into the
//! library's plain settings. The library never imports this module.

use std::time::Duration;

use apim_capacity::azure::{AzureCloud, AzureSettings};
use apim_capacity::controller::shard::WatchScope;
use apim_capacity::controller::{LeaseSettings, RunConfig};
use apim_capacity::cost::{PriceSettings, PriceSettingsError};
use apim_capacity::dry_run::{OutputFormat, PlanOptions};
use apim_capacity::telemetry::LogFormat;
use clap::{Parser, Subcommand};

#[cfg(feature = "sim")]
use apimcap_sim::SimArgs;

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
    #[cfg(feature = "sim")]
    Sim(Box<SimArgs>),
    /// Run the controller: watch ApimCapacity resources and change Azure to match them.
    /// A flag given twice takes its last value.
    #[command(args_override_self = true)]
    Run(Box<RunArgs>),
    /// Print what the operator would do for a manifest, against the live service, without
    /// changing anything.
    Plan(Box<PlanArgs>),
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

    /// How often an in-sync resource is checked for drift (jittered by ±10%), e.g. 10m, 1h30m.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub resync_interval: Duration,

    /// Lower bound on Azure's Retry-After when polling operations, e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub min_retry_after: Duration,

    /// How often the regions with `autoscale` are evaluated, each time with one Azure Monitor
    /// metrics read per service, e.g. 5m (1m at the least).
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub autoscale_interval: Duration,

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
    pub lease_duration: Duration,

    /// How long the leader tries to renew its Lease before it stops writing and exits;
    /// shorter than --lease-duration [default: 2/3 of --lease-duration, 10s].
    #[arg(long, value_parser = parse_duration)]
    pub renew_deadline: Option<Duration>,

    /// How often the leader renews its Lease and a standby tries to take it; shorter than
    /// --renew-deadline / 1.2 [default: 2/15 of --lease-duration, 2s].
    #[arg(long, value_parser = parse_duration)]
    pub retry_period: Option<Duration>,

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

    /// Watch only the ApimCapacity objects matching this label selector, to split resources
    /// between several operator Deployments (shards), e.g.
    /// `sharding.capacity.apim.dev/key in (shard1)`; the default shard takes the rest with
    /// `!sharding.capacity.apim.dev/key`. Each shard needs its own --lease-name.
    #[arg(long, env = "APIMCAP_WATCH_LABEL_SELECTOR")]
    pub watch_label_selector: Option<String>,

    /// Watch only these namespaces (comma-separated or repeated); default: every namespace.
    #[arg(long, env = "APIMCAP_WATCH_NAMESPACES", value_delimiter = ',')]
    pub watch_namespaces: Vec<String>,

    /// Watch in-sync services for drift with one paginated listing per subscription and
    /// resync (`GET /subscriptions/{id}/providers/Microsoft.ApiManagement/service`, read
    /// with the operator's own identity) instead of one GET per service; only services that
    /// differ are read and reconciled. `--list-drift=false` reads each service on its own.
    #[arg(
        long,
        env = "APIMCAP_LIST_DRIFT",
        num_args = 0..=1,
        require_equals = true,
        default_value_t = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub list_drift: bool,

    /// How many resources are reconciled at once, at most.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Where unit prices are read, and in which currency.
    #[command(flatten)]
    pub prices: PriceArgs,

    /// The ConfigMap that keeps learned operation durations across restarts: `NAME` (in the
    /// operator's namespace, --lease-namespace) or `NAMESPACE/NAME`. Without it they are
    /// kept in memory only.
    #[arg(long, env = "APIMCAP_DURATIONS_CONFIGMAP")]
    pub durations_configmap: Option<String>,

    /// Log format; default: text on a terminal, JSON otherwise.
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormatArg>,
}

/// Options of `apimcap plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// The ApimCapacity manifest (YAML); `-` reads standard input.
    #[arg(short = 'f', long = "filename")]
    pub file: std::path::PathBuf,

    /// Azure endpoints, CA bundle and limits, as for `apimcap run`.
    #[command(flatten)]
    pub azure: AzureArgs,

    /// Where unit prices are read, and in which currency.
    #[command(flatten)]
    pub prices: PriceArgs,

    /// Output: `table` for people, `json` or `yaml` for pipelines (the versioned
    /// `capacity.apim.dev/plan/v1` report).
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: PlanOutput,
}

/// `apimcap plan -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanOutput {
    Table,
    Json,
    Yaml,
}

/// Where unit prices come from; shared by `apimcap run` and `apimcap plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PriceArgs {
    /// The Azure Retail Prices API (public, no credentials), or a copy of it such as the
    /// simulator's `https://127.0.0.1:8443/api/retail/prices`. Trusts --ca-bundle too.
    #[arg(long, env = "APIMCAP_PRICES_ENDPOINT", default_value = apim_capacity::cost::DEFAULT_ENDPOINT)]
    pub prices_endpoint: String,

    /// The currency of cost estimates and of `requireApproval.costIncreaseAbove` (ISO 4217,
    /// e.g. USD, EUR).
    #[arg(long, env = "APIMCAP_CURRENCY", default_value = "USD")]
    pub currency: String,
}

impl PriceArgs {
    /// The price settings, or why they cannot be used.
    pub fn settings(&self) -> Result<PriceSettings, PriceSettingsError> {
        PriceSettings::parse(&self.prices_endpoint, &self.currency)
    }
}

/// How to reach Azure; shared by `apimcap run` and `apimcap plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct AzureArgs {
    /// Azure cloud whose endpoints (ARM, token scope, Entra authority) are the defaults.
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
    #[arg(long, default_value = apim_capacity::azure::DEFAULT_API_VERSION)]
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

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormatArg {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

impl From<LogFormatArg> for LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Json => LogFormat::Json,
            LogFormatArg::Text => LogFormat::Text,
        }
    }
}

impl AzureArgs {
    fn settings(&self) -> AzureSettings {
        AzureSettings {
            cloud: match self.cloud {
                CloudArg::Public => AzureCloud::Public,
                CloudArg::China => AzureCloud::China,
                CloudArg::UsGov => AzureCloud::UsGovernment,
            },
            arm_endpoint: self.arm_endpoint.clone(),
            token_scope: self.token_scope.clone(),
            authority_host: self.authority_host.clone(),
            ca_bundle: self.ca_bundle.clone(),
            api_version: self.api_version.clone(),
            min_retry_after: None,
        }
    }
}

impl RunArgs {
    /// The controller's settings, or why the flags cannot be used.
    pub fn config(&self) -> Result<RunConfig, String> {
        let prices = self.prices.settings().map_err(|e| e.to_string())?;
        let durations_configmap = match self.durations_configmap.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(configmap_ref(text, &self.lease_namespace)?),
        };
        Ok(RunConfig {
            kubeconfig: self.kubeconfig.clone(),
            azure: self.azure.settings(),
            unit_limits: self.azure.unit_limits.clone(),
            resync_interval: self.resync_interval,
            min_retry_after: self.min_retry_after,
            autoscale_interval: self.autoscale_interval.max(Duration::from_secs(10)),
            metrics_addr: self.metrics_addr,
            leader_election: self.leader_elect.then(|| LeaseSettings {
                name: self.lease_name.clone(),
                namespace: self.lease_namespace.clone(),
                duration: self.lease_duration,
                renew_deadline: self.renew_deadline,
                retry_period: self.retry_period,
            }),
            namespace_policy: self.namespace_policy.clone(),
            allow_all_namespaces: self.allow_all_namespaces,
            concurrency: self.concurrency,
            prices,
            durations_configmap,
            watch: WatchScope::new(self.watch_label_selector.as_deref(), &self.watch_namespaces)
                .map_err(|e| e.to_string())?,
            list_drift: self.list_drift,
        })
    }
}

/// `NAME` (in `namespace`) or `NAMESPACE/NAME`, each a DNS name.
fn configmap_ref(text: &str, namespace: &str) -> Result<(String, String), String> {
    let (namespace, name) = text.split_once('/').unwrap_or((namespace, text));
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    if valid(namespace) && valid(name) {
        Ok((namespace.to_string(), name.to_string()))
    } else {
        Err(format!(
            "--durations-configmap {text:?}: expected NAME or NAMESPACE/NAME (lower-case letters, digits, '-' and '.')"
        ))
    }
}

impl PlanArgs {
    /// What `apimcap plan` reads and how it reaches Azure, or why the flags cannot be used.
    pub fn options(&self) -> Result<PlanOptions, PriceSettingsError> {
        Ok(PlanOptions {
            file: self.file.clone(),
            azure: self.azure.settings(),
            unit_limits: self.azure.unit_limits.clone(),
            prices: self.prices.settings()?,
            output: match self.output {
                PlanOutput::Table => OutputFormat::Table,
                PlanOutput::Json => OutputFormat::Json,
                PlanOutput::Yaml => OutputFormat::Yaml,
            },
        })
    }
}

/// Parses a duration the way the chart writes it: `90s`, `10m`, `1h30m`, `1.5h`, `500ms`
/// (jiff's friendly format; ISO 8601 `PT10M` too). Negative durations are refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration = text
        .trim()
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as 30s, 10m or 1h30m: {e}"))?;
    Duration::try_from(parsed).map_err(|_| format!("{text:?} is negative; use a positive duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_the_way_the_chart_writes_them() {
        for (text, seconds) in [
            ("90s", 90.0),
            ("10m", 600.0),
            ("1h", 3600.0),
            ("1h30m", 5400.0),
            ("1.5h", 5400.0),
            ("250ms", 0.25),
            ("2m30s", 150.0),
            ("PT10M", 600.0),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs_f64(seconds)),
                "{text}"
            );
        }
        for bad in ["5 parsecs", "", "-5s", "5", "1e20s"] {
            assert!(parse_duration(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn every_value_the_chart_schema_admits_parses() {
        // charts/.../values.schema.json: ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$
        for text in ["1h30m", "0.5s", "10m", "1h1m1s", "100ms", "3h"] {
            assert!(parse_duration(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_repeated_run_flag_takes_its_last_value() {
        let cli = Cli::try_parse_from([
            "apimcap",
            "run",
            "--resync-interval=30s",
            "--resync-interval=1h30m",
        ])
        .expect("repeated flags parse");
        match cli.command {
            Command::Run(args) => assert_eq!(
                args.config().map(|c| c.resync_interval),
                Ok(Duration::from_secs(5400))
            ),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn drift_is_watched_by_listing_unless_turned_off() {
        let parse = |extra: &[&str]| {
            let args = ["apimcap", "run"].iter().chain(extra).copied();
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Run(args)) => args.config().map(|c| c.list_drift).ok(),
                Ok(other) => panic!("parsed as {other:?}"),
                Err(_) => None,
            }
        };
        assert_eq!(parse(&[]), Some(true));
        assert_eq!(parse(&["--list-drift"]), Some(true));
        assert_eq!(parse(&["--list-drift=false"]), Some(false));
        assert_eq!(parse(&["--list-drift=maybe"]), None);
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
    fn the_watch_scope_of_a_shard_is_checked_at_startup() {
        let config = |extra: &[&str]| {
            let args = ["apimcap", "run"].iter().chain(extra).copied();
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Run(args)) => args.config().map(|c| c.watch),
                other => panic!("parsed as {other:?}"),
            }
        };
        let scope = config(&[
            "--watch-label-selector=sharding.capacity.apim.dev/key in (shard1)",
            "--watch-namespaces=team-b,team-a",
        ])
        .expect("a shard's flags");
        assert_eq!(
            scope.label_selector.as_deref(),
            Some("sharding.capacity.apim.dev/key in (shard1)")
        );
        assert_eq!(scope.namespaces, ["team-a", "team-b"]);
        let error = config(&["--watch-label-selector=key in shard1"]).unwrap_err();
        assert!(error.starts_with("--watch-label-selector"), "{error}");
    }

    #[test]
    fn prices_and_the_durations_configmap_are_checked() {
        let config = |extra: &[&str]| {
            let args = ["apimcap", "run", "--lease-namespace=ops"]
                .iter()
                .chain(extra)
                .copied();
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Run(args)) => args.config(),
                other => panic!("parsed as {other:?}"),
            }
        };
        let defaults = config(&[]).expect("defaults are valid");
        assert_eq!(
            defaults.prices.endpoint.as_str(),
            apim_capacity::cost::DEFAULT_ENDPOINT
        );
        assert_eq!(defaults.prices.currency.as_str(), "USD");
        assert_eq!(defaults.durations_configmap, None);
        let set =
            config(&["--currency=eur", "--durations-configmap=apimcap-durations"]).expect("valid");
        assert_eq!(set.prices.currency.as_str(), "EUR");
        assert_eq!(
            set.durations_configmap,
            Some(("ops".into(), "apimcap-durations".into()))
        );
        let other = config(&["--durations-configmap=team/learned"]).expect("valid");
        assert_eq!(
            other.durations_configmap,
            Some(("team".into(), "learned".into()))
        );
        assert!(config(&["--durations-configmap=Bad_Name"]).is_err());
        assert!(config(&["--prices-endpoint=http://prices.azure.com"]).is_err());
        assert!(config(&["--currency=dollars"]).is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
