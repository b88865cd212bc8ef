//! Entra ID token endpoint, managed identity endpoints (IMDS and App Service), bearer token
//! checks on ARM calls, and role assignments from the seed.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use serde_json::json;

use crate::config::AuthConfig;
use crate::reply::ArmError;
use crate::seed::{Access, Seed, SeedPrincipal};

/// A token the simulator issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub client_id: String,
    /// Unix seconds.
    pub expires_on: i64,
}

/// Who made an ARM call.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub object_id: String,
    /// `None` means full access.
    pub roles: Option<Vec<crate::seed::SeedRole>>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller {
            client_id: "anonymous".to_string(),
            object_id: "00000000-0000-0000-0000-000000000000".to_string(),
            roles: None,
        }
    }

    /// 403 `AuthorizationFailed` unless a role grants `access` at a prefix of `scope`.
    pub fn authorize(&self, scope: &str, access: Access, action: &str) -> Result<(), ArmError> {
        let Some(roles) = &self.roles else {
            return Ok(());
        };
        let scope_lower = scope.to_lowercase();
        let granted = roles.iter().any(|role| {
            let prefix = role.scope.trim_end_matches('/').to_lowercase();
            role.access >= access
                && (scope_lower == prefix || scope_lower.starts_with(&format!("{prefix}/")))
        });
        if granted {
            return Ok(());
        }
        Err(ArmError::new(
            403,
            "AuthorizationFailed",
            format!(
                "The client '{}' with object id '{}' does not have authorization to perform \
                 action '{action}' over scope '{scope}' or the scope is invalid. If access was \
                 recently granted, please refresh your credentials.",
                self.client_id, self.object_id
            ),
        ))
    }
}

#[derive(Debug)]
pub struct AuthState {
    pub principals: Vec<SeedPrincipal>,
    pub identity_header: String,
    pub tokens: HashMap<String, Issued>,
}

pub(super) fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl AuthState {
    /// Gives the service principal `client_id` a new client secret, as when an app's old
    /// secret is deleted after a rotation: the old one is refused from now on, tokens
    /// already issued stay valid until they expire (as in Entra ID). False: no such principal.
    pub fn rotate_secret(&mut self, client_id: &str, secret: String) -> bool {
        let principal = self.principals.iter_mut().find(|p| {
            p.kind == crate::seed::PrincipalKind::ServicePrincipal && p.client_id == client_id
        });
        match principal {
            Some(principal) => {
                principal.client_secret = Some(secret);
                true
            }
            None => false,
        }
    }

    pub fn new(seed: &Seed) -> Self {
        AuthState {
            principals: seed.principals.clone(),
            identity_header: seed.identity_header.clone(),
            tokens: HashMap::new(),
        }
    }

    pub(super) fn issue(
        &mut self,
        principal: &SeedPrincipal,
        audience: &str,
        lifetime: Duration,
    ) -> (String, i64) {
        let now = now_unix();
        let lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        let expires_on = now.saturating_add(lifetime);
        let header = b64(br#"{"typ":"JWT","alg":"none","kid":"apimcap-sim"}"#);
        let claims = json!({
            "aud": audience, "iss": format!("https://sts.windows.net/{}/", principal.tenant),
            "iat": now, "nbf": now, "exp": expires_on, "appid": principal.client_id,
            "oid": principal.object_id(), "tid": principal.tenant, "jti": uuid::Uuid::new_v4().to_string(),
        });
        let signature = b64(uuid::Uuid::new_v4().as_bytes());
        let token = format!(
            "{header}.{}.{signature}",
            b64(claims.to_string().as_bytes())
        );
        self.tokens.insert(
            token.clone(),
            Issued {
                client_id: principal.client_id.clone(),
                expires_on,
            },
        );
        (token, expires_on)
    }

    /// Marks every issued token expired (admin).
    pub fn expire_all(&mut self) {
        let past = now_unix() - 1;
        for token in self.tokens.values_mut() {
            token.expires_on = past;
        }
    }

    /// Checks the bearer token of an ARM call.
    pub fn check_bearer(
        &self,
        config: &AuthConfig,
        authorization: Option<&str>,
        base: &str,
    ) -> Result<Caller, ArmError> {
        if !config.enabled {
            return Ok(Caller::anonymous());
        }
        let challenge = |error: &str| {
            format!(
                "Bearer authorization_uri=\"{base}/common\", error=\"{error}\", error_description=\"The access token is invalid or expired\""
            )
        };
        let Some(value) = authorization else {
            return Err(ArmError::new(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
            .with_header(
                "www-authenticate",
                format!("Bearer authorization_uri=\"{base}/common\""),
            ));
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .unwrap_or_default()
            .trim();
        let Some(issued) = self.tokens.get(token) else {
            return Err(ArmError::new(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            )
            .with_header("www-authenticate", challenge("invalid_token")));
        };
        if issued.expires_on <= now_unix() {
            return Err(ArmError::new(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            )
            .with_header("www-authenticate", challenge("invalid_token")));
        }
        let principal = self
            .principals
            .iter()
            .find(|p| p.client_id == issued.client_id);
        Ok(Caller {
            client_id: issued.client_id.clone(),
            object_id: principal.map(SeedPrincipal::object_id).unwrap_or_default(),
            roles: principal.and_then(|p| p.roles.clone()),
        })
    }
}
