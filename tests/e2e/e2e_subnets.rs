//! End to end: subnet headroom of a VNet-injected service. A scale-up the subnet cannot hold
//! stalls (SubnetTooSmall) before any PATCH; a bigger subnet lets it go; a subnet the
//! operator may not read is a warning, not a stop.

use crate::support::operator::*;
use serde_json::json;

const SUBNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/apim";

fn subnet_section(prefix: &str) -> String {
    format!("subnets:\n  - {{id: {SUBNET}, addressPrefix: {prefix}}}\n")
}

fn injected(vnet: &str) -> String {
    format!("    subnetResourceId: {SUBNET}\n    virtualNetworkType: {vnet}\n")
}

fn subnet_reads(requests: &[SimRequest]) -> usize {
    requests
        .iter()
        .filter(|r| r.is_arm() && r.path.to_lowercase().ends_with("/subnets/apim"))
        .count()
}

#[test]
fn a_27_subnet_asked_for_14_units_stalls_before_any_patch() {
    let mut t = E2e::builder("subnet_too_small")
        .service_with("Premium", &[("westeurope", 2)], &injected("Internal"))
        .seed_sections(&subnet_section("10.0.1.0/27"))
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Premium", &[("westeurope", 14)], "");
    let stalled = t.wait_condition("cap", "Stalled", "True", "SubnetTooSmall", secs(30));
    assert!(has_condition(&stalled, "Ready", "False", "SubnetTooSmall"));
    let text = message(&stalled, "Stalled");
    assert!(
        text.contains("subnet 10.0.1.0/27")
            && text.contains("at most 13 units")
            && text.contains("use /26"),
        "the prefix, what it holds and what would fit: {text}"
    );
    t.wait_event("cap", "SubnetTooSmall", secs(10));
    let requests = t.requests();
    report("subnet_too_small", &requests, &service);
    assert!(writes(&requests, &service).is_empty(), "no PATCH at all");
    assert_eq!(subnet_reads(&requests), 1, "the subnet was read once");

    // The network team gives the subnet room: the next look reads it again and scales.
    t.admin(
        reqwest::Method::POST,
        "/subnets",
        Some(json!({"id": SUBNET, "addressPrefix": "10.0.1.0/26"})),
    );
    t.nudge("cap");
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let requests = t.requests();
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(patches[0].status, Some(202));
    assert_eq!(t.azure_capacity(&service).1[0].1, 14);
}

#[test]
fn a_subnet_the_identity_may_not_read_warns_and_the_change_goes_on() {
    const LIMITED: &str = "6b1f0e0e-0000-4000-8000-000000000009";
    let principal = format!(
        "  - tenant: {TENANT}\n    clientId: {LIMITED}\n    clientSecret: limited-secret\n    roles: [{{scope: /subscriptions/{SUB}/resourceGroups/{RG}, access: write}}]\n"
    );
    let mut t = E2e::builder("subnet_unreadable")
        .service_with("Premium", &[("westeurope", 1)], &injected("External"))
        .seed_sections(&subnet_section("10.0.1.0/24"))
        .principals(&principal)
        .start();
    let service = t.service().to_string();
    t.secret(
        "limited",
        &[
            ("tenantId", TENANT),
            ("clientId", LIMITED),
            ("clientSecret", "limited-secret"),
        ],
    );
    let credentials = "  credentials: {secretRef: {name: limited}}\n";
    t.apply_capacity("cap", "Premium", &[("westeurope", 2)], credentials);

    let warning = t.wait_event("cap", "SubnetUnreadable", secs(30));
    assert_eq!(warning.type_, "Warning");
    assert!(
        warning
            .message
            .contains("Microsoft.Network/virtualNetworks/subnets/read"),
        "names the missing right: {}",
        warning.message
    );
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert!(
        t.operator_log()
            .contains("Microsoft.Network/virtualNetworks/subnets/read"),
        "a log line names the right"
    );
    let requests = t.requests();
    report("subnet_unreadable", &requests, &service);
    let forbidden: Vec<_> = requests
        .iter()
        .filter(|r| r.path.to_lowercase().ends_with("/subnets/apim"))
        .map(|r| r.status)
        .collect();
    assert_eq!(forbidden, [Some(403)], "read once, remembered afterwards");
    assert_eq!(writes(&requests, &service).len(), 1);
}
