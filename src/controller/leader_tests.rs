//! Leader election on a fake Lease store, with tokio's paused clock: renewals that never
//! answer, skewed `renewTime`s, the fence against a standby's takeover, apiserver errors.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::metrics::Metrics;

/// One Lease in memory, shared by every replica's [`Fake`].
#[derive(Default)]
struct Store {
    lease: Option<Lease>,
    version: u64,
}

/// One replica's connection to the store: it can hang (a black-holed connection) or fail.
#[derive(Clone, Default)]
struct Fake {
    store: Arc<Mutex<Store>>,
    hang: Arc<AtomicBool>,
    failures: Arc<AtomicU32>,
}

fn status(code: u16) -> kube::Error {
    kube::Error::Api(
        kube::core::Status {
            code,
            message: format!("fake {code}"),
            ..Default::default()
        }
        .boxed(),
    )
}

impl Fake {
    /// Another replica's connection to the same store.
    fn peer(&self) -> Fake {
        Fake {
            store: self.store.clone(),
            ..Fake::default()
        }
    }

    async fn gate(&self) -> Result<std::sync::MutexGuard<'_, Store>, kube::Error> {
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(status(500));
        }
        Ok(self.store.lock().expect("store"))
    }

    /// Writes the Lease as `holder` would, with a `renewTime` of `renewed` (any clock).
    fn write_as(&self, holder: &str, renewed: &str) {
        let mut store = self.store.lock().expect("store");
        store.version += 1;
        store.lease = Some(Lease {
            metadata: ObjectMeta {
                name: Some("lease".into()),
                resource_version: Some(store.version.to_string()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.into()),
                lease_duration_seconds: Some(15),
                renew_time: Some(MicroTime(renewed.parse().expect("a time"))),
                ..LeaseSpec::default()
            }),
        });
    }

    fn holder(&self) -> Option<String> {
        let store = self.store.lock().expect("store");
        store.lease.as_ref()?.spec.as_ref()?.holder_identity.clone()
    }
}

#[async_trait]
impl LeaseApi for Fake {
    async fn get(&self, _name: &str) -> Result<Option<Lease>, kube::Error> {
        Ok(self.gate().await?.lease.clone())
    }
    async fn create(&self, lease: &Lease) -> Result<(), kube::Error> {
        let mut store = self.gate().await?;
        if store.lease.is_some() {
            return Err(status(409));
        }
        store.version += 1;
        let mut lease = lease.clone();
        lease.metadata.resource_version = Some(store.version.to_string());
        store.lease = Some(lease);
        Ok(())
    }
    async fn replace(&self, _name: &str, lease: &Lease) -> Result<(), kube::Error> {
        let mut store = self.gate().await?;
        let current = store
            .lease
            .as_ref()
            .and_then(|l| l.metadata.resource_version.clone());
        if current != lease.metadata.resource_version {
            return Err(status(409));
        }
        store.version += 1;
        let mut lease = lease.clone();
        lease.metadata.resource_version = Some(store.version.to_string());
        store.lease = Some(lease);
        Ok(())
    }
}

fn config(identity: &str) -> LeaseConfig {
    LeaseConfig {
        namespace: "ns".into(),
        name: "lease".into(),
        identity: identity.into(),
        lease_duration: Duration::from_secs(15),
        renew_deadline: Duration::from_secs(10),
        retry_period: Duration::from_secs(2),
    }
}

fn elector(fake: &Fake, identity: &str) -> Elector {
    Elector::new(Arc::new(fake.clone()), config(identity), None)
}

