//! Leader election with a coordination.k8s.io Lease, the way client-go's leaderelection does
//! it; only the holder reconciles and writes to Azure.
//!
//! - The holder renews every retry period and steps down when it could not renew within the
//!   renew deadline, which is shorter than the lease duration. Every apiserver call of the
//!   election has a timeout, so a renewal hanging on a half-open connection counts as failed.
//! - A standby takes the Lease only after it has seen the Lease unchanged (holder, renewTime,
//!   resourceVersion) for a lease duration on its own monotonic clock. The holder's
//!   `renewTime` is never compared with the local wall clock, so clock skew does not matter.
//! - The [`Fence`] is open while the last successful renewal started less than the renew
//!   deadline minus a margin ago; reconciles check it right before every Azure write. It
//!   closes before any standby may take the Lease.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use tokio::time::Instant;

use super::fence::Fence;
use crate::http::Health;
use crate::liveness::Beat;

/// Lease settings.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    pub namespace: String,
    pub name: String,
    /// This process's identity in the Lease; unique per process.
    pub identity: String,
    /// How long a standby waits, after it last saw the Lease change, before taking it.
    pub lease_duration: Duration,
    /// How long the holder tries to renew before it steps down; shorter than the lease
    /// duration.
    pub renew_deadline: Duration,
    /// How often the holder renews and a standby tries to take the Lease.
    pub retry_period: Duration,
}

/// Leader election settings that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("invalid leader election settings: {0}")]
pub struct InvalidLeaseConfig(String);

impl LeaseConfig {
    /// client-go's renew deadline for a 15 s lease (10 s), scaled to `lease_duration`.
    pub fn default_renew_deadline(lease_duration: Duration) -> Duration {
        lease_duration * 2 / 3
    }

    /// client-go's retry period for a 15 s lease (2 s), scaled to `lease_duration`.
    pub fn default_retry_period(lease_duration: Duration) -> Duration {
        lease_duration * 2 / 15
    }

    /// Checks the timings the way client-go does: renew deadline < lease duration, and room
    /// for more than one renewal attempt (with jitter) within the renew deadline.
    pub fn validate(&self) -> Result<(), InvalidLeaseConfig> {
        let fail = |message: String| Err(InvalidLeaseConfig(message));
        if self.identity.is_empty() {
            return fail("the identity is empty".into());
        }
        if self.lease_duration < Duration::from_secs(1) {
            return fail("--lease-duration must be at least 1s".into());
        }
        if self.retry_period.is_zero() {
            return fail("--retry-period must be more than 0".into());
        }
        if self.renew_deadline >= self.lease_duration {
            return fail(format!(
                "--renew-deadline ({:?}) must be shorter than --lease-duration ({:?})",
                self.renew_deadline, self.lease_duration
            ));
        }
        if self.retry_period.mul_f64(1.2) >= self.renew_deadline {
            return fail(format!(
                "--retry-period ({:?}) must be shorter than --renew-deadline ({:?}) / 1.2",
                self.retry_period, self.renew_deadline
            ));
        }
        Ok(())
    }

    /// The fence closes this long before the renew deadline: room for a write that passed
    /// the fence to reach Azure.
    pub fn fence_margin(&self) -> Duration {
        self.renew_deadline / 5
    }

    /// The longest a standby backs off after apiserver errors.
    pub fn max_backoff(&self) -> Duration {
        self.lease_duration
    }

    fn lease_seconds(&self) -> i32 {
        i32::try_from(self.lease_duration.as_secs_f64().ceil() as u64).unwrap_or(i32::MAX)
    }
}

/// The Lease calls of the election (the apiserver, or a fake in tests).
#[async_trait]
pub trait LeaseApi: Send + Sync {
    async fn get(&self, name: &str) -> Result<Option<Lease>, kube::Error>;
    async fn create(&self, lease: &Lease) -> Result<(), kube::Error>;
    /// Replaces the Lease; its resourceVersion makes a concurrent change fail with 409.
    async fn replace(&self, name: &str, lease: &Lease) -> Result<(), kube::Error>;
}

