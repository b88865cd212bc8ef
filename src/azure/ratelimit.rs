//! A client-side token bucket per subscription, kept under ARM's own limits so the operator
//! waits instead of being throttled.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Rates for one kind of request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The most tokens the bucket holds (the burst).
    pub burst: f64,
}

/// Client-side limits per subscription (ARM allows reads 25/s, writes 10/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// GET requests (service reads and operation polls).
    pub reads: Rate,
    /// PATCH requests.
    pub writes: Rate,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            reads: Rate {
                per_second: 25.0,
                burst: 25.0,
            },
            writes: Rate {
                per_second: 10.0,
                burst: 10.0,
            },
        }
    }
}

impl RateLimitConfig {
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (what, rate) in [("reads", self.reads), ("writes", self.writes)] {
            if !(rate.per_second.is_finite() && rate.per_second > 0.0) {
                return Err(format!("the {what} rate must be a positive number"));
            }
            if !(rate.burst.is_finite() && rate.burst >= 1.0) {
                return Err(format!("the {what} burst must be at least 1"));
            }
        }
        Ok(())
    }
}

/// A token bucket. Taking a token may drive the balance negative: the caller then waits
/// the returned time, and later callers queue behind it.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: Rate,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: Rate, now: Instant) -> Self {
        Self {
            rate,
            tokens: rate.burst,
            updated: now,
        }
    }

    /// Takes one token and returns how long the caller must wait before using it.
    pub fn take(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate.per_second).min(self.rate.burst);
        self.updated = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate.per_second)
        }
    }
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// GET.
    Read,
    /// PATCH, PUT, DELETE.
    Write,
}

/// Token buckets per subscription and access.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    buckets: Mutex<HashMap<(String, Access), TokenBucket>>,
}

impl RateLimiter {
    /// A limiter with the given rates.
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves a token for one request and returns the wait before sending it.
    pub fn reserve(&self, subscription: &str, access: Access) -> Duration {
        let rate = match access {
            Access::Read => self.config.reads,
            Access::Write => self.config.writes,
        };
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buckets
            .entry((subscription.to_ascii_lowercase(), access))
            .or_insert_with(|| TokenBucket::new(rate, now))
            .take(now)
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self, subscription: &str, access: Access) {
        let wait = self.reserve(subscription, access);
        if !wait.is_zero() {
            tracing::debug!(subscription, ?access, ?wait, "client-side ARM rate limit");
            tokio::time::sleep(wait).await;
        }
    }
}
