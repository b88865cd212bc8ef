use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::azure::retry::{RetryAfterBounds, RetryConfig, parse_retry_after};

fn now() -> jiff::Timestamp {
    "2026-01-05T10:00:00Z".parse().unwrap()
}

#[test]
fn retry_after_in_seconds_and_http_dates() {
    assert_eq!(
        parse_retry_after("60", now()),
        Some(Duration::from_secs(60))
    );
    assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
    assert_eq!(
        parse_retry_after("1.5", now()),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(
        parse_retry_after("Mon, 05 Jan 2026 10:00:30 GMT", now()),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Mon, 05 Jan 2026 09:00:00 GMT", now()),
        Some(Duration::ZERO),
        "a date in the past means now"
    );
    for bad in ["", "soon", "-5", "NaN", "inf"] {
        assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
    }
}

#[test]
fn operation_waits_are_bounded_with_a_default() {
    let bounds = RetryAfterBounds::default();
    assert_eq!(bounds.apply(None), Duration::from_secs(60));
    assert_eq!(
        bounds.apply(Some(Duration::from_secs(1))),
        Duration::from_secs(10)
    );
    assert_eq!(
        bounds.apply(Some(Duration::from_secs(90))),
        Duration::from_secs(90)
    );
    assert_eq!(
        bounds.apply(Some(Duration::from_secs(3600))),
        Duration::from_secs(600)
    );
    let fast = RetryAfterBounds::fixed(Duration::from_secs(1));
    assert_eq!(
        fast.apply(Some(Duration::from_secs(60))),
        Duration::from_secs(1)
    );
    assert_eq!(fast.apply(None), Duration::from_secs(1));
}

#[test]
fn backoff_grows_exponentially_with_jitter_and_a_cap() {
    let config = RetryConfig {
        max_attempts: 10,
        max_elapsed: Duration::from_secs(600),
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(8),
    };
    let mut rng = StdRng::seed_from_u64(7);
    for attempt in 1..=8 {
        let full = Duration::from_secs(1 << (attempt - 1)).min(Duration::from_secs(8));
        for _ in 0..50 {
            let wait = config.backoff(attempt, &mut rng);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
        }
    }
}

#[test]
fn the_budget_limits_attempts_and_total_time_and_retry_after_is_honoured() {
    let config = RetryConfig {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
    };
    let mut rng = StdRng::seed_from_u64(1);
    assert!(
        config
            .next_wait(1, Duration::ZERO, None, &mut rng)
            .is_some()
    );
    assert!(
        config
            .next_wait(3, Duration::ZERO, None, &mut rng)
            .is_none(),
        "count"
    );
    assert_eq!(
        config.next_wait(1, Duration::ZERO, Some(Duration::from_secs(5)), &mut rng),
        Some(Duration::from_secs(5)),
        "Retry-After wins over a shorter backoff"
    );
    assert_eq!(
        config.next_wait(
            1,
            Duration::from_secs(6),
            Some(Duration::from_secs(5)),
            &mut rng
        ),
        None,
        "a wait past the time budget ends the retries"
    );
}
