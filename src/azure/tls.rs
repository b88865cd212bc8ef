//! The HTTPS client shared by ARM calls and the credentials: rustls with the ring provider,
//! the platform's roots (through reqwest's rustls-platform-verifier) plus an optional CA
//! bundle, and request timeouts.

use std::time::Duration;

use super::config::{ArmConfig, CaBundle};
use super::error::AzureError;

/// Installs ring as the process-wide rustls crypto provider, unless one is installed.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another thread installing a provider is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Reads the certificates of a CA bundle.
pub fn load_ca_bundle(bundle: &CaBundle) -> Result<Vec<reqwest::Certificate>, AzureError> {
    let (pem, origin) = match bundle {
        CaBundle::File(path) => (
            std::fs::read(path).map_err(|e| {
                AzureError::Config(format!("cannot read CA bundle {}: {e}", path.display()))
            })?,
            path.display().to_string(),
        ),
        CaBundle::Pem(text) => (text.as_bytes().to_vec(), "PEM text".to_string()),
    };
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| AzureError::Config(format!("CA bundle {origin} is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(AzureError::Config(format!(
            "CA bundle {origin} holds no certificate"
        )));
    }
    Ok(certs)
}

/// TLS trust and timeouts of an HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClientSettings {
    /// Extra trusted CA certificates.
    pub ca_bundle: Option<CaBundle>,
    /// Whether the platform's roots are trusted too.
    pub use_system_roots: bool,
    /// Limit of one request.
    pub request_timeout: Duration,
    /// Limit to connect.
    pub connect_timeout: Duration,
}

impl From<&ArmConfig> for HttpClientSettings {
    fn from(config: &ArmConfig) -> Self {
        Self {
            ca_bundle: config.ca_bundle.clone(),
            use_system_roots: config.use_system_roots,
            request_timeout: config.request_timeout,
            connect_timeout: config.connect_timeout,
        }
    }
}

/// Builds a reqwest client: HTTPS through rustls (ring), the platform's roots unless
/// disabled, the CA bundle in addition, and the timeouts.
pub fn build_http_client(settings: &HttpClientSettings) -> Result<reqwest::Client, AzureError> {
    install_crypto_provider();
    let extra = match &settings.ca_bundle {
        Some(bundle) => load_ca_bundle(bundle)?,
        None => Vec::new(),
    };
    if !settings.use_system_roots && extra.is_empty() {
        return Err(AzureError::Config(
            "system roots are disabled and no CA bundle is given: nothing would be trusted".into(),
        ));
    }
    let builder = reqwest::Client::builder()
        .user_agent(concat!(
            "apim-capacity-operator/",
            env!("CARGO_PKG_VERSION")
        ))
        .timeout(settings.request_timeout)
        .connect_timeout(settings.connect_timeout)
        .redirect(reqwest::redirect::Policy::none());
    let builder = if settings.use_system_roots {
        builder.tls_certs_merge(extra)
    } else {
        builder.tls_certs_only(extra)
    };
    builder
        .build()
        .map_err(|e| AzureError::Config(format!("cannot build the HTTPS client: {e}")))
}
