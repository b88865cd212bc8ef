//! Retry-After parsing and bounds, and jittered exponential backoff within a budget.

use std::time::Duration;

use rand::Rng;

/// Bounds for the `Retry-After` of long-running operations (ARM-NOTES §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfterBounds {
    /// The shortest wait between two polls (10 s for Azure; 1 s in tests).
    pub min: Duration,
    /// The longest wait between two polls (10 minutes).
    pub max: Duration,
    /// The wait when Azure sends no `Retry-After` (60 s).
    pub default: Duration,
}

impl Default for RetryAfterBounds {
    fn default() -> Self {
        Self {
            min: Duration::from_secs(10),
            max: Duration::from_secs(600),
            default: Duration::from_secs(60),
        }
    }
}

impl RetryAfterBounds {
    /// The same bound for all three values, e.g. 1 s for tests and the simulator.
    pub fn fixed(wait: Duration) -> Self {
        Self {
            min: wait,
            max: wait,
            default: wait,
        }
    }

    /// The wait before the next poll: Azure's value within the bounds, or the default.
    pub fn apply(&self, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or(self.default);
        wait.max(self.min).min(self.max.max(self.min))
    }
}

/// Parses a `Retry-After` value: integer seconds or an HTTP date (relative to `now`).
/// Returns `None` for anything else.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// How often and how long the client retries throttled, failed or unreachable calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The total time the retries of one call may take; a wait that would pass it ends the
    /// retries and the error is returned.
    pub max_elapsed: Duration,
    /// The first backoff.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The exponential backoff before attempt `attempt + 1` (attempt counts from 1), with
    /// jitter: a random value between half and all of `base * 2^(attempt-1)`, capped.
    pub fn backoff(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = u64::try_from((full - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rng.random_range(0..=jitter_ms))
    }

    /// The wait before the next attempt, or `None` when the budget is spent. Azure's
    /// `Retry-After` is honoured when longer than the backoff (a request sent earlier would
    /// be refused again).
    pub fn next_wait(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts.max(1) {
            return None;
        }
        let wait = self
            .backoff(attempt, rng)
            .max(retry_after.unwrap_or_default());
        (elapsed + wait <= self.max_elapsed).then_some(wait)
    }
}
