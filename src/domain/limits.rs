//! The unit limits per tier. Azure has changed some of them over time and support raises
//! them on request, so they are data in three layers: a built-in table, the maximum Azure
//! reports for the service (`GET .../skus`), which wins over the table, and the operator's
//! overrides (`--unit-limits`, for support-raised limits), which win over both.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::sku::Sku;

/// Maximum units per region for each tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLimits {
    table: BTreeMap<Sku, u32>,
    azure: BTreeMap<Sku, u32>,
    overrides: BTreeMap<Sku, u32>,
}

/// Where a tier's limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSource {
    /// The built-in table of documented limits.
    BuiltIn,
    /// The maximum Azure reports for the service.
    Azure,
    /// The operator's configuration.
    Override,
}

impl Default for UnitLimits {
    /// The limits Azure documents today (ARM-NOTES §2), nothing reported, no overrides.
    fn default() -> Self {
        let table = BTreeMap::from([
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
        UnitLimits {
            table,
            azure: BTreeMap::new(),
            overrides: BTreeMap::new(),
        }
    }
}

/// The tiers whose limits have been stable for years; admission enforces these and they
/// cannot be overridden.
pub const FIXED_LIMITS: [(Sku, u32); 3] =
    [(Sku::Developer, 1), (Sku::Basic, 2), (Sku::Standard, 4)];

/// The sanity ceiling on units in one region, enforced at admission.
pub const MAX_UNITS_PER_REGION: u32 = 100;

/// The per-tier unit maximum Azure reports for one service. Only values from 1 to
/// [`MAX_UNITS_PER_REGION`] are kept (Azure's answer is untrusted input), Consumption never,
/// and the first value reported for a tier wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzureLimits {
    max_units: BTreeMap<Sku, u32>,
}

impl AzureLimits {
    /// Records Azure's maximum for a tier; returns whether it was kept.
    pub fn insert(&mut self, sku: Sku, max: u32) -> bool {
        let plausible = sku != Sku::Consumption && (1..=MAX_UNITS_PER_REGION).contains(&max);
        if !plausible || self.max_units.contains_key(&sku) {
            return false;
        }
        self.max_units.insert(sku, max);
        true
    }

    /// Azure's maximum for a tier, when it reported one.
    pub fn max_units(&self, sku: Sku) -> Option<u32> {
        self.max_units.get(&sku).copied()
    }

    /// Every tier Azure reported, with its maximum.
    pub fn iter(&self) -> impl Iterator<Item = (Sku, u32)> + '_ {
        self.max_units.iter().map(|(sku, max)| (*sku, *max))
    }

    /// Whether Azure reported nothing usable.
    pub fn is_empty(&self) -> bool {
        self.max_units.is_empty()
    }
}

impl UnitLimits {
    /// Maximum units in one region of a service on `sku`: the operator's override, else
    /// Azure's reported maximum, else the built-in table.
    pub fn max_units(&self, sku: Sku) -> u32 {
        self.overrides
            .get(&sku)
            .or_else(|| self.azure.get(&sku))
            .or_else(|| self.table.get(&sku))
            .copied()
            .unwrap_or(0)
    }

    /// Which layer decides the limit of `sku`.
    pub fn source(&self, sku: Sku) -> LimitSource {
        if self.overrides.contains_key(&sku) {
            LimitSource::Override
        } else if self.azure.contains_key(&sku) {
            LimitSource::Azure
        } else {
            LimitSource::BuiltIn
        }
    }

    /// The same limits with what Azure reports for the service as the middle layer
    /// (replacing what an earlier call set).
    pub fn with_azure(mut self, reported: &AzureLimits) -> Self {
        self.azure = reported.max_units.clone();
        self
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
        self.overrides.insert(sku, max);
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
                let sku =
                    Sku::from_str(sku).map_err(|_| LimitOverrideError::Syntax(part.to_string()))?;
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

    fn reported(entries: &[(Sku, u32)]) -> AzureLimits {
        let mut azure = AzureLimits::default();
        for (sku, max) in entries {
            azure.insert(*sku, *max);
        }
        azure
    }

    #[test]
    fn azure_wins_over_the_table_and_overrides_win_over_azure() {
        let azure = reported(&[(Sku::Premium, 12), (Sku::StandardV2, 15)]);
        let limits = UnitLimits::default().with_azure(&azure);
        let cases = [
            (Sku::Premium, 12, LimitSource::Azure),
            (Sku::StandardV2, 15, LimitSource::Azure),
            (Sku::PremiumV2, 30, LimitSource::BuiltIn),
        ];
        for (sku, max, source) in cases {
            assert_eq!(
                (limits.max_units(sku), limits.source(sku)),
                (max, source),
                "{sku}"
            );
        }
        let raised = limits.with_overrides("Premium=40").expect("valid override");
        assert_eq!(raised.max_units(Sku::Premium), 40);
        assert_eq!(raised.source(Sku::Premium), LimitSource::Override);
        assert_eq!(raised.max_units(Sku::StandardV2), 15);
    }

    #[test]
    fn overrides_set_before_azure_reports_still_win() {
        let limits = UnitLimits::default()
            .with_overrides("Premium=50")
            .expect("valid override")
            .with_azure(&reported(&[(Sku::Premium, 10)]));
        assert_eq!(limits.max_units(Sku::Premium), 50);
    }

    #[test]
    fn implausible_reports_are_ignored() {
        let mut azure = AzureLimits::default();
        assert!(!azure.insert(Sku::Premium, 0));
        assert!(!azure.insert(Sku::Premium, 1_000_000));
        assert!(!azure.insert(Sku::Consumption, 1));
        assert!(azure.insert(Sku::Premium, 20));
        assert!(
            !azure.insert(Sku::Premium, 30),
            "the first report of a tier wins"
        );
        assert_eq!(azure.max_units(Sku::Premium), Some(20));
        assert_eq!(azure.iter().count(), 1);
        let limits = UnitLimits::default().with_azure(&AzureLimits::default());
        assert_eq!(limits, UnitLimits::default());
    }
}
