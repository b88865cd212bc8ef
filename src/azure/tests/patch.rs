use serde_json::json;

use crate::azure::error::{AzureError, ErrorKind};
use crate::azure::patch::{CapacityPatch, build_patch_body};
use crate::domain::{Location, RegionUnits, RegionZones, Sku};

use super::premium;

fn region(location: &str, units: u32) -> RegionUnits {
    RegionUnits {
        location: Location::new(location),
        units,
    }
}

fn unchanged() -> CapacityPatch {
    CapacityPatch {
        sku: Sku::Premium,
        primary_units: 3,
        additional: vec![region("eastus", 2), region("northeurope", 1)],
        zones: None,
    }
}

#[test]
fn a_change_is_never_built_on_a_listed_summary() {
    let listed = crate::azure::ServiceResource::from_listing(premium().live);
    assert!(listed.is_listed());
    let target = CapacityPatch {
        primary_units: 4,
        ..unchanged()
    };
    let error = build_patch_body(&listed, &target).expect_err("refused");
    assert!(error.to_string().contains("listing"), "{error}");
}

#[test]
fn nothing_to_change_gives_no_body() {
    assert_eq!(build_patch_body(&premium(), &unchanged()).unwrap(), None);
    let mut reordered = unchanged();
    reordered.additional.reverse();
    assert_eq!(build_patch_body(&premium(), &reordered).unwrap(), None);
}

