use std::time::Duration;

use tokio::time::Instant;

use crate::azure::ratelimit::{Access, Rate, RateLimitConfig, RateLimiter, TokenBucket};

#[test]
fn a_full_bucket_serves_the_burst_then_paces_requests() {
    let start = Instant::now();
    let mut bucket = TokenBucket::new(
        Rate {
            per_second: 10.0,
            burst: 3.0,
        },
        start,
    );
    for _ in 0..3 {
        assert_eq!(bucket.take(start), Duration::ZERO);
    }
    let wait = bucket.take(start);
    assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
    let wait = bucket.take(start);
    assert!(
        (wait.as_secs_f64() - 0.2).abs() < 1e-6,
        "callers queue: {wait:?}"
    );
    // After a second the bucket is full again (capped at the burst).
    let later = start + Duration::from_secs(10);
    for _ in 0..3 {
        assert_eq!(bucket.take(later), Duration::ZERO);
    }
}

#[test]
fn subscriptions_and_reads_and_writes_have_their_own_buckets() {
    let limiter = RateLimiter::new(RateLimitConfig {
        reads: Rate {
            per_second: 1.0,
            burst: 1.0,
        },
        writes: Rate {
            per_second: 1.0,
            burst: 1.0,
        },
    });
    assert_eq!(limiter.reserve("sub-a", Access::Read), Duration::ZERO);
    assert_eq!(limiter.reserve("sub-a", Access::Write), Duration::ZERO);
    assert_eq!(limiter.reserve("SUB-B", Access::Read), Duration::ZERO);
    assert!(limiter.reserve("sub-a", Access::Read) > Duration::from_millis(900));
    assert!(
        limiter.reserve("sub-b", Access::Read) > Duration::from_millis(900),
        "ids ignore case"
    );
}

#[tokio::test]
async fn acquire_waits_instead_of_exceeding_the_rate() {
    let limiter = RateLimiter::new(RateLimitConfig {
        reads: Rate {
            per_second: 50.0,
            burst: 5.0,
        },
        ..RateLimitConfig::default()
    });
    let start = Instant::now();
    for _ in 0..15 {
        limiter.acquire("sub", Access::Read).await;
    }
    let elapsed = start.elapsed();
    // 5 at once, then 10 more at 50 per second.
    assert!(elapsed >= Duration::from_millis(195), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[test]
fn nonsense_rates_are_refused() {
    let mut config = RateLimitConfig::default();
    assert!(config.validate().is_ok());
    config.writes.per_second = 0.0;
    assert!(config.validate().is_err());
    config.writes.per_second = 1.0;
    config.reads.burst = 0.5;
    assert!(config.validate().is_err());
}
