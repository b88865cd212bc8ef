//! The quotes one reconcile (or one `apimcap plan`) has: a snapshot of the price cache for
//! the regions it prices, so the pure decision reads prices without I/O. A region it has no
//! quote for gets the built-in price.

use std::collections::BTreeMap;

use super::estimate::{CostChange, CostError, PricedCapacity, estimate_change};
use super::prices::{PriceLookup, Quote};
use super::table::built_in_quote;
use crate::domain::{DesiredCapacity, LiveService, Location, Sku};

/// Unit quotes per tier and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quotes {
    quotes: BTreeMap<(Sku, Location), Quote>,
}

impl Quotes {
    /// The quotes `prices` gives for `wanted` (absent ones are left to the built-in table).
    pub fn snapshot(prices: &(impl PriceLookup + ?Sized), wanted: &[(Sku, Location)]) -> Self {
        let quotes = wanted
            .iter()
            .filter_map(|(sku, location)| {
                let quote = prices.quote(*sku, location)?;
                Some(((*sku, location.clone()), quote))
            })
            .collect();
        Quotes { quotes }
    }

    /// Adds or replaces the quote of `sku` in `location`.
    pub fn insert(&mut self, sku: Sku, location: Location, quote: Quote) {
        self.quotes.insert((sku, location), quote);
    }
}

impl PriceLookup for Quotes {
    fn quote(&self, sku: Sku, location: &Location) -> Option<Quote> {
        self.quotes
            .get(&(sku, location.clone()))
            .cloned()
            .or_else(|| built_in_quote(sku, location))
    }
}

/// The tier and region of every unit of the live service and of the desired capacity: what
/// must be priced, each once.
pub fn wanted(live: &LiveService, desired: &DesiredCapacity) -> Vec<(Sku, Location)> {
    let mut wanted: Vec<(Sku, Location)> = Vec::new();
    let regions = live
        .regions
        .iter()
        .map(|r| (live.sku, r.location.clone()))
        .chain(
            desired
                .regions
                .iter()
                .map(|r| (desired.sku, r.location.clone())),
        );
    for key in regions {
        if !wanted.contains(&key) {
            wanted.push(key);
        }
    }
    wanted
}

/// What the live service and `desired` cost per month with `prices`; the desired capacity
/// keeps the live service's primary region (or its first region for a service not read).
pub fn cost_of_change(
    live: &LiveService,
    desired: &DesiredCapacity,
    prices: &(impl PriceLookup + ?Sized),
) -> Result<CostChange, CostError> {
    let primary = live
        .primary()
        .map(|r| r.location.clone())
        .or_else(|| desired.regions.first().map(|r| r.location.clone()))
        .unwrap_or_else(|| Location::new(""));
    estimate_change(
        &PricedCapacity::of_live(live),
        &PricedCapacity::of_desired(desired, &primary),
        prices,
    )
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::api::PriceOrigin;
    use crate::cost::estimate_tests::{desired, live};
    use crate::cost::{Currency, UnitRate};

    #[test]
    fn every_tier_and_region_is_priced_once_and_gaps_fall_back_to_the_table() {
        let service = live(Sku::Standard, &[("westeurope", 1)]);
        let want = desired(Sku::Premium, &[("westeurope", 2), ("eastus", 1)]);
        let keys = wanted(&service, &want);
        let names: Vec<String> = keys.iter().map(|(s, l)| format!("{s} {l}")).collect();
        assert_eq!(
            names,
            [
                "Standard westeurope",
                "Premium westeurope",
                "Premium eastus"
            ]
        );
        let api = Quote {
            rate: UnitRate::from_micros(4_000_000),
            currency: Currency::USD,
            origin: PriceOrigin::RetailPricesApi,
            as_of: Timestamp::UNIX_EPOCH,
            estimated: false,
            meter: "Premium Unit".into(),
            effective_from: None,
        };
        let mut quotes = Quotes::default();
        quotes.insert(Sku::Premium, Location::new("westeurope"), api.clone());
        let snapshot = Quotes::snapshot(&quotes, &keys);
        assert_eq!(
            snapshot.quote(Sku::Premium, &Location::new("westeurope")),
            Some(api)
        );
        let east = snapshot.quote(Sku::Premium, &Location::new("eastus"));
        assert_eq!(east.map(|q| q.origin), Some(PriceOrigin::BuiltIn));
        let change = cost_of_change(&service, &want, &snapshot).expect("priced");
        assert_eq!(change.origin(), PriceOrigin::BuiltIn);
        assert_eq!(change.desired.regions[0].location.as_str(), "westeurope");
        assert!(change.desired.regions[0].primary);
    }
}
