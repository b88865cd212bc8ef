//! Every switch of the simulator. Facts ARM-NOTES.md marks as unverified are switches here,
//! so the operator can be tested against each possible behaviour of Azure.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::seed::Seed;
use crate::tiers::UnitLimits;

/// Which headers a 202 answer to a PATCH or PUT carries besides `Location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AsyncHeader {
    /// `Azure-AsyncOperation` pointing at the status URL under the service,
    /// `.../service/{name}/tenant/operationResults/{id}`, which answers `{"status": ...}`:
    /// what every api-version answers since May 2025 (Azure's changelog).
    #[default]
    Service,
    /// `Location` only, as recorded from the live service before May 2025.
    None,
    /// `Azure-AsyncOperation` pointing at the subscription-scoped `operationStatuses` URL,
    /// which answers `{"status": ...}`.
    Separate,
    /// `Azure-AsyncOperation` with the same URL as `Location` (as in the 2024-05-01 examples);
    /// that URL keeps the `Location` semantics (202 empty, then 200 with the resource).
    SameAsLocation,
}

/// Which reading of Azure's scale-in guardrail (changelog, June 2026) the simulator enforces:
/// a service with more than 15 units may not scale in by more than 25 % in one operation.
/// Whether "units" are a region's or the whole service's is undocumented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleInScope {
    /// The service's total units (every region together); removing a region counts.
    #[default]
    Service,
    /// Each region's units, on their own.
    Region,
    /// Both readings at once.
    Both,
    /// No guardrail (Azure before June 2026).
    Off,
}

/// When Azure refuses a scale-up that the subnet of a VNet-injected region cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubnetFull {
    /// The PATCH is accepted and the operation fails at its end (`SubnetIsFull`), as users
    /// report: the worst case, a refusal after the whole wait.
    #[default]
    FailOperation,
    /// The PATCH is refused at once with 400 `SubnetIsFull`.
    Refuse,
    /// Not checked.
    Off,
}

/// What GET shows for `sku` and `additionalLocations` while an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DuringOperation {
    /// The values before the operation (what the recordings show).
    #[default]
    Old,
    /// The values being applied.
    New,
}

/// The final answer of the `Location` URL once the operation succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationFinal {
    /// 200 with the resource.
    #[default]
    Resource,
    /// 200 with an empty body.
    Empty,
    /// 204 No Content.
    NoContent,
}

/// The `provisioningState` a service shows after a failed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedState {
    #[default]
    Succeeded,
    Failed,
}

/// An ARM error the simulator answers with: HTTP status, code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorSpec {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// Durations of Azure operations, before the time scale is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationDurations {
    /// Units change only.
    pub scale: Duration,
    /// The tier changes.
    pub tier_change: Duration,
    /// Regions are added or removed.
    pub regions: Duration,
    /// Only availability zones change.
    pub zones: Duration,
    /// Anything else (publisher details, tags, ...).
    pub update: Duration,
    /// A PUT that creates a service.
    pub create: Duration,
}

impl Default for OperationDurations {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        OperationDurations {
            scale: minutes(30),
            tier_change: minutes(45),
            regions: minutes(45),
            zones: minutes(45),
            update: minutes(5),
            create: minutes(46),
        }
    }
}

/// Token buckets per subscription and principal (ARM-NOTES §4).
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleConfig {
    pub enabled: bool,
    pub read_burst: f64,
    pub reads_per_second: f64,
    pub write_burst: f64,
    pub writes_per_second: f64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            enabled: true,
            read_burst: 250.0,
            reads_per_second: 25.0,
            write_burst: 200.0,
            writes_per_second: 10.0,
        }
    }
}

/// Entra ID and managed identity behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthConfig {
    /// When false, ARM calls need no bearer token (simple demos).
    pub enabled: bool,
    /// Lifetime of issued tokens.
    pub token_lifetime: Duration,
    /// When set, a client assertion must equal this file's content (trimmed); otherwise any
    /// JWT-shaped assertion is accepted for a registered client id.
    pub assertion_file: Option<PathBuf>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            enabled: true,
            token_lifetime: Duration::from_secs(3600),
            assertion_file: None,
        }
    }
}

/// Faults active from the start (the admin endpoint adds more at run time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultConfig {
    /// Fraction (0..=1) of ARM requests answered 500/503.
    pub server_error_rate: f64,
    /// Fraction (0..=1) of ARM requests answered 429.
    pub throttle_rate: f64,
}

