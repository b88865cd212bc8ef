//! The bearer token of one ARM client: cached, refreshed when it expires within 5 minutes,
//! and refreshed on demand after a 401.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use super::error::AzureError;

/// Tokens are refreshed when they expire within this time.
pub const REFRESH_MARGIN_SECONDS: i64 = 300;

/// Builds a fresh instance of a credential.
pub type Rebuild = Arc<dyn Fn() -> Result<Arc<dyn TokenCredential>, AzureError> + Send + Sync>;

/// The credential of an ARM client and, when known, how to build a fresh instance of it.
/// After a 401 the client rebuilds it: the token cache inside `azure_identity` credentials
/// cannot be bypassed otherwise, and it would hand out the refused token again. Clones
/// share the current instance, so a rebuild is seen by every client that holds a clone.
#[derive(Clone)]
pub struct ArmCredential {
    current: Arc<std::sync::RwLock<Arc<dyn TokenCredential>>>,
    rebuild: Option<Rebuild>,
}

impl fmt::Debug for ArmCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmCredential")
            .field("credential", &self.credential())
            .field("rebuildable", &self.rebuild.is_some())
            .finish()
    }
}

impl ArmCredential {
    /// A credential that is only asked again after a 401.
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            current: Arc::new(std::sync::RwLock::new(credential)),
            rebuild: None,
        }
    }

    /// A credential built by `rebuild`, which is called again after a 401.
    pub fn rebuildable(rebuild: Rebuild) -> Result<Self, AzureError> {
        Ok(Self {
            current: Arc::new(std::sync::RwLock::new(rebuild()?)),
            rebuild: Some(rebuild),
        })
    }

    /// The current credential.
    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the current credential with a fresh one (for every clone) when it can be
    /// rebuilt; returns the credential to use.
    fn renew(&self) -> Result<Arc<dyn TokenCredential>, AzureError> {
        let Some(rebuild) = &self.rebuild else {
            return Ok(self.credential());
        };
        let fresh = rebuild()?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }
}

impl From<Arc<dyn TokenCredential>> for ArmCredential {
    fn from(credential: Arc<dyn TokenCredential>) -> Self {
        Self::new(credential)
    }
}

#[derive(Debug)]
struct CacheState {
    token: Option<AccessToken>,
}

/// A token cache in front of a credential (the `azure_identity` credentials cache too, but
/// a custom credential may not).
pub(crate) struct TokenCache {
    credential: ArmCredential,
    scope: String,
    state: Mutex<CacheState>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(credential: ArmCredential, scope: String) -> Self {
        Self {
            credential,
            scope,
            state: Mutex::new(CacheState { token: None }),
        }
    }

    /// A token valid for at least 5 more minutes when the credential allows; `refresh`
    /// drops the cached one first and rebuilds the credential when it can (after a 401).
    pub(crate) async fn token(&self, refresh: bool) -> Result<AccessToken, AzureError> {
        let mut state = self.state.lock().await;
        if !refresh
            && let Some(token) = state.token.as_ref()
            && !needs_refresh(token, OffsetDateTime::now_utc())
        {
            return Ok(token.clone());
        }
        state.token = None;
        let credential = if refresh {
            self.credential.renew()?
        } else {
            self.credential.credential()
        };
        let token = credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(credential_error)?;
        state.token = Some(token.clone());
        Ok(token)
    }
}

/// Whether a token expires within the refresh margin (checked: a `now` at the end of time
/// refreshes rather than overflows).
pub(crate) fn needs_refresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    now.checked_add(Duration::seconds(REFRESH_MARGIN_SECONDS))
        .is_none_or(|limit| token.expires_on <= limit)
}

/// Maps a credential error: a 4xx from the token endpoint (bad secret, unknown client or
/// tenant) is terminal; network errors, 408, 429 and 5xx are transient.
pub(crate) fn credential_error(error: azure_core::Error) -> AzureError {
    let mut terminal = false;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = current {
        if let Some(status) = e
            .downcast_ref::<azure_core::Error>()
            .and_then(azure_core::Error::http_status)
        {
            let code = u16::from(status);
            terminal = (400..500).contains(&code) && code != 408 && code != 429;
            break;
        }
        current = e.source();
    }
    AzureError::Credential {
        message: super::envelope::truncate(&error.to_string(), 1024),
        transient: !terminal,
    }
}
