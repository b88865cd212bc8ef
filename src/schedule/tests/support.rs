//! Helpers: specs from YAML, instants in UTC or on a zone's wall clock, fixed durations.

use std::time::Duration;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::api::ApimCapacitySpec;
use crate::plan::StepKind;
use crate::schedule::{ChangeWindows, EffectiveRegion, ExpectedDuration, Timetable};

/// An instant in UTC: `"2026-03-27T07:00Z"`.
pub fn utc(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not an instant: {e}"))
}

/// A wall-clock time in `zone`, the earlier one when it happens twice and the one after the
/// gap when it is skipped (jiff's compatible rule): `local("2026-03-27T08:00", "Europe/Amsterdam")`.
pub fn local(text: &str, zone: &str) -> Timestamp {
    let datetime: DateTime = text.parse().expect("a civil date and time");
    let zone = TimeZone::get(zone).expect("a known zone");
    zone.to_ambiguous_timestamp(datetime)
        .compatible()
        .expect("in range")
}

/// A spec with `extra` YAML (schedules, changeWindows) after Premium westeurope=2, eastus=1.
pub fn spec(extra: &str) -> ApimCapacitySpec {
    let yaml = format!(
        "service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg, name: apim}}\n\
         sku: Premium\n\
         regions:\n  - {{location: westeurope, units: 2}}\n  - {{location: eastus, units: 1}}\n{extra}"
    );
    serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("bad test spec: {e}\n{yaml}"))
}

/// The timetable of [`spec`]`(extra)`, which must be valid.
pub fn timetable(extra: &str) -> Timetable {
    Timetable::from_spec(&spec(extra)).unwrap_or_else(|e| panic!("invalid: {e}"))
}

/// Change windows from the YAML of `changeWindows`' value.
pub fn windows(yaml: &str) -> ChangeWindows {
    timetable(&format!("changeWindows:\n{yaml}"))
        .windows
        .expect("windows given")
}

/// Every step is expected to take `minutes`.
pub fn takes(minutes: u64) -> impl ExpectedDuration {
    move |_: StepKind| Duration::from_secs(minutes * 60)
}

pub fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

/// `location=units` for each region, in spec order: `"westeurope=6,eastus=1"`.
pub fn units(regions: &[EffectiveRegion]) -> String {
    regions
        .iter()
        .map(|r| format!("{}={}", r.location, r.units))
        .collect::<Vec<_>>()
        .join(",")
}

/// Two regions' units under the business-hours schedule of the issue, in Amsterdam time.
pub const BUSINESS_HOURS: &str = "\
schedules:
  - name: business-hours
    start: \"0 8 * * 1-5\"
    end: \"0 19 * * 1-5\"
    timeZone: Europe/Amsterdam
    regions:
      - {location: westeurope, units: 6}
      - {location: eastus, units: 3}
";
