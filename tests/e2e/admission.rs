//! The CRD on a real kube-apiserver: installation, examples, admission-time validation,
//! printer columns and `kubectl explain`.

use crate::support::access;

const SUB: &str = "00000000-0000-0000-0000-000000000000";

/// An ApimCapacity manifest; `body` is the YAML under `spec:` after `service:`.
fn manifest(name: &str, service: &str, body: &str) -> String {
    format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\nspec:\n{service}{body}"
    )
}

fn service(name: &str) -> String {
    format!("  service:\n    subscriptionId: {SUB}\n    resourceGroup: rg-test\n    name: {name}\n")
}

fn regions(sku: &str, regions: &[(&str, i64)]) -> String {
    let mut out = format!("  sku: {sku}\n  regions:\n");
    for (location, units) in regions {
        out.push_str(&format!(
            "    - location: {location}\n      units: {units}\n"
        ));
    }
    out
}

/// Applies `yaml` in a fresh namespace and asserts the apiserver rejects it with `expected`
/// in its message.
fn assert_rejected(test: &str, yaml: &str, expected: &str) {
    let ns = access::namespace(test);
    let out = ns.cp.apply(&ns, yaml);
    assert!(!out.success, "{test}: the apiserver accepted:\n{yaml}");
    assert!(
        out.stderr.contains(expected),
        "{test}: expected {expected:?} in the rejection, got:\n{}",
        out.stderr
    );
}

#[test]
fn duplicate_region_is_rejected() {
    let yaml = manifest(
        "dup",
        &service("dup-apim"),
        &regions("Premium", &[("westeurope", 1), ("westeurope", 2)]),
    );
    assert_rejected(
        "duplicate_region",
        &yaml,
        "each region may be listed only once",
    );
}

#[test]
fn same_region_spelled_differently_is_rejected() {
    let yaml = manifest(
        "spelled",
        &service("spelled-apim"),
        &regions("Premium", &[("westeurope", 1), ("West Europe", 2)]),
    );
    assert_rejected(
        "same_region_spelled_differently",
        &yaml,
        "'West Europe' and 'westeurope' are the same region",
    );
}

#[test]
fn zero_units_are_rejected() {
    let yaml = manifest(
        "zero",
        &service("zero-apim"),
        &regions("Premium", &[("westeurope", 0)]),
    );
    assert_rejected("zero_units", &yaml, "should be greater than or equal to 1");
}

#[test]
fn units_above_the_sanity_ceiling_are_rejected() {
    let yaml = manifest(
        "huge",
        &service("huge-apim"),
        &regions("Premium", &[("westeurope", 101)]),
    );
    assert_rejected(
        "units_above_ceiling",
        &yaml,
        "should be less than or equal to 100",
    );
}

#[test]
fn stable_tier_limits_are_enforced_at_admission() {
    for (sku, units, message) in [
        (
            "Developer",
            2,
            "the Developer tier always has exactly 1 unit",
        ),
        ("Basic", 3, "the Basic tier allows at most 2 units"),
        ("Standard", 5, "the Standard tier allows at most 4 units"),
    ] {
        let yaml = manifest(
            "limit",
            &service("limit-apim"),
            &regions(sku, &[("westeurope", units)]),
        );
        assert_rejected(&format!("limit-{sku}"), &yaml, message);
    }
}

/// Pinned zones where the spec alone decides: Premium only, zones named 1 to 3 once each,
/// units a multiple of the zone count; a valid list is accepted.
#[test]
fn zone_rules_are_enforced_at_admission() {
    let zoned = |sku: &str, units: i64, zones: &str| {
        format!(
            "  sku: {sku}\n  regions:\n    - location: westeurope\n      units: {units}\n      zones: {zones}\n"
        )
    };
    for (case, body, message) in [
        (
            "multiple",
            zoned("Premium", 3, "['1', '2']"),
            "with pinned zones the units must divide evenly across them",
        ),
        (
            "premium",
            zoned("Standard", 2, "['1', '2']"),
            "only the Premium tier pins regions to availability zones",
        ),
        (
            "named",
            zoned("Premium", 2, "['1', '4']"),
            "availability zones are named '1', '2' and '3'",
        ),
        (
            "once",
            zoned("Premium", 2, "['1', '1']"),
            "list each availability zone once",
        ),
    ] {
        let yaml = manifest("zoned", &service("zoned-apim"), &body);
        assert_rejected(&format!("zones-{case}"), &yaml, message);
    }
    let ns = access::namespace("zones-valid");
    let yaml = manifest(
        "zoned",
        &service("zoned-apim"),
        &zoned("Premium", 4, "['1', '2']"),
    );
    let out = ns.cp.apply(&ns, &yaml);
    assert!(out.success, "a valid zone list is refused: {}", out.stderr);
}

