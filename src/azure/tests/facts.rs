//! The facts gathered before a change: zone redundancy, the VNet type and subnet ids of the
//! service resource, subnet ids and prefixes, and the unit limits `/skus` reports.

use serde_json::json;

use crate::azure::model::ServiceResource;
use crate::azure::network::{SubnetId, subnet_prefix};
use crate::azure::skus::parse_skus;
use crate::domain::{Location, Sku, VnetType};

use super::{premium, premium_body};

const SUBNET: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim";

#[test]
fn subnets_and_the_vnet_type_are_read_from_the_service() {
    let mut body = premium_body();
    body["properties"]["virtualNetworkType"] = json!("Internal");
    body["properties"]["virtualNetworkConfiguration"] = json!({"subnetResourceId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/primary"});
    let service = ServiceResource::from_value(body).expect("parses");
    assert_eq!(service.virtual_network_type(), VnetType::Internal);
    let ids: Vec<(Location, String)> = service.subnet_ids();
    assert_eq!(
        ids,
        vec![
            (
                Location::new("westeurope"),
                "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/primary".to_string()
            ),
            (Location::new("eastus"), SUBNET.to_string()),
        ]
    );
    let plain = premium();
    assert_eq!(plain.virtual_network_type(), VnetType::None);
    assert_eq!(plain.subnet_ids().len(), 1, "only East US is injected");
}

#[test]
fn zone_redundancy_is_read_leniently() {
    let cases = [
        (json!(true), Some(true)),
        (json!("false"), Some(false)),
        (json!(null), None),
        (json!(3), None),
    ];
    for (value, expected) in cases {
        let mut body = premium_body();
        body["sku"] = json!({"name": "StandardV2", "capacity": 1});
        body["properties"]["additionalLocations"] = json!(null);
        body["properties"]["zoneRedundant"] = value.clone();
        let service = ServiceResource::from_value(body).expect("parses");
        assert_eq!(service.live.zone_redundant, expected, "{value}");
    }
    assert_eq!(premium().live.zone_redundant, None);
}

#[test]
fn subnet_ids_are_checked_before_a_token_is_sent() {
    let id = SubnetId::parse(SUBNET).expect("a subnet id");
    assert_eq!(id.subscription(), "sub");
    assert_eq!(id.segments().count(), 10);
    let lower = SUBNET.replace("resourceGroups", "resourcegroups");
    assert!(
        SubnetId::parse(&lower).is_ok(),
        "ARM ids compare case-insensitively"
    );
    for bad in [
        "",
        "subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualNetworks/v/subnets/s",
        "/subscriptions/sub/resourceGroups/../providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s?x=1",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s/extra",
        "/subscriptions//resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
    ] {
        assert!(SubnetId::parse(bad).is_err(), "{bad}");
    }
    assert!(SubnetId::parse(&format!("{SUBNET}{}", "x".repeat(2000))).is_err());
}

#[test]
fn the_subnet_prefix_comes_from_address_prefix_or_the_first_of_address_prefixes() {
    let single = json!({"id": SUBNET, "properties": {"addressPrefix": "10.0.1.0/27", "provisioningState": "Succeeded"}});
    assert_eq!(
        subnet_prefix(single.to_string().as_bytes())
            .expect("prefix")
            .to_string(),
        "10.0.1.0/27"
    );
    let listed = json!({"properties": {"addressPrefixes": ["10.0.2.0/26", "fd00::/64"]}});
    assert_eq!(
        subnet_prefix(listed.to_string().as_bytes())
            .expect("prefix")
            .length,
        26
    );
    let v6_first = json!({"properties": {"addressPrefixes": ["fd00::/64", "10.0.3.0/28"]}});
    assert_eq!(
        subnet_prefix(v6_first.to_string().as_bytes())
            .expect("prefix")
            .length,
        28
    );
    for bad in [
        json!({"properties": {}}),
        json!({"properties": {"addressPrefix": "not a prefix"}}),
        json!([]),
    ] {
        assert!(subnet_prefix(bad.to_string().as_bytes()).is_err(), "{bad}");
    }
    assert!(subnet_prefix(b"<html>").is_err());
}

#[test]
fn skus_give_a_maximum_per_known_tier_and_skip_the_rest() {
    let body = json!({
        "value": [
            {"resourceType": "Microsoft.ApiManagement/service", "sku": {"name": "Premium"},
             "capacity": {"minimum": 1, "maximum": 12, "default": 1, "scaleType": "automatic"}},
            {"sku": {"name": "Basic"}, "capacity": {"maximum": "2"}},
            {"sku": {"name": "Gold"}, "capacity": {"maximum": 99}},
            {"sku": {"name": "Standard"}, "capacity": {"maximum": -4}},
            {"sku": {"name": "StandardV2"}, "capacity": {"maximum": 1e30}},
            {"sku": {"name": "PremiumV2"}, "capacity": null},
            {"sku": {"name": "Developer"}, "capacity": {"maximum": 1}},
            "junk"
        ],
        "nextLink": null
    });
    let limits = parse_skus(body.to_string().as_bytes()).expect("a SKU list");
    let found: Vec<(Sku, u32)> = limits.iter().collect();
    assert_eq!(
        found,
        vec![(Sku::Developer, 1), (Sku::Basic, 2), (Sku::Premium, 12)]
    );
    assert!(parse_skus(b"{}").is_err());
    assert!(parse_skus(b"not json").is_err());
    let many = json!({"value": vec![json!({"sku": {"name": "Premium"}, "capacity": {"maximum": 5}}); 10_000]});
    assert_eq!(
        parse_skus(many.to_string().as_bytes())
            .expect("bounded")
            .max_units(Sku::Premium),
        Some(5)
    );
}
