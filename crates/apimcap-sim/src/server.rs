//! HTTPS on loopback: TLS accept loop, one HTTP/1.1 connection task per client, and the
//! dispatch of each request to the admin endpoint, the identity endpoints or ARM. A request
//! the faults say to drop closes its connection without an answer.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use http::{HeaderMap, Method, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::arm;
use crate::log::{LogEntry, has_custom_properties};
use crate::reply::{ArmError, set_header};
use crate::request::ArmRequest;
use crate::state::SimState;
use crate::{admin, prices, tls};

/// What every connection task shares.
pub struct Shared {
    pub state: Mutex<SimState>,
    pub ca_pem: String,
    pub base_url: String,
}

/// The request was dropped on purpose (fault injection): hyper closes the connection.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the simulator")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` changes.
pub async fn serve(
    listener: TcpListener,
    certificates: tls::Certificates,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(certificates.server_config);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((tcp, _)) = accepted else {
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A request as read off the connection, before the state is locked.
struct Received {
    parts: http::request::Parts,
    path: String,
    raw_query: String,
    query: HashMap<String, String>,
    /// `https://host:port` as the client addressed the simulator.
    base: String,
    bytes: axum::body::Bytes,
}

/// The state, also after a panic while it was held: one failed request must not make every
/// later one fail.
fn lock(state: &Mutex<SimState>) -> MutexGuard<'_, SimState> {
    state.lock().unwrap_or_else(|poisoned| {
        state.clear_poison();
        poisoned.into_inner()
    })
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), 4 * 1024 * 1024).await;
    let Ok(bytes) = bytes else {
        return Ok(ArmError::bad_request(
            "InvalidRequestContent",
            "The request body could not be read.",
        )
        .into_response());
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let query: HashMap<String, String> = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let host = header(&parts.headers, "host");
    let base = host.map_or_else(|| shared.base_url.clone(), |h| format!("https://{h}"));
    let received = Received {
        parts,
        path,
        raw_query,
        query,
        base,
        bytes,
    };
    // A bug that panics answers 500 for its own request only; the lock is recovered.
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        respond(&mut lock(&shared.state), &shared.ca_pem, received)
    }))
    .unwrap_or_else(|_| {
        Ok(ArmError::new(
            500,
            "InternalServerError",
            "The simulator failed to handle this request.",
        )
        .into_response())
    })
}

/// Answers one request with the state locked.
fn respond(
    state: &mut SimState,
    ca_pem: &str,
    received: Received,
) -> Result<Response<Body>, Dropped> {
    let Received {
        parts,
        path,
        raw_query,
        query,
        base,
        bytes,
    } = received;
    if let Some(admin_path) = path.strip_prefix("/_sim") {
        return Ok(admin::handle(
            state,
            ca_pem,
            &parts.method,
            admin_path,
            &query,
            &bytes,
        ));
    }

    let client_request_id = header(&parts.headers, "x-ms-client-request-id");
    let request_id = uuid::Uuid::new_v4().to_string();
    let correlation = client_request_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let body_json: Option<serde_json::Value> =
        if matches!(parts.method, Method::PUT | Method::PATCH) {
            serde_json::from_slice(&bytes).ok()
        } else {
            None
        };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let auth_config = state.config.auth.clone();
    let (kind, outcome) = if parts.method == Method::POST
        && segments.len() == 4
        && segments[1..] == ["oauth2", "v2.0", "token"]
    {
        let (response, principal) = state.auth.token_endpoint(&auth_config, segments[0], &bytes);
        (
            "token",
            arm::Outcome {
                response: Some(response),
                principal,
                ..Default::default()
            },
        )
    } else if parts.method == Method::GET && path == "/metadata/identity/oauth2/token" {
        let (response, principal) =
            state
                .auth
                .managed_identity(&auth_config, false, &query, &parts.headers);
        (
            "imds",
            arm::Outcome {
                response: Some(response),
                principal,
                ..Default::default()
            },
        )
    } else if parts.method == Method::GET && path == "/msi/token" {
        let (response, principal) =
            state
                .auth
                .managed_identity(&auth_config, true, &query, &parts.headers);
        (
            "appService",
            arm::Outcome {
                response: Some(response),
                principal,
                ..Default::default()
            },
        )
    } else if parts.method == Method::GET && path.eq_ignore_ascii_case(prices::PATH) {
        (
            "prices",
            arm::Outcome {
                response: Some(prices::handle(&raw_query, &base)),
                ..Default::default()
            },
        )
    } else {
        let request = ArmRequest {
            method: &parts.method,
            path: &path,
            query: &query,
            headers: &parts.headers,
            body: &bytes,
            base: &base,
        };
        let kind = if path.to_lowercase().contains("/microsoft.insights/metrics") {
            "metrics"
        } else {
            "arm"
        };
        (kind, arm::handle(state, &request))
    };

    let mut response = outcome.response;
    if let Some(response) = response.as_mut() {
        set_header(response, "x-ms-request-id", &request_id);
        set_header(response, "x-ms-correlation-request-id", &correlation);
        if let Some(id) = &client_request_id {
            set_header(response, "x-ms-client-request-id", id);
        }
    }
    state.log.push(LogEntry {
        time: jiff::Timestamp::now().to_string(),
        kind,
        method: parts.method.to_string(),
        path,
        query: raw_query,
        status: response.as_ref().map(|r| r.status().as_u16()),
        service: outcome.service,
        subscription: outcome.subscription,
        client_request_id,
        request_id,
        correlation_request_id: correlation,
        principal: outcome.principal,
        has_custom_properties: has_custom_properties(body_json.as_ref()),
        body: body_json,
        fault: outcome.fault,
    });
    response.ok_or(Dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;

    #[test]
    fn a_panic_under_the_lock_does_not_poison_the_state() {
        let state = match SimState::new(SimConfig::default()) {
            Ok(state) => Mutex::new(state),
            Err(e) => panic!("default state: {e}"),
        };
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _guard = lock(&state);
            panic!("a bug while the state is held");
        }));
        assert!(panicked.is_err());
        assert!(state.is_poisoned());
        lock(&state).log.clear();
        assert!(!state.is_poisoned(), "the poison is cleared once recovered");
    }
}
