//! The PATCH body of one capacity step: only what changes, and when regions change, the
//! whole `additionalLocations` array with every field of the regions that stay. Zones of
//! the primary region are the top-level `zones`; zones of an additional region are in its
//! `additionalLocations` entry.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::{Location, RegionUnits, RegionZones, Sku, zone_set};

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
    /// The pinned zones of every region after the step, a region not listed having none;
    /// `None` leaves every region's zones as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<RegionZones>>,
}

impl CapacityPatch {
    /// The zones `location` should end with (as a set), or `None` to leave them.
    fn zones_of(&self, location: &Location) -> Option<Vec<String>> {
        self.zones.as_ref().map(|list| {
            list.iter()
                .find(|z| &z.location == location)
                .map(|z| zone_set(&z.zones))
                .unwrap_or_default()
        })
    }
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
/// the top-level `zones` when the primary's zones change; the whole
/// `properties.additionalLocations` array when any additional region changes, zones
/// included (or the tier changes while additional regions exist). `customProperties` and
/// every other field are never sent.
pub fn build_patch_body(
    current: &ServiceResource,
    target: &CapacityPatch,
) -> Result<Option<Value>, AzureError> {
    if current.is_listed() {
        return Err(AzureError::InvalidPatch(
            "a change is never built on a listing's summary: read the service first".into(),
        ));
    }
    let live = &current.live;
    let primary = live
        .primary()
        .ok_or_else(|| AzureError::InvalidPatch("the service has no primary region".into()))?;
    validate_regions(&primary.location, &target.additional)?;
    validate_zones(&primary.location, target)?;

    let mut body = Map::new();
    let tier_changes = live.sku != target.sku;
    if tier_changes || primary.units != target.primary_units {
        body.insert(
            "sku".into(),
            json!({"name": target.sku.as_str(), "capacity": target.primary_units}),
        );
    }
    if let Some(zones) = target.zones_of(&primary.location)
        && zones != zone_set(&primary.zones)
    {
        body.insert("zones".into(), json!(zones));
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
    let zones_change = live
        .regions
        .iter()
        .filter(|r| !r.primary)
        .any(|r| zone_change(target, &r.location, &r.zones).is_some());
    if !same_regions || zones_change || (tier_changes && !target.additional.is_empty()) {
        let locations: Vec<Value> = target
            .additional
            .iter()
            .map(|region| additional_location(current, region, target))
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

/// Every location the target names zones for must be one of its regions.
fn validate_zones(primary: &Location, target: &CapacityPatch) -> Result<(), AzureError> {
    for entry in target.zones.iter().flatten() {
        let known = &entry.location == primary
            || target
                .additional
                .iter()
                .any(|r| r.location == entry.location);
        if !known {
            return Err(AzureError::InvalidPatch(format!(
                "zones are given for {}, which is not a region of the target",
                entry.location
            )));
        }
    }
    Ok(())
}

/// The zones a kept region changes to, when the target changes them.
fn zone_change(
    target: &CapacityPatch,
    location: &Location,
    live: &[String],
) -> Option<Vec<String>> {
    target
        .zones_of(location)
        .filter(|zones| *zones != zone_set(live))
}

/// One entry of `additionalLocations`: the kept region with every writable field, the new
/// `sku` and its new zones when they change, or a new region with only `location`, `sku`
/// and its zones when it has any.
fn additional_location(
    current: &ServiceResource,
    region: &RegionUnits,
    target: &CapacityPatch,
) -> Value {
    let sku = json!({"name": target.sku.as_str(), "capacity": region.units});
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
            let live = current
                .live
                .region(&region.location)
                .map(|r| r.zones.clone())
                .unwrap_or_default();
            if let Some(zones) = zone_change(target, &region.location, &live) {
                entry.insert("zones".into(), json!(zones));
            }
            Value::Object(entry)
        }
        _ => {
            let mut entry = json!({"location": region.location.as_str(), "sku": sku});
            if let Some(zones) = target.zones_of(&region.location).filter(|z| !z.is_empty()) {
                entry["zones"] = json!(zones);
            }
            entry
        }
    }
}
