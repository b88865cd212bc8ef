//! `apimcap sim`: the command-line face of the simulator.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::ArgAction;

use crate::config::{
    AsyncHeader, DuringOperation, ErrorSpec, FailedState, LocationFinal, ScaleInScope, SimConfig,
    SubnetFull,
};
use crate::error::SimError;
use crate::seed::Seed;
use crate::tiers::UnitLimits;
use crate::{start, validate};

/// Options of `apimcap sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (HTTPS).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Services, resource groups and principals to start with (YAML or JSON).
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Write the PEM of the simulator's CA here; clients must trust it.
    #[arg(long)]
    pub ca_cert_out: Option<PathBuf>,
    /// Accepted api-versions, comma-separated (default: 2024-05-01 and the ones before it).
    #[arg(long, value_delimiter = ',')]
    pub api_versions: Option<Vec<String>>,
    /// Unit limit overrides, e.g. `Premium=40,PremiumV2=35`.
    #[arg(long, default_value = "")]
    pub unit_limits: String,
    /// Require units per region to divide evenly across pinned availability zones.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub zone_divisibility: bool,
    /// `Retry-After` seconds on 202 answers and running polls.
    #[arg(long, default_value_t = 60)]
    pub retry_after: u64,
    /// `Retry-After` on 202 answers and running polls, verbatim (`1e20`, an HTTP date...),
    /// instead of --retry-after; for testing clients against absurd values.
    #[arg(long)]
    pub retry_after_text: Option<String>,
    /// Whether 202 answers carry `Azure-AsyncOperation`, and which URL (default: the status
    /// URL under the service, as Azure answers since May 2025).
    #[arg(long, value_enum, default_value_t = AsyncHeader::Service)]
    pub async_operation: AsyncHeader,
    /// Which units Azure's scale-in guardrail counts (more than 15 units: at most 25 % in one
    /// operation): the service's total, each region's, both, or none.
    #[arg(long, value_enum, default_value_t = ScaleInScope::Service)]
    pub scale_in_scope: ScaleInScope,
    /// Error code of the guardrail's 400.
    #[arg(long, default_value = crate::config::DEFAULT_SCALE_IN_CODE)]
    pub scale_in_code: String,
    /// Regions where the subscription is not enabled for availability zones, comma-separated:
    /// pinning zones there is refused with 400 `NotSupported`.
    #[arg(long, value_delimiter = ',')]
    pub zones_not_enabled: Vec<String>,
    /// How a scale-up the subnet of a VNet-injected region cannot hold is refused.
    #[arg(long, value_enum, default_value_t = SubnetFull::FailOperation)]
    pub subnet_full: SubnetFull,
    /// What `sku`/`additionalLocations` read while an operation runs.
    #[arg(long, value_enum, default_value_t = DuringOperation::Old)]
    pub during_operation: DuringOperation,
    /// The `Location` URL's answer once the operation succeeded.
    #[arg(long, value_enum, default_value_t = LocationFinal::Resource)]
    pub location_final: LocationFinal,
    /// `provisioningState` after a failed operation.
    #[arg(long, value_enum, default_value_t = FailedState::Succeeded)]
    pub failed_state: FailedState,
    /// Multiplies operation durations (0.005 makes a 30-minute scale take 9 s).
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// The minute of the day (0–1439, e.g. 480 for 08:00) the load curves start at; the
    /// wall clock's minute when unset. Curves then run 1/--time-scale times as fast.
    #[arg(long)]
    pub load_day_start: Option<f64>,
    /// Autoscale settings per page of a listing; more pages are linked with `nextLink`.
    #[arg(long, default_value_t = 50)]
    pub autoscale_settings_page_size: usize,
    /// Services per page of a subscription's listing; more pages are linked with `nextLink`.
    #[arg(long, default_value_t = 100)]
    pub list_page_size: usize,
    /// Hand out the listing's `nextLink` on this origin (e.g. `https://127.0.0.1:1`) instead
    /// of the simulator's: a client must refuse to follow it (a negative test).
    #[arg(long, value_name = "ORIGIN")]
    pub list_next_link: Option<String>,
    /// Every operation takes exactly this many seconds (overrides --time-scale).
    #[arg(long)]
    pub operation_seconds: Option<f64>,
    /// HTTP status of the refusal of a change while another operation runs.
    #[arg(long, default_value_t = 409)]
    pub busy_status: u16,
    /// Error code of that refusal.
    #[arg(long, default_value = "Conflict")]
    pub busy_code: String,
    /// Error message of that refusal (`{name}` is replaced by the service name).
    #[arg(long)]
    pub busy_message: Option<String>,
    /// `Retry-After` of that refusal, verbatim (none by default).
    #[arg(long)]
    pub busy_retry_after: Option<String>,
    /// Turn ARM throttling off.
    #[arg(long)]
    pub no_throttle: bool,
    #[arg(long, default_value_t = 250.0)]
    pub read_burst: f64,
    #[arg(long, default_value_t = 25.0)]
    pub reads_per_second: f64,
    #[arg(long, default_value_t = 200.0)]
    pub write_burst: f64,
    #[arg(long, default_value_t = 10.0)]
    pub writes_per_second: f64,
    /// Accept ARM calls without a bearer token (simple demos).
    #[arg(long)]
    pub no_auth: bool,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime: u64,
    /// Client assertions must equal this file's content (e.g. a projected token).
    #[arg(long)]
    pub assertion_file: Option<PathBuf>,
    /// Fraction of ARM requests answered with a 5xx.
    #[arg(long, default_value_t = 0.0)]
    pub server_error_rate: f64,
    /// Fraction of ARM requests answered with a 429.
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rate: f64,
}

