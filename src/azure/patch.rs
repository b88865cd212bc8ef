//! The PATCH body of one capacity step: only what changes, and when regions change, the
//! whole `additionalLocations` array with every field of the regions that stay.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::{Location, RegionUnits, Sku};

use super::error::AzureError;
use super::model::ServiceResource;

/// The complete capacity the service should have after one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityPatch {
    /// The tier.
    pub sku: Sku,
    /// Units in the primary region (the service's own `location`).
    pub primary_units: u32,
    /// Every additional region with its units; regions not listed are removed.
    pub additional: Vec<RegionUnits>,
}

/// Fields of an additional location that Azure fills in and that a PATCH must not send.
const READ_ONLY_LOCATION_FIELDS: &[&str] = &[
    "gatewayRegionalUrl",
    "platformVersion",
    "publicIPAddresses",
    "privateIPAddresses",
    "outboundPublicIPAddresses",
];

/// Builds the PATCH body that takes `current` to `target`; `None` when nothing changes.
///
/// `sku {name, capacity}` is sent (both together) when the tier or the primary units change;
/// the whole `properties.additionalLocations` array is sent when any additional region
/// changes (or the tier changes while additional regions exist). `customProperties` and
/// every other field are never sent.
pub fn build_patch_body(
    current: &ServiceResource,
    target: &CapacityPatch,
) -> Result<Option<Value>, AzureError> {
    let live = &current.live;
    let primary = live
        .primary()
        .ok_or_else(|| AzureError::InvalidPatch("the service has no primary region".into()))?;
    validate_regions(&primary.location, &target.additional)?;

    let mut body = Map::new();
    let tier_changes = live.sku != target.sku;
    if tier_changes || primary.units != target.primary_units {
        body.insert(
            "sku".into(),
            json!({"name": target.sku.as_str(), "capacity": target.primary_units}),
        );
    }

    let current_additional: Vec<(&Location, u32)> = live
        .regions
        .iter()
        .filter(|r| !r.primary)
        .map(|r| (&r.location, r.units))
        .collect();
    let target_additional: Vec<(&Location, u32)> = target
        .additional
        .iter()
        .map(|r| (&r.location, r.units))
        .collect();
    let same_regions = current_additional.len() == target_additional.len()
        && target_additional
            .iter()
            .all(|t| current_additional.contains(t));
    if !same_regions || (tier_changes && !target.additional.is_empty()) {
        let locations: Vec<Value> = target
            .additional
            .iter()
            .map(|region| additional_location(current, region, target.sku))
            .collect();
        body.insert(
            "properties".into(),
            json!({"additionalLocations": locations}),
        );
    }

    Ok((!body.is_empty()).then_some(Value::Object(body)))
}

fn validate_regions(primary: &Location, additional: &[RegionUnits]) -> Result<(), AzureError> {
    let mut seen = HashSet::new();
    for region in additional {
        if region.location.is_empty() {
            return Err(AzureError::InvalidPatch(
                "an additional region has no location".into(),
            ));
        }
        if &region.location == primary {
            return Err(AzureError::InvalidPatch(format!(
                "{} is the primary region and cannot also be an additional region",
                region.location
            )));
        }
        if !seen.insert(&region.location) {
            return Err(AzureError::InvalidPatch(format!(
                "the additional region {} is listed twice",
                region.location
            )));
        }
    }
    Ok(())
}

/// One entry of `additionalLocations`: the kept region with every writable field and the
/// new `sku`, or a new region with only `location` and `sku`.
fn additional_location(current: &ServiceResource, region: &RegionUnits, sku: Sku) -> Value {
    let sku = json!({"name": sku.as_str(), "capacity": region.units});
    match current.additional_location_raw(&region.location) {
        Some(Value::Object(kept)) => {
            let mut entry: Map<String, Value> = kept
                .iter()
                .filter(|(key, value)| {
                    !value.is_null() && !READ_ONLY_LOCATION_FIELDS.contains(&key.as_str())
                })
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            entry.insert("sku".into(), sku);
            Value::Object(entry)
        }
        _ => json!({"location": region.location.as_str(), "sku": sku}),
    }
}
