//! Admission of per-region `autoscale` and `spec.azureAutoscale` on the real kube-apiserver:
//! a region has exactly one of `units` and `autoscale`, the range obeys the tier's limits,
//! and a schedule gives `minUnits`/`maxUnits` to an autoscaled region only.

use crate::admission::{assert_rejected, manifest, service};
use crate::support::access;

/// A Premium resource: westeurope with fixed units, eastus with `eastus` (YAML of the
/// region after `location: eastus, `), then `extra` under `spec:`.
fn premium(name: &str, eastus: &str, extra: &str) -> String {
    let body = format!(
        "  sku: Premium\n  regions:\n    - {{location: westeurope, units: 2}}\n    - {{location: eastus, {eastus}}}\n{extra}"
    );
    manifest(name, &service(&format!("{name}-apim")), &body)
}

#[test]
fn an_autoscaled_region_with_schedule_bounds_is_accepted_with_defaults() {
    let ns = access::namespace("autoscale_ok");
    let yaml = premium(
        "as-ok",
        "autoscale: {minUnits: 1, maxUnits: 4}",
        "  azureAutoscale: PrimaryOnly\n  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: eastus, minUnits: 2}, {location: westeurope, units: 3}]}\n",
    );
    let out = ns.cp.apply(&ns, &yaml);
    assert!(out.success, "refused: {}", out.stderr);
    let got = ns.cp.kubectl(&[
        "get",
        "apimcapacity",
        "as-ok",
        "-n",
        &ns,
        "-o",
        "jsonpath={.spec.regions[1].autoscale.window} {.spec.regions[1].autoscale.scaleOutAbove} {.spec.azureAutoscale}",
    ]);
    assert_eq!(got.stdout.trim(), "30m 70 PrimaryOnly", "{}", got.stderr);
}

#[test]
fn a_region_needs_exactly_one_of_units_and_autoscale() {
    let both = premium(
        "as-both",
        "units: 2, autoscale: {minUnits: 1, maxUnits: 4}",
        "",
    );
    let message = "give a region either units (a fixed count) or autoscale";
    assert_rejected("autoscale_and_units", &both, message);
    let neither = premium("as-neither", "zones: []", "");
    assert_rejected("autoscale_nor_units", &neither, message);
}

#[test]
fn the_autoscale_range_is_checked() {
    let inverted = premium("as-inverted", "autoscale: {minUnits: 5, maxUnits: 4}", "");
    assert_rejected(
        "autoscale_inverted",
        &inverted,
        "minUnits must not be greater than maxUnits",
    );
    let thresholds = premium(
        "as-thresholds",
        "autoscale: {minUnits: 1, maxUnits: 4, scaleOutAbove: 40, scaleInBelow: 50}",
        "",
    );
    assert_rejected(
        "autoscale_thresholds",
        &thresholds,
        "scaleInBelow must be lower than scaleOutAbove",
    );
    let window = premium(
        "as-window",
        "autoscale: {minUnits: 1, maxUnits: 4, window: 2m}",
        "",
    );
    assert_rejected(
        "autoscale_window",
        &window,
        "window must be between 5m and 6h",
    );
}

#[test]
fn max_units_obey_the_tier_limits() {
    let body = "  sku: Standard\n  regions:\n    - {location: westeurope, autoscale: {minUnits: 1, maxUnits: 6}}\n";
    let yaml = manifest("as-tier", &service("as-tier-apim"), body);
    assert_rejected(
        "autoscale_tier_limit",
        &yaml,
        "the Standard tier allows at most 4 units",
    );
}

#[test]
fn a_schedule_gives_bounds_to_autoscaled_regions_and_units_to_fixed_ones() {
    let bounds_on_fixed = premium(
        "as-sched-fixed",
        "autoscale: {minUnits: 1, maxUnits: 4}",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: westeurope, minUnits: 3}]}\n",
    );
    let message = "a schedule gives units to a region with fixed units, and minUnits/maxUnits to a region with autoscale";
    assert_rejected("autoscale_schedule_fixed", &bounds_on_fixed, message);
    let units_on_autoscaled = premium(
        "as-sched-auto",
        "autoscale: {minUnits: 1, maxUnits: 4}",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: eastus, units: 3}]}\n",
    );
    assert_rejected("autoscale_schedule_units", &units_on_autoscaled, message);
    let both = premium(
        "as-sched-both",
        "autoscale: {minUnits: 1, maxUnits: 4}",
        "  schedules:\n    - {name: peak, start: '0 8 * * 1-5', duration: 11h, regions: [{location: eastus, units: 3, maxUnits: 3}]}\n",
    );
    assert_rejected(
        "autoscale_schedule_both",
        &both,
        "a schedule region gives either units",
    );
}

#[test]
fn azure_autoscale_takes_only_its_two_modes() {
    let yaml = premium(
        "as-mode",
        "autoscale: {minUnits: 1, maxUnits: 4}",
        "  azureAutoscale: Ignore\n",
    );
    assert_rejected(
        "autoscale_mode",
        &yaml,
        "supported values: \"Conflict\", \"PrimaryOnly\"",
    );
}
