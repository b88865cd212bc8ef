//! The built-in list prices, used when the Retail Prices API cannot be reached: East US,
//! USD, per unit, dated. Other regions get the East US price flagged as an estimate.
//!
//! Sources (read December 2026; none is Microsoft's price list itself):
//! - Developer, Basic, Standard, Premium: monthly prices from infracost's test fixtures
//!   (`internal/providers/terraform/azure/testdata/api_management_test/*.golden`: Basic_2
//!   $294.34, Standard_3 $2,060.13, Premium_4 $11,180.68), which infracost computes from the
//!   Retail Prices API's hourly `{Tier} Unit` prices × 730.
//! - BasicV2, StandardV2, PremiumV2: hourly prices ($0.2055, $0.9589, $3.8356) quoted from the
//!   Retail Prices API in public code on GitHub, read September–October 2026. Low confidence:
//!   refresh them from the API when it is reachable.

use jiff::Timestamp;
use jiff::civil::{Date, date};

use super::money::{Currency, Money, UnitRate};
use super::prices::{PriceLookup, Quote};
use crate::api::PriceOrigin;
use crate::domain::{Location, Sku};

/// The region the built-in prices are for.
pub const TABLE_REGION: &str = "eastus";

/// How an entry's price was given by its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListPrice {
    /// A price per unit-month (730 hours) in cents.
    Monthly(Money),
    /// A price per unit-hour.
    Hourly(UnitRate),
}

/// One tier's built-in price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableEntry {
    pub sku: Sku,
    pub price: ListPrice,
    /// When the source was read.
    pub as_of: Date,
    /// Where the price comes from.
    pub source: &'static str,
}

const CLASSIC_SOURCE: &str = "infracost api_management test fixtures (Retail Prices API, eastus)";
const V2_SOURCE: &str = "Retail Prices API as quoted in public code (third-party, eastus)";
const CLASSIC_AS_OF: Date = date(2026, 12, 1);
const V2_AS_OF: Date = date(2026, 10, 1);

/// The built-in table, USD, East US.
pub const TABLE: [TableEntry; 7] = [
    classic(Sku::Developer, 4_803),
    classic(Sku::Basic, 14_717),
    classic(Sku::Standard, 68_671),
    classic(Sku::Premium, 279_517),
    v2(Sku::BasicV2, 205_500),
    v2(Sku::StandardV2, 958_900),
    v2(Sku::PremiumV2, 3_835_600),
];

const fn classic(sku: Sku, cents_per_month: i64) -> TableEntry {
    TableEntry {
        sku,
        price: ListPrice::Monthly(Money::from_cents(cents_per_month)),
        as_of: CLASSIC_AS_OF,
        source: CLASSIC_SOURCE,
    }
}

const fn v2(sku: Sku, micros_per_hour: i64) -> TableEntry {
    TableEntry {
        sku,
        price: ListPrice::Hourly(UnitRate::from_micros(micros_per_hour)),
        as_of: V2_AS_OF,
        source: V2_SOURCE,
    }
}

impl TableEntry {
    /// The price of one unit for one hour.
    pub fn rate(&self) -> UnitRate {
        match self.price {
            ListPrice::Monthly(monthly) => UnitRate::from_monthly(monthly),
            ListPrice::Hourly(rate) => rate,
        }
    }

    /// `as_of` at midnight UTC.
    pub fn as_of_timestamp(&self) -> Timestamp {
        self.as_of
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// The built-in entry of `sku`, if it has one.
pub fn entry(sku: Sku) -> Option<&'static TableEntry> {
    TABLE.iter().find(|e| e.sku == sku)
}

/// The built-in quote of one unit of `sku` in `location`: the East US price, flagged as an
/// estimate elsewhere.
pub fn built_in_quote(sku: Sku, location: &Location) -> Option<Quote> {
    let entry = entry(sku)?;
    Some(Quote {
        rate: entry.rate(),
        currency: Currency::USD,
        origin: PriceOrigin::BuiltIn,
        as_of: entry.as_of_timestamp(),
        estimated: location.as_str() != TABLE_REGION,
        meter: format!("{sku} Unit"),
        effective_from: None,
    })
}

/// The built-in table as a price source.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltInPrices;

impl PriceLookup for BuiltInPrices {
    fn quote(&self, sku: Sku, location: &Location) -> Option<Quote> {
        built_in_quote(sku, location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(sku: Sku) -> Option<Money> {
        built_in_quote(sku, &Location::new("eastus")).map(|q| q.rate.monthly())
    }

    #[test]
    fn classic_prices_are_the_documented_monthly_ones() {
        assert_eq!(monthly(Sku::Developer), Some(Money::from_cents(4_803)));
        assert_eq!(monthly(Sku::Basic), Some(Money::from_cents(14_717)));
        assert_eq!(monthly(Sku::Standard), Some(Money::from_cents(68_671)));
        assert_eq!(monthly(Sku::Premium), Some(Money::from_cents(279_517)));
        // infracost's Standard_3 and Basic_2 fixtures.
        assert_eq!(
            monthly(Sku::Standard).map(|m| m.times(3)),
            Some(Money::from_cents(206_013))
        );
        assert_eq!(
            monthly(Sku::Basic).map(|m| m.times(2)),
            Some(Money::from_cents(29_434))
        );
    }

    #[test]
    fn v2_prices_are_about_the_researched_ones() {
        assert_eq!(monthly(Sku::BasicV2), Some(Money::from_cents(15_002)));
        assert_eq!(monthly(Sku::StandardV2), Some(Money::from_cents(70_000)));
        assert_eq!(monthly(Sku::PremiumV2), Some(Money::from_cents(279_999)));
    }

    #[test]
    fn other_regions_are_estimates_and_unmanaged_tiers_have_no_price() {
        let east = built_in_quote(Sku::Premium, &Location::new("East US"));
        let west = built_in_quote(Sku::Premium, &Location::new("westeurope"));
        assert_eq!(east.as_ref().map(|q| q.estimated), Some(false));
        assert_eq!(west.as_ref().map(|q| q.estimated), Some(true));
        assert_eq!(east.map(|q| q.rate), west.map(|q| q.rate));
        assert_eq!(
            built_in_quote(Sku::Consumption, &Location::new("eastus")),
            None
        );
        assert_eq!(
            built_in_quote(Sku::Isolated, &Location::new("eastus")),
            None
        );
        for sku in Sku::TARGETS {
            assert!(entry(sku).is_some(), "{sku} has no built-in price");
        }
    }
}
