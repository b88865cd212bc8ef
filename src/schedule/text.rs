//! The short texts people read: instants in a zone and in UTC, durations, unit changes.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::timeline::EffectiveRegion;

/// `at` on the wall clock of `zone` and in UTC, for example
/// `2026-03-30 08:00 CEST (06:00 UTC)`; only UTC when `zone` is UTC.
pub fn when(at: Timestamp, zone: &TimeZone) -> String {
    let utc = at.to_zoned(TimeZone::UTC);
    let local = at.to_zoned(zone.clone());
    let is_utc = zone
        .iana_name()
        .is_none_or(|name| matches!(name, "UTC" | "Etc/UTC" | "Etc/Universal" | "Zulu"));
    if local.offset().seconds() == 0 && is_utc {
        return utc.strftime("%Y-%m-%d %H:%M UTC").to_string();
    }
    let utc_part = if local.date() == utc.date() {
        utc.strftime("%H:%M UTC").to_string()
    } else {
        utc.strftime("%Y-%m-%d %H:%M UTC").to_string()
    };
    format!("{} ({utc_part})", local.strftime("%Y-%m-%d %H:%M %Z"))
}

/// A duration the way it is written in the spec: `45m`, `1h 30m`, `48h`.
pub fn duration(d: SignedDuration) -> String {
    format!("{d:#}")
}

/// The regions whose units differ between `before` and `after`, for example
/// `westeurope 2 → 6, eastus 1 → 3`; `no change of units` when none do.
pub fn units_change(before: &[EffectiveRegion], after: &[EffectiveRegion]) -> String {
    let parts: Vec<String> = after
        .iter()
        .filter_map(|a| {
            let b = before.iter().find(|b| b.location == a.location)?;
            (b.units != a.units).then(|| format!("{} {} → {}", a.location, b.units, a.units))
        })
        .collect();
    if parts.is_empty() {
        "no change of units".to_string()
    } else {
        parts.join(", ")
    }
}