/// Everything the simulator can be told. `Default` is a faithful Azure with no services.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Services, resource groups and principals.
    pub seed: Seed,
    /// Accepted `api-version`s for Microsoft.ApiManagement.
    pub api_versions: Vec<String>,
    /// Accepted `api-version`s for microsoft.insights/metrics.
    pub metrics_api_versions: Vec<String>,
    /// Maximum units per region and tier.
    pub limits: UnitLimits,
    /// Enforce that units per region divide evenly across pinned zones.
    pub zone_divisibility: bool,
    /// The scale-in guardrail's reading (`--scale-in-scope`).
    pub scale_in: ScaleInScope,
    /// The error code of the guardrail's 400 (`--scale-in-code`; undocumented).
    pub scale_in_code: String,
    /// Regions (names or display names) where the subscription is not enabled for
    /// availability zones: pinning zones there is refused with 400 `NotSupported`.
    pub zones_not_enabled: Vec<String>,
    /// How a scale-up the subnet cannot hold is refused.
    pub subnet_full: SubnetFull,
    /// Accepted `api-version`s for Microsoft.Network subnets.
    pub network_api_versions: Vec<String>,
    /// `Retry-After` seconds on 202 answers and running polls.
    pub retry_after: u64,
    /// When set, the `Retry-After` of 202 answers and running polls verbatim instead of
    /// `retry_after` (`1e20`, an HTTP date...), to test clients against absurd values.
    pub retry_after_text: Option<String>,
    pub async_header: AsyncHeader,
    pub during_operation: DuringOperation,
    pub location_final: LocationFinal,
    pub failed_state: FailedState,
    pub durations: OperationDurations,
    /// Multiplies every operation duration (0.005 makes 30 minutes take 9 s).
    pub time_scale: f64,
    /// When set, every operation takes exactly this long (the time scale is not applied).
    pub operation_duration: Option<Duration>,
    /// The answer to a change while another operation runs on the service.
    pub busy: ErrorSpec,
    /// The `Retry-After` of that answer, verbatim (none by default).
    pub busy_retry_after: Option<String>,
    pub throttle: ThrottleConfig,
    pub auth: AuthConfig,
    pub faults: FaultConfig,
    /// The minute of the day (0–1440) load curves start at; the wall clock's when unset.
    pub load_day_start: Option<f64>,
    /// Autoscale settings per page of a listing (`nextLink` beyond).
    pub autoscale_settings_page_size: usize,
    /// Accepted `api-version`s for Microsoft.Insights/autoscaleSettings.
    pub autoscale_settings_api_versions: Vec<String>,
    /// Services per page of a subscription's listing (`nextLink` beyond).
    pub list_page_size: usize,
    /// When set, the listing's `nextLink` points at this origin (`https://host:port`)
    /// instead of the simulator's own: a client must refuse to follow it.
    pub list_next_link: Option<String>,
    /// Oldest entries are dropped beyond this many logged requests.
    pub request_log_capacity: usize,
}

/// api-versions of Microsoft.ApiManagement/service accepted by default.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "2024-05-01",
    "2024-06-01-preview",
    "2023-09-01-preview",
    "2023-05-01-preview",
    "2023-03-01-preview",
    "2022-08-01",
    "2021-08-01",
];

/// api-versions of Microsoft.Network/virtualNetworks/subnets accepted by default.
pub const NETWORK_API_VERSIONS: &[&str] = &[
    "2024-05-01",
    "2024-03-01",
    "2024-01-01",
    "2023-11-01",
    "2023-09-01",
    "2023-06-01",
    "2023-04-01",
];

/// The error code of the scale-in guardrail's 400 by default (Azure has not documented it).
pub const DEFAULT_SCALE_IN_CODE: &str = "InvalidParameters";

/// The oldest api-version that knows the v2 tiers.
pub const V2_MIN_API_VERSION: &str = "2023-03-01-preview";

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::default(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|v| v.to_string()).collect(),
            metrics_api_versions: ["2023-10-01", "2021-05-01", "2019-07-01", "2018-01-01"]
                .iter()
                .map(|v| v.to_string())
                .collect(),
            limits: UnitLimits::default(),
            zone_divisibility: true,
            scale_in: ScaleInScope::default(),
            scale_in_code: DEFAULT_SCALE_IN_CODE.to_string(),
            zones_not_enabled: Vec::new(),
            subnet_full: SubnetFull::default(),
            network_api_versions: NETWORK_API_VERSIONS.iter().map(|v| v.to_string()).collect(),
            retry_after: 60,
            retry_after_text: None,
            async_header: AsyncHeader::default(),
            during_operation: DuringOperation::default(),
            location_final: LocationFinal::default(),
            failed_state: FailedState::default(),
            durations: OperationDurations::default(),
            time_scale: 1.0,
            operation_duration: None,
            busy: ErrorSpec {
                status: 409,
                code: "Conflict".to_string(),
                message: "The API Management service '{name}' is busy: another operation is in \
                          progress on it. Retry when it has completed."
                    .to_string(),
            },
            busy_retry_after: None,
            throttle: ThrottleConfig::default(),
            auth: AuthConfig::default(),
            faults: FaultConfig::default(),
            load_day_start: None,
            autoscale_settings_page_size: 50,
            autoscale_settings_api_versions: ["2022-10-01", "2021-05-01-preview", "2015-04-01"]
                .iter()
                .map(|v| v.to_string())
                .collect(),
            request_log_capacity: 10_000,
            list_page_size: 100,
            list_next_link: None,
        }
    }
}

impl SimConfig {
    /// The `Retry-After` of 202 answers and running polls.
    pub fn retry_after_header(&self) -> String {
        self.retry_after_text
            .clone()
            .unwrap_or_else(|| self.retry_after.to_string())
    }

    /// How long an operation of `base` nominal length takes in this simulator (saturating:
    /// [`SimConfig::validate`] refuses time scales that would overflow).
    pub fn scaled(&self, base: Duration) -> Duration {
        match self.operation_duration {
            Some(fixed) => fixed,
            None => Duration::try_from_secs_f64(self.time_scale.max(0.0) * base.as_secs_f64())
                .unwrap_or(Duration::MAX),
        }
    }
}
