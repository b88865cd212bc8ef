//! Availability zones beyond the tier table (ARM-NOTES §2): a subscription may be refused
//! zones in a region (`--zones-not-enabled`, 400 `NotSupported`), the v2 tiers'
//! `zoneRedundant` is fixed at creation, and a zone change is an operation of its own that
//! gives the region new IP addresses.

use serde_json::{Value, json};

use crate::config::SimConfig;
use crate::location::Location;
use crate::reply::ArmError;
use crate::resource::{fake_ip, primary_sku, regions};
use crate::tiers::Zones;

/// A zone list as a set (sorted, without duplicates); `null` or absent is empty.
fn zone_set(value: &Value) -> Vec<String> {
    let mut zones: Vec<String> = value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|z| z.as_str().map(|z| z.trim().to_string()))
        .filter(|z| !z.is_empty())
        .collect();
    zones.sort();
    zones.dedup();
    zones
}

/// Every region with its zones and a pointer to its JSON (`""` for the primary, whose
/// zones are the top-level `zones`).
fn region_zones(body: &Value) -> Vec<(Location, Vec<String>, String)> {
    let primary = (
        Location::new(body["location"].as_str().unwrap_or_default()),
        zone_set(&body["zones"]),
        String::new(),
    );
    let additional = regions(body).into_iter().enumerate().map(|(i, r)| {
        (
            Location::new(r["location"].as_str().unwrap_or_default()),
            zone_set(&r["zones"]),
            format!("/properties/additionalLocations/{i}"),
        )
    });
    std::iter::once(primary).chain(additional).collect()
}

/// The regions present in both whose zones differ, with the pointer into `candidate`.
fn changed(current: &Value, candidate: &Value) -> Vec<(Location, String)> {
    let before = region_zones(current);
    region_zones(candidate)
        .into_iter()
        .filter(|(location, zones, _)| {
            before
                .iter()
                .any(|(l, old, _)| l == location && old != zones)
        })
        .map(|(location, _, pointer)| (location, pointer))
        .collect()
}

/// Whether the zones of a region the service keeps change.
pub fn zones_change(current: &Value, candidate: &Value) -> bool {
    !changed(current, candidate).is_empty()
}

/// Checks the zones of a change (`current` is `None` for a create): zones pinned in a
/// region the subscription may not use them in, and a changed `zoneRedundant`.
pub fn check(
    config: &SimConfig,
    subscription: &str,
    current: Option<&Value>,
    candidate: &Value,
) -> Result<(), ArmError> {
    let before = current.map(region_zones).unwrap_or_default();
    let refused: Vec<Location> = config
        .zones_not_enabled
        .iter()
        .map(|l| Location::new(l))
        .collect();
    for (location, zones, _) in region_zones(candidate) {
        let unchanged = before
            .iter()
            .any(|(l, old, _)| *l == location && *old == zones);
        if zones.is_empty() || unchanged || !refused.contains(&location) {
            continue;
        }
        return Err(ArmError::bad_request(
            "NotSupported",
            format!(
                "Subscription {subscription} is not enabled for Availability Zone deployment in \
                 location '{}'.",
                location.display_name()
            ),
        ));
    }
    zone_redundancy(current, candidate)
}

/// `properties.zoneRedundant` only on the tiers with zones at creation, and never changed.
fn zone_redundancy(current: Option<&Value>, candidate: &Value) -> Result<(), ArmError> {
    let flag = |body: &Value| {
        body["properties"]["zoneRedundant"]
            .as_bool()
            .unwrap_or(false)
    };
    let wanted = flag(candidate);
    let invalid = |message: String| {
        Err(ArmError::bad_request("InvalidParameters", message)
            .with_target("properties.zoneRedundant"))
    };
    match current {
        Some(current) if flag(current) != wanted => invalid(format!(
            "The zone redundancy of an API Management service can only be chosen when it is \
             created; the service is {}zone redundant.",
            if flag(current) { "" } else { "not " }
        )),
        None if wanted => match primary_sku(candidate).0 {
            Some(sku) if sku.zones() == Zones::AtCreation => Ok(()),
            sku => invalid(format!(
                "Zone redundancy is supported only for the StandardV2 and PremiumV2 SKUs, not \
                 '{}'.",
                sku.map(|s| s.as_str()).unwrap_or("unknown")
            )),
        },
        _ => Ok(()),
    }
}

