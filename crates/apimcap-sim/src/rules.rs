//! Tier rules (ARM-NOTES §2) as Azure enforces them: a change that breaks one gets the
//! 400 Azure sends. Pure functions over the current and the candidate resource.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::config::V2_MIN_API_VERSION;
use crate::location::Location;
use crate::reply::ArmError;
use crate::resource::{primary_sku, regions};
use crate::tiers::{Generation, Sku, UnitLimits, Zones};

fn invalid(message: String, target: &str) -> ArmError {
    ArmError::bad_request("InvalidParameters", message).with_target(target)
}

/// A PATCH that touches `sku` must carry both `name` and `capacity`.
pub fn check_patch_sku(patch: &Value) -> Result<(), ArmError> {
    let Some(sku) = patch.get("sku") else {
        return Ok(());
    };
    for field in ["name", "capacity"] {
        if sku.get(field).is_none_or(Value::is_null) {
            return Err(ArmError::bad_request(
                "ValidationError",
                format!("The sku property '{field}' is required when the sku is updated."),
            )
            .with_target(&format!("sku.{field}")));
        }
    }
    Ok(())
}

/// Whether `api_version` is at least `minimum` (dates compared; a preview sorts before the
/// stable release of the same date).
pub fn api_version_at_least(api_version: &str, minimum: &str) -> bool {
    let key = |v: &str| {
        let date = v.get(..10).unwrap_or(v).to_string();
        (date, !v.contains("preview"))
    };
    key(api_version) >= key(minimum)
}

/// v2 tiers need api-version 2023-03-01-preview or later.
pub fn check_api_version_for_sku(sku: Sku, api_version: &str) -> Result<(), ArmError> {
    if sku.generation() == Generation::V2 && !api_version_at_least(api_version, V2_MIN_API_VERSION)
    {
        return Err(ArmError::bad_request(
            "OperationSupportedInSkuForApiVersions",
            format!(
                "The operation is supported for SKU '{sku}' only in API versions \
                 '{V2_MIN_API_VERSION}' and later. Requested API version: '{api_version}'."
            ),
        ));
    }
    Ok(())
}

fn parse_sku(value: &Value, target: &str) -> Result<Sku, ArmError> {
    let name = value.as_str().unwrap_or_default();
    name.parse::<Sku>().map_err(|_| {
        invalid(
            format!("The SKU '{name}' is invalid. Valid SKUs are: Developer, Basic, Standard, Premium, Consumption, Isolated, BasicV2, StandardV2, PremiumV2."),
            target,
        )
    })
}

fn check_units(
    sku: Sku,
    capacity: Option<i64>,
    target: &str,
    limits: &UnitLimits,
) -> Result<i64, ArmError> {
    let Some(capacity) = capacity else {
        return Err(invalid(
            format!("The capacity of the SKU '{sku}' must be a number."),
            target,
        ));
    };
    match sku {
        Sku::Consumption if capacity != 0 => Err(invalid(
            "For Consumption SKU Type capacity must be specified as 0.".to_string(),
            target,
        )),
        Sku::Consumption => Ok(0),
        Sku::Developer if capacity != 1 => Err(invalid(
            "For Developer SKU Type capacity must be specified as 1.".to_string(),
            target,
        )),
        _ if capacity < 1 => Err(invalid(
            format!("Capacity for SKU '{sku}' must be at least 1 unit."),
            target,
        )),
        _ if capacity > i64::from(limits.max_units(sku)) => Err(invalid(
            format!(
                "The maximum capacity for SKU '{sku}' is {} units per region; {capacity} was requested.",
                limits.max_units(sku)
            ),
            target,
        )),
        _ => Ok(capacity),
    }
}

