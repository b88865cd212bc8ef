//! What a price is looked up by ([`PriceKey`], the API's name of a tier) and why a lookup
//! fails ([`PriceError`]), shared by the fetch ([`super::prices`]) and the page parser
//! ([`super::retail_page`]).

use super::money::Currency;
use crate::domain::{Location, Sku};

/// What a price is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PriceKey {
    pub location: Location,
    pub sku: Sku,
    pub currency: Currency,
}

/// Why no price was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("the prices endpoint {0:?} is not an absolute https:// URL")]
    InvalidEndpoint(String),
    #[error("the tier {0} has no unit price")]
    NotPriced(Sku),
    #[error("the region {0:?} cannot be asked for: only letters and digits are expected")]
    InvalidLocation(String),
    #[error("the prices endpoint answered HTTP {0}")]
    Http(u16),
    #[error("cannot reach the prices endpoint: {0}")]
    Transport(String),
    #[error("the prices endpoint sent more than {0} bytes in one page")]
    BodyTooLarge(usize),
    #[error("{0}")]
    NotJson(String),
    #[error("the answer has no Items array")]
    NoItems,
    #[error("the next page {0:?} is not on the prices endpoint's origin; not followed")]
    ForeignNextPage(String),
    #[error("no unit price of {sku} in {location} after {pages} pages (the most read)")]
    TooManyPages {
        sku: Sku,
        location: Location,
        pages: usize,
    },
    #[error("the API lists no hourly unit price of {sku} in {location}")]
    NoMatchingPrice { sku: Sku, location: Location },
}

/// The API's name of a tier (`skuName`): "Premium", "Premium v2"; `None` for tiers without
/// unit prices this operator uses (Consumption, Isolated).
pub fn api_sku_name(sku: Sku) -> Option<&'static str> {
    match sku {
        Sku::Developer => Some("Developer"),
        Sku::Basic => Some("Basic"),
        Sku::Standard => Some("Standard"),
        Sku::Premium => Some("Premium"),
        Sku::BasicV2 => Some("Basic v2"),
        Sku::StandardV2 => Some("Standard v2"),
        Sku::PremiumV2 => Some("Premium v2"),
        Sku::Consumption | Sku::Isolated => None,
    }
}
