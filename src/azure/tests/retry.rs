//! Retry-After parsing and its one-hour clamp, operation poll bounds, backoff and the retry
//! budget.

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::azure::retry::{MAX_RETRY_AFTER, RetryAfterBounds, RetryConfig, parse_retry_after};

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
fn absurd_retry_after_values_are_clamped_to_an_hour_never_a_panic() {
    let hour = Some(MAX_RETRY_AFTER);
    assert_eq!(MAX_RETRY_AFTER, Duration::from_secs(3600));
    let cases = [
        ("1e20", hour),
        ("1E20", hour),
        ("1e308", hour),
        ("18446744073709551615", hour),
        ("18446744073709551616", hour),
        ("99999999999999999999999999999", hour),
        ("3601", hour),
        ("3600", hour),
        ("3599.5", Some(Duration::from_millis(3_599_500))),
        ("1e-400", Some(Duration::ZERO)),
        ("0.000000001", Some(Duration::from_nanos(1))),
        ("-0", Some(Duration::ZERO)),
        ("Thu, 30 Dec 9999 12:00:00 GMT", hour),
        // Past the last instant dates can express here: not understood, the default applies.
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("Mon, 01 Jan 1900 00:00:00 GMT", Some(Duration::ZERO)),
        (
            "Mon, 05 Jan 2026 10:59:59 GMT",
            Some(Duration::from_secs(3599)),
        ),
        ("Tue, 06 Jan 2026 10:00:00 GMT", hour),
        ("-1", None),
        ("-1e20", None),
        ("inf", None),
        ("-inf", None),
        ("infinity", None),
        ("NaN", None),
        ("1e", None),
        ("0x10", None),
        ("60s", None),
        ("\u{1F4A5}", None),
        ("\u{0}", None),
        ("Mon, 99 Foo 2026 99:99:99 GMT", None),
    ];
    for (value, expected) in cases {
        assert_eq!(parse_retry_after(value, now()), expected, "{value:?}");
    }
    for at in [jiff::Timestamp::MIN, jiff::Timestamp::MAX] {
        for value in [
            "Thu, 30 Dec 9999 12:00:00 GMT",
            "Mon, 01 Jan 1900 00:00:00 GMT",
        ] {
            let wait = parse_retry_after(value, at);
            assert!(
                wait.is_some_and(|w| w <= MAX_RETRY_AFTER),
                "{value} at {at}"
            );
        }
    }
}

#[test]
fn retry_budgets_never_overflow_whatever_the_wait() {
    let config = RetryConfig::default();
    let mut rng = StdRng::seed_from_u64(3);
    for (elapsed, retry_after) in [
        (Duration::from_secs(1), Some(Duration::from_secs(u64::MAX))),
        (Duration::MAX, None),
        (Duration::MAX, Some(Duration::MAX)),
        (Duration::ZERO, Some(Duration::MAX)),
    ] {
        assert_eq!(
            config.next_wait(1, elapsed, retry_after, &mut rng),
            None,
            "{elapsed:?} + {retry_after:?} is past the budget"
        );
    }
    let huge = RetryConfig {
        max_attempts: u32::MAX,
        max_elapsed: Duration::MAX,
        base_delay: Duration::MAX,
        max_delay: Duration::MAX,
    };
    for attempt in [0, 1, 2, 31, 32, 64, u32::MAX] {
        let wait = huge.backoff(attempt, &mut rng);
        assert!(wait >= Duration::MAX / 2, "attempt {attempt}: {wait:?}");
        let _ = huge.next_wait(attempt, Duration::MAX, None, &mut rng);
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
