//! The token issuers: Entra ID client credentials (secret or assertion) and the managed
//! identity endpoints (IMDS and App Service), with Entra's and IMDS's error shapes.

use std::collections::HashMap;

use axum::body::Body;
use http::Response;
use serde_json::json;

use crate::auth::AuthState;
use crate::config::AuthConfig;
use crate::reply::json_response;
use crate::seed::PrincipalKind;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An Entra-style error answer of the token endpoint.
fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Response<Body> {
    let trace = uuid::Uuid::new_v4();
    let correlation = uuid::Uuid::new_v4();
    let timestamp = jiff::Timestamp::now();
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"),
            "error_codes": [code],
            "timestamp": timestamp.to_string(),
            "trace_id": trace.to_string(),
            "correlation_id": correlation.to_string(),
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

/// A managed identity endpoint error (IMDS shape).
fn identity_error(status: u16, error: &str, description: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn is_jwt_shaped(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=')
        })
}

impl AuthState {
    /// `POST /{tenant}/oauth2/v2.0/token` (client credentials).
    pub fn token_endpoint(
        &mut self,
        config: &AuthConfig,
        tenant: &str,
        body: &[u8],
    ) -> (Response<Body>, Option<String>) {
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
        if field("grant_type") != "client_credentials" {
            return (
                entra_error(
                    400,
                    "unsupported_grant_type",
                    70003,
                    "The app requested an unsupported grant type.",
                ),
                None,
            );
        }
        let scope = field("scope");
        let Some(audience) = scope.strip_suffix("/.default").filter(|a| !a.is_empty()) else {
            return (
                entra_error(
                    400,
                    "invalid_scope",
                    1002012,
                    &format!(
                        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                    ),
                ),
                None,
            );
        };
        let client_id = field("client_id");
        if !self
            .principals
            .iter()
            .any(|p| p.tenant.eq_ignore_ascii_case(tenant))
        {
            return (
                entra_error(
                    400,
                    "invalid_request",
                    90002,
                    &format!("Tenant '{tenant}' not found."),
                ),
                None,
            );
        }
        let Some(principal) = self
            .principals
            .iter()
            .find(|p| {
                p.kind == PrincipalKind::ServicePrincipal
                    && p.tenant.eq_ignore_ascii_case(tenant)
                    && p.client_id == client_id
            })
            .cloned()
        else {
            return (
                entra_error(
                    400,
                    "unauthorized_client",
                    700016,
                    &format!(
                        "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
                    ),
                ),
                None,
            );
        };
        let secret = field("client_secret");
        let assertion = field("client_assertion");
        let accepted = if !assertion.is_empty() {
            field("client_assertion_type") == ASSERTION_TYPE && self.assertion_ok(config, assertion)
        } else {
            !secret.is_empty() && principal.client_secret.as_deref() == Some(secret)
        };
        if !accepted {
            let (code, text) = if assertion.is_empty() {
                (
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                )
            } else {
                (
                    700211,
                    "No matching federated identity record found for presented assertion.",
                )
            };
            return (
                entra_error(401, "invalid_client", code, text),
                Some(principal.client_id),
            );
        }
        let lifetime = config.token_lifetime;
        let (token, _) = self.issue(&principal, audience, lifetime);
        let body = json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": token,
        });
        (json_response(200, &body), Some(principal.client_id))
    }

    fn assertion_ok(&self, config: &AuthConfig, assertion: &str) -> bool {
        match &config.assertion_file {
            Some(path) => std::fs::read_to_string(path)
                .is_ok_and(|expected| expected.trim() == assertion.trim()),
            None => is_jwt_shaped(assertion),
        }
    }

    /// IMDS (`Metadata: true`) and App Service (`X-IDENTITY-HEADER`) managed identity.
    pub fn managed_identity(
        &mut self,
        config: &AuthConfig,
        app_service: bool,
        query: &HashMap<String, String>,
        headers: &http::HeaderMap,
    ) -> (Response<Body>, Option<String>) {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        if app_service {
            if header("x-identity-header") != self.identity_header {
                return (
                    identity_error(
                        401,
                        "invalid_request",
                        "The X-IDENTITY-HEADER header is missing or wrong.",
                    ),
                    None,
                );
            }
        } else if !header("metadata").eq_ignore_ascii_case("true") {
            return (
                identity_error(
                    400,
                    "invalid_request",
                    "Required metadata header not specified",
                ),
                None,
            );
        }
        let Some(resource) = query.get("resource").filter(|r| !r.is_empty()) else {
            return (
                identity_error(
                    400,
                    "invalid_request",
                    "Required query variable 'resource' is missing",
                ),
                None,
            );
        };
        let wanted = query.get("client_id").or_else(|| query.get("object_id"));
        let principal = self
            .principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::ManagedIdentity)
            .find(|p| wanted.is_none_or(|w| *w == p.client_id || *w == p.object_id()))
            .cloned();
        let Some(principal) = principal else {
            return (
                identity_error(400, "invalid_request", "Identity not found"),
                None,
            );
        };
        let lifetime = config.token_lifetime;
        let (token, expires_on) =
            self.issue(&principal, resource.trim_end_matches("/.default"), lifetime);
        let seconds = lifetime.as_secs().to_string();
        let body = json!({
            "access_token": token,
            "client_id": principal.client_id,
            "expires_in": seconds,
            "expires_on": expires_on.to_string(),
            "ext_expires_in": seconds,
            "not_before": expires_on
                .saturating_sub(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
                .to_string(),
            "resource": resource,
            "token_type": "Bearer",
        });
        (json_response(200, &body), Some(principal.client_id))
    }
}
