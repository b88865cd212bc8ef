//! The unit limits per tier. Azure has changed some of them over time and support raises
//! them on request, so they are data: a built-in table that operator configuration overrides.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::sku::Sku;

/// Maximum units per region for each tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLimits {
    max_units: BTreeMap<Sku, u32>,
}

impl Default for UnitLimits {
    /// The limits Azure documents today (ARM-NOTES §2).
    fn default() -> Self {
        let max_units = BTreeMap::from([
            (Sku::Developer, 1),
            (Sku::Basic, 2),
            (Sku::Standard, 4),
            (Sku::Premium, 31),
            (Sku::BasicV2, 10),
            (Sku::StandardV2, 10),
            (Sku::PremiumV2, 30),
            (Sku::Isolated, 10),
            (Sku::Consumption, 0),
        ]);
        UnitLimits { max_units }
    }
}

/// The tiers whose limits have been stable for years; admission enforces these and they
/// cannot be overridden.
pub const FIXED_LIMITS: [(Sku, u32); 3] = [(Sku::Developer, 1), (Sku::Basic, 2), (Sku::Standard, 4)];

/// The sanity ceiling on units in one region, enforced at admission.
pub const MAX_UNITS_PER_REGION: u32 = 100;

impl UnitLimits {
    /// Maximum units in one region of a service on `sku`.
    pub fn max_units(&self, sku: Sku) -> u32 {
        self.max_units.get(&sku).copied().unwrap_or(0)
    }

    /// Replaces the limit of one tier. The stable limits (Developer, Basic, Standard) are
    /// not overridable.
    pub fn with_override(mut self, sku: Sku, max: u32) -> Result<Self, LimitOverrideError> {
        if FIXED_LIMITS.iter().any(|(fixed, _)| *fixed == sku) || sku == Sku::Consumption {
            return Err(LimitOverrideError::Fixed(sku));
        }
        if max == 0 || max > MAX_UNITS_PER_REGION {
            return Err(LimitOverrideError::OutOfRange(sku, max));
        }
        self.max_units.insert(sku, max);
        Ok(self)
    }

    /// Applies overrides written as `Premium=40,PremiumV2=35`.
    pub fn with_overrides(self, spec: &str) -> Result<Self, LimitOverrideError> {
        spec.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .try_fold(self, |limits, part| {
                let (sku, max) = part
                    .split_once('=')
                    .ok_or_else(|| LimitOverrideError::Syntax(part.to_string()))?;
                let sku = Sku::from_str(sku)
                    .map_err(|_| LimitOverrideError::Syntax(part.to_string()))?;
                let max = max
                    .trim()
                    .parse()
                    .map_err(|_| LimitOverrideError::Syntax(part.to_string()))?;
                limits.with_override(sku, max)
            })
    }
}

impl fmt::Display for UnitLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Sku::TARGETS
            .iter()
            .map(|sku| format!("{sku}={}", self.max_units(*sku)))
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitOverrideError {
    #[error("the unit limit of {0} is fixed by Azure and cannot be overridden")]
    Fixed(Sku),
    #[error("unit limit {1} for {0} is out of range (1..={MAX_UNITS_PER_REGION})")]
    OutOfRange(Sku, u32),
    #[error("cannot read unit limit override {0:?}; expected TIER=UNITS, e.g. Premium=40")]
    Syntax(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_azure_documentation() {
        let limits = UnitLimits::default();
        assert_eq!(limits.max_units(Sku::Premium), 31);
        assert_eq!(limits.max_units(Sku::PremiumV2), 30);
        assert_eq!(limits.max_units(Sku::BasicV2), 10);
        assert_eq!(limits.max_units(Sku::Standard), 4);
    }

    #[test]
    fn overrides_raise_the_changeable_limits() {
        let limits = UnitLimits::default()
            .with_overrides("Premium=40, premiumv2=35")
            .expect("valid overrides");
        assert_eq!(limits.max_units(Sku::Premium), 40);
        assert_eq!(limits.max_units(Sku::PremiumV2), 35);
    }

    #[test]
    fn stable_limits_and_nonsense_are_refused() {
        let base = UnitLimits::default();
        assert_eq!(
            base.clone().with_overrides("Standard=8"),
            Err(LimitOverrideError::Fixed(Sku::Standard))
        );
        assert!(matches!(
            base.clone().with_overrides("Premium"),
            Err(LimitOverrideError::Syntax(_))
        ));
        assert!(matches!(
            base.clone().with_overrides("Gold=3"),
            Err(LimitOverrideError::Syntax(_))
        ));
        assert_eq!(
            base.with_overrides("Premium=0"),
            Err(LimitOverrideError::OutOfRange(Sku::Premium, 0))
        );
    }
}
