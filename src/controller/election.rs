//! How `apimcap run` takes part in leader election: a unique identity per process, standing
//! by until it leads, renewing in a task of its own, and what the controller needs from that:
//! the fence, the moment leadership is lost, the release on shutdown.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::fence::Fence;
use super::leader::{Elector, LeaseApi, LeaseConfig, Lost};
use crate::http::Health;
use crate::liveness::Liveness;

/// This process's name in the Lease and in Events: `POD_NAME` (the chart sets it from the
/// pod's name), else the host name plus a random suffix. Never the PID: in a container the
/// operator is PID 1 in every pod.
pub fn instance_identity() -> String {
    let var = std::env::var("POD_NAME").ok();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok());
    identity_from(var.as_deref(), host.as_deref())
}

fn identity_from(pod_name: Option<&str>, host: Option<&str>) -> String {
    if let Some(name) = pod_name.map(str::trim).filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    let host = host
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or("apimcap");
    format!("{host}_{}", uuid::Uuid::new_v4().simple())
}

/// This process holds the Lease; a task renews it.
pub struct Leader {
    fence: Fence,
    lost: watch::Receiver<Option<Lost>>,
    stop: Option<oneshot::Sender<()>>,
    keeper: JoinHandle<Option<Elector>>,
}

/// The name of the election loop's heartbeat.
pub const ELECTION_BEAT: &str = "the leader election loop";

/// Stands for election until this process leads; `None` when `stop` resolves first.
pub async fn stand(
    client: kube::Client,
    config: LeaseConfig,
    health: &Health,
    liveness: &Liveness,
    stop: impl std::future::Future<Output = ()>,
) -> Option<Leader> {
    let api: Api<Lease> = Api::namespaced(client, &config.namespace);
    // Each turn of the loops takes at most a wait plus one bounded attempt.
    let max_age = (config.max_backoff() + config.renew_deadline + config.retry_period) * 2;
    let beat = liveness.register(ELECTION_BEAT, max_age);
    let mut elector = Elector::new(Arc::new(api), config, Some(beat));
    tokio::select! {
        _ = elector.acquire(health) => {}
        _ = stop => return None,
    }
    Some(Leader::keep(elector))
}

impl Leader {
    fn keep(mut elector: Elector) -> Leader {
        let fence = elector.fence();
        let (lost_tx, lost) = watch::channel(None);
        let (stop, mut stopped) = oneshot::channel();
        let keeper = tokio::spawn(async move {
            let lost = tokio::select! {
                why = elector.keep() => Some(why),
                _ = &mut stopped => None,
            };
            match lost {
                Some(why) => {
                    let _ = lost_tx.send(Some(why));
                    None
                }
                None => Some(elector),
            }
        });
        Leader {
            fence,
            lost,
            stop: Some(stop),
            keeper,
        }
    }

    /// The fence of this process's leadership.
    pub fn fence(&self) -> Fence {
        self.fence.clone()
    }

    /// Resolves once leadership is lost (never while it is held).
    pub async fn lost(&mut self) -> Lost {
        match self.lost.wait_for(Option::is_some).await {
            Ok(why) => why.clone().unwrap_or(Lost::RenewDeadline),
            // The keeper ended without reporting a loss: it was stopped; never resolve.
            Err(_) => std::future::pending().await,
        }
    }

    /// Whether leadership was lost.
    pub fn is_lost(&self) -> bool {
        self.lost.borrow().is_some()
    }

    /// Stops renewing and gives the Lease up (when still held) so a standby takes over at
    /// once; waits at most about a renew deadline.
    pub async fn release(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(Duration::from_secs(30), &mut self.keeper).await {
            Ok(Ok(Some(mut elector))) => elector.release().await,
            Ok(_) => {}
            Err(_) => self.keeper.abort(),
        }
    }
}

#[async_trait]
impl LeaseApi for Api<Lease> {
    async fn get(&self, name: &str) -> Result<Option<Lease>, kube::Error> {
        self.get_opt(name).await
    }
    async fn create(&self, lease: &Lease) -> Result<(), kube::Error> {
        Api::create(self, &PostParams::default(), lease)
            .await
            .map(|_| ())
    }
    async fn replace(&self, name: &str, lease: &Lease) -> Result<(), kube::Error> {
        Api::replace(self, name, &PostParams::default(), lease)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_the_pod_name_or_the_host_with_a_random_suffix() {
        assert_eq!(
            identity_from(Some("op-7d9f-abcde"), Some("host")),
            "op-7d9f-abcde"
        );
        let a = identity_from(Some(""), Some("node-1\n"));
        let b = identity_from(None, Some("node-1"));
        assert!(
            a.starts_with("node-1_") && b.starts_with("node-1_"),
            "{a} {b}"
        );
        assert_ne!(a, b, "two processes on one host differ");
        assert!(identity_from(None, None).starts_with("apimcap_"));
        let pid = format!("apimcap-{}", std::process::id());
        assert_ne!(identity_from(None, None), pid);
    }
}
