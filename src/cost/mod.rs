//! What a capacity change costs and whether it needs a person's approval.
//!
//! - [`money`]: amounts in integer cents, unit-hour rates in millionths, decimal text.
//! - [`prices`], [`retail_page`], [`fetch`], [`cache`]: unit list prices from Azure's Retail
//!   Prices API (bounded, lenient, same origin), kept a day; [`table`] when it is unreachable.
//!
//! Everything but [`fetch`] and [`cache::fetch_all`] is pure: no I/O, the clock passed in.

pub mod cache;
pub mod fetch;
pub mod money;
pub mod prices;
pub mod retail_page;
pub mod table;

#[cfg(test)]
mod prices_tests;

pub use cache::{PRICE_TTL, PriceCache, fetch_all};
pub use fetch::HttpPageSource;
pub use money::{Currency, Money, UnitRate, format_monthly, format_monthly_delta};
pub use prices::{
    DEFAULT_ENDPOINT, FetchLimits, PageSource, PriceError, PriceKey, PriceLookup, Quote,
    fetch_quote, parse_endpoint,
};
pub use table::BuiltInPrices;