#[test]
fn two_regions_on_standard_are_rejected() {
    let yaml = manifest(
        "multi",
        &service("multi-apim"),
        &regions("Standard", &[("westeurope", 1), ("eastus", 1)]),
    );
    assert_rejected(
        "two_regions_on_standard",
        &yaml,
        "only the Premium tier can run in more than one region",
    );
}

#[test]
fn consumption_is_rejected_with_a_reason() {
    let yaml = manifest(
        "cons",
        &service("cons-apim"),
        &regions("Consumption", &[("westeurope", 1)]),
    );
    assert_rejected(
        "consumption",
        &yaml,
        "the Consumption tier cannot be managed: it has no units to scale",
    );
}

#[test]
fn empty_regions_are_rejected() {
    let yaml = manifest(
        "empty",
        &service("empty-apim"),
        "  sku: Premium\n  regions: []\n",
    );
    assert_rejected("empty_regions", &yaml, "list at least one region");
}

#[test]
fn missing_service_field_is_rejected() {
    let service = format!("  service:\n    subscriptionId: {SUB}\n    name: nogroup-apim\n");
    let yaml = manifest(
        "nogroup",
        &service,
        &regions("Premium", &[("westeurope", 1)]),
    );
    assert_rejected(
        "missing_service_field",
        &yaml,
        "spec.service.resourceGroup: Required value",
    );
}

#[test]
fn malformed_subscription_id_is_rejected() {
    let service = "  service:\n    subscriptionId: not-a-guid\n    resourceGroup: rg\n    name: badsub-apim\n";
    let yaml = manifest("badsub", service, &regions("Premium", &[("westeurope", 1)]));
    assert_rejected(
        "malformed_subscription_id",
        &yaml,
        "subscriptionId must be a GUID such as 00000000-0000-0000-0000-000000000000",
    );
}

#[test]
fn over_long_service_name_is_rejected() {
    let long = format!("a{}", "b".repeat(50));
    let yaml = manifest(
        "long",
        &service(&long),
        &regions("Premium", &[("westeurope", 1)]),
    );
    assert_rejected("over_long_name", &yaml, "spec.service.name: Too long");
}

#[test]
fn malformed_service_name_is_rejected() {
    let yaml = manifest(
        "badname",
        &service("-apim-"),
        &regions("Premium", &[("westeurope", 1)]),
    );
    assert_rejected(
        "malformed_service_name",
        &yaml,
        "name must be an API Management service name",
    );
}

#[test]
fn changing_the_service_after_creation_is_rejected() {
    let ns = access::namespace("service_is_immutable");
    let cp = ns.cp;
    let body = regions("Premium", &[("westeurope", 1)]);
    let created = cp.apply(&ns, &manifest("immutable", &service("first-apim"), &body));
    assert!(created.success, "create: {}", created.stderr);
    let changed = cp.apply(&ns, &manifest("immutable", &service("second-apim"), &body));
    assert!(
        !changed.success,
        "the apiserver accepted a new spec.service"
    );
    assert!(
        changed
            .stderr
            .contains("spec.service cannot be changed after creation"),
        "{}",
        changed.stderr
    );
    // Other fields stay editable.
    let scaled = cp.apply(
        &ns,
        &manifest(
            "immutable",
            &service("first-apim"),
            &regions("Premium", &[("westeurope", 3)]),
        ),
    );
    assert!(scaled.success, "scaling was refused: {}", scaled.stderr);
}

#[test]
fn valid_examples_for_every_tier_are_accepted() {
    let ns = access::namespace("every_tier");
    let cp = ns.cp;
    for (sku, units) in [
        ("Developer", 1),
        ("Basic", 2),
        ("Standard", 4),
        ("Premium", 31),
        ("BasicV2", 10),
        ("StandardV2", 10),
        ("PremiumV2", 30),
    ] {
        let name = sku.to_lowercase();
        let yaml = manifest(
            &name,
            &service(&format!("{name}-apim")),
            &regions(sku, &[("West Europe", units)]),
        );
        let out = cp.apply(&ns, &yaml);
        assert!(
            out.success,
            "{sku} with {units} units was refused: {}",
            out.stderr
        );
    }
    let premium = manifest(
        "premium-three",
        &service("premium-three-apim"),
        &regions(
            "Premium",
            &[("westeurope", 2), ("eastus", 3), ("Japan East", 1)],
        ),
    );
    let out = cp.apply(&ns, &premium);
    assert!(
        out.success,
        "a three-region Premium was refused: {}",
        out.stderr
    );
}

#[test]
fn every_example_applies() {
    let ns = access::namespace("examples");
    let cp = ns.cp;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 7,
        "expected an example per tier, found {files:?}"
    );
    for file in files {
        let path = file.display().to_string();
        let out = cp.kubectl(&["apply", "-n", &ns, "-f", &path]);
        assert!(out.success, "{path} did not apply: {}", out.stderr);
    }
}
