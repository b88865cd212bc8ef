use serde_json::json;

use crate::azure::model::{ParseError, ServiceRef, ServiceResource};
use crate::domain::{Location, ProvisioningState, Sku};

use super::{premium, premium_body};

#[test]
fn premium_service_parses_with_primary_first_and_normalised_locations() {
    let service = premium();
    let live = &service.live;
    assert_eq!(live.sku, Sku::Premium);
    assert_eq!(live.provisioning_state, ProvisioningState::Succeeded);
    assert_eq!(live.target_provisioning_state, None);
    assert!(!live.is_busy());
    assert_eq!(service.etag.as_deref(), Some("AAAAAAAAAAA="));
    let regions: Vec<(&str, u32, bool)> = live
        .regions
        .iter()
        .map(|r| (r.location.as_str(), r.units, r.primary))
        .collect();
    assert_eq!(
        regions,
        vec![
            ("westeurope", 3, true),
            ("eastus", 2, false),
            ("northeurope", 1, false)
        ]
    );
    assert_eq!(live.regions[0].zones, vec!["1", "2", "3"]);
    assert_eq!(live.regions[1].zones, vec!["1", "2"]);
    assert!(live.regions[2].zones.is_empty(), "zones: null is no zones");
}

#[test]
fn nulls_empty_strings_and_unknown_fields_are_tolerated() {
    let service = ServiceResource::from_value(json!({
        "id": null,
        "location": "eastus2",
        "zones": null,
        "sku": {"name": "standard", "capacity": "2"},
        "brandNewTopLevelField": [1, 2, 3],
        "properties": {
            "provisioningState": "Updating",
            "targetProvisioningState": "Succeeded",
            "additionalLocations": null,
            "gatewayUrl": "",
            "customProperties": null
        }
    }))
    .expect("lenient parse");
    assert_eq!(service.live.sku, Sku::Standard);
    assert_eq!(service.live.regions.len(), 1);
    assert_eq!(service.live.regions[0].units, 2);
    assert_eq!(service.live.id, "");
    assert_eq!(service.etag, None);
    assert!(service.live.is_busy());
    assert_eq!(
        service.live.target_provisioning_state.as_deref(),
        Some("Succeeded")
    );
}

#[test]
fn missing_capacity_is_zero_and_missing_state_is_treated_as_busy() {
    let service = ServiceResource::from_value(json!({
        "location": "North Europe",
        "sku": {"name": "Consumption", "capacity": null}
    }))
    .expect("parses");
    assert_eq!(service.live.regions[0].units, 0);
    assert!(
        service.live.is_busy(),
        "an unknown provisioning state is busy"
    );
}

#[test]
fn unknown_sku_is_a_clear_error() {
    let mut body = premium_body();
    body["sku"]["name"] = json!("Gold");
    assert_eq!(
        ServiceResource::from_value(body),
        Err(ParseError::UnknownSku("Gold".into()))
    );
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    let cases: Vec<&[u8]> = vec![
        b"",
        b"not json",
        b"[]",
        b"null",
        b"{}",
        br#"{"location": "westeurope"}"#,
        br#"{"location": "westeurope", "sku": "Premium"}"#,
        br#"{"location": "westeurope", "sku": {"capacity": 1}}"#,
        br#"{"location": "", "sku": {"name": "Premium", "capacity": 1}}"#,
        br#"{"location": "westeurope", "sku": {"name": "Premium", "capacity": -1}}"#,
        br#"{"location": "westeurope", "sku": {"name": "Premium", "capacity": 1.5}}"#,
        br#"{"location": "westeurope", "sku": {"name": "Premium", "capacity": 99999999999}}"#,
        br#"{"location": "westeurope", "sku": {"name": "Premium", "capacity": 1}, "properties": {"additionalLocations": [{"sku": {"capacity": 1}}]}}"#,
        br#"{"location": "westeurope", "sku": {"name": "Premium", "capacity": 1}, "properties": {"additionalLocations": [{"location": "eastus", "sku": {"capacity": true}}]}}"#,
    ];
    for body in cases {
        let result = ServiceResource::from_slice(body);
        assert!(
            matches!(result, Err(ParseError::Malformed(_))),
            "{:?} gave {result:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn additional_location_raw_is_found_by_normalised_name() {
    let service = premium();
    let raw = service
        .additional_location_raw(&Location::new("eastus"))
        .expect("East US is there");
    assert_eq!(raw["natGatewayState"], json!("Disabled"));
    assert!(
        service
            .additional_location_raw(&Location::new("westus"))
            .is_none()
    );
}

#[test]
fn resource_id_is_the_arm_path() {
    let service = ServiceRef::new("sub", "rg", "apim");
    assert_eq!(
        service.resource_id(),
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim"
    );
    assert!(service.validate().is_ok());
    assert!(
        ServiceRef::new("sub", "rg/../x", "apim")
            .validate()
            .is_err()
    );
    assert!(ServiceRef::new("sub", "rg", " ").validate().is_err());
}
