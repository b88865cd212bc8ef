//! Configuration of the ARM client: endpoint and scope per cloud, api-version, CA bundle,
//! timeouts, retries, Retry-After bounds and client-side rate limits.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::error::AzureError;
use super::ratelimit::RateLimitConfig;
use super::retry::{RetryAfterBounds, RetryConfig};

/// The api-version used by default; v2 tiers need 2023-03-01-preview or later.
pub const DEFAULT_API_VERSION: &str = "2024-05-01";

/// An Azure cloud with its ARM endpoint, token scope and Entra authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzureCloud {
    /// Azure public cloud.
    Public,
    /// Azure operated by 21Vianet (China).
    China,
    /// Azure US Government.
    UsGovernment,
}

impl AzureCloud {
    /// The ARM endpoint.
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Self::Public => "https://management.azure.com",
            Self::China => "https://management.chinacloudapi.cn",
            Self::UsGovernment => "https://management.usgovcloudapi.net",
        }
    }

    /// The token scope for ARM.
    pub fn arm_scope(self) -> &'static str {
        match self {
            Self::Public => "https://management.azure.com/.default",
            Self::China => "https://management.chinacloudapi.cn/.default",
            Self::UsGovernment => "https://management.usgovcloudapi.net/.default",
        }
    }

    /// The Entra ID authority host.
    pub fn authority_host(self) -> &'static str {
        match self {
            Self::Public => "https://login.microsoftonline.com",
            Self::China => "https://login.chinacloudapi.cn",
            Self::UsGovernment => "https://login.microsoftonline.us",
        }
    }
}

/// Where extra trusted CA certificates come from, in addition to the system roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaBundle {
    /// A PEM file (e.g. a mounted ConfigMap).
    File(PathBuf),
    /// PEM text (e.g. the simulator's CA).
    Pem(String),
}

/// How the ARM client talks to Azure.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// The ARM endpoint, e.g. `https://management.azure.com` or the simulator's URL.
    pub base_url: Url,
    /// The token scope matching the endpoint, e.g. `https://management.azure.com/.default`.
    pub token_scope: String,
    /// The api-version query parameter.
    pub api_version: String,
    /// Extra CA certificates trusted in addition to the system roots.
    pub ca_bundle: Option<CaBundle>,
    /// Whether the system's root certificates are trusted (true except in tests).
    pub use_system_roots: bool,
    /// Time limit of one HTTP request, connection included.
    pub request_timeout: Duration,
    /// Time limit to open a connection.
    pub connect_timeout: Duration,
    /// Retries of throttled, failed and unreachable calls.
    pub retry: RetryConfig,
    /// Bounds of the wait between operation polls.
    pub retry_after: RetryAfterBounds,
    /// Client-side request rates per subscription.
    pub rate_limit: RateLimitConfig,
}

impl ArmConfig {
    /// The defaults for a cloud.
    pub fn for_cloud(cloud: AzureCloud) -> Self {
        let base_url = Url::parse(cloud.arm_endpoint())
            .unwrap_or_else(|_| unreachable!("the built-in ARM endpoints are valid URLs"));
        Self::custom(base_url, cloud.arm_scope())
    }

    /// Defaults for any endpoint (a sovereign cloud, a proxy, or the simulator).
    pub fn custom(base_url: Url, token_scope: impl Into<String>) -> Self {
        Self {
            base_url,
            token_scope: token_scope.into(),
            api_version: DEFAULT_API_VERSION.to_string(),
            ca_bundle: None,
            use_system_roots: true,
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryConfig::default(),
            retry_after: RetryAfterBounds::default(),
            rate_limit: RateLimitConfig::default(),
        }
    }

    /// The scope for an endpoint: `{scheme}://{host}/.default`.
    pub fn scope_for(base_url: &Url) -> String {
        format!("{}/.default", base_url.origin().ascii_serialization())
    }

    pub(crate) fn validate(&self) -> Result<(), AzureError> {
        let bad = |m: String| Err(AzureError::Config(m));
        if !matches!(self.base_url.scheme(), "https" | "http") || self.base_url.host().is_none() {
            return bad(format!(
                "the ARM endpoint {} is not an http(s) URL",
                self.base_url
            ));
        }
        if self.base_url.scheme() == "http" && !is_loopback(&self.base_url) {
            return bad(format!(
                "the ARM endpoint {} uses http: tokens would travel in clear text; use https \
                 (http is accepted only on loopback, for tests)",
                self.base_url
            ));
        }
        if self.token_scope.trim().is_empty() {
            return bad("the token scope is empty".into());
        }
        if self.api_version.trim().is_empty() {
            return bad("the api-version is empty".into());
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return bad("timeouts must be longer than zero".into());
        }
        self.rate_limit.validate().or_else(bad)
    }
}

/// Whether a URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
