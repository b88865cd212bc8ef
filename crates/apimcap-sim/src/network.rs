//! Subnets of VNet-injected services (ARM-NOTES §2): `GET` of a
//! `Microsoft.Network/virtualNetworks/subnets` resource with its `addressPrefix`, and the
//! room a subnet has for units. Each unit of a classic tier takes 2 addresses (Developer 1),
//! an Internal service 1 more for its load balancer, and Azure reserves 5 in every subnet:
//! /29 → 1 unit, /28 → 5, /27 → 13, /26 → 29, /25 → 61. A scale-up past that fails like
//! Azure fails it (`--subnet-full`).

use axum::body::Body;
use http::Response;
use serde_json::{Value, json};

use crate::config::{ErrorSpec, SimConfig, SubnetFull};
use crate::location::Location;
use crate::reply::{ArmError, json_response};
use crate::resource::{primary_sku, regions};
use crate::subnet::{Subnet, usable};
use crate::tiers::Sku;

/// The addresses `units` units of `sku` take in a subnet; `None` for tiers not injected.
fn addresses(sku: Sku, vnet_type: &str, units: i64) -> Option<i64> {
    let per_unit = match sku {
        Sku::Developer => 1,
        Sku::Basic | Sku::Standard | Sku::Premium => 2,
        _ => return None,
    };
    let internal = i64::from(vnet_type.eq_ignore_ascii_case("internal"));
    Some(per_unit * units + internal)
}

/// `GET` of a subnet, in Microsoft.Network's shape.
pub fn get(subnets: &[&Subnet], path: &str) -> Result<Response<Body>, ArmError> {
    let key = Subnet::key(path);
    let subnet = subnets
        .iter()
        .find(|s| Subnet::key(&s.id) == key)
        .ok_or_else(|| ArmError::new(404, "NotFound", format!("Resource {path} not found.")))?;
    let name = Subnet::parts(&subnet.id).map(|p| p.3).unwrap_or_default();
    Ok(json_response(
        200,
        &json!({
            "name": name,
            "id": subnet.id,
            "etag": "W/\"00000000-0000-0000-0000-000000000001\"",
            "properties": {
                "provisioningState": "Succeeded",
                "addressPrefix": subnet.address_prefix,
                "delegations": [],
                "privateEndpointNetworkPolicies": "Disabled",
                "privateLinkServiceNetworkPolicies": "Enabled",
            },
            "type": "Microsoft.Network/virtualNetworks/subnets",
        }),
    ))
}

/// Every region's (location, units, subnet id) of a service body, primary first.
fn injected_regions(body: &Value) -> Vec<(Location, i64, Option<String>)> {
    let subnet = |entry: &Value| {
        entry["virtualNetworkConfiguration"]["subnetResourceId"]
            .as_str()
            .map(str::to_string)
    };
    let primary = (
        Location::new(body["location"].as_str().unwrap_or_default()),
        body["sku"]["capacity"].as_i64().unwrap_or(0),
        subnet(&body["properties"]),
    );
    let additional = regions(body).into_iter().map(|r| {
        (
            Location::new(r["location"].as_str().unwrap_or_default()),
            r["sku"]["capacity"].as_i64().unwrap_or(0),
            subnet(&r),
        )
    });
    std::iter::once(primary).chain(additional).collect()
}

/// Checks that every injected region of `candidate` fits its subnet. A region that grows past
/// its subnet is refused now (`Err`), or its operation is to fail at the end (`Ok(Some)`),
/// per `--subnet-full`.
pub fn check(
    config: &SimConfig,
    subnets: &[&Subnet],
    current: &Value,
    candidate: &Value,
) -> Result<Option<ErrorSpec>, ArmError> {
    if config.subnet_full == SubnetFull::Off {
        return Ok(None);
    }
    let vnet = |body: &Value| {
        body["properties"]["virtualNetworkType"]
            .as_str()
            .unwrap_or("None")
            .to_string()
    };
    let (old_vnet, new_vnet) = (vnet(current), vnet(candidate));
    if new_vnet.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let (Some(old_sku), Some(new_sku)) = (primary_sku(current).0, primary_sku(candidate).0) else {
        return Ok(None);
    };
    let before = injected_regions(current);
    for (location, units, id) in injected_regions(candidate) {
        let Some(subnet) = id.and_then(|id| {
            subnets
                .iter()
                .find(|s| Subnet::key(&s.id) == Subnet::key(&id))
                .copied()
        }) else {
            continue;
        };
        let (Some(needed), Some(room)) = (
            addresses(new_sku, &new_vnet, units),
            usable(&subnet.address_prefix),
        ) else {
            continue;
        };
        let had = before
            .iter()
            .find(|(l, _, _)| *l == location)
            .and_then(|(_, u, _)| addresses(old_sku, &old_vnet, *u))
            .unwrap_or(0);
        if needed <= had || needed <= room {
            continue;
        }
        let name = Subnet::parts(&subnet.id).map(|p| p.3).unwrap_or_default();
        let error = ErrorSpec {
            status: 400,
            code: "SubnetIsFull".into(),
            message: format!(
                "Subnet {name} with address prefix {} does not have enough capacity for {} IP \
                 addresses.",
                subnet.address_prefix,
                needed - had
            ),
        };
        return match config.subnet_full {
            SubnetFull::Refuse => Err(ArmError::new(error.status, &error.code, error.message)),
            _ => Ok(Some(error)),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/apim";

    fn service(units: i64, vnet: &str) -> Value {
        json!({"location": "West Europe", "sku": {"name": "Premium", "capacity": units},
               "properties": {"virtualNetworkType": vnet,
                              "virtualNetworkConfiguration": {"subnetResourceId": ID}}})
    }

    #[test]
    fn prefixes_hold_the_units_the_notes_give() {
        for (length, units) in [(29, 1), (28, 5), (27, 13), (26, 29), (25, 61)] {
            let room = usable(&format!("10.0.0.0/{length}")).expect("a prefix");
            for vnet in ["External", "Internal"] {
                let fits = |u| addresses(Sku::Premium, vnet, u).is_some_and(|a| a <= room);
                assert!(fits(units) && !fits(units + 1), "/{length} {vnet}");
            }
        }
        assert_eq!(addresses(Sku::StandardV2, "External", 3), None);
    }

    #[test]
    fn a_scale_up_past_the_subnet_fails_as_switched() {
        let subnet = Subnet {
            id: ID.into(),
            address_prefix: "10.0.1.0/27".into(),
        };
        let subnets = [&subnet];
        let config = SimConfig::default();
        let fault = check(
            &config,
            &subnets,
            &service(2, "Internal"),
            &service(14, "Internal"),
        );
        let fault = fault.expect("accepted").expect("fails at the end");
        assert_eq!(fault.code, "SubnetIsFull");
        assert!(fault.message.contains("Subnet apim with address prefix 10.0.1.0/27 does not have enough capacity for 24 IP addresses."), "{}", fault.message);
        assert_eq!(
            check(
                &config,
                &subnets,
                &service(2, "External"),
                &service(13, "External")
            ),
            Ok(None)
        );
        let refuse = SimConfig {
            subnet_full: SubnetFull::Refuse,
            ..SimConfig::default()
        };
        let error = check(
            &refuse,
            &subnets,
            &service(2, "Internal"),
            &service(14, "Internal"),
        );
        assert_eq!(error.expect_err("refused").status, 400);
        assert_eq!(
            check(
                &config,
                &subnets,
                &service(14, "None"),
                &service(20, "None")
            ),
            Ok(None)
        );
    }
}
