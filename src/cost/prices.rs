//! The list price of one unit of a tier in a region from Azure's public Retail Prices API:
//! the query, the walk through its pages (bounded, same origin only) and the resulting quote.
//!
//! The pages are fetched through [`PageSource`], so the walk is tested without a server;
//! [`super::fetch::HttpPageSource`] is the HTTPS implementation.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use url::Url;

use super::money::{Currency, UnitRate};
pub use super::price_key::{PriceError, PriceKey, api_sku_name};
use super::retail_page::{RetailItem, is_unit_price, parse_page, select};
use crate::api::PriceOrigin;
use crate::domain::{Location, Sku};

/// Azure's public endpoint; no credentials needed.
pub const DEFAULT_ENDPOINT: &str = "https://prices.azure.com/api/retail/prices";

/// The list price of one unit per hour, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The price of one unit for one hour.
    pub rate: UnitRate,
    /// The currency of `rate` (what the API answered, which may differ from the one asked).
    pub currency: Currency,
    /// The API or the built-in table.
    pub origin: PriceOrigin,
    /// When the API was read, or the date of the built-in table.
    pub as_of: Timestamp,
    /// True when this is the built-in East US price standing in for another region.
    pub estimated: bool,
    /// The meter priced, e.g. "Premium Unit".
    pub meter: String,
    /// The item's `effectiveStartDate`, when it had one.
    pub effective_from: Option<Timestamp>,
}

/// Anything that gives the quote of one unit of `sku` in `location`: the price cache, the
/// built-in table, a test's fixed prices.
pub trait PriceLookup {
    /// The quote, or `None` when this source has no price for the tier there.
    fn quote(&self, sku: Sku, location: &Location) -> Option<Quote>;
}

/// How much of the API one look-up may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchLimits {
    /// Pages followed at most (the API pages by 1,000 items; one tier in one region fits in
    /// one page).
    pub max_pages: usize,
    /// Bytes of one page at most.
    pub max_body_bytes: usize,
    /// Time for one page at most.
    pub timeout: Duration,
}

impl Default for FetchLimits {
    /// 5 pages, 4 MiB a page, 15 seconds a page.
    fn default() -> Self {
        FetchLimits {
            max_pages: 5,
            max_body_bytes: 4 * 1024 * 1024,
            timeout: Duration::from_secs(15),
        }
    }
}

/// Fetches the body of one page. Implementations enforce `limits` (the walk checks the size
/// again).
pub trait PageSource {
    /// GETs `url` and returns the body of a 200 answer.
    fn get(
        &self,
        url: &Url,
        limits: &FetchLimits,
    ) -> impl Future<Output = Result<Vec<u8>, PriceError>> + Send;
}

/// Checks a configured endpoint (`--prices-endpoint`): an absolute `https://` URL.
pub fn parse_endpoint(text: &str) -> Result<Url, PriceError> {
    match Url::parse(text.trim()) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some() => Ok(url),
        _ => Err(PriceError::InvalidEndpoint(text.to_string())),
    }
}

/// The first page's URL: `$filter=serviceName eq 'API Management' and armRegionName eq
/// '{region}' and skuName eq '{Tier}'` and `currencyCode='{CUR}'`, after any query the
/// endpoint already has.
pub fn query_url(endpoint: &Url, key: &PriceKey) -> Result<Url, PriceError> {
    let sku = api_sku_name(key.sku).ok_or(PriceError::NotPriced(key.sku))?;
    let region = key.location.as_str();
    if region.is_empty() || !region.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(PriceError::InvalidLocation(region.to_string()));
    }
    let filter = format!(
        "serviceName eq 'API Management' and armRegionName eq '{region}' and skuName eq '{sku}'"
    );
    let mut url = endpoint.clone();
    url.query_pairs_mut()
        .append_pair("$filter", &filter)
        .append_pair("currencyCode", &format!("'{}'", key.currency));
    Ok(url)
}

/// The next page's URL when it is on the same origin (scheme, host, port) as the first.
fn next_page(first: &Url, link: &str) -> Result<Url, PriceError> {
    let next = first
        .join(link.trim())
        .map_err(|_| PriceError::ForeignNextPage(link.chars().take(200).collect()))?;
    if next.origin() == first.origin() {
        Ok(next)
    } else {
        Err(PriceError::ForeignNextPage(
            link.chars().take(200).collect(),
        ))
    }
}

fn quote_of(item: &RetailItem, key: &PriceKey, fallback: Option<&str>, now: Timestamp) -> Quote {
    let currency = item
        .currency_code
        .as_deref()
        .or(fallback)
        .and_then(|c| Currency::parse(c).ok())
        .unwrap_or(key.currency);
    Quote {
        rate: item.retail_price.unwrap_or_default(),
        currency,
        origin: PriceOrigin::RetailPricesApi,
        as_of: now,
        estimated: false,
        meter: item.meter_name.clone().unwrap_or_default(),
        effective_from: item.effective_start,
    }
}

/// Reads the unit price of `key` from the API at `endpoint`: follows `NextPageLink` on the
/// same origin, at most `limits.max_pages` pages and never the same page twice, keeps the
/// items that are the hourly unit price, and picks one with [`select`].
pub async fn fetch_quote<S: PageSource + ?Sized>(
    source: &S,
    endpoint: &Url,
    key: &PriceKey,
    limits: &FetchLimits,
    now: Timestamp,
) -> Result<Quote, PriceError> {
    let first = query_url(endpoint, key)?;
    let mut url = first.clone();
    let mut visited = BTreeSet::new();
    let mut candidates: Vec<RetailItem> = Vec::new();
    let mut page_currency: Option<String> = None;
    let mut pages = 0;
    let mut truncated = false;
    loop {
        if pages == limits.max_pages {
            truncated = true;
            break;
        }
        visited.insert(url.to_string());
        let body = source.get(&url, limits).await?;
        if body.len() > limits.max_body_bytes {
            return Err(PriceError::BodyTooLarge(limits.max_body_bytes));
        }
        pages += 1;
        let page = parse_page(&body)?;
        if page_currency.is_none() {
            page_currency = page.currency_code;
        }
        candidates.extend(page.items.into_iter().filter(|i| is_unit_price(i, key)));
        let Some(link) = page.next_page_link else {
            break;
        };
        let next = next_page(&first, &link)?;
        if visited.contains(next.as_str()) {
            break;
        }
        url = next;
    }
    match select(&candidates, now) {
        Some(item) => Ok(quote_of(item, key, page_currency.as_deref(), now)),
        None if truncated => Err(PriceError::TooManyPages {
            sku: key.sku,
            location: key.location.clone(),
            pages,
        }),
        None => Err(PriceError::NoMatchingPrice {
            sku: key.sku,
            location: key.location.clone(),
        }),
    }
}
