//! What people see of an ApimCapacity on a real kube-apiserver: `kubectl get` columns,
//! `kubectl explain` docs, and the closed set of condition reasons.

use crate::support::{self, access};

const SUB: &str = "00000000-0000-0000-0000-000000000000";

fn manifest(name: &str, service: &str, sku: &str, regions: &[(&str, u32)]) -> String {
    let mut out = format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\nspec:\n  service:\n    subscriptionId: {SUB}\n    resourceGroup: rg-test\n    name: {service}\n  sku: {sku}\n  regions:\n"
    );
    for (location, units) in regions {
        out.push_str(&format!(
            "    - location: {location}\n      units: {units}\n"
        ));
    }
    out
}

#[test]
fn kubectl_get_shows_the_printer_columns() {
    let ns = access::namespace("printer_columns");
    let cp = ns.cp;
    let yaml = manifest(
        "columns",
        "columns-apim",
        "Premium",
        &[("westeurope", 2), ("eastus", 3)],
    );
    assert!(cp.apply(&ns, &yaml).success);
    let status = r#"{"status":{"observedGeneration":1,"unitsSummary":"westeurope=2,eastus=1","conditions":[{"type":"Ready","status":"False","reason":"Scaling","message":"Scaling eastus","lastTransitionTime":"2026-11-28T10:00:00Z"},{"type":"Reconciling","status":"True","reason":"Scaling","message":"Scaling eastus","lastTransitionTime":"2026-11-28T10:00:00Z"}],"operation":{"step":1,"totalSteps":1,"description":"Scale eastus from 1 to 3 units","action":"Scale","startedAt":"2026-11-28T10:00:00Z","expectedCompletion":"2099-11-28T10:30:00Z","pollUrl":"https://management.azure.com/op/1","pollStyle":"Location","targetSku":"Premium","targetUnits":"westeurope=2,eastus=3"},"schedule":{"inForce":"business-hours","nextChange":{"at":"2026-11-28T18:00:00Z","schedule":"business-hours","description":"westeurope 6 → 2","preparationStartsAt":"2026-11-28T18:00:00Z"}}}}"#;
    let patched = cp.kubectl(&[
        "patch",
        "apimcap",
        "columns",
        "-n",
        &ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
    ]);
    assert!(patched.success, "status patch: {}", patched.stderr);
    let out = cp.kubectl(&["get", "apimcap", "-n", &ns]);
    assert!(out.success, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "SKU",
            "UNITS",
            "READY",
            "STATUS",
            "OPERATION",
            "SCHEDULE",
            "AGE"
        ]
    );
    let row = lines.next().unwrap_or_default();
    for expected in [
        "columns",
        "Premium",
        "westeurope=2,eastus=1",
        "False",
        "Scaling",
        "Scale eastus from 1 to 3 units",
        "business-hours",
    ] {
        assert!(row.contains(expected), "{expected:?} missing from {row:?}");
    }
    let wide = cp.kubectl(&["get", "apimcap", "-n", &ns, "-o", "wide"]);
    assert!(
        wide.stdout.contains("LIVE SKU")
            && wide.stdout.contains("columns-apim")
            && wide.stdout.contains("NEXT CHANGE")
            && wide.stdout.contains("2026-11-28T18:00:00Z"),
        "{}",
        wide.stdout
    );
    // A future ETA is shown as a time, not as `<invalid>` (what a `date` column shows).
    assert!(
        wide.stdout.contains("2099-11-28T10:30:00Z") && !wide.stdout.contains("<invalid>"),
        "{}",
        wide.stdout
    );
    let by_category = cp.kubectl(&["get", "apim", "-n", &ns]);
    assert!(
        by_category.stdout.contains("columns"),
        "category apim: {}",
        by_category.stderr
    );
}

#[test]
fn status_rejects_unknown_reasons() {
    let ns = access::namespace("closed_reasons");
    let cp = ns.cp;
    let yaml = manifest("reasons", "reasons-apim", "Basic", &[("westeurope", 1)]);
    assert!(cp.apply(&ns, &yaml).success);
    let status = r#"{"status":{"conditions":[{"type":"Ready","status":"True","reason":"AllGood","message":"","lastTransitionTime":"2026-11-28T10:00:00Z"}]}}"#;
    let out = cp.kubectl(&[
        "patch",
        "apimcap",
        "reasons",
        "-n",
        &ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
    ]);
    assert!(!out.success, "an unknown reason was accepted");
    assert!(
        out.stderr.contains("Unsupported value: \"AllGood\""),
        "{}",
        out.stderr
    );
}

#[test]
fn kubectl_explain_shows_the_field_docs() {
    // The CRD must not be replaced meanwhile (chart_install does).
    let _access = access::shared();
    let cp = support::shared();
    cp.install_crds();
    let out = support::retry_kubectl(cp, &["explain", "apimcapacity.spec.regions"], "DESCRIPTION");
    assert!(
        out.stdout
            .contains("Every region the service should run in"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("units"), "{}", out.stdout);
    let out = support::retry_kubectl(
        cp,
        &["explain", "apimcap.spec.changePolicy.allowTierDowngrade"],
        "DESCRIPTION",
    );
    assert!(
        out.stdout.contains("Allow moving to a lower tier"),
        "{}",
        out.stdout
    );
    let out = support::retry_kubectl(
        cp,
        &["explain", "apimcap.status.effective.source"],
        "DESCRIPTION",
    );
    assert!(
        out.stdout.contains("schedule NAME (preparing)"),
        "{}",
        out.stdout
    );
    let out = support::retry_kubectl(
        cp,
        &["explain", "apimcap.spec.changeWindows.allowOverrun"],
        "DESCRIPTION",
    );
    assert!(
        out.stdout.contains("runs past the end of the window"),
        "{}",
        out.stdout
    );
    let out = support::retry_kubectl(cp, &["explain", "apimcapacity"], "DESCRIPTION");
    assert!(
        out.stdout.contains("Deleting it never changes the service"),
        "{}",
        out.stdout
    );
}
