//! Liveness: the loops that must keep turning (the leader election loop, the controller's
//! scheduler) beat a heartbeat, and `/livez` fails when one of them has not beaten for longer
//! than its limit. An idle healthy process still beats (the loops tick on their own timers);
//! a wedged loop cannot, because only the loop itself beats its heartbeat.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The heartbeats of one process.
#[derive(Clone, Default)]
pub struct Liveness {
    beats: Arc<Mutex<BTreeMap<&'static str, State>>>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// The last beat; `None` until the first (a loop that has not started yet is not wedged).
    last: Option<Instant>,
    max_age: Duration,
}

/// The heartbeat of one loop.
#[derive(Clone)]
pub struct Beat {
    name: &'static str,
    liveness: Liveness,
}

impl Liveness {
    /// Registers the loop `name`, which must beat at least every `max_age` once it has beaten.
    pub fn register(&self, name: &'static str, max_age: Duration) -> Beat {
        self.lock().insert(
            name,
            State {
                last: None,
                max_age,
            },
        );
        Beat {
            name,
            liveness: self.clone(),
        }
    }

    /// `Err` naming the loops that have not beaten within their limit.
    pub fn check(&self) -> Result<(), String> {
        self.check_at(Instant::now())
    }

    fn check_at(&self, now: Instant) -> Result<(), String> {
        let stale: Vec<String> = self
            .lock()
            .iter()
            .filter_map(|(name, state)| {
                let age = now.saturating_duration_since(state.last?);
                (age > state.max_age).then(|| {
                    format!(
                        "{name} has made no progress for {}s (limit {}s)",
                        age.as_secs(),
                        state.max_age.as_secs()
                    )
                })
            })
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(stale.join("; "))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, State>> {
        self.beats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Beat {
    /// The loop made progress.
    pub fn beat(&self) {
        if let Some(state) = self.liveness.lock().get_mut(self.name) {
            state.last = Some(Instant::now());
        }
    }

    /// The loop ended on purpose: stop watching it.
    pub fn retire(&self) {
        self.liveness.lock().remove(self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_stops_beating_fails_the_check_and_an_unstarted_one_does_not() {
        let liveness = Liveness::default();
        let election = liveness.register("leader election", Duration::from_secs(30));
        let _controller = liveness.register("controller", Duration::from_secs(60));
        let start = Instant::now();
        assert!(liveness.check_at(start).is_ok(), "nothing has beaten yet");
        election.beat();
        assert!(liveness.check_at(start + Duration::from_secs(29)).is_ok());
        let error = liveness
            .check_at(start + Duration::from_secs(31))
            .expect_err("stale");
        assert!(
            error.starts_with("leader election has made no progress for 3")
                && error.ends_with("(limit 30s)"),
            "{error}"
        );
        election.beat();
        election.retire();
        assert!(liveness.check_at(start + Duration::from_secs(300)).is_ok());
    }
}
