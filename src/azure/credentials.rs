//! Credentials through `azure_identity`: workload identity, managed identity, and a client
//! secret read from a Kubernetes Secret in the resource's own namespace.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use url::Url;

use super::error::AzureError;
use super::token::ArmCredential;

/// Key names accepted in a credentials Secret: the camelCase name first, then the
/// environment-variable name.
pub const TENANT_ID_KEYS: [&str; 2] = ["tenantId", "AZURE_TENANT_ID"];
/// See [`TENANT_ID_KEYS`].
pub const CLIENT_ID_KEYS: [&str; 2] = ["clientId", "AZURE_CLIENT_ID"];
/// See [`TENANT_ID_KEYS`].
pub const CLIENT_SECRET_KEYS: [&str; 2] = ["clientSecret", "AZURE_CLIENT_SECRET"];

/// The operator's own Azure identity, used for resources that name no Secret.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// AKS workload identity. `None` fields come from `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`
    /// and `AZURE_FEDERATED_TOKEN_FILE`; the authority from `AZURE_AUTHORITY_HOST`.
    WorkloadIdentity {
        /// The client id of the federated identity (`AZURE_CLIENT_ID`).
        client_id: Option<String>,
        /// The tenant id (`AZURE_TENANT_ID`).
        tenant_id: Option<String>,
        /// The projected service-account token (`AZURE_FEDERATED_TOKEN_FILE`).
        token_file: Option<PathBuf>,
    },
    /// Managed identity: IMDS, or `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` when set.
    /// `client_id` selects a user-assigned identity.
    ManagedIdentity {
        /// The client id of a user-assigned identity; `None` for the system-assigned one.
        client_id: Option<String>,
    },
    /// A service principal with a client secret given to the operator itself.
    ClientSecret {
        /// The tenant id.
        tenant_id: String,
        /// The client (application) id.
        client_id: String,
        /// The client secret (never printed).
        client_secret: String,
    },
    /// No identity of its own: every resource must name a Secret.
    None,
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WorkloadIdentity {
                client_id,
                tenant_id,
                token_file,
            } => f
                .debug_struct("WorkloadIdentity")
                .field("client_id", client_id)
                .field("tenant_id", tenant_id)
                .field("token_file", token_file)
                .finish(),
            Self::ManagedIdentity { client_id } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .finish(),
            Self::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            Self::None => f.write_str("None"),
        }
    }
}

impl CredentialSource {
    /// The operator's own identity as its environment describes it: a client secret when
    /// `AZURE_CLIENT_SECRET` is set (with `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`), else
    /// [`CredentialSource::from_env`].
    pub fn from_environment() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (
            var("AZURE_TENANT_ID"),
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
        ) {
            (Some(tenant_id), Some(client_id), Some(client_secret)) => Self::ClientSecret {
                tenant_id,
                client_id,
                client_secret,
            },
            _ => Self::from_env(),
        }
    }

    /// Workload identity when `AZURE_FEDERATED_TOKEN_FILE` is set (the AKS webhook sets
    /// it), else managed identity (with `AZURE_CLIENT_ID` as user-assigned id, if set).
    pub fn from_env() -> Self {
        if std::env::var_os("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            Self::WorkloadIdentity {
                client_id: None,
                tenant_id: None,
                token_file: None,
            }
        } else {
            Self::ManagedIdentity {
                client_id: std::env::var("AZURE_CLIENT_ID")
                    .ok()
                    .filter(|s| !s.is_empty()),
            }
        }
    }
}

/// How credentials reach Entra ID.
#[derive(Debug, Clone, Default)]
pub struct CredentialOptions {
    /// The Entra authority host (`https://login.microsoftonline.com`, a sovereign cloud's,
    /// or the simulator's). `None`: `AZURE_AUTHORITY_HOST`, else the public cloud.
    pub authority_host: Option<Url>,
    /// The HTTPS client for token requests, e.g. [`super::ArmClient::http_client`] so the
    /// same CA bundle is trusted. `None`: azure_core's default client.
    pub http_client: Option<reqwest::Client>,
}

