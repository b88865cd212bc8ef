//! API Management tiers (SKUs) and the rules that hold for each of them.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An API Management tier, spelled as Azure spells it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Sku {
    Developer,
    Basic,
    Standard,
    Premium,
    /// Serverless tier; it has no units and cannot be changed to or from another tier.
    Consumption,
    /// Isolated (App Service Environment) tier; not managed by this operator.
    Isolated,
    BasicV2,
    StandardV2,
    PremiumV2,
}

/// The platform generation a tier belongs to. Azure cannot move a service between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Classic,
    V2,
    /// Consumption and Isolated: never change tier.
    Fixed,
}

impl Sku {
    pub const ALL: [Sku; 9] = [
        Sku::Developer,
        Sku::Basic,
        Sku::Standard,
        Sku::Premium,
        Sku::Consumption,
        Sku::Isolated,
        Sku::BasicV2,
        Sku::StandardV2,
        Sku::PremiumV2,
    ];

    /// Tiers this operator can move a service to.
    pub const TARGETS: [Sku; 7] = [
        Sku::Developer,
        Sku::Basic,
        Sku::Standard,
        Sku::Premium,
        Sku::BasicV2,
        Sku::StandardV2,
        Sku::PremiumV2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sku::Developer => "Developer",
            Sku::Basic => "Basic",
            Sku::Standard => "Standard",
            Sku::Premium => "Premium",
            Sku::Consumption => "Consumption",
            Sku::Isolated => "Isolated",
            Sku::BasicV2 => "BasicV2",
            Sku::StandardV2 => "StandardV2",
            Sku::PremiumV2 => "PremiumV2",
        }
    }

    pub fn generation(self) -> Generation {
        match self {
            Sku::Developer | Sku::Basic | Sku::Standard | Sku::Premium => Generation::Classic,
            Sku::BasicV2 | Sku::StandardV2 | Sku::PremiumV2 => Generation::V2,
            Sku::Consumption | Sku::Isolated => Generation::Fixed,
        }
    }

    /// Position within its generation; a higher rank is a higher tier. Moving to a lower
    /// rank is a downgrade, which needs the user's consent.
    pub fn rank(self) -> u8 {
        match self {
            Sku::Developer | Sku::BasicV2 | Sku::Consumption | Sku::Isolated => 0,
            Sku::Basic | Sku::StandardV2 => 1,
            Sku::Standard | Sku::PremiumV2 => 2,
            Sku::Premium => 3,
        }
    }

    /// Whether Azure can move a service from `self` to `to` (same generation, no fixed tier).
    pub fn can_change_to(self, to: Sku) -> bool {
        self == to
            || (self.generation() == to.generation() && self.generation() != Generation::Fixed)
    }

    /// Only classic Premium runs in more than one region.
    pub fn supports_multiple_regions(self) -> bool {
        self == Sku::Premium
    }

    /// Only classic Premium pins its regions to availability zones, and can change them.
    pub fn supports_pinned_zones(self) -> bool {
        self == Sku::Premium
    }

    /// The v2 tiers whose `zoneRedundant` can be set (at creation only).
    pub fn supports_zone_redundancy(self) -> bool {
        matches!(self, Sku::StandardV2 | Sku::PremiumV2)
    }

    /// Whether the unit count of this tier can change at all.
    pub fn is_scalable(self) -> bool {
        !matches!(self, Sku::Developer | Sku::Consumption)
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not the name of an API Management tier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown API Management tier {0:?}")]
pub struct UnknownSku(pub String);

impl FromStr for Sku {
    type Err = UnknownSku;

    /// Parses a tier name as Azure writes it, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sku::ALL
            .into_iter()
            .find(|sku| sku.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSku(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_ignoring_case() {
        for sku in Sku::ALL {
            assert_eq!(sku.as_str().parse::<Sku>(), Ok(sku));
            assert_eq!(sku.as_str().to_lowercase().parse::<Sku>(), Ok(sku));
        }
        assert!("Gold".parse::<Sku>().is_err());
    }

    #[test]
    fn classic_and_v2_do_not_mix() {
        assert!(Sku::Standard.can_change_to(Sku::Premium));
        assert!(Sku::Premium.can_change_to(Sku::Developer));
        assert!(Sku::BasicV2.can_change_to(Sku::PremiumV2));
        assert!(!Sku::Premium.can_change_to(Sku::PremiumV2));
        assert!(!Sku::StandardV2.can_change_to(Sku::Standard));
        assert!(!Sku::Consumption.can_change_to(Sku::Basic));
        assert!(!Sku::Basic.can_change_to(Sku::Consumption));
        assert!(Sku::Consumption.can_change_to(Sku::Consumption));
    }

    #[test]
    fn only_premium_is_multi_region() {
        let multi: Vec<Sku> = Sku::ALL
            .into_iter()
            .filter(|s| s.supports_multiple_regions())
            .collect();
        assert_eq!(multi, vec![Sku::Premium]);
    }
}
