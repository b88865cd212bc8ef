//! The service resource as JSON, shaped like Azure's answers (fixtures/arm/2024-05-01):
//! display-name locations, explicit nulls, server-filled read-only fields.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::location::Location;
use crate::seed::SeedService;
use crate::shape;
use crate::tiers::Sku;

/// Fields of an additional location the client sets; omitted ones reset to these defaults
/// when the array is replaced (merge-patch replaces arrays whole).
const REGION_DEFAULTS: &[(&str, Value)] = &[
    ("zones", Value::Null),
    ("publicIpAddressId", Value::Null),
    ("virtualNetworkConfiguration", Value::Null),
    ("disableGateway", Value::Bool(false)),
];

/// Read-only fields of an additional location, filled by the service.
const REGION_READ_ONLY: &[&str] = &[
    "publicIPAddresses",
    "privateIPAddresses",
    "gatewayRegionalUrl",
    "outboundPublicIPAddresses",
    "platformVersion",
];

pub const RESOURCE_TYPE: &str = "Microsoft.ApiManagement/service";

pub fn resource_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{RESOURCE_TYPE}/{name}"
    )
}

/// The `etag` of the `seq`-th version of a resource (Azure's look: base64 of 8 bytes).
pub fn etag(seq: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(seq.to_be_bytes())
}

pub(crate) fn fake_ip(name: &str, location: &str) -> String {
    let h = format!("{name}/{location}")
        .bytes()
        .fold(2166136261u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16777619)
        });
    format!(
        "20.{}.{}.{}",
        (h >> 16) & 0xff,
        (h >> 8) & 0xff,
        (h & 0xfe).max(4)
    )
}

fn regional_url(name: &str, location: &Location) -> String {
    format!(
        "https://{}-{}-01.regional.azure-api.net",
        name.to_lowercase(),
        location.as_str()
    )
}

/// A fresh additional location entry with every field Azure shows.
pub fn new_region(name: &str, location: &Location, sku: &str, capacity: i64) -> Value {
    json!({
        "location": location.display_name(),
        "sku": {"name": sku, "capacity": capacity},
        "zones": null,
        "publicIPAddresses": [fake_ip(name, location.as_str())],
        "privateIPAddresses": null,
        "publicIpAddressId": null,
        "virtualNetworkConfiguration": null,
        "gatewayRegionalUrl": regional_url(name, location),
        "natGatewayState": "Disabled",
        "outboundPublicIPAddresses": [fake_ip(name, location.as_str())],
        "disableGateway": false,
        "platformVersion": "stv2",
    })
}

/// The full resource body of a seeded service, idle.
pub fn from_seed(seed: &SeedService) -> Result<Value, SimError> {
    let sku: Sku = seed
        .sku
        .parse()
        .map_err(|e| SimError::Seed(format!("service {}: {e}", seed.name)))?;
    let location = Location::new(&seed.location);
    let regions: Vec<Value> = seed
        .additional_locations
        .iter()
        .map(|r| {
            let mut region = new_region(
                &seed.name,
                &Location::new(&r.location),
                sku.as_str(),
                i64::from(r.capacity),
            );
            region["zones"] = json!(r.zones);
            region["disableGateway"] = json!(r.disable_gateway);
            if let Some(id) = &r.subnet_resource_id {
                region["virtualNetworkConfiguration"] = vnet_configuration(id);
            }
            region
        })
        .collect();
    let mut body = new_service(
        &seed.subscription,
        &seed.resource_group,
        &seed.name,
        &location,
        sku,
        i64::from(seed.capacity),
    );
    body["tags"] = json!(seed.tags);
    body["zones"] = json!(seed.zones);
    if !regions.is_empty() {
        body["properties"]["additionalLocations"] = Value::Array(regions);
    }
    if let Some(id) = &seed.subnet_resource_id {
        body["properties"]["virtualNetworkConfiguration"] = vnet_configuration(id);
    }
    let injected = seed.subnet_resource_id.is_some()
        || seed
            .additional_locations
            .iter()
            .any(|r| r.subnet_resource_id.is_some());
    match (&seed.virtual_network_type, injected) {
        (Some(kind), _) => body["properties"]["virtualNetworkType"] = json!(kind),
        (None, true) => body["properties"]["virtualNetworkType"] = json!("External"),
        (None, false) => {}
    }
    if let Some(email) = &seed.publisher_email {
        body["properties"]["publisherEmail"] = json!(email);
    }
    if let Some(name) = &seed.publisher_name {
        body["properties"]["publisherName"] = json!(name);
    }
    if let Some(extra) = &seed.properties {
        merge_patch(&mut body["properties"], extra);
    }
    shape::check(&body)
        .map_err(|bad| SimError::Seed(format!("service {}: {}", seed.name, bad.message)))?;
    Ok(body)
}

/// `virtualNetworkConfiguration` of a region injected into the subnet `id`, as Azure shows it.
fn vnet_configuration(id: &str) -> Value {
    let name = id.rsplit('/').next().unwrap_or_default();
    json!({"vnetid": "00000000-0000-0000-0000-000000000000", "subnetname": name, "subnetResourceId": id})
}

