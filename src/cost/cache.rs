//! Unit prices read from the API, kept a day per (region, tier, currency). A look-up gives the
//! fresh price, else the last one read (its `as_of` tells its age), else the built-in table.
//! Failed reads are retried after an hour, not on every reconcile. The clock is passed in.
//!
//! The cache holds no lock and does no I/O: a caller keeps it behind a mutex, asks
//! [`PriceCache::due`] which keys to read, reads them with [`fetch_all`] without holding the
//! lock, then [`PriceCache::record`]s the results.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use url::Url;

use super::money::Currency;
use super::prices::{
    FetchLimits, PageSource, PriceError, PriceKey, PriceLookup, Quote, api_sku_name, fetch_quote,
};
use super::table::built_in_quote;
use crate::domain::{Location, Sku};

/// How long a price read from the API is used before it is read again.
pub const PRICE_TTL: SignedDuration = SignedDuration::from_hours(24);

/// How long after a failed read the API is asked again.
pub const RETRY_AFTER_FAILURE: SignedDuration = SignedDuration::from_hours(1);

/// Keys kept at most; the least recently read is dropped beyond.
pub const MAX_ENTRIES: usize = 256;

#[derive(Debug, Clone)]
struct Entry {
    /// The last quote read, with when it was read in `as_of`.
    quote: Option<Quote>,
    /// The last failure, with when it happened.
    failure: Option<(Timestamp, PriceError)>,
    /// When a caller [`PriceCache::claim`]ed the key and has not recorded a result yet.
    claimed: Option<Timestamp>,
}

impl Entry {
    fn touched(&self) -> Timestamp {
        let read = self.quote.as_ref().map(|q| q.as_of);
        let failed = self.failure.as_ref().map(|(at, _)| *at);
        read.max(failed).max(self.claimed).unwrap_or(Timestamp::MIN)
    }
}

/// Prices read from the API, in one currency (the operator's `--currency`).
#[derive(Debug, Clone)]
pub struct PriceCache {
    currency: Currency,
    ttl: SignedDuration,
    retry_after: SignedDuration,
    entries: BTreeMap<PriceKey, Entry>,
}

impl PriceCache {
    /// An empty cache for prices in `currency`, kept [`PRICE_TTL`], failures retried after
    /// [`RETRY_AFTER_FAILURE`].
    pub fn new(currency: Currency) -> Self {
        PriceCache {
            currency,
            ttl: PRICE_TTL,
            retry_after: RETRY_AFTER_FAILURE,
            entries: BTreeMap::new(),
        }
    }

    /// The same with other durations.
    pub fn with_durations(mut self, ttl: SignedDuration, retry_after: SignedDuration) -> Self {
        self.ttl = ttl;
        self.retry_after = retry_after;
        self
    }

    /// The currency prices are asked in.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The key of one unit of `sku` in `location` in this cache's currency.
    pub fn key(&self, sku: Sku, location: &Location) -> PriceKey {
        PriceKey {
            location: location.clone(),
            sku,
            currency: self.currency,
        }
    }

    /// The quote read less than a TTL ago.
    pub fn fresh(&self, key: &PriceKey, now: Timestamp) -> Option<&Quote> {
        self.entries
            .get(key)
            .and_then(|e| e.quote.as_ref())
            .filter(|q| now.duration_since(q.as_of) < self.ttl)
    }

    /// The last failure of `key`, if the last read failed.
    pub fn last_failure(&self, key: &PriceKey) -> Option<&PriceError> {
        self.entries
            .get(key)
            .and_then(|e| e.failure.as_ref())
            .map(|(_, error)| error)
    }

    /// Which of `keys` to read now: priced tiers with no fresh quote and no failure in the
    /// last hour, each once, in order.
    pub fn due(&self, keys: &[PriceKey], now: Timestamp) -> Vec<PriceKey> {
        let mut due: Vec<PriceKey> = Vec::new();
        for key in keys {
            let entry = self.entries.get(key);
            let recent = |at: Timestamp| now.duration_since(at) < self.retry_after;
            let failed_recently = entry
                .and_then(|e| e.failure.as_ref())
                .is_some_and(|(at, _)| recent(*at))
                || entry.and_then(|e| e.claimed).is_some_and(recent);
            if api_sku_name(key.sku).is_some()
                && self.fresh(key, now).is_none()
                && !failed_recently
                && !due.contains(key)
            {
                due.push(key.clone());
            }
        }
        due
    }

    /// [`PriceCache::due`], with the keys marked as being read: concurrent callers are not
    /// given them again until the result is [`PriceCache::record`]ed (or, should it never
    /// be, for an hour as after a failure).
    pub fn claim(&mut self, keys: &[PriceKey], now: Timestamp) -> Vec<PriceKey> {
        let due = self.due(keys, now);
        for key in &due {
            self.entry(key.clone()).claimed = Some(now);
        }
        self.bound();
        due
    }

    fn entry(&mut self, key: PriceKey) -> &mut Entry {
        self.entries.entry(key).or_insert(Entry {
            quote: None,
            failure: None,
            claimed: None,
        })
    }

    /// Keeps the result of reading `key` at `now`; a failure keeps the last good quote.
    pub fn record(&mut self, key: PriceKey, result: Result<Quote, PriceError>, now: Timestamp) {
        let entry = self.entry(key);
        entry.claimed = None;
        match result {
            Ok(quote) => {
                entry.quote = Some(Quote {
                    as_of: now,
                    ..quote
                });
                entry.failure = None;
            }
            Err(error) => entry.failure = Some((now, error)),
        }
        self.bound();
    }

    /// Drops the least recently touched keys beyond [`MAX_ENTRIES`].
    fn bound(&mut self) {
        while self.entries.len() > MAX_ENTRIES {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.touched())
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.entries.remove(&k),
                None => break,
            };
        }
    }

    /// The cache as a price source: the last quote read from the API (fresh or not: its
    /// `as_of` says when), else the built-in table.
    pub fn lookup(&self) -> CachedPrices<'_> {
        CachedPrices { cache: self }
    }
}

/// [`PriceCache::lookup`]'s view.
#[derive(Debug, Clone, Copy)]
pub struct CachedPrices<'a> {
    cache: &'a PriceCache,
}

impl PriceLookup for CachedPrices<'_> {
    fn quote(&self, sku: Sku, location: &Location) -> Option<Quote> {
        let key = self.cache.key(sku, location);
        self.cache
            .entries
            .get(&key)
            .and_then(|e| e.quote.clone())
            .or_else(|| built_in_quote(sku, location))
    }
}

/// Reads every key from the API one after the other (a handful per service, so no
/// concurrency), returning each result for [`PriceCache::record`].
pub async fn fetch_all<S: PageSource + ?Sized>(
    source: &S,
    endpoint: &Url,
    keys: &[PriceKey],
    limits: &FetchLimits,
    now: Timestamp,
) -> Vec<(PriceKey, Result<Quote, PriceError>)> {
    let mut results = Vec::with_capacity(keys.len());
    for key in keys {
        let result = fetch_quote(source, endpoint, key, limits, now).await;
        results.push((key.clone(), result));
    }
    results
}
