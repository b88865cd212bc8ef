//! ARM's request throttling: a token bucket per subscription and principal, one for reads
//! and one for writes. An empty bucket answers 429 with `Retry-After`; a request sent
//! before that time is refused again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::ThrottleConfig;

/// The longest `Retry-After` a bucket promises (a refill rate is at least one a day).
const MAX_WAIT_SECONDS: f64 = 86_400.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Read,
    Write,
}

#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    /// Requests before this instant are refused (the promised `Retry-After`).
    blocked_until: Option<Instant>,
}

/// The outcome of taking a token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Allowed; tokens left (for `x-ms-ratelimit-remaining-subscription-*`).
    Allowed { remaining: u64 },
    /// Refused; retry after this many whole seconds.
    Throttled { retry_after: u64 },
}

#[derive(Debug, Default)]
pub struct Throttle {
    buckets: HashMap<(String, String, Kind), Bucket>,
}

impl Throttle {
    /// Takes one token for a request of `kind` by `principal` on `subscription`.
    pub fn take(
        &mut self,
        config: &ThrottleConfig,
        subscription: &str,
        principal: &str,
        kind: Kind,
        now: Instant,
    ) -> Decision {
        let (burst, rate) = match kind {
            Kind::Read => (config.read_burst, config.reads_per_second),
            Kind::Write => (config.write_burst, config.writes_per_second),
        };
        let bucket = self
            .buckets
            .entry((subscription.to_lowercase(), principal.to_string(), kind))
            .or_insert(Bucket {
                tokens: burst,
                updated: now,
                blocked_until: None,
            });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        if !config.enabled {
            return Decision::Allowed {
                remaining: bucket.tokens.floor() as u64,
            };
        }
        if let Some(until) = bucket.blocked_until {
            if now < until {
                let wait = until.saturating_duration_since(now);
                return Decision::Throttled {
                    retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
                };
            }
            bucket.blocked_until = None;
        }
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Decision::Allowed {
                remaining: bucket.tokens.floor() as u64,
            };
        }
        let seconds = if rate > 0.0 {
            ((1.0 - bucket.tokens) / rate)
                .ceil()
                .clamp(1.0, MAX_WAIT_SECONDS)
        } else {
            3600.0
        };
        // `seconds` is finite and at most a day (NaN clamps to NaN: then no wait at all).
        bucket.blocked_until = Duration::try_from_secs_f64(seconds)
            .ok()
            .and_then(|wait| now.checked_add(wait));
        Decision::Throttled {
            retry_after: seconds as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ThrottleConfig {
        ThrottleConfig {
            enabled: true,
            read_burst: 2.0,
            reads_per_second: 1.0,
            write_burst: 1.0,
            writes_per_second: 0.5,
        }
    }

    #[test]
    fn burst_then_throttled_until_retry_after() {
        let mut t = Throttle::default();
        let now = Instant::now();
        let c = config();
        assert_eq!(
            t.take(&c, "s", "p", Kind::Read, now),
            Decision::Allowed { remaining: 1 }
        );
        assert_eq!(
            t.take(&c, "s", "p", Kind::Read, now),
            Decision::Allowed { remaining: 0 }
        );
        assert_eq!(
            t.take(&c, "s", "p", Kind::Read, now),
            Decision::Throttled { retry_after: 1 }
        );
        // Early retry: refused again even though half a token has refilled.
        let half = now + Duration::from_millis(500);
        assert!(matches!(
            t.take(&c, "s", "p", Kind::Read, half),
            Decision::Throttled { .. }
        ));
        let later = now + Duration::from_secs(1);
        assert!(matches!(
            t.take(&c, "s", "p", Kind::Read, later),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn reads_writes_and_principals_have_their_own_buckets() {
        let mut t = Throttle::default();
        let now = Instant::now();
        let c = config();
        assert!(matches!(
            t.take(&c, "s", "p", Kind::Write, now),
            Decision::Allowed { .. }
        ));
        assert_eq!(
            t.take(&c, "s", "p", Kind::Write, now),
            Decision::Throttled { retry_after: 2 }
        );
        assert!(matches!(
            t.take(&c, "s", "q", Kind::Write, now),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            t.take(&c, "s", "p", Kind::Read, now),
            Decision::Allowed { .. }
        ));
    }
}
