//! Unit prices for the operator and `apimcap plan` (I/O): the shared day cache of Retail
//! Prices API answers, read through for the regions a decision prices. Each (region, tier,
//! currency) is read at most once a day, and an hour after a failure; what the API cannot
//! give comes from the last answer, else the built-in table.

use std::sync::Mutex;

use jiff::Timestamp;
use url::Url;

use super::cache::{PriceCache, fetch_all};
use super::fetch::HttpPageSource;
use super::money::{Currency, MoneyError};
use super::prices::{DEFAULT_ENDPOINT, FetchLimits, PriceError, parse_endpoint};
use super::quotes::Quotes;
use crate::domain::{Location, Sku};

/// Where prices are read and in which currency (`--prices-endpoint`, `--currency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceSettings {
    /// The Retail Prices API (an absolute `https://` URL).
    pub endpoint: Url,
    /// The currency prices are asked in, and `costIncreaseAbove` is read in.
    pub currency: Currency,
}

/// Settings that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceSettingsError {
    #[error("--prices-endpoint: {0}")]
    Endpoint(PriceError),
    #[error("--currency: {0}")]
    Currency(MoneyError),
}

impl PriceSettings {
    /// Settings from the command line's text: the endpoint (empty: Azure's public one) and
    /// an ISO 4217 code such as `USD`.
    pub fn parse(endpoint: &str, currency: &str) -> Result<Self, PriceSettingsError> {
        let endpoint = if endpoint.trim().is_empty() {
            DEFAULT_ENDPOINT
        } else {
            endpoint
        };
        Ok(PriceSettings {
            endpoint: parse_endpoint(endpoint).map_err(PriceSettingsError::Endpoint)?,
            currency: Currency::parse(currency).map_err(PriceSettingsError::Currency)?,
        })
    }
}

/// The price cache with the means to fill it.
#[derive(Debug)]
pub struct PriceService {
    settings: PriceSettings,
    source: HttpPageSource,
    limits: FetchLimits,
    cache: Mutex<PriceCache>,
}

impl PriceService {
    /// A service reading `settings.endpoint` over `source`.
    pub fn new(settings: PriceSettings, source: HttpPageSource) -> Self {
        let cache = Mutex::new(PriceCache::new(settings.currency));
        PriceService {
            settings,
            source,
            limits: FetchLimits::default(),
            cache,
        }
    }

    /// The operator's currency.
    pub fn currency(&self) -> Currency {
        self.settings.currency
    }

    /// The quotes of `wanted`: the keys that are due are read from the API first (without
    /// holding the cache's lock), the rest come from the cache or the built-in table.
    pub async fn quotes(&self, wanted: &[(Sku, Location)], now: Timestamp) -> Quotes {
        let due = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let keys: Vec<_> = wanted
                .iter()
                .map(|(sku, location)| cache.key(*sku, location))
                .collect();
            cache.claim(&keys, now)
        };
        if !due.is_empty() {
            let endpoint = &self.settings.endpoint;
            let results = fetch_all(&self.source, endpoint, &due, &self.limits, now).await;
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            for (key, result) in results {
                match &result {
                    Ok(quote) => tracing::info!(
                        sku = %key.sku, location = %key.location, currency = %quote.currency,
                        "read the unit price from the Retail Prices API"
                    ),
                    Err(e) => tracing::warn!(
                        sku = %key.sku, location = %key.location, error = %e,
                        "cannot read the unit price from the Retail Prices API; using the last one read or the built-in table, and trying again in an hour"
                    ),
                }
                cache.record(key, result, now);
            }
        }
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        Quotes::snapshot(&cache.lookup(), wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_to_azures_endpoint_in_usd_and_refuse_nonsense() {
        let settings = PriceSettings::parse("", "usd").expect("valid");
        assert_eq!(settings.endpoint.as_str(), DEFAULT_ENDPOINT);
        assert_eq!(settings.currency, Currency::USD);
        let eur =
            PriceSettings::parse("https://127.0.0.1:8443/api/retail/prices", "EUR").expect("valid");
        assert_eq!(eur.currency.to_string(), "EUR");
        assert!(PriceSettings::parse("http://prices.azure.com/api", "USD").is_err());
        assert!(PriceSettings::parse("", "dollars").is_err());
    }
}
