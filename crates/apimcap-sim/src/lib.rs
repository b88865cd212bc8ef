//! The Azure simulator (`apimcap sim`): an HTTPS server on loopback that behaves like Azure
//! Resource Manager for `Microsoft.ApiManagement/service`, the Entra ID token endpoint, the
//! managed identity endpoints and Azure Monitor metrics, following `ARM-NOTES.md`.
//! Every fact marked unverified there is a switch in [`SimConfig`].
//!
//! Tests start it in-process with [`start`]; the binary runs it with [`run`]. See
//! `docs/simulator.md`.

mod admin;
mod arm;
mod auth;
mod cli;
pub mod config;
mod error;
mod faults;
mod identity;
mod insights;
mod insights_admin;
mod listing;
mod load;
mod location;
mod locks;
mod log;
mod metrics;
mod network;
mod operations;
mod paging;
mod price_query;
mod prices;
mod reply;
mod request;
mod resource;
mod route;
mod rules;
mod scale_in;
pub mod seed;
mod server;
mod service;
mod shape;
mod state;
mod subnet;
mod subscription;
mod throttle;
pub mod tiers;
mod tls;
mod validate;
mod zones;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use cli::{SimArgs, run};
pub use config::{
    AsyncHeader, AuthConfig, DuringOperation, ErrorSpec, FailedState, FaultConfig, LocationFinal,
    OperationDurations, ScaleInScope, SimConfig, SubnetFull, ThrottleConfig,
};
pub use error::SimError;
pub use seed::{AutoscaleSetting, Load, Lock, LockLevel, Seed, Subnet};
pub use tiers::{Sku, UnitLimits};

/// A running simulator. Dropping it (or [`SimHandle::shutdown`]) stops it.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    ca_pem: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `https://127.0.0.1:PORT`: the ARM endpoint, the Entra authority host and the
    /// managed identity endpoints all live here.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The admin endpoint, `https://127.0.0.1:PORT/_sim`.
    pub fn admin_url(&self) -> String {
        format!("{}/_sim", self.base_url)
    }

    /// The PEM of the CA that signed the serving certificate; clients must trust it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Starts the simulator on `config.listen` and returns once it accepts connections.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    config.validate()?;
    let certificates = tls::generate()?;
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| SimError::Listen {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Listen {
        addr: listen,
        source,
    })?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let base_url = format!("https://{host}:{}", addr.port());
    let state = state::SimState::new(config)?;
    let ca_pem = certificates.ca_pem.clone();
    let shared = Arc::new(server::Shared {
        state: Mutex::new(state),
        ca_pem: ca_pem.clone(),
        base_url: base_url.clone(),
    });
    let (shutdown, receiver) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, certificates, shared, receiver));
    tracing::info!(%base_url, "simulator listening");
    Ok(SimHandle {
        addr,
        base_url,
        ca_pem,
        shutdown,
        task: Some(task),
    })
}
