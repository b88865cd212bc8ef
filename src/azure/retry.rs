//! Retry-After parsing and bounds, and jittered exponential backoff within a budget.

use std::time::Duration;

use rand::{Rng, RngExt};

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

/// The longest wait a `Retry-After` may ask for: one hour. Azure asks for 10 s to 10 minutes
/// (ARM-NOTES §3); a longer value comes from a misbehaving endpoint or proxy (`1e20`, a
/// 20-digit integer, a date in year 9999) and would park a resource for months. Every
/// parsed value is clamped to it, so no caller can overflow when it adds a wait to a time.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Parses a `Retry-After` value: integer (or decimal) seconds or an HTTP date (relative to
/// `now`; a date in the past means now), clamped to [`MAX_RETRY_AFTER`]. Returns `None` for
/// anything else, including negative, not-a-number and infinite values. Never panics.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else if let Ok(seconds) = value.parse::<f64>() {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return None;
        }
        // Finite but beyond `Duration` (1e20): as long as allowed.
        Duration::try_from_secs_f64(seconds).unwrap_or(MAX_RETRY_AFTER)
    } else {
        let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
        Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
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
        half.saturating_add(Duration::from_millis(rng.random_range(0..=jitter_ms)))
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
        // Checked: `elapsed` and `retry_after` can be anything a caller or Azure passes.
        let done_at = elapsed.checked_add(wait)?;
        (done_at <= self.max_elapsed).then_some(wait)
    }
}
