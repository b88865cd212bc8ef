//! Azure's rules that shape an autoscale step: the scale-in guardrail (a service with more
//! than 15 units removes at most 25 % per operation) and unit counts in multiples of a
//! region's pinned availability zones.

/// What the 25 % rule counts: Azure's changelog does not say whether "units" means those of
/// the region or of the whole service, so both readings are available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuardrailScope {
    /// Each region on its own: a region with more than 15 units loses at most 25 % of them.
    Region,
    /// The service as a whole: the units removed from all regions in one operation are at
    /// most 25 % of the service's units, when it has more than 15.
    Service,
    /// Both readings at once, so no step breaks whichever one Azure applies.
    Both,
}

/// Azure's scale-in guardrail (changelog, June 2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScaleInGuardrail {
    /// The rule applies to more units than this (15).
    pub above_units: u32,
    /// The most that one operation may remove, in percent of the units (25).
    pub max_percent: u32,
    /// Which units the rule counts.
    pub scope: GuardrailScope,
}

impl Default for ScaleInGuardrail {
    /// More than 15 units: at most 25 % per operation, counted both per region and for the
    /// service.
    fn default() -> Self {
        ScaleInGuardrail {
            above_units: 15,
            max_percent: 25,
            scope: GuardrailScope::Both,
        }
    }
}

impl ScaleInGuardrail {
    /// The most units one operation may remove from `units` (all of them when the rule
    /// does not apply).
    pub fn max_removal(&self, units: u32) -> u32 {
        if units <= self.above_units {
            return units;
        }
        let allowed = u64::from(units) * u64::from(self.max_percent.min(100)) / 100;
        u32::try_from(allowed).unwrap_or(units)
    }

    /// Whether the rule is counted per region.
    pub fn per_region(&self) -> bool {
        matches!(self.scope, GuardrailScope::Region | GuardrailScope::Both)
    }

    /// Whether the rule is counted for the whole service.
    pub fn per_service(&self) -> bool {
        matches!(self.scope, GuardrailScope::Service | GuardrailScope::Both)
    }
}

/// The smallest multiple of `multiple` that is at least `units`.
pub fn round_up(units: u32, multiple: u32) -> u32 {
    let multiple = multiple.max(1);
    units.div_ceil(multiple).saturating_mul(multiple)
}

/// The largest multiple of `multiple` that is at most `units`.
pub fn round_down(units: u32, multiple: u32) -> u32 {
    let multiple = multiple.max(1);
    units / multiple * multiple
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_units_or_fewer_may_lose_any_number() {
        let rule = ScaleInGuardrail::default();
        assert_eq!(rule.max_removal(15), 15);
        assert_eq!(rule.max_removal(2), 2);
        assert_eq!(rule.max_removal(0), 0);
    }

    #[test]
    fn more_than_fifteen_units_lose_at_most_a_quarter() {
        let rule = ScaleInGuardrail::default();
        assert_eq!(rule.max_removal(16), 4);
        assert_eq!(rule.max_removal(20), 5, "20 -> 15 is allowed");
        assert_eq!(rule.max_removal(31), 7);
        assert_eq!(rule.max_removal(100), 25);
    }

    #[test]
    fn scopes_say_what_is_counted() {
        let region = ScaleInGuardrail {
            scope: GuardrailScope::Region,
            ..ScaleInGuardrail::default()
        };
        let service = ScaleInGuardrail {
            scope: GuardrailScope::Service,
            ..ScaleInGuardrail::default()
        };
        let both = ScaleInGuardrail::default();
        assert!(region.per_region() && !region.per_service());
        assert!(!service.per_region() && service.per_service());
        assert!(both.per_region() && both.per_service());
    }

    #[test]
    fn rounding_to_zone_multiples() {
        assert_eq!(round_up(4, 3), 6);
        assert_eq!(round_up(6, 3), 6);
        assert_eq!(round_down(8, 3), 6);
        assert_eq!(round_down(2, 3), 0);
        assert_eq!(round_up(5, 0), 5, "0 zones means no multiple");
        assert_eq!(round_up(u32::MAX, 2), u32::MAX);
    }
}