/// A region whose zones change gets new public IP addresses, as in Azure.
pub fn renumber(current: &Value, candidate: &mut Value, name: &str) {
    for (location, pointer) in changed(current, candidate) {
        let salted = format!(
            "{name}/zones/{}",
            zone_set(&zone_holder(candidate, &pointer)).join(",")
        );
        let address = json!([fake_ip(&salted, location.as_str())]);
        let target = if pointer.is_empty() {
            candidate.get_mut("properties")
        } else {
            candidate.pointer_mut(&pointer)
        };
        if let Some(region) = target.filter(|r| r.is_object()) {
            region["publicIPAddresses"] = address;
        }
    }
}

/// The zone list of the region at `pointer` (`""`: the primary's top-level `zones`).
fn zone_holder(body: &Value, pointer: &str) -> Value {
    if pointer.is_empty() {
        body["zones"].clone()
    } else {
        body.pointer(pointer)
            .map(|r| r["zones"].clone())
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn premium(zones: Value, east: Value) -> Value {
        json!({"location": "West Europe", "sku": {"name": "Premium", "capacity": 2}, "zones": zones,
               "properties": {"publicIPAddresses": ["20.0.0.1"], "additionalLocations": [
                   {"location": "East US", "sku": {"name": "Premium", "capacity": 2}, "zones": east,
                    "publicIPAddresses": ["20.0.0.2"]}]}})
    }

    #[test]
    fn a_region_without_zones_enabled_refuses_new_zones_only() {
        let config = SimConfig {
            zones_not_enabled: vec!["East US".into()],
            ..SimConfig::default()
        };
        let now = premium(json!(null), json!(["1"]));
        let primary = premium(json!(["1", "2"]), json!(["1"]));
        assert!(check(&config, "sub", Some(&now), &primary).is_ok());
        let east = premium(json!(null), json!(["1", "2"]));
        let error = check(&config, "sub", Some(&now), &east).expect_err("refused");
        assert_eq!((error.status, error.code.as_str()), (400, "NotSupported"));
        assert!(
            error
                .message
                .contains("not enabled for Availability Zone deployment in location 'East US'")
        );
        let removed = premium(json!(null), json!(null));
        assert!(check(&config, "sub", Some(&now), &removed).is_ok());
    }

    #[test]
    fn zone_changes_are_seen_and_renumber_the_region() {
        let now = premium(json!(["1"]), json!(null));
        let mut next = premium(json!(["2", "1"]), json!(null));
        assert!(zones_change(&now, &next));
        assert!(!zones_change(&now, &premium(json!(["1"]), json!([]))));
        renumber(&now, &mut next, "svc");
        assert_ne!(next["properties"]["publicIPAddresses"], json!(["20.0.0.1"]));
        assert_eq!(
            next["properties"]["additionalLocations"][0]["publicIPAddresses"],
            json!(["20.0.0.2"])
        );
    }

    #[test]
    fn zone_redundancy_is_chosen_at_creation() {
        let v2 = |redundant: bool| {
            json!({"location": "West Europe", "sku": {"name": "PremiumV2", "capacity": 1},
                   "properties": {"zoneRedundant": redundant}})
        };
        let config = SimConfig::default();
        assert!(check(&config, "s", Some(&v2(true)), &v2(true)).is_ok());
        let error = check(&config, "s", Some(&v2(false)), &v2(true)).expect_err("immutable");
        assert_eq!(error.target.as_deref(), Some("properties.zoneRedundant"));
        assert!(check(&config, "s", None, &v2(true)).is_ok());
        let mut basic = v2(true);
        basic["sku"]["name"] = json!("BasicV2");
        assert!(check(&config, "s", None, &basic).is_err());
    }
}
