//! The bearer token of one ARM client: cached, refreshed when it expires within 5 minutes,
//! and refreshed on demand after a 401.

use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use super::error::AzureError;

/// Tokens are refreshed when they expire within this time.
pub const REFRESH_MARGIN_SECONDS: i64 = 300;

/// A token cache in front of a credential (the `azure_identity` credentials cache too, but
/// a custom credential may not).
#[derive(Debug)]
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    cached: Mutex<Option<AccessToken>>,
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        Self {
            credential,
            scope,
            cached: Mutex::new(None),
        }
    }

    pub(crate) fn credential(&self) -> &Arc<dyn TokenCredential> {
        &self.credential
    }

    /// A token valid for at least 5 more minutes when the credential allows; `refresh`
    /// drops the cached one first (after a 401).
    pub(crate) async fn token(&self, refresh: bool) -> Result<AccessToken, AzureError> {
        let mut cached = self.cached.lock().await;
        if !refresh
            && let Some(token) = cached.as_ref()
            && !needs_refresh(token, OffsetDateTime::now_utc())
        {
            return Ok(token.clone());
        }
        *cached = None;
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(credential_error)?;
        *cached = Some(token.clone());
        Ok(token)
    }
}

/// Whether a token expires within the refresh margin.
pub(crate) fn needs_refresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    token.expires_on <= now + Duration::seconds(REFRESH_MARGIN_SECONDS)
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
        message: super::error::truncate(&error.to_string(), 1024),
        transient: !terminal,
    }
}
