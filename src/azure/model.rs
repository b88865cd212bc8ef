//! The service resource as ARM returns it, parsed leniently into domain values while the
//! raw JSON is kept so a patch can preserve every field of the regions it keeps.

use std::fmt;

use serde_json::Value;

pub use crate::domain::ServiceRef;
use crate::domain::{LiveRegion, LiveService, Location, ProvisioningState, Sku, VnetType};

/// The service as ARM returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceResource {
    /// The parsed, normalised view.
    pub live: LiveService,
    /// The `etag` of the body (or the `ETag` header).
    pub etag: Option<String>,
    raw: Value,
    /// Read from a subscription's listing ([`ServiceResource::from_listing`]), not a GET.
    listed: bool,
}

/// Why a body is not a service resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The body is not JSON or misses a required field.
    Malformed(String),
    /// `sku.name` is not a known tier.
    UnknownSku(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Malformed(m) => f.write_str(m),
            ParseError::UnknownSku(s) => write!(f, "unknown tier {s:?}"),
        }
    }
}

impl ServiceResource {
    /// Parses a response body.
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ParseError::Malformed(format!("the body is not JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Parses a service resource from JSON, tolerating nulls, empty strings, unknown fields
    /// and display-name locations.
    pub fn from_value(raw: Value) -> Result<Self, ParseError> {
        if !raw.is_object() {
            return Err(ParseError::Malformed(
                "the body is not a JSON object".to_string(),
            ));
        }
        let id = text(raw.get("id")).unwrap_or_default();
        let location = text(raw.get("location"))
            .map(|l| Location::new(&l))
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ParseError::Malformed("the service has no location".to_string()))?;
        let sku_value = raw
            .get("sku")
            .filter(|s| s.is_object())
            .ok_or_else(|| ParseError::Malformed("the service has no sku".to_string()))?;
        let sku_name = text(sku_value.get("name"))
            .ok_or_else(|| ParseError::Malformed("the service has no sku.name".to_string()))?;
        let sku: Sku = sku_name
            .parse()
            .map_err(|_| ParseError::UnknownSku(sku_name.clone()))?;
        let primary_units = units(sku_value.get("capacity"), "sku.capacity")?;
        let properties = raw.get("properties").filter(|p| p.is_object());
        let prop = |name: &str| properties.and_then(|p| p.get(name));

        let mut regions = vec![LiveRegion {
            location,
            units: primary_units,
            primary: true,
            zones: zones(raw.get("zones")),
        }];
        for (index, entry) in array(prop("additionalLocations")).iter().enumerate() {
            let location = text(entry.get("location"))
                .map(|l| Location::new(&l))
                .filter(|l| !l.is_empty())
                .ok_or_else(|| {
                    ParseError::Malformed(format!("additionalLocations[{index}] has no location"))
                })?;
            let capacity = entry.get("sku").and_then(|s| s.get("capacity"));
            let what = format!("additionalLocations[{index}].sku.capacity");
            regions.push(LiveRegion {
                location,
                units: units(capacity, &what)?,
                primary: false,
                zones: zones(entry.get("zones")),
            });
        }

        let provisioning_state = text(prop("provisioningState"))
            .map(|s| ProvisioningState::parse(&s))
            .unwrap_or_else(|| ProvisioningState::Other(String::new()));
        let target_provisioning_state = text(prop("targetProvisioningState"));
        let zone_redundant = flag(prop("zoneRedundant"));
        let etag = text(raw.get("etag"));
        Ok(Self {
            live: LiveService {
                id,
                sku,
                regions,
                provisioning_state,
                target_provisioning_state,
                zone_redundant,
            },
            etag,
            raw,
            listed: false,
        })
    }

    /// The service as a subscription's listing reported it: the parsed view only, without
    /// the body. Enough to tell whether the service is in sync; never a base for a change
    /// ([`super::patch::build_patch_body`] refuses it).
    pub fn from_listing(live: LiveService) -> Self {
        Self {
            live,
            etag: None,
            raw: Value::Null,
            listed: true,
        }
    }

    /// Whether this came from a listing rather than a GET of the service.
    pub fn is_listed(&self) -> bool {
        self.listed
    }

    /// The JSON as ARM sent it.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// `properties.virtualNetworkType`: whether and how the service is injected into a
    /// virtual network (absent or unknown: not injected).
    pub fn virtual_network_type(&self) -> VnetType {
        text(self.property("virtualNetworkType"))
            .map(|t| VnetType::parse(&t))
            .unwrap_or_default()
    }

    /// The subnet each VNet-injected region uses: the primary's
    /// `properties.virtualNetworkConfiguration.subnetResourceId` and the same field of each
    /// additional location, for the regions that have one.
    pub fn subnet_ids(&self) -> Vec<(Location, String)> {
        let subnet = |entry: Option<&Value>| {
            text(
                entry
                    .and_then(|e| e.get("virtualNetworkConfiguration"))
                    .and_then(|c| c.get("subnetResourceId")),
            )
        };
        let primary = self
            .live
            .primary()
            .and_then(|p| subnet(self.raw.get("properties")).map(|id| (p.location.clone(), id)));
        let additional = array(self.property("additionalLocations"))
            .iter()
            .filter_map(|entry| {
                let location = Location::new(&text(entry.get("location"))?);
                subnet(Some(entry)).map(|id| (location, id))
            });
        primary.into_iter().chain(additional).collect()
    }

    fn property(&self, name: &str) -> Option<&Value> {
        self.raw.get("properties").and_then(|p| p.get(name))
    }

    /// The raw `additionalLocations` entry of a region, when the service runs there.
    pub fn additional_location_raw(&self, location: &Location) -> Option<&Value> {
        array(
            self.raw
                .get("properties")
                .and_then(|p| p.get("additionalLocations")),
        )
        .iter()
        .find(|entry| text(entry.get("location")).is_some_and(|l| &Location::new(&l) == location))
    }
}

/// A non-empty string value; numbers are accepted as text.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The items of an array value; null or absent is empty.
fn array(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A boolean, or its text; anything else is unknown.
fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn zones(value: Option<&Value>) -> Vec<String> {
    array(value).iter().filter_map(|z| text(Some(z))).collect()
}

/// A unit count: a non-negative integer or its text; null or absent is 0.
fn units(value: Option<&Value>, what: &str) -> Result<u32, ParseError> {
    let bad = || ParseError::Malformed(format!("{what} is not a unit count"));
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(0),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}