impl CredentialOptions {
    fn client_options(&self) -> ClientOptions {
        // azure_core's default transport is a reqwest client, which needs a rustls provider.
        super::tls::install_crypto_provider();
        let mut options = ClientOptions::default();
        if let Some(http) = &self.http_client {
            options.transport = Some(Transport::new(Arc::new(http.clone())));
        }
        if let Some(host) = &self.authority_host {
            let mut custom = CustomConfiguration::default();
            custom.authority_host = host.as_str().trim_end_matches('/').to_string();
            options.cloud = Some(Arc::new(CloudConfiguration::Custom(custom)));
        }
        options
    }
}

fn config_error(what: &str, error: azure_core::Error) -> AzureError {
    AzureError::Config(format!("cannot set up the {what} credential: {error}"))
}

/// Builds the credential of a source (`None` for [`CredentialSource::None`]); the client
/// rebuilds it from the same source after a 401.
pub fn build_credential(
    source: &CredentialSource,
    options: &CredentialOptions,
) -> Result<Option<ArmCredential>, AzureError> {
    if *source == CredentialSource::None {
        return Ok(None);
    }
    let (source, options) = (source.clone(), options.clone());
    ArmCredential::rebuildable(Arc::new(move || source_credential(&source, &options))).map(Some)
}

fn source_credential(
    source: &CredentialSource,
    options: &CredentialOptions,
) -> Result<Arc<dyn TokenCredential>, AzureError> {
    Ok(match source {
        CredentialSource::WorkloadIdentity {
            client_id,
            tenant_id,
            token_file,
        } => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                client_options: options.client_options(),
            },
            client_id: client_id.clone(),
            tenant_id: tenant_id.clone(),
            token_file_path: token_file.clone(),
        }))
        .map_err(|e| config_error("workload identity", e))?,
        CredentialSource::ManagedIdentity { client_id } => {
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                client_options: options.client_options(),
            }))
            .map_err(|e| config_error("managed identity", e))?
        }
        CredentialSource::ClientSecret {
            tenant_id,
            client_id,
            client_secret,
        } => client_secret_credential(tenant_id, client_id, client_secret, options)?,
        CredentialSource::None => {
            return Err(AzureError::Config(
                "no Azure identity is configured".to_string(),
            ));
        }
    })
}

fn client_secret_credential(
    tenant_id: &str,
    client_id: &str,
    client_secret: &str,
    options: &CredentialOptions,
) -> Result<Arc<dyn TokenCredential>, AzureError> {
    let credential = ClientSecretCredential::new(
        tenant_id,
        client_id.to_string(),
        Secret::new(client_secret.to_string()),
        Some(ClientSecretCredentialOptions {
            client_options: options.client_options(),
        }),
    )
    .map_err(|e| config_error("client secret", e))?;
    Ok(credential)
}

/// Tenant id, client id and secret read from a Secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecretParts {
    /// The tenant id.
    pub tenant_id: String,
    /// The client (application) id.
    pub client_id: String,
    /// The client secret (never printed).
    pub client_secret: String,
}

impl fmt::Debug for ClientSecretParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretParts")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ClientSecretParts {
    /// Reads the three values from a Secret's `data`; a missing or empty key is an error
    /// naming the Secret and the key, never a value.
    pub fn from_data(
        namespace: &str,
        name: &str,
        data: Option<&BTreeMap<String, ByteString>>,
    ) -> Result<Self, AzureError> {
        let value = |keys: [&str; 2]| -> Result<String, AzureError> {
            keys.iter()
                .filter_map(|key| data.and_then(|d| d.get(*key)))
                .filter_map(|bytes| std::str::from_utf8(&bytes.0).ok())
                .map(str::trim)
                .find(|text| !text.is_empty())
                .map(str::to_string)
                .ok_or_else(|| AzureError::SecretKeyMissing {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                    key: format!("{} (or {})", keys[0], keys[1]),
                })
        };
        Ok(Self {
            tenant_id: value(TENANT_ID_KEYS)?,
            client_id: value(CLIENT_ID_KEYS)?,
            client_secret: value(CLIENT_SECRET_KEYS)?,
        })
    }
}

