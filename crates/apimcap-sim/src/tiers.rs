//! Azure's tier rules as the simulator enforces them, written from ARM-NOTES §2. The
//! operator's planner has its own copy; the two are kept apart on purpose, so that a wrong
//! rule in one of them is caught by the other.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// An API Management tier (`sku.name`), spelled as Azure spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sku {
    Developer,
    Basic,
    Standard,
    Premium,
    Consumption,
    Isolated,
    BasicV2,
    StandardV2,
    PremiumV2,
}

/// The platform generation of a tier. Azure never moves a service between generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Classic,
    V2,
    /// Consumption and Isolated: a service on them never changes tier.
    Fixed,
}

/// Where availability zones may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zones {
    Never,
    /// Per region, changeable later (classic Premium).
    PerRegion,
    /// Fixed when the service is created (StandardV2, PremiumV2).
    AtCreation,
}

/// One row of ARM-NOTES §2.
struct Tier {
    sku: Sku,
    name: &'static str,
    generation: Generation,
    /// Units per region Azure allows today.
    max_units: u32,
    /// Whether `--unit-limits` may change `max_units` (support raises some limits).
    limit_overridable: bool,
    multi_region: bool,
    zones: Zones,
}

const fn tier(
    sku: Sku,
    name: &'static str,
    generation: Generation,
    max_units: u32,
    limit_overridable: bool,
    multi_region: bool,
    zones: Zones,
) -> Tier {
    Tier {
        sku,
        name,
        generation,
        max_units,
        limit_overridable,
        multi_region,
        zones,
    }
}

use Generation::{Classic, Fixed, V2};

/// ARM-NOTES §2. Consumption has no units (capacity must be 0); Developer has exactly one.
/// Isolated is not in the notes: it is served as a tier that never changes, without zones
/// or extra regions, with 10 units.
#[rustfmt::skip]
const TIERS: [Tier; 9] = [
    tier(Sku::Developer, "Developer", Classic, 1, false, false, Zones::Never),
    tier(Sku::Basic, "Basic", Classic, 2, false, false, Zones::Never),
    tier(Sku::Standard, "Standard", Classic, 4, false, false, Zones::Never),
    tier(Sku::Premium, "Premium", Classic, 31, true, true, Zones::PerRegion),
    tier(Sku::Consumption, "Consumption", Fixed, 0, false, false, Zones::Never),
    tier(Sku::Isolated, "Isolated", Fixed, 10, true, false, Zones::Never),
    tier(Sku::BasicV2, "BasicV2", V2, 10, true, false, Zones::Never),
    tier(Sku::StandardV2, "StandardV2", V2, 10, true, false, Zones::AtCreation),
    tier(Sku::PremiumV2, "PremiumV2", V2, 30, true, false, Zones::AtCreation),
];

/// The largest unit limit `--unit-limits` accepts.
pub const MAX_UNIT_LIMIT: u32 = 100;

impl Sku {
    /// Every tier, in the order Azure lists them.
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

    fn row(self) -> &'static Tier {
        // TIERS lists the tiers in declaration order, so the discriminant is the index.
        &TIERS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.row().name
    }

    pub fn generation(self) -> Generation {
        self.row().generation
    }

    /// Whether Azure moves a service from `self` to `to`: within classic or within v2 only.
    pub fn can_change_to(self, to: Sku) -> bool {
        self == to || (self.generation() == to.generation() && self.generation() != Fixed)
    }

    /// Only classic Premium runs in more than one region.
    pub fn multi_region(self) -> bool {
        self.row().multi_region
    }

    pub fn zones(self) -> Zones {
        self.row().zones
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text names no API Management tier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown API Management tier {0:?}")]
pub struct UnknownSku(pub String);

impl FromStr for Sku {
    type Err = UnknownSku;

    /// A tier name as Azure writes it, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sku::ALL
            .into_iter()
            .find(|sku| sku.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSku(s.to_string()))
    }
}

/// Maximum units per region for each tier: the table, with overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLimits {
    max_units: BTreeMap<Sku, u32>,
}

impl Default for UnitLimits {
    fn default() -> Self {
        UnitLimits {
            max_units: TIERS.iter().map(|t| (t.sku, t.max_units)).collect(),
        }
    }
}