/// What changes whenever the holder renews: a standby restarts its wait on any change.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    holder: Option<String>,
    renewed: Option<MicroTime>,
    transitions: Option<i32>,
    seconds: Option<i32>,
    version: Option<String>,
}

impl Record {
    fn of(lease: &Lease) -> Self {
        let spec = lease.spec.clone().unwrap_or_default();
        Record {
            holder: spec.holder_identity,
            renewed: spec.renew_time,
            transitions: spec.lease_transitions,
            seconds: spec.lease_duration_seconds,
            version: lease.metadata.resource_version.clone(),
        }
    }
}

/// Whether `identity` may take `lease` at `now`, having last seen it change at
/// `observed_at` (both on this process's monotonic clock): free, ours, or unchanged for its
/// lease duration.
pub fn may_take(lease: &LeaseSpec, identity: &str, observed_at: Instant, now: Instant) -> bool {
    let holder = lease.holder_identity.as_deref().unwrap_or("");
    if holder.is_empty() || holder == identity {
        return true;
    }
    let seconds = u64::try_from(lease.lease_duration_seconds.unwrap_or(15)).unwrap_or(15);
    now >= observed_at + Duration::from_secs(seconds.max(1))
}

/// Why the holder stepped down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Another replica holds the Lease now.
    TakenBy(String),
    /// No renewal succeeded within the renew deadline.
    RenewDeadline,
}

enum Attempt {
    Held,
    HeldBy(String),
}

/// One process standing for election, then holding the Lease.
pub struct Elector {
    api: Arc<dyn LeaseApi>,
    config: LeaseConfig,
    /// The Lease as last seen, and when it was first seen so (monotonic).
    observed: Option<(Record, Instant)>,
    /// The start of the last successful take or renewal.
    renewed: Option<Instant>,
    fence: Fence,
    beat: Option<Beat>,
}

impl Elector {
    /// An elector that beats `beat` on every turn of its loops.
    pub fn new(api: Arc<dyn LeaseApi>, config: LeaseConfig, beat: Option<Beat>) -> Self {
        Elector {
            api,
            config,
            observed: None,
            renewed: None,
            fence: Fence::closed(),
            beat,
        }
    }

    /// The fence of this elector (closed until the Lease is held).
    pub fn fence(&self) -> Fence {
        self.fence.clone()
    }

    pub fn config(&self) -> &LeaseConfig {
        &self.config
    }

