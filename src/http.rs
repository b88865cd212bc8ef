//! The operator's HTTP endpoints: `/metrics`, `/livez`, `/readyz`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::liveness::Liveness;
use crate::metrics::Metrics;

/// What the endpoints report.
#[derive(Clone)]
pub struct Health {
    pub metrics: Arc<Metrics>,
    /// True once the controller's watch has listed every ApimCapacity.
    pub ready: Arc<AtomicBool>,
    /// Why the operator is not ready, when known.
    pub problem: Arc<std::sync::Mutex<Option<String>>>,
    /// The heartbeats `/livez` checks.
    pub liveness: Liveness,
}

impl Health {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Health {
            metrics,
            ready: Arc::new(AtomicBool::new(false)),
            problem: Arc::new(std::sync::Mutex::new(None)),
            liveness: Liveness::default(),
        }
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    pub fn set_problem(&self, problem: Option<String>) {
        *self.problem.lock().unwrap_or_else(|e| e.into_inner()) = problem;
    }
}

/// Serves the endpoints on `addr` until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    health: Health,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .with_state(health);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "serving /metrics, /livez and /readyz");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics(
    State(health): State<Health>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        StatusCode::OK,
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        health.metrics.encode(),
    )
}

/// Fails when a loop of the controller has stopped making progress (see [`Liveness`]).
async fn livez(State(health): State<Health>) -> (StatusCode, String) {
    match health.liveness.check() {
        Ok(()) => (StatusCode::OK, "ok".into()),
        Err(stale) => (StatusCode::SERVICE_UNAVAILABLE, stale),
    }
}

async fn readyz(State(health): State<Health>) -> (StatusCode, String) {
    let problem = health
        .problem
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    match problem {
        Some(problem) => (StatusCode::SERVICE_UNAVAILABLE, problem),
        None if health.ready.load(Ordering::SeqCst) => (StatusCode::OK, "ok".into()),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "waiting for the first list of ApimCapacity resources".into(),
        ),
    }
}