/// Reads the Secret `name` in `namespace` (and only there) and builds a client-secret
/// credential from it.
pub async fn credential_from_secret(
    client: kube::Client,
    namespace: &str,
    name: &str,
    options: &CredentialOptions,
) -> Result<Arc<dyn TokenCredential>, AzureError> {
    let (_, parts) = read_secret(client, namespace, name).await?;
    client_secret_credential(
        &parts.tenant_id,
        &parts.client_id,
        &parts.client_secret,
        options,
    )
}

async fn read_secret(
    client: kube::Client,
    namespace: &str,
    name: &str,
) -> Result<(Option<String>, ClientSecretParts), AzureError> {
    let api: kube::Api<KubeSecret> = kube::Api::namespaced(client, namespace);
    let secret = api
        .get_opt(name)
        .await
        .map_err(|e| AzureError::SecretUnreadable {
            namespace: namespace.to_string(),
            name: name.to_string(),
            message: e.to_string(),
        })?
        .ok_or_else(|| AzureError::SecretNotFound {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })?;
    let parts = ClientSecretParts::from_data(namespace, name, secret.data.as_ref())?;
    Ok((secret.metadata.resource_version, parts))
}

type CachedSecretCredential = (Option<String>, ArmCredential);

/// Hands out credentials per resource, reusing them (and so their token caches) while
/// nothing changes.
pub struct CredentialFactory {
    options: CredentialOptions,
    source: CredentialSource,
    /// The operator's own credential, built the first time a resource uses it (`None`
    /// inside: there is none). Nothing is built for operators whose resources all name a
    /// Secret, so their logs show no identity they do not use.
    own: OnceLock<Option<ArmCredential>>,
    by_secret: Mutex<HashMap<(String, String), CachedSecretCredential>>,
}

impl fmt::Debug for CredentialFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialFactory")
            .field("options", &self.options)
            .field("source", &self.source)
            .field("own_built", &self.own.get().is_some())
            .finish_non_exhaustive()
    }
}

impl CredentialFactory {
    /// A factory for this source of the operator's own identity; nothing is built yet.
    pub fn new(source: &CredentialSource, options: CredentialOptions) -> Self {
        Self {
            options,
            source: source.clone(),
            own: OnceLock::new(),
            by_secret: Mutex::new(HashMap::new()),
        }
    }

    /// The operator's own identity (workload identity, managed identity or a client
    /// secret from the environment), built on first use; a failure to build it is not
    /// kept, so the next use tries again.
    pub fn own(&self) -> Result<ArmCredential, AzureError> {
        let own = match self.own.get() {
            Some(own) => own.clone(),
            None => {
                let built = build_credential(&self.source, &self.options)?;
                self.own.get_or_init(|| built).clone()
            }
        };
        own.ok_or_else(|| {
            AzureError::Config(
                "the operator has no Azure identity of its own; name a credentials Secret".into(),
            )
        })
    }

    /// Whether the operator's own identity was built (a resource used it).
    pub fn own_built(&self) -> bool {
        self.own.get().is_some()
    }

    /// The credential of the Secret `name` in `namespace` with these values: the one built
    /// before while its resourceVersion is the same (so its cached token is reused), else a
    /// new one (a rotated Secret never gets the old secret's token).
    pub fn for_secret(
        &self,
        namespace: &str,
        name: &str,
        version: Option<String>,
        parts: ClientSecretParts,
    ) -> Result<ArmCredential, AzureError> {
        let key = (namespace.to_string(), name.to_string());
        let mut cache = self
            .by_secret
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((cached_version, credential)) = cache.get(&key)
            && version.is_some()
            && *cached_version == version
        {
            return Ok(credential.clone());
        }
        let options = self.options.clone();
        let credential = ArmCredential::rebuildable(Arc::new(move || {
            client_secret_credential(
                &parts.tenant_id,
                &parts.client_id,
                &parts.client_secret,
                &options,
            )
        }))?;
        cache.insert(key, (version, credential.clone()));
        Ok(credential)
    }
}