/// A new idle service with Azure's defaults.
pub fn new_service(
    subscription: &str,
    resource_group: &str,
    name: &str,
    location: &Location,
    sku: Sku,
    capacity: i64,
) -> Value {
    let host = name.to_lowercase();
    let now = jiff::Timestamp::now().to_string();
    let classic = sku != Sku::Consumption;
    json!({
        "id": resource_id(subscription, resource_group, name),
        "name": name,
        "type": RESOURCE_TYPE,
        "tags": {},
        "location": location.display_name(),
        "etag": etag(1),
        "properties": {
            "publisherEmail": "admin@contoso.com",
            "publisherName": "Contoso",
            "notificationSenderEmail": "apimgmt-noreply@mail.windowsazure.com",
            "provisioningState": "Succeeded",
            "targetProvisioningState": "",
            "createdAtUtc": now,
            "gatewayUrl": format!("https://{host}.azure-api.net"),
            "gatewayRegionalUrl": if classic { json!(regional_url(name, location)) } else { Value::Null },
            "portalUrl": if classic { json!(format!("https://{host}.portal.azure-api.net")) } else { Value::Null },
            "developerPortalUrl": if classic { json!(format!("https://{host}.developer.azure-api.net")) } else { Value::Null },
            "managementApiUrl": if classic { json!(format!("https://{host}.management.azure-api.net")) } else { Value::Null },
            "scmUrl": if classic { json!(format!("https://{host}.scm.azure-api.net")) } else { Value::Null },
            "hostnameConfigurations": [{
                "type": "Proxy",
                "hostName": format!("{host}.azure-api.net"),
                "negotiateClientCertificate": false,
                "defaultSslBinding": true,
                "certificateSource": "BuiltIn",
            }],
            "publicIPAddresses": if classic { json!([fake_ip(name, location.as_str())]) } else { Value::Null },
            "privateIPAddresses": null,
            "additionalLocations": null,
            "virtualNetworkConfiguration": null,
            "customProperties": {
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2": "False",
            },
            "virtualNetworkType": "None",
            "certificates": null,
            "disableGateway": false,
            "natGatewayState": "Disabled",
            "outboundPublicIPAddresses": [],
            "apiVersionConstraint": {"minApiVersion": null},
            "publicIpAddressId": null,
            "publicNetworkAccess": "Enabled",
            "privateEndpointConnections": null,
            "platformVersion": if classic { "stv2" } else { "mtv1" },
            "developerPortalStatus": "Enabled",
            "legacyPortalStatus": "Enabled",
        },
        "sku": {"name": sku.as_str(), "capacity": capacity},
        "identity": null,
        "systemData": {
            "createdBy": "sim@contoso.com",
            "createdByType": "User",
            "createdAt": now,
            "lastModifiedBy": "sim@contoso.com",
            "lastModifiedByType": "User",
            "lastModifiedAt": now,
        },
        "zones": null,
    })
}

/// RFC 7396 JSON merge-patch: objects merge, `null` removes, everything else (arrays too)
/// replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// Puts a candidate resource into Azure's written form after a client's change: display
/// names for locations, tier names as Azure spells them, and every additional location
/// completed with defaults for omitted fields and the service's read-only fields.
pub fn normalise(candidate: &mut Value, previous: &Value) {
    let name = candidate["name"].as_str().unwrap_or_default().to_string();
    if let Some(location) = candidate["location"].as_str() {
        candidate["location"] = json!(Location::new(location).display_name());
    }
    canonical_sku(&mut candidate["sku"]);
    // Merge-patch `null` removed the key; Azure shows it as an explicit null.
    for key in ["additionalLocations", "virtualNetworkConfiguration"] {
        if candidate["properties"].get(key).is_none() && candidate["properties"].is_object() {
            candidate["properties"][key] = Value::Null;
        }
    }
    if candidate.get("zones").is_none() {
        candidate["zones"] = Value::Null;
    }
    let service_sku = candidate["sku"]["name"].clone();
    let Some(regions) = candidate["properties"]["additionalLocations"].as_array_mut() else {
        return;
    };
    let old_regions = previous["properties"]["additionalLocations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for region in regions.iter_mut() {
        let Some(location) = region["location"].as_str().map(Location::new) else {
            continue;
        };
        if !region.is_object() {
            continue;
        }
        let old = old_regions
            .iter()
            .find(|r| r["location"].as_str().map(Location::new).as_ref() == Some(&location))
            .cloned();
        let fresh = new_region(
            &name,
            &location,
            service_sku.as_str().unwrap_or_default(),
            0,
        );
        region["location"] = json!(location.display_name());
        canonical_sku(&mut region["sku"]);
        for (key, default) in REGION_DEFAULTS {
            if region.get(*key).is_none() {
                region[*key] = default.clone();
            }
        }
        if region.get("natGatewayState").is_none() {
            region["natGatewayState"] = json!("Disabled");
        }
        for key in REGION_READ_ONLY {
            let source = old.as_ref().unwrap_or(&fresh);
            region[*key] = source.get(*key).cloned().unwrap_or(Value::Null);
        }
    }
}

fn canonical_sku(sku: &mut Value) {
    if let Some(parsed) = sku["name"].as_str().and_then(|n| n.parse::<Sku>().ok()) {
        sku["name"] = json!(parsed.as_str());
    }
}

/// The tier and units of the primary region, when readable.
pub fn primary_sku(body: &Value) -> (Option<Sku>, Option<i64>) {
    (
        body["sku"]["name"].as_str().and_then(|n| n.parse().ok()),
        body["sku"]["capacity"].as_i64(),
    )
}

/// The additional locations of a resource (empty when `null`).
pub fn regions(body: &Value) -> Vec<Value> {
    body["properties"]["additionalLocations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}
