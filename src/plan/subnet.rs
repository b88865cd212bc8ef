//! Subnet headroom of VNet-injected services: each unit takes addresses in the region's
//! subnet (2, or 1 on Developer), an internal load balancer one more, and Azure reserves 5
//! addresses in every subnet, so the prefix caps the units: /29 → 1, /28 → 5, /27 → 13,
//! /26 → 29, /25 → 61. A scale-up past that fails in Azure after a long wait; the planner
//! refuses it before anything is sent.
//!
//! Checked for the tiers that inject units into a subnet (Developer, Basic, Standard,
//! Premium and PremiumV2, whose delegated subnet follows the same count); BasicV2 and
//! StandardV2 only integrate with a network for outbound traffic and are not checked.

use serde::{Deserialize, Serialize};

use crate::domain::{Location, Sku, SubnetPrefix, VnetType};

use super::{BlockReason, Blocked};

/// What the operator learned about a region's subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetFacts {
    /// The subnet's address prefix (`properties.addressPrefix` of the subnet).
    pub prefix: SubnetPrefix,
    /// The service's `virtualNetworkType` (External or Internal).
    pub vnet: VnetType,
}

/// Addresses Azure reserves in every subnet.
pub const RESERVED_ADDRESSES: u64 = 5;

/// Addresses per unit, for the tiers whose units take subnet addresses.
fn per_unit(sku: Sku) -> Option<u64> {
    match sku {
        Sku::Developer => Some(1),
        Sku::Basic | Sku::Standard | Sku::Premium | Sku::PremiumV2 => Some(2),
        _ => None,
    }
}

fn load_balancer(vnet: VnetType) -> u64 {
    u64::from(vnet == VnetType::Internal)
}

/// The addresses `units` units of `sku` take (with the internal load balancer), or `None`
/// when the tier is not checked or the service is not injected.
pub(super) fn addresses_needed(sku: Sku, vnet: VnetType, units: u32) -> Option<u64> {
    if vnet == VnetType::None {
        return None;
    }
    per_unit(sku).map(|each| each * u64::from(units) + load_balancer(vnet))
}

/// The most units of `sku` a subnet with prefix length `length` holds; `None` when the tier
/// is not checked or the service is not injected.
pub fn max_units_in_subnet(length: u8, vnet: VnetType, sku: Sku) -> Option<u32> {
    if vnet == VnetType::None {
        return None;
    }
    let each = per_unit(sku)?;
    let addresses = 1u64 << (32 - u32::from(length.min(32)));
    let usable = addresses
        .saturating_sub(RESERVED_ADDRESSES)
        .saturating_sub(load_balancer(vnet));
    Some(u32::try_from(usable / each).unwrap_or(u32::MAX))
}

/// The longest prefix (the smallest subnet) that holds `units` units of `sku`.
pub fn smallest_prefix_for(units: u32, vnet: VnetType, sku: Sku) -> Option<u8> {
    (0..=32u8)
        .rev()
        .find(|length| max_units_in_subnet(*length, vnet, sku).is_some_and(|max| max >= units))
}

/// Whether `units` units of `sku` fit in the subnet `prefix`; the block names the prefix,
/// the most units it holds and the prefix that would fit.
pub fn subnet_fits(
    prefix: &SubnetPrefix,
    vnet: VnetType,
    sku: Sku,
    units: u32,
) -> Result<(), Blocked> {
    let Some(max) = max_units_in_subnet(prefix.length, vnet, sku) else {
        return Ok(());
    };
    if units <= max {
        return Ok(());
    }
    let each = if sku == Sku::Developer {
        "1 address per unit"
    } else {
        "2 addresses per unit"
    };
    let balancer = if vnet == VnetType::Internal {
        ", 1 for the internal load balancer"
    } else {
        ""
    };
    let advice = match smallest_prefix_for(units, vnet, sku) {
        Some(length) => format!("use /{length} or a larger subnet, or ask for fewer units"),
        None => "ask for fewer units".to_string(),
    };
    let noun = if max == 1 { "unit" } else { "units" };
    Err(Blocked {
        reason: BlockReason::SubnetTooSmall,
        message: format!(
            "{units} units of {sku} do not fit in subnet {prefix}: /{} allows at most {max} \
             {noun} ({each}{balancer}, {RESERVED_ADDRESSES} reserved by Azure); {advice}.",
            prefix.length
        ),
    })
}

/// [`subnet_fits`] for one region, naming it.
pub(super) fn region_fits(
    location: &Location,
    facts: &SubnetFacts,
    sku: Sku,
    units: u32,
) -> Result<(), Blocked> {
    subnet_fits(&facts.prefix, facts.vnet, sku, units).map_err(|blocked| Blocked {
        reason: blocked.reason,
        message: format!("{location}: {}", blocked.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(text: &str) -> SubnetPrefix {
        text.parse().expect("valid prefix")
    }

    #[test]
    fn prefixes_hold_the_units_arm_notes_gives() {
        let table = [(29, 1), (28, 5), (27, 13), (26, 29), (25, 61)];
        for (length, units) in table {
            for vnet in [VnetType::External, VnetType::Internal] {
                assert_eq!(
                    max_units_in_subnet(length, vnet, Sku::Premium),
                    Some(units),
                    "/{length} {vnet:?}"
                );
            }
            assert_eq!(
                smallest_prefix_for(units, VnetType::External, Sku::Premium),
                Some(length)
            );
        }
        assert_eq!(
            max_units_in_subnet(29, VnetType::External, Sku::Developer),
            Some(3)
        );
        assert_eq!(
            max_units_in_subnet(30, VnetType::Internal, Sku::Premium),
            Some(0)
        );
        assert_eq!(
            max_units_in_subnet(27, VnetType::External, Sku::StandardV2),
            None
        );
        assert_eq!(max_units_in_subnet(27, VnetType::None, Sku::Premium), None);
    }

    #[test]
    fn a_scale_up_past_the_subnet_names_prefix_limit_and_fit() {
        let small = prefix("10.0.1.0/27");
        assert_eq!(
            subnet_fits(&small, VnetType::External, Sku::Premium, 13),
            Ok(())
        );
        let blocked = subnet_fits(&small, VnetType::Internal, Sku::Premium, 14)
            .expect_err("14 units do not fit in a /27");
        assert_eq!(blocked.reason, BlockReason::SubnetTooSmall);
        assert_eq!(
            blocked.message,
            "14 units of Premium do not fit in subnet 10.0.1.0/27: /27 allows at most 13 units \
             (2 addresses per unit, 1 for the internal load balancer, 5 reserved by Azure); use \
             /26 or a larger subnet, or ask for fewer units."
        );
        let tiny = subnet_fits(&prefix("10.0.2.0/29"), VnetType::External, Sku::Premium, 2)
            .expect_err("2 units do not fit in a /29");
        assert!(
            tiny.message
                .contains("/29 allows at most 1 unit (2 addresses per unit, 5")
        );
        assert!(tiny.message.contains("use /28"));
    }

    #[test]
    fn tiers_without_injected_units_are_not_checked() {
        let small = prefix("10.0.1.0/29");
        assert_eq!(
            subnet_fits(&small, VnetType::External, Sku::BasicV2, 10),
            Ok(())
        );
        assert_eq!(
            subnet_fits(&small, VnetType::None, Sku::Premium, 10),
            Ok(())
        );
    }
}
