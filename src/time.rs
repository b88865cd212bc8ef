//! Small time helpers shared by the pure parts.

use std::time::Duration;

use jiff::Timestamp;

/// `at + duration`, saturating at `at` when out of range.
pub fn add(at: Timestamp, duration: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(duration)
        .ok()
        .and_then(|d| at.checked_add(d).ok())
        .unwrap_or(at)
}