/// A unit limit override that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("the unit limit of {0} is fixed by Azure and cannot be overridden")]
    Fixed(Sku),
    #[error("unit limit {1} for {0} is out of range (1..={MAX_UNIT_LIMIT})")]
    OutOfRange(Sku, u32),
    #[error("cannot read unit limit override {0:?}; expected TIER=UNITS, e.g. Premium=40")]
    Syntax(String),
}

impl UnitLimits {
    /// Maximum units in one region of a service on `sku`.
    pub fn max_units(&self, sku: Sku) -> u32 {
        self.max_units.get(&sku).copied().unwrap_or(0)
    }

    /// Replaces the limit of one tier; Developer, Basic, Standard and Consumption are fixed.
    pub fn with_override(mut self, sku: Sku, max: u32) -> Result<Self, LimitError> {
        if !sku.row().limit_overridable {
            return Err(LimitError::Fixed(sku));
        }
        if max == 0 || max > MAX_UNIT_LIMIT {
            return Err(LimitError::OutOfRange(sku, max));
        }
        self.max_units.insert(sku, max);
        Ok(self)
    }

    /// Applies overrides written as `Premium=40,PremiumV2=35`.
    pub fn with_overrides(self, spec: &str) -> Result<Self, LimitError> {
        spec.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .try_fold(self, |limits, part| {
                let syntax = || LimitError::Syntax(part.to_string());
                let (sku, max) = part.split_once('=').ok_or_else(syntax)?;
                let sku = sku.parse::<Sku>().map_err(|_| syntax())?;
                let max = max.trim().parse().map_err(|_| syntax())?;
                limits.with_override(sku, max)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order() {
        for (i, sku) in Sku::ALL.into_iter().enumerate() {
            assert_eq!(TIERS[i].sku, sku);
            assert_eq!(sku.as_str().parse::<Sku>(), Ok(sku));
            assert_eq!(sku.as_str().to_uppercase().parse::<Sku>(), Ok(sku));
        }
        assert!("Gold".parse::<Sku>().is_err());
    }

    #[test]
    fn tier_moves_stay_within_a_generation() {
        assert!(Sku::Standard.can_change_to(Sku::Premium));
        assert!(Sku::Premium.can_change_to(Sku::Developer));
        assert!(Sku::BasicV2.can_change_to(Sku::PremiumV2));
        assert!(!Sku::Premium.can_change_to(Sku::PremiumV2));
        assert!(!Sku::StandardV2.can_change_to(Sku::Standard));
        assert!(!Sku::Consumption.can_change_to(Sku::Basic));
        assert!(!Sku::Basic.can_change_to(Sku::Consumption));
        assert!(!Sku::Isolated.can_change_to(Sku::Premium));
        assert!(Sku::Consumption.can_change_to(Sku::Consumption));
    }

    #[test]
    fn regions_and_zones_follow_the_notes() {
        let multi: Vec<Sku> = Sku::ALL.into_iter().filter(|s| s.multi_region()).collect();
        assert_eq!(multi, [Sku::Premium]);
        assert_eq!(Sku::Premium.zones(), Zones::PerRegion);
        assert_eq!(Sku::PremiumV2.zones(), Zones::AtCreation);
        assert_eq!(Sku::BasicV2.zones(), Zones::Never);
    }

    #[test]
    fn limits_have_defaults_and_overrides() {
        let limits = UnitLimits::default();
        let expected = [
            (Sku::Developer, 1),
            (Sku::Basic, 2),
            (Sku::Standard, 4),
            (Sku::Premium, 31),
            (Sku::Consumption, 0),
            (Sku::BasicV2, 10),
            (Sku::StandardV2, 10),
            (Sku::PremiumV2, 30),
        ];
        for (sku, max) in expected {
            assert_eq!(limits.max_units(sku), max, "{sku}");
        }
        let raised = limits.clone().with_overrides(" Premium=40, premiumv2=35 ");
        let raised = raised.expect("overrides apply");
        assert_eq!(raised.max_units(Sku::Premium), 40);
        assert_eq!(raised.max_units(Sku::PremiumV2), 35);
        for bad in [
            "Standard=8",
            "Consumption=1",
            "Premium=0",
            "Premium=101",
            "Premium",
            "Gold=3",
        ] {
            assert!(limits.clone().with_overrides(bad).is_err(), "{bad}");
        }
    }
}
