//! Leader election with a coordination.k8s.io Lease: only the holder reconciles and writes
//! to Azure; a standby takes over when the holder stops renewing for a lease duration.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};

/// Lease settings.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    pub namespace: String,
    pub name: String,
    /// This process's identity in the Lease.
    pub identity: String,
    /// How long a Lease is valid after its last renewal.
    pub duration: Duration,
}

impl LeaseConfig {
    /// How often the holder renews and a standby retries.
    pub fn retry_period(&self) -> Duration {
        (self.duration / 3).max(Duration::from_millis(500))
    }
}

/// Holds the Lease once acquired.
#[derive(Clone)]
pub struct Leadership {
    api: Api<Lease>,
    config: LeaseConfig,
}

/// Whether `lease` may be taken by `identity` at `now`: free, expired, or already ours.
pub fn can_take(lease: &LeaseSpec, identity: &str, now: Timestamp) -> bool {
    let holder = lease.holder_identity.as_deref().unwrap_or("");
    if holder.is_empty() || holder == identity {
        return true;
    }
    let seconds = i64::from(lease.lease_duration_seconds.unwrap_or(15));
    match &lease.renew_time {
        Some(renewed) => renewed.0.as_second() + seconds < now.as_second(),
        None => true,
    }
}

impl Leadership {
    /// Waits until this process holds the Lease.
    pub async fn acquire(client: kube::Client, config: LeaseConfig) -> Result<Self, kube::Error> {
        let api: Api<Lease> = Api::namespaced(client, &config.namespace);
        let leadership = Leadership { api, config };
        let mut announced = false;
        loop {
            match leadership.try_take().await {
                Ok(true) => {
                    tracing::info!(lease = %leadership.config.name, identity = %leadership.config.identity, "became the leader");
                    return Ok(leadership);
                }
                Ok(false) => {
                    if !announced {
                        tracing::info!(lease = %leadership.config.name, "another replica leads; standing by");
                        announced = true;
                    }
                }
                Err(kube::Error::Api(e)) if e.code == 409 => {}
                Err(e) => return Err(e),
            }
            tokio::time::sleep(leadership.config.retry_period()).await;
        }
    }

    /// One attempt to take or renew the Lease.
    async fn try_take(&self) -> Result<bool, kube::Error> {
        let now = Timestamp::now();
        let existing = self.api.get_opt(&self.config.name).await?;
        let Some(mut lease) = existing else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.config.name.clone()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(None, now, 0)),
            };
            self.api.create(&PostParams::default(), &lease).await?;
            return Ok(true);
        };
        let current = lease.spec.clone().unwrap_or_default();
        if !can_take(&current, &self.config.identity, now) {
            return Ok(false);
        }
        let ours = current.holder_identity.as_deref() == Some(self.config.identity.as_str());
        let transitions = current.lease_transitions.unwrap_or(0) + i32::from(!ours);
        let acquired = if ours {
            current.acquire_time.clone()
        } else {
            None
        };
        lease.spec = Some(self.spec(acquired, now, transitions));
        // Replace carries the resourceVersion: a concurrent change makes this fail with 409.
        self.api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await?;
        Ok(true)
    }

    fn spec(&self, acquired: Option<MicroTime>, now: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.config.identity.clone()),
            lease_duration_seconds: Some(self.config.duration.as_secs().max(1) as i32),
            acquire_time: Some(acquired.unwrap_or(MicroTime(now))),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// A handle that renews the Lease (for a task of its own).
    pub fn keeper(&self) -> Leadership {
        self.clone()
    }

    /// Renews the Lease until a renewal has failed for longer than the lease duration;
    /// returns then (leadership is lost).
    pub async fn keep(&self) {
        let mut last_renewed = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(self.config.retry_period()).await;
            match self.try_take().await {
                Ok(true) => last_renewed = tokio::time::Instant::now(),
                Ok(false) => {
                    tracing::error!(lease = %self.config.name, "another replica took the Lease");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not renew the Lease");
                    if last_renewed.elapsed() > self.config.duration {
                        tracing::error!(lease = %self.config.name, "could not renew the Lease within its duration");
                        return;
                    }
                }
            }
        }
    }

    /// Gives the Lease up so a standby takes over at once.
    pub async fn release(&self) {
        let result = async {
            let Some(mut lease) = self.api.get_opt(&self.config.name).await? else {
                return Ok(());
            };
            let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
            if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
                return Ok(());
            }
            spec.holder_identity = None;
            spec.lease_duration_seconds = Some(1);
            self.api
                .replace(&self.config.name, &PostParams::default(), &lease)
                .await
                .map(|_| ())
        }
        .await;
        match result {
            Ok(()) => tracing::info!(lease = %self.config.name, "released the Lease"),
            Err(e) => tracing::warn!(error = %e, "could not release the Lease"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: Option<&str>, renewed: i64, seconds: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: holder.map(str::to_string),
            lease_duration_seconds: Some(seconds),
            renew_time: Some(MicroTime(
                Timestamp::from_second(renewed).expect("valid time"),
            )),
            ..LeaseSpec::default()
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).expect("valid time")
    }

    #[test]
    fn a_live_lease_of_another_holder_is_respected() {
        assert!(!can_take(&lease(Some("b"), 100, 15), "a", at(110)));
    }

    #[test]
    fn an_expired_free_or_own_lease_can_be_taken() {
        assert!(can_take(&lease(Some("b"), 100, 15), "a", at(116)));
        assert!(can_take(&lease(None, 100, 15), "a", at(101)));
        assert!(can_take(&lease(Some(""), 100, 15), "a", at(101)));
        assert!(can_take(&lease(Some("a"), 100, 15), "a", at(101)));
    }
}