#[test]
fn primary_units_send_sku_name_and_capacity_together_and_nothing_else() {
    let target = CapacityPatch {
        primary_units: 4,
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    assert_eq!(body, json!({"sku": {"name": "Premium", "capacity": 4}}));
}

#[test]
fn one_region_change_sends_the_whole_array_keeping_every_writable_field() {
    let target = CapacityPatch {
        additional: vec![region("eastus", 4), region("North Europe", 1)],
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    assert!(body.get("sku").is_none(), "the primary does not change");
    assert_eq!(
        body,
        json!({"properties": {"additionalLocations": [
            {
                "location": "East US",
                "sku": {"name": "Premium", "capacity": 4},
                "zones": ["1", "2"],
                "virtualNetworkConfiguration": {"subnetResourceId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim"},
                "publicIpAddressId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip-eastus",
                "natGatewayState": "Disabled",
                "disableGateway": false,
                "someFutureField": {"kept": true}
            },
            {
                "location": "North Europe",
                "sku": {"name": "Premium", "capacity": 1},
                "disableGateway": true
            }
        ]}})
    );
}

#[test]
fn read_only_fields_and_custom_properties_are_never_sent() {
    let target = CapacityPatch {
        sku: Sku::Premium,
        primary_units: 5,
        additional: vec![region("eastus", 3), region("westus2", 1)],
        zones: None,
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    let properties = body["properties"].as_object().unwrap();
    assert_eq!(
        properties.keys().collect::<Vec<_>>(),
        vec!["additionalLocations"]
    );
    for entry in properties["additionalLocations"].as_array().unwrap() {
        for field in [
            "gatewayRegionalUrl",
            "platformVersion",
            "publicIPAddresses",
            "privateIPAddresses",
            "outboundPublicIPAddresses",
        ] {
            assert!(entry.get(field).is_none(), "{field} was sent: {entry}");
        }
    }
    assert!(!body.to_string().contains("customProperties"));
    assert_eq!(body["sku"], json!({"name": "Premium", "capacity": 5}));
}

#[test]
fn new_regions_get_location_and_sku_only_and_removed_ones_disappear() {
    let target = CapacityPatch {
        additional: vec![region("eastus", 2), region("westus2", 1)],
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    let locations = body["properties"]["additionalLocations"]
        .as_array()
        .unwrap();
    assert_eq!(locations.len(), 2, "North Europe is removed");
    assert_eq!(
        locations[0]["zones"],
        json!(["1", "2"]),
        "East US kept whole"
    );
    assert_eq!(
        locations[1],
        json!({"location": "westus2", "sku": {"name": "Premium", "capacity": 1}})
    );
}

#[test]
fn removing_every_region_sends_an_empty_array() {
    let target = CapacityPatch {
        additional: vec![],
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    assert_eq!(body, json!({"properties": {"additionalLocations": []}}));
}

#[test]
fn a_tier_change_sends_sku_and_keeps_regions_consistent() {
    let current = premium();
    // Premium to Standard once the regions are gone.
    let single = {
        let mut body = super::premium_body();
        body["properties"]["additionalLocations"] = json!(null);
        crate::azure::model::ServiceResource::from_value(body).unwrap()
    };
    let down = CapacityPatch {
        sku: Sku::Standard,
        primary_units: 3,
        additional: vec![],
        zones: None,
    };
    assert_eq!(
        build_patch_body(&single, &down).unwrap().unwrap(),
        json!({"sku": {"name": "Standard", "capacity": 3}})
    );
    // A tier change with regions kept renames the sku of every region too.
    let renamed = CapacityPatch {
        sku: Sku::Developer,
        ..unchanged()
    };
    let body = build_patch_body(&current, &renamed).unwrap().unwrap();
    assert_eq!(body["sku"]["name"], json!("Developer"));
    for entry in body["properties"]["additionalLocations"]
        .as_array()
        .unwrap()
    {
        assert_eq!(entry["sku"]["name"], json!("Developer"));
    }
}

#[test]
fn inconsistent_targets_are_refused() {
    for additional in [
        vec![region("West Europe", 1)],
        vec![region("eastus", 1), region("East US", 2)],
        vec![region("", 1)],
    ] {
        let target = CapacityPatch {
            additional,
            ..unchanged()
        };
        let error = build_patch_body(&premium(), &target).unwrap_err();
        assert!(matches!(error, AzureError::InvalidPatch(_)), "{error}");
        assert_eq!(error.kind(), ErrorKind::Terminal);
    }
}

fn zones_of(list: &[(&str, &[&str])]) -> Option<Vec<RegionZones>> {
    Some(
        list.iter()
            .map(|(location, zones)| RegionZones {
                location: Location::new(location),
                zones: zones.iter().map(|z| z.to_string()).collect(),
            })
            .collect(),
    )
}

/// The zones premium() has: West Europe 1-3, East US 1-2, North Europe none.
const LIVE_ZONES: &[(&str, &[&str])] = &[("westeurope", &["1", "2", "3"]), ("eastus", &["1", "2"])];

#[test]
fn the_same_zones_in_any_order_send_nothing() {
    let target = CapacityPatch {
        zones: zones_of(&[("westeurope", &["3", "2", "1"]), ("East US", &["2", "1"])]),
        ..unchanged()
    };
    assert_eq!(build_patch_body(&premium(), &target).unwrap(), None);
}

#[test]
fn primary_zones_are_the_top_level_zones_and_nothing_else() {
    let target = CapacityPatch {
        zones: zones_of(&[("westeurope", &["1", "2"]), ("eastus", &["1", "2"])]),
        ..unchanged()
    };
    assert_eq!(
        build_patch_body(&premium(), &target).unwrap().unwrap(),
        json!({"zones": ["1", "2"]})
    );
    let unpinned = CapacityPatch {
        zones: zones_of(&[("eastus", &["1", "2"])]),
        ..unchanged()
    };
    assert_eq!(
        build_patch_body(&premium(), &unpinned).unwrap().unwrap(),
        json!({"zones": []}),
        "a region not listed has no pinned zones"
    );
}

#[test]
fn additional_zones_replace_the_whole_array_keeping_every_other_field() {
    let target = CapacityPatch {
        zones: zones_of(&[
            ("westeurope", &["1", "2", "3"]),
            ("eastus", &["1", "2", "3"]),
            ("northeurope", &["1"]),
        ]),
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    assert_eq!(
        body,
        json!({"properties": {"additionalLocations": [
            {
                "location": "East US",
                "sku": {"name": "Premium", "capacity": 2},
                "zones": ["1", "2", "3"],
                "virtualNetworkConfiguration": {"subnetResourceId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim"},
                "publicIpAddressId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip-eastus",
                "natGatewayState": "Disabled",
                "disableGateway": false,
                "someFutureField": {"kept": true}
            },
            {
                "location": "North Europe",
                "sku": {"name": "Premium", "capacity": 1},
                "zones": ["1"],
                "disableGateway": true
            }
        ]}})
    );
}

#[test]
fn a_new_region_gets_its_zones_and_zones_of_unknown_regions_are_refused() {
    let mut zones = LIVE_ZONES.to_vec();
    zones.push(("westus2", &["1", "2"]));
    let target = CapacityPatch {
        additional: vec![
            region("eastus", 2),
            region("northeurope", 1),
            region("westus2", 2),
        ],
        zones: zones_of(&zones),
        ..unchanged()
    };
    let body = build_patch_body(&premium(), &target).unwrap().unwrap();
    assert_eq!(
        body["properties"]["additionalLocations"][2],
        json!({"location": "westus2", "sku": {"name": "Premium", "capacity": 2}, "zones": ["1", "2"]})
    );
    assert_eq!(
        body["properties"]["additionalLocations"][0]["zones"],
        json!(["1", "2"])
    );
    assert!(body.get("zones").is_none());
    let stray = CapacityPatch {
        zones: zones_of(&[("japaneast", &["1"])]),
        ..unchanged()
    };
    assert!(matches!(
        build_patch_body(&premium(), &stray),
        Err(AzureError::InvalidPatch(_))
    ));
}
