//! How the operator reaches Azure, as plain settings (the command line fills them), and
//! the one place the ARM client and the credential factory are built from them, for
//! `apimcap run` and `apimcap plan` alike.

use std::path::PathBuf;

use url::Url;

use super::client::ArmClient;
use super::config::{ArmConfig, AzureCloud, CaBundle};
use super::credentials::{CredentialFactory, CredentialOptions, CredentialSource};
use super::error::AzureError;

/// Azure endpoints and identity settings.
#[derive(Debug, Clone)]
pub struct AzureSettings {
    /// The cloud whose endpoints are the defaults.
    pub cloud: AzureCloud,
    /// The ARM base URL, overriding the cloud's (e.g. the simulator's).
    pub arm_endpoint: Option<Url>,
    /// The OAuth scope of ARM tokens; default: the cloud's, or `{arm-endpoint}/.default`.
    pub token_scope: Option<String>,
    /// The Entra ID authority host; default: the cloud's.
    pub authority_host: Option<Url>,
    /// Extra CA certificates (PEM file) to trust for Azure.
    pub ca_bundle: Option<PathBuf>,
    /// The ARM api-version of Microsoft.ApiManagement.
    pub api_version: String,
    /// A floor under Azure's Retry-After when polling operations (default 10 s).
    pub min_retry_after: Option<std::time::Duration>,
}

impl Default for AzureSettings {
    fn default() -> Self {
        AzureSettings {
            cloud: AzureCloud::Public,
            arm_endpoint: None,
            token_scope: None,
            authority_host: None,
            ca_bundle: None,
            api_version: super::DEFAULT_API_VERSION.to_string(),
            min_retry_after: None,
        }
    }
}

impl AzureSettings {
    /// The ARM client configuration.
    pub fn arm_config(&self) -> ArmConfig {
        let mut config = match &self.arm_endpoint {
            Some(url) => ArmConfig::custom(url.clone(), ArmConfig::scope_for(url)),
            None => ArmConfig::for_cloud(self.cloud),
        };
        if let Some(scope) = &self.token_scope {
            config.token_scope = scope.clone();
        }
        config.api_version = self.api_version.clone();
        config.ca_bundle = self.ca_bundle.clone().map(CaBundle::File);
        if let Some(min) = self.min_retry_after {
            config.retry_after.min = min;
        }
        config
    }

    /// The Entra authority host: the one given, else the cloud's, so a sovereign cloud's
    /// secrets never go to the public cloud's authority.
    pub fn authority_host(&self) -> Url {
        self.authority_host.clone().unwrap_or_else(|| {
            Url::parse(self.cloud.authority_host())
                .unwrap_or_else(|_| unreachable!("the built-in authority hosts are valid URLs"))
        })
    }
}

/// The ARM client (without a credential of its own) and the factory of per-resource
/// credentials, both trusting the configured CA bundle.
pub fn connect(
    settings: &AzureSettings,
    source: &CredentialSource,
) -> Result<(ArmClient, CredentialFactory), AzureError> {
    let arm = ArmClient::unauthenticated(settings.arm_config())?;
    let credentials = CredentialFactory::new(
        source,
        CredentialOptions {
            authority_host: Some(settings.authority_host()),
            http_client: Some(arm.http_client().clone()),
        },
    );
    Ok((arm, credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_defaults_its_own_authority() {
        for (cloud, host) in [
            (AzureCloud::Public, "login.microsoftonline.com"),
            (AzureCloud::China, "login.chinacloudapi.cn"),
            (AzureCloud::UsGovernment, "login.microsoftonline.us"),
        ] {
            let settings = AzureSettings {
                cloud,
                ..AzureSettings::default()
            };
            assert_eq!(settings.authority_host().host_str(), Some(host));
        }
    }

    #[test]
    fn an_explicit_authority_wins() {
        let settings = AzureSettings {
            cloud: AzureCloud::China,
            authority_host: Url::parse("https://127.0.0.1:8443").ok(),
            ..AzureSettings::default()
        };
        assert_eq!(settings.authority_host().host_str(), Some("127.0.0.1"));
    }
}