fn zones_of(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|z| {
            z.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn check_zones(
    sku: Sku,
    units: i64,
    zones: &[String],
    previous_zones: &[String],
    target: &str,
    divisibility: bool,
) -> Result<(), ArmError> {
    if zones.is_empty() {
        return Ok(());
    }
    match sku.zones() {
        Zones::PerRegion => {}
        Zones::AtCreation if zones == previous_zones => {}
        Zones::AtCreation => {
            return Err(invalid(
                format!(
                    "Availability zones of a '{sku}' service can only be set when it is created."
                ),
                target,
            ));
        }
        Zones::Never => {
            return Err(invalid(
                format!(
                    "Availability zones are not supported for SKU '{sku}'. Use the Premium SKU."
                ),
                target,
            ));
        }
    }
    if divisibility && units % zones.len() as i64 != 0 {
        return Err(invalid(
            format!(
                "The capacity ({units}) must be a multiple of the number of availability zones ({}).",
                zones.len()
            ),
            target,
        ));
    }
    Ok(())
}

/// Checks a candidate resource (the current one with the change applied) against the tier
/// rules. `current` is `None` for a create.
pub fn check_change(
    current: Option<&Value>,
    candidate: &Value,
    limits: &UnitLimits,
    divisibility: bool,
) -> Result<(), ArmError> {
    let to = parse_sku(&candidate["sku"]["name"], "sku.name")?;
    let (from, _) = current.map(primary_sku).unwrap_or((Some(to), None));
    if let Some(from) = from
        && from != to
        && (!from.can_change_to(to) || from == Sku::Consumption || to == Sku::Consumption)
    {
        return Err(invalid(
            format!(
                "Updating the SKU of an API Management service from '{from}' to '{to}' is not supported."
            ),
            "sku.name",
        ));
    }
    let units = check_units(
        to,
        candidate["sku"]["capacity"].as_i64(),
        "sku.capacity",
        limits,
    )?;
    let previous_zones = current.map(|c| zones_of(&c["zones"])).unwrap_or_default();
    let zones = zones_of(&candidate["zones"]);
    let zones_before = if current.is_none() {
        zones.clone()
    } else {
        previous_zones
    };
    check_zones(to, units, &zones, &zones_before, "zones", divisibility)?;

    let additional = regions(candidate);
    if !additional.is_empty() && !to.multi_region() {
        return Err(invalid(
            format!(
                "Additional locations are supported only in the Premium SKU; the service is '{to}'."
            ),
            "properties.additionalLocations",
        ));
    }
    let primary = Location::new(candidate["location"].as_str().unwrap_or_default());
    let mut seen = BTreeSet::from([primary.clone()]);
    for (i, region) in additional.iter().enumerate() {
        let target = format!("properties.additionalLocations[{i}]");
        let Some(location) = region["location"].as_str().map(Location::new) else {
            return Err(ArmError::bad_request(
                "ValidationError",
                "The location of an additional location is required.",
            )
            .with_target(&format!("{target}.location")));
        };
        if !seen.insert(location.clone()) {
            return Err(invalid(
                format!(
                    "Location '{}' is listed more than once (the primary location cannot be an additional location).",
                    location.display_name()
                ),
                &format!("{target}.location"),
            ));
        }
        let sku = parse_sku(&region["sku"]["name"], &format!("{target}.sku.name"))?;
        if sku != to {
            return Err(invalid(
                format!(
                    "The SKU of additional location '{}' must be '{to}'.",
                    location.display_name()
                ),
                &format!("{target}.sku.name"),
            ));
        }
        let units = check_units(
            sku,
            region["sku"]["capacity"].as_i64(),
            &format!("{target}.sku.capacity"),
            limits,
        )?;
        let zones = zones_of(&region["zones"]);
        check_zones(
            sku,
            units,
            &zones,
            &zones,
            &format!("{target}.zones"),
            divisibility,
        )?;
    }
    Ok(())
}

/// The location of an existing service cannot change.
pub fn check_location(current: &Value, candidate: &Value, rg: &str) -> Result<(), ArmError> {
    let old = Location::new(current["location"].as_str().unwrap_or_default());
    let new = Location::new(candidate["location"].as_str().unwrap_or_default());
    if old != new {
        let name = current["name"].as_str().unwrap_or_default();
        return Err(ArmError::bad_request(
            "InvalidResourceLocation",
            format!(
                "The resource '{name}' already exists in location '{}' in resource group '{rg}'. \
                 A resource with the same name cannot be created in location '{}'. \
                 Please select a new resource name.",
                old.as_str(),
                new.as_str()
            ),
        ));
    }
    Ok(())
}