    /// Waits until this process holds the Lease. Apiserver errors are retried with backoff
    /// and reported in `health` (not ready) until an attempt succeeds again.
    pub async fn acquire(&mut self, health: &Health) {
        let (lease, identity) = (self.config.name.clone(), self.config.identity.clone());
        let mut announced = false;
        let mut failures = 0u32;
        let mut reported = false;
        loop {
            self.beat();
            let started = Instant::now();
            let error = match tokio::time::timeout(self.config.renew_deadline, self.try_take())
                .await
            {
                Ok(Ok(Attempt::Held)) => {
                    self.renewed(started);
                    if reported {
                        health.set_problem(None);
                    }
                    tracing::info!(%lease, %identity, "became the leader");
                    return;
                }
                Ok(Ok(Attempt::HeldBy(holder))) => {
                    if !announced {
                        tracing::info!(%lease, %holder, %identity, "another replica leads; standing by");
                        announced = true;
                    }
                    None
                }
                Ok(Err(kube::Error::Api(e))) if e.code == 409 => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some(format!("no answer within {:?}", self.config.renew_deadline)),
            };
            let wait = match error {
                None => {
                    failures = 0;
                    if reported {
                        health.set_problem(None);
                        reported = false;
                    }
                    self.config.retry_period
                }
                Some(error) => {
                    failures = failures.saturating_add(1);
                    let wait = self.backoff(failures);
                    tracing::warn!(%lease, %error, retry_in = ?wait, "cannot read or write the leader Lease; retrying (check the apiserver and the operator's RBAC: leases get, create, update)");
                    health.set_problem(Some(format!(
                        "leader election: cannot read or write the Lease {}/{lease}: {error}",
                        self.config.namespace
                    )));
                    reported = true;
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Renews the Lease every retry period; returns when leadership is lost: another
    /// replica holds it, or no renewal succeeded within the renew deadline (a renewal that
    /// does not answer by then counts as failed). The fence is closed by then.
    pub async fn keep(&mut self) -> Lost {
        let lease = self.config.name.clone();
        loop {
            tokio::time::sleep(self.config.retry_period).await;
            self.beat();
            let started = Instant::now();
            let deadline = self.renewed.unwrap_or(started) + self.config.renew_deadline;
            if started >= deadline {
                return self.lose(Lost::RenewDeadline);
            }
            match tokio::time::timeout_at(deadline, self.try_take()).await {
                Ok(Ok(Attempt::Held)) => self.renewed(started),
                Ok(Ok(Attempt::HeldBy(holder))) => return self.lose(Lost::TakenBy(holder)),
                Ok(Err(e)) => {
                    tracing::warn!(%lease, error = %e, "could not renew the leader Lease")
                }
                Err(_) => return self.lose(Lost::RenewDeadline),
            }
        }
    }

    /// Gives the Lease up so a standby takes over at once. Closes the fence first.
    pub async fn release(&mut self) {
        self.fence.close();
        let timeout = self.config.renew_deadline;
        let result = match tokio::time::timeout(timeout, self.give_up()).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        };
        match result {
            Ok(()) => tracing::info!(lease = %self.config.name, "released the Lease"),
            Err(error) => tracing::warn!(%error, "could not release the Lease"),
        }
    }

    async fn give_up(&self) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get(&self.config.name).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        self.api.replace(&self.config.name, &lease).await
    }

    fn lose(&self, why: Lost) -> Lost {
        self.fence.close();
        match &why {
            Lost::TakenBy(holder) => {
                tracing::error!(lease = %self.config.name, %holder, "another replica took the Lease")
            }
            Lost::RenewDeadline => tracing::error!(
                lease = %self.config.name,
                renew_deadline = ?self.config.renew_deadline,
                "could not renew the Lease within the renew deadline; stepping down"
            ),
        }
        why
    }

    fn renewed(&mut self, started: Instant) {
        self.renewed = Some(started);
        let open_for = self.config.renew_deadline - self.config.fence_margin();
        self.fence.hold_until(started + open_for);
    }

    fn beat(&self) {
        if let Some(beat) = &self.beat {
            beat.beat();
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(16);
        let wait = self
            .config
            .retry_period
            .saturating_mul(1 << exponent)
            .min(self.config.max_backoff());
        super::context::jitter(wait, 0.2)
    }

    /// One attempt to take or renew the Lease.
    async fn try_take(&mut self) -> Result<Attempt, kube::Error> {
        let existing = self.api.get(&self.config.name).await?;
        let seen = Instant::now();
        let now = Timestamp::now();
        let Some(mut lease) = existing else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.config.name.clone()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(None, now, 0)),
            };
            self.api.create(&lease).await?;
            return Ok(Attempt::Held);
        };
        let record = Record::of(&lease);
        let observed_at = match &self.observed {
            Some((last, at)) if *last == record => *at,
            _ => {
                self.observed = Some((record, seen));
                seen
            }
        };
        let current = lease.spec.clone().unwrap_or_default();
        if !may_take(&current, &self.config.identity, observed_at, seen) {
            let holder = current.holder_identity.unwrap_or_default();
            return Ok(Attempt::HeldBy(holder));
        }
        let ours = current.holder_identity.as_deref() == Some(self.config.identity.as_str());
        let transitions = current.lease_transitions.unwrap_or(0) + i32::from(!ours);
        let acquired = if ours { current.acquire_time } else { None };
        lease.spec = Some(self.spec(acquired, now, transitions));
        self.api.replace(&self.config.name, &lease).await?;
        Ok(Attempt::Held)
    }

    fn spec(&self, acquired: Option<MicroTime>, now: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.config.identity.clone()),
            lease_duration_seconds: Some(self.config.lease_seconds()),
            acquire_time: Some(acquired.unwrap_or(MicroTime(now))),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }
}

#[cfg(test)]
#[path = "leader_tests.rs"]
mod tests;
