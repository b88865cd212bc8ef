//! Admission of `spec.schedules` and `spec.changeWindows` on the real kube-apiserver: a
//! schedule changes units only, never the set of regions, and obeys the tier's limits.

use crate::admission::{assert_rejected, manifest, regions, service};
use crate::support::access;

/// A Premium resource in westeurope and eastus with `schedules` (YAML under `spec:`).
fn premium_with(name: &str, schedules: &str) -> String {
    let body = format!(
        "{}{schedules}",
        regions("Premium", &[("westeurope", 2), ("eastus", 1)])
    );
    manifest(name, &service(&format!("{name}-apim")), &body)
}

#[test]
fn a_schedule_region_missing_from_spec_regions_is_rejected() {
    let yaml = premium_with(
        "sched-region",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: northeurope, units: 3}]}\n",
    );
    assert_rejected(
        "schedule_region_missing",
        &yaml,
        "every region of a schedule must also be listed in spec.regions",
    );
}

#[test]
fn schedule_units_obey_the_tier_limits() {
    let body = format!(
        "{}  schedules:\n    - {{name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{{location: westeurope, units: 5}}]}}\n",
        regions("Standard", &[("westeurope", 1)])
    );
    let yaml = manifest("sched-limits", &service("sched-limits-apim"), &body);
    assert_rejected(
        "schedule_units_limits",
        &yaml,
        "schedule units must respect the tier's limits",
    );
}

#[test]
fn a_schedule_needs_exactly_one_of_end_and_duration() {
    let yaml = premium_with(
        "sched-end",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', end: '0 19 * * 1-5', duration: 11h, regions: [{location: westeurope, units: 3}]}\n",
    );
    assert_rejected(
        "schedule_end_and_duration",
        &yaml,
        "a schedule needs exactly one of end",
    );
}

#[test]
fn schedule_names_are_unique() {
    let yaml = premium_with(
        "sched-names",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: westeurope, units: 3}]}\n    - {name: peak, start: '0 9 * * *', duration: 1h, regions: [{location: eastus, units: 2}]}\n",
    );
    assert_rejected("schedule_names", &yaml, "schedule names must be unique");
}

#[test]
fn a_schedule_naming_a_region_spelled_differently_is_accepted() {
    let ns = access::namespace("schedule_spelling");
    let yaml = premium_with(
        "sched-spelling",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', end: '0 19 * * 1-5', timeZone: Europe/Amsterdam, regions: [{location: West Europe, units: 6}, {location: eastus, units: 3}]}\n  changeWindows: {timeZone: Europe/Amsterdam, allow: [{start: '0 6 * * *', duration: 3h}], deny: [{start: '0 0 24 12 *', duration: 48h}]}\n",
    );
    let out = ns.cp.apply(&ns, &yaml);
    assert!(out.success, "refused: {}", out.stderr);
}
