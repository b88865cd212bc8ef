//! Tests of cost estimates and their status form.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::json;

use super::estimate::{CostError, PricedCapacity, estimate, estimate_change};
use super::money::{Currency, Money, UnitRate};
use super::prices::{PriceLookup, Quote};
use super::table::BuiltInPrices;
use crate::api::PriceOrigin;
use crate::domain::{
    DesiredCapacity, LiveRegion, LiveService, Location, ProvisioningState, RegionUnits, Sku,
};

pub(super) fn at(second: i64) -> Timestamp {
    Timestamp::from_second(second).expect("valid")
}

/// Prices from the API: per region, in one currency.
struct ApiPrices {
    currency: Currency,
    per_region: BTreeMap<&'static str, i64>,
}

impl PriceLookup for ApiPrices {
    fn quote(&self, sku: Sku, location: &Location) -> Option<Quote> {
        let micros = *self.per_region.get(location.as_str())?;
        Some(Quote {
            rate: UnitRate::from_micros(micros),
            currency: self.currency,
            origin: PriceOrigin::RetailPricesApi,
            as_of: at(1_000),
            estimated: false,
            meter: format!("{sku} Unit"),
            effective_from: None,
        })
    }
}

pub(super) fn live(sku: Sku, regions: &[(&str, u32)]) -> LiveService {
    LiveService {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/api"
            .into(),
        sku,
        regions: regions
            .iter()
            .enumerate()
            .map(|(i, (name, units))| LiveRegion {
                location: Location::new(name),
                units: *units,
                primary: i == 0,
                zones: vec![],
            })
            .collect(),
        provisioning_state: ProvisioningState::Succeeded,
        target_provisioning_state: None,
        zone_redundant: None,
    }
}

pub(super) fn desired(sku: Sku, regions: &[(&str, u32)]) -> DesiredCapacity {
    DesiredCapacity::units(
        sku,
        regions
            .iter()
            .map(|(name, units)| RegionUnits {
                location: Location::new(name),
                units: *units,
            })
            .collect(),
    )
}

#[test]
fn premium_two_to_six_units_costs_four_list_prices_more() {
    let live = PricedCapacity::of_live(&live(Sku::Premium, &[("eastus", 2)]));
    let want = PricedCapacity::of_desired(
        &desired(Sku::Premium, &[("eastus", 6)]),
        &Location::new("eastus"),
    );
    let change = estimate_change(&live, &want, &BuiltInPrices).expect("priced");
    assert_eq!(change.delta(), Money::from_cents(1_118_068));
    assert_eq!(change.summary(), "+11,180.68 USD/month");
    assert_eq!(change.origin(), PriceOrigin::BuiltIn);
    let status = serde_json::to_value(change.to_status()).expect("serialises");
    assert_eq!(
        status,
        json!({
            "currency": "USD",
            "source": "BuiltIn",
            "asOf": "2026-12-01T00:00:00Z",
            "live": {"perRegion": [{"location": "eastus", "units": 2, "primary": true,
                                    "unitMonthly": "2795.17", "monthly": "5590.34"}],
                     "monthly": "5590.34"},
            "desired": {"perRegion": [{"location": "eastus", "units": 6, "primary": true,
                                       "unitMonthly": "2795.17", "monthly": "16771.02"}],
                        "monthly": "16771.02"},
            "monthlyDelta": "+11180.68",
            "summary": "+11,180.68 USD/month"
        })
    );
}

#[test]
fn additional_regions_cost_their_own_regions_unit_price() {
    let prices = ApiPrices {
        currency: Currency::parse("EUR").expect("valid"),
        per_region: BTreeMap::from([("westeurope", 4_000_000), ("eastus", 3_829_000)]),
    };
    let capacity =
        PricedCapacity::of_live(&live(Sku::Premium, &[("westeurope", 2), ("East US", 3)]));
    let cost = estimate(&capacity, &prices).expect("priced");
    let per_region: Vec<(String, bool, i64)> = cost
        .regions
        .iter()
        .map(|r| (r.location.to_string(), r.primary, r.monthly.cents()))
        .collect();
    assert_eq!(
        per_region,
        [
            ("westeurope".into(), true, 2 * 292_000),
            ("eastus".into(), false, 3 * 279_517)
        ]
    );
    assert_eq!(cost.monthly, Money::from_cents(2 * 292_000 + 3 * 279_517));
    assert_eq!(cost.currency.as_str(), "EUR");
    assert_eq!(cost.origin(), PriceOrigin::RetailPricesApi);
}

#[test]
fn mixed_currencies_fall_back_to_the_built_in_table_for_both_sides() {
    // EUR prices only for westeurope; a new region would be priced from the USD table.
    struct Partial(ApiPrices);
    impl PriceLookup for Partial {
        fn quote(&self, sku: Sku, location: &Location) -> Option<Quote> {
            self.0
                .quote(sku, location)
                .or_else(|| BuiltInPrices.quote(sku, location))
        }
    }
    let prices = Partial(ApiPrices {
        currency: Currency::parse("EUR").expect("valid"),
        per_region: BTreeMap::from([("westeurope", 4_000_000)]),
    });
    let live = PricedCapacity::of_live(&live(Sku::Premium, &[("westeurope", 2)]));
    let want = PricedCapacity::of_desired(
        &desired(Sku::Premium, &[("westeurope", 2), ("japaneast", 1)]),
        &Location::new("westeurope"),
    );
    let change = estimate_change(&live, &want, &prices).expect("priced");
    assert_eq!(change.currency(), Currency::USD);
    assert_eq!(change.origin(), PriceOrigin::BuiltIn);
    assert_eq!(change.delta(), Money::from_cents(279_517));
    assert!(change.desired.regions.iter().all(|r| r.quote.estimated));
}

#[test]
fn unmanaged_tiers_have_no_price() {
    let capacity = PricedCapacity::of_live(&live(Sku::Consumption, &[("eastus", 0)]));
    assert_eq!(
        estimate(&capacity, &BuiltInPrices),
        Err(CostError::NoPrice {
            sku: Sku::Consumption,
            location: Location::new("eastus")
        })
    );
}