fn health() -> Health {
    Health::new(Arc::new(Metrics::default()))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// `future`, or a test failure after `limit` (of paused time) instead of a hang.
async fn within<T>(limit: Duration, what: &str, future: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what}: not done within {limit:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_renewal_that_never_answers_makes_the_keeper_step_down_within_the_renew_deadline() {
    let fake = Fake::default();
    let mut leader = elector(&fake, "a");
    let renewed = Instant::now();
    leader.acquire(&health()).await;
    let fence = leader.fence();
    assert_eq!(fence.check(), Ok(()));
    fake.hang.store(true, Ordering::SeqCst);
    let lost = within(secs(300), "the keeper steps down", leader.keep()).await;
    assert_eq!(lost, Lost::RenewDeadline);
    assert!(
        Instant::now() <= renewed + secs(10),
        "stepped down {:?} after the last renewal",
        Instant::now() - renewed
    );
    assert!(fence.check().is_err(), "the fence is closed after the loss");
}

#[tokio::test(start_paused = true)]
async fn a_renewal_that_keeps_failing_steps_down_at_the_renew_deadline_not_the_lease_duration() {
    let fake = Fake::default();
    let mut leader = elector(&fake, "a");
    let renewed = Instant::now();
    leader.acquire(&health()).await;
    fake.failures.store(u32::MAX, Ordering::SeqCst);
    let lost = within(secs(300), "the keeper steps down", leader.keep()).await;
    assert_eq!(lost, Lost::RenewDeadline);
    let took = Instant::now() - renewed;
    assert!(
        took <= secs(10) && took >= secs(8),
        "stepped down after {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_live_lease_renewed_with_a_renew_time_far_in_the_past_is_not_taken_early() {
    let fake = Fake::default();
    fake.write_as("b", "2001-01-01T00:00:00Z");
    let holder = fake.clone();
    let started = Instant::now();
    // "b" keeps renewing for 40 s with a clock 25 years slow, then dies.
    let renewer = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(secs(2)).await;
            holder.write_as("b", "2001-01-01T00:00:00Z");
        }
    });
    let mut standby = elector(&fake.peer(), "a");
    within(
        secs(300),
        "the standby takes over",
        standby.acquire(&health()),
    )
    .await;
    renewer.await.expect("renewer");
    let took = Instant::now() - started;
    assert_eq!(fake.holder().as_deref(), Some("a"));
    assert!(
        took >= secs(40 + 15) && took <= secs(40 + 15 + 4),
        "taken {took:?} after start; b renewed until 40 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dead_lease_with_a_renew_time_far_in_the_future_is_taken_after_one_lease_duration() {
    let fake = Fake::default();
    fake.write_as("b", "2099-01-01T00:00:00Z");
    let started = Instant::now();
    let mut standby = elector(&fake.peer(), "a");
    within(
        secs(300),
        "the standby takes over",
        standby.acquire(&health()),
    )
    .await;
    let took = Instant::now() - started;
    assert_eq!(fake.holder().as_deref(), Some("a"));
    assert!(
        took >= secs(15) && took <= secs(15 + 3),
        "taken {took:?} after first seeing it"
    );
}

#[tokio::test(start_paused = true)]
async fn the_fence_closes_before_a_standby_can_take_the_lease_even_with_the_keeper_stuck() {
    let fake = Fake::default();
    let mut leader = elector(&fake, "a");
    leader.acquire(&health()).await;
    let fence = leader.fence();
    let keeper = tokio::spawn(async move { leader.keep().await });
    let standby_fake = fake.peer();
    let standby = tokio::spawn(async move {
        let mut standby = elector(&standby_fake, "b");
        standby.acquire(&health()).await;
        Instant::now()
    });
    tokio::time::sleep(secs(30)).await;
    assert_eq!(fence.check(), Ok(()), "the leader renews while it can");
    assert!(
        !standby.is_finished(),
        "the standby waits while the leader renews"
    );

    // Cut off, and the keeper stuck as well: the fence closes on its own clock.
    fake.hang.store(true, Ordering::SeqCst);
    keeper.abort();
    let cut = Instant::now();
    let mut last_open = cut;
    while !standby.is_finished() {
        assert!(
            Instant::now() - cut < secs(300),
            "the standby never took over"
        );
        if fence.check().is_ok() {
            last_open = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taken = standby.await.expect("standby");
    assert_eq!(fake.holder().as_deref(), Some("b"));
    assert!(
        last_open + secs(5) <= taken,
        "the fence was open until {:?} after the cut, the standby took over {:?} after it",
        last_open - cut,
        taken - cut
    );
    assert!(
        last_open - cut <= secs(8),
        "the fence closes before the renew deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn a_standby_retries_apiserver_errors_reports_not_ready_and_then_leads() {
    let fake = Fake::default();
    fake.failures.store(5, Ordering::SeqCst);
    let health = health();
    let watched = health.clone();
    let mut standby = elector(&fake, "a");
    let acquire = tokio::spawn(async move {
        standby.acquire(&health).await;
        standby
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let problem = watched.problem.lock().expect("problem").clone();
    assert!(
        problem.as_deref().is_some_and(|p| p.contains("fake 500")),
        "{problem:?}"
    );
    let standby = within(secs(300), "the standby leads", acquire)
        .await
        .expect("no crash on apiserver errors");
    assert_eq!(fake.holder().as_deref(), Some("a"));
    assert_eq!(*watched.problem.lock().expect("problem"), None);
    assert_eq!(standby.fence().check(), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn a_released_lease_is_taken_at_once() {
    let fake = Fake::default();
    let mut first = elector(&fake, "a");
    first.acquire(&health()).await;
    first.release().await;
    assert_eq!(first.fence().check(), Err(super::super::fence::NotLeader));
    let started = Instant::now();
    elector(&fake.peer(), "b").acquire(&health()).await;
    assert!(Instant::now() - started < secs(1));
}

#[test]
fn timings_are_validated() {
    assert!(config("a").validate().is_ok());
    let scaled = |lease: u64| LeaseConfig {
        lease_duration: secs(lease),
        renew_deadline: LeaseConfig::default_renew_deadline(secs(lease)),
        retry_period: LeaseConfig::default_retry_period(secs(lease)),
        ..config("a")
    };
    assert_eq!(scaled(15).renew_deadline, secs(10));
    assert_eq!(scaled(15).retry_period, secs(2));
    for lease in [1, 4, 15, 60] {
        assert!(scaled(lease).validate().is_ok(), "defaults for {lease}s");
    }
    let with = |lease: u64, renew: u64, retry: u64| LeaseConfig {
        lease_duration: secs(lease),
        renew_deadline: secs(renew),
        retry_period: secs(retry),
        ..config("a")
    };
    assert!(
        with(10, 10, 2).validate().is_err(),
        "renew deadline = lease"
    );
    assert!(
        with(15, 10, 10).validate().is_err(),
        "retry = renew deadline"
    );
    assert!(with(15, 10, 0).validate().is_err());
    assert!(
        LeaseConfig {
            identity: String::new(),
            ..config("a")
        }
        .validate()
        .is_err()
    );
}

#[test]
fn renew_times_do_not_decide_expiry() {
    let spec = |holder: &str| LeaseSpec {
        holder_identity: Some(holder.into()),
        lease_duration_seconds: Some(15),
        renew_time: Some(MicroTime(Timestamp::MIN)),
        ..LeaseSpec::default()
    };
    let seen = Instant::now();
    assert!(!may_take(&spec("b"), "a", seen, seen + secs(14)));
    assert!(may_take(&spec("b"), "a", seen, seen + secs(15)));
    assert!(may_take(&spec("a"), "a", seen, seen));
    assert!(may_take(&spec(""), "a", seen, seen));
}
