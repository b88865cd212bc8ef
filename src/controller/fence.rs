//! The fence every Azure write passes: with leader election, a write is allowed only while
//! this process holds the Lease with a margin, judged on the local monotonic clock from the
//! start of the last successful renewal. Without leader election it always passes.

use std::sync::{Arc, Mutex};

use tokio::time::Instant;

/// A cheap, cloneable view of "may this process write to Azure now".
#[derive(Clone, Debug, Default)]
pub struct Fence {
    /// `None`: no leader election, always open.
    held_until: Option<Arc<Mutex<Option<Instant>>>>,
}

/// This process does not hold the leader Lease (or is about to lose it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this replica does not hold the leader Lease (or its renewal is overdue)")]
pub struct NotLeader;

impl Fence {
    /// A fence that is always open (no leader election).
    pub fn open() -> Self {
        Fence { held_until: None }
    }

    /// A fence for leader election, closed until [`Fence::hold_until`].
    pub fn closed() -> Self {
        Fence {
            held_until: Some(Arc::new(Mutex::new(None))),
        }
    }

    /// `Ok` while writes are allowed.
    pub fn check(&self) -> Result<(), NotLeader> {
        let Some(held) = &self.held_until else {
            return Ok(());
        };
        match *held.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(until) if Instant::now() < until => Ok(()),
            _ => Err(NotLeader),
        }
    }

    /// Opens the fence until `until`.
    pub(crate) fn hold_until(&self, until: Instant) {
        if let Some(held) = &self.held_until {
            *held.lock().unwrap_or_else(|e| e.into_inner()) = Some(until);
        }
    }

    /// Closes the fence for good (leadership is lost).
    pub(crate) fn close(&self) {
        if let Some(held) = &self.held_until {
            *held.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_open_fence_always_passes_and_a_held_one_only_until_its_time() {
        assert_eq!(Fence::open().check(), Ok(()));
        let fence = Fence::closed();
        let copy = fence.clone();
        assert_eq!(copy.check(), Err(NotLeader));
        fence.hold_until(Instant::now() + Duration::from_secs(60));
        assert_eq!(copy.check(), Ok(()));
        fence.hold_until(Instant::now() - Duration::from_millis(1));
        assert_eq!(copy.check(), Err(NotLeader));
        fence.hold_until(Instant::now() + Duration::from_secs(60));
        fence.close();
        assert_eq!(copy.check(), Err(NotLeader));
    }
}