impl SimArgs {
    /// The configuration these options describe; refuses non-finite, negative and absurd
    /// numbers with an error that names the flag.
    pub fn to_config(&self) -> Result<SimConfig, SimError> {
        let mut config = SimConfig {
            listen: self.listen,
            ..SimConfig::default()
        };
        if let Some(path) = &self.seed {
            config.seed = Seed::load(path)?;
        }
        if let Some(versions) = &self.api_versions {
            config.api_versions = versions.iter().map(|v| v.trim().to_string()).collect();
        }
        config.limits = UnitLimits::default()
            .with_overrides(&self.unit_limits)
            .map_err(|e| SimError::Config(e.to_string()))?;
        config.zone_divisibility = self.zone_divisibility;
        config.retry_after = self.retry_after;
        config.retry_after_text = self.retry_after_text.clone();
        config.async_header = self.async_operation;
        config.scale_in = self.scale_in_scope;
        config.scale_in_code = self.scale_in_code.trim().to_string();
        config.zones_not_enabled = self
            .zones_not_enabled
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        config.subnet_full = self.subnet_full;
        config.during_operation = self.during_operation;
        config.location_final = self.location_final;
        config.failed_state = self.failed_state;
        config.time_scale = self.time_scale;
        config.load_day_start = self.load_day_start;
        config.autoscale_settings_page_size = self.autoscale_settings_page_size;
        config.list_page_size = self.list_page_size;
        config.list_next_link = self.list_next_link.clone();
        if let Some(seconds) = self.operation_seconds {
            let duration = validate::operation_seconds(seconds)
                .map_err(|e| SimError::Config(format!("--operation-seconds: {e}")))?;
            config.operation_duration = Some(duration);
        }
        config.busy = ErrorSpec {
            status: self.busy_status,
            code: self.busy_code.clone(),
            message: self.busy_message.clone().unwrap_or(config.busy.message),
        };
        config.busy_retry_after = self.busy_retry_after.clone();
        config.throttle.enabled = !self.no_throttle;
        config.throttle.read_burst = self.read_burst;
        config.throttle.reads_per_second = self.reads_per_second;
        config.throttle.write_burst = self.write_burst;
        config.throttle.writes_per_second = self.writes_per_second;
        config.auth.enabled = !self.no_auth;
        config.auth.token_lifetime = Duration::from_secs(self.token_lifetime);
        config.auth.assertion_file = self.assertion_file.clone();
        config.faults.server_error_rate = self.server_error_rate;
        config.faults.throttle_rate = self.throttle_rate;
        config.validate()?;
        Ok(config)
    }
}

/// Runs the simulator until Ctrl-C.
pub async fn run(args: SimArgs) -> Result<(), SimError> {
    let config = args.to_config()?;
    let handle = start(config).await?;
    if let Some(path) = &args.ca_cert_out {
        std::fs::write(path, handle.ca_pem()).map_err(|source| SimError::Write {
            path: path.clone(),
            source,
        })?;
    }
    println!(
        "apimcap sim listening on {} (admin: {})",
        handle.base_url(),
        handle.admin_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(())
}
