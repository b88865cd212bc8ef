//! Tests of the price look-up: the query, the walk through pages, the choice of item, the
//! cache, and arbitrary answers (no panic, a clear error).

use std::collections::BTreeMap;
use std::future::{Future, ready};
use std::sync::Mutex;

use futures::executor::block_on;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};
use url::Url;

use super::cache::{MAX_ENTRIES, PriceCache};
use super::money::{Currency, UnitRate};
use super::prices::{
    DEFAULT_ENDPOINT, FetchLimits, PageSource, PriceError, PriceKey, PriceLookup, fetch_quote,
    parse_endpoint, query_url,
};
use super::retail_page::parse_page;
use crate::api::PriceOrigin;
use crate::domain::{Location, Sku};

/// Pages by URL; records the URLs asked for.
#[derive(Default)]
struct Pages {
    by_url: BTreeMap<String, Vec<u8>>,
    asked: Mutex<Vec<String>>,
}

impl Pages {
    fn with(mut self, url: &str, body: Value) -> Self {
        self.by_url
            .insert(url.to_string(), body.to_string().into_bytes());
        self
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl PageSource for Pages {
    fn get(
        &self,
        url: &Url,
        _limits: &FetchLimits,
    ) -> impl Future<Output = Result<Vec<u8>, PriceError>> + Send {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(url.to_string());
        }
        ready(
            self.by_url
                .get(url.as_str())
                .cloned()
                .ok_or(PriceError::Http(404)),
        )
    }
}

fn now() -> Timestamp {
    "2026-12-01T12:00:00Z".parse().expect("valid")
}

fn key(location: &str, sku: Sku) -> PriceKey {
    PriceKey {
        location: Location::new(location),
        sku,
        currency: Currency::USD,
    }
}

fn endpoint() -> Url {
    parse_endpoint(DEFAULT_ENDPOINT).expect("valid")
}

fn first_url(key: &PriceKey) -> String {
    query_url(&endpoint(), key).expect("valid").to_string()
}

fn item(meter: &str, price: f64, start: &str) -> Value {
    json!({
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price,
        "unitPrice": price, "armRegionName": "eastus", "location": "US East",
        "effectiveStartDate": start, "meterName": meter, "productName": "API Management",
        "skuName": "Premium", "serviceName": "API Management", "unitOfMeasure": "1 Hour",
        "type": "Consumption", "isPrimaryMeterRegion": true
    })
}

fn fetch(pages: &Pages, key: &PriceKey) -> Result<super::prices::Quote, PriceError> {
    block_on(fetch_quote(
        pages,
        &endpoint(),
        key,
        &FetchLimits::default(),
        now(),
    ))
}

#[test]
fn the_query_filters_by_service_region_tier_and_asks_the_currency() {
    let mut eur = key("West Europe", Sku::PremiumV2);
    eur.currency = Currency::parse("eur").expect("valid");
    let url = query_url(&endpoint(), &eur).expect("valid");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("$filter".to_string(), "serviceName eq 'API Management' and armRegionName eq 'westeurope' and skuName eq 'Premium v2'".to_string()),
            ("currencyCode".to_string(), "'EUR'".to_string()),
        ]
    );
    let preview =
        parse_endpoint("https://prices.example/api/retail/prices?api-version=2023-01-01-preview")
            .expect("valid");
    let url = query_url(&preview, &key("eastus", Sku::Basic)).expect("valid");
    assert!(url.as_str().starts_with(
        "https://prices.example/api/retail/prices?api-version=2023-01-01-preview&%24filter="
    ));
    assert_eq!(
        query_url(&endpoint(), &key("eastus", Sku::Consumption)),
        Err(PriceError::NotPriced(Sku::Consumption))
    );
    assert!(matches!(
        query_url(&endpoint(), &key("east'us", Sku::Basic)),
        Err(PriceError::InvalidLocation(_))
    ));
    for bad in [
        "http://prices.azure.com/api/retail/prices",
        "prices.azure.com",
        "file:///etc/passwd",
        "",
    ] {
        assert!(parse_endpoint(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_newest_hourly_unit_price_is_chosen_across_pages() {
    let key = key("eastus", Sku::Premium);
    let first = first_url(&key);
    // Azure writes the default port in its links; the URL is compared without it.
    let link = "https://prices.azure.com:443/api/retail/prices?skip=1000";
    let second = "https://prices.azure.com/api/retail/prices?skip=1000";
    let mut reservation = item("Premium Unit", 1.0, "2025-01-01T00:00:00Z");
    reservation["type"] = json!("Reservation");
    reservation["reservationTerm"] = json!("1 Year");
    let mut monthly = item("Premium Unit", 2000.0, "2025-01-01T00:00:00Z");
    monthly["unitOfMeasure"] = json!("1/Month");
    let pages = Pages::default()
        .with(
            &first,
            json!({"CurrencyCode": "USD", "Items": [
            item("Premium Unit", 3.5, "2020-01-01T00:00:00Z"),
            item("Secondary Unit", 2.0, "2025-01-01T00:00:00Z"),
            item("Gateway Unit", 1.37, "2025-01-01T00:00:00Z"),
            reservation, monthly,
        ], "NextPageLink": link}),
        )
        .with(
            second,
            json!({"Items": [
            item("Premium Unit", 3.829, "2023-05-01T00:00:00Z"),
            item("Premium Unit", 9.99, "2027-06-01T00:00:00Z"),
        ], "NextPageLink": null}),
        );
    let quote = fetch(&pages, &key).expect("priced");
    assert_eq!(quote.rate, UnitRate::from_micros(3_829_000));
    assert_eq!(quote.rate.monthly().cents(), 279_517);
    assert_eq!(
        (quote.origin, quote.as_of, quote.estimated),
        (PriceOrigin::RetailPricesApi, now(), false)
    );
    assert_eq!(quote.meter, "Premium Unit");
    assert_eq!(pages.asked(), [first, second.to_string()]);
}

#[test]
fn v2_meters_and_the_answers_currency_are_read() {
    let mut key = key("westeurope", Sku::StandardV2);
    key.currency = Currency::parse("EUR").expect("valid");
    let mut v2 = item("Standard v2 Unit", 0.9, "2024-01-01T00:00:00Z");
    v2["skuName"] = json!("Standard v2");
    v2["armRegionName"] = json!("westeurope");
    v2["currencyCode"] = json!("EUR");
    let pages = Pages::default().with(&first_url(&key), json!({"Items": [v2]}));
    let quote = fetch(&pages, &key).expect("priced");
    assert_eq!(
        (quote.rate, quote.currency.as_str()),
        (UnitRate::from_micros(900_000), "EUR")
    );
}

#[test]
fn walks_are_bounded_and_stay_on_the_endpoints_origin() {
    let key = key("eastus", Sku::Premium);
    let first = first_url(&key);
    let foreign = Pages::default().with(
        &first,
        json!({"Items": [], "NextPageLink": "https://evil.example/prices"}),
    );
    assert!(matches!(
        fetch(&foreign, &key),
        Err(PriceError::ForeignNextPage(_))
    ));
    let downgraded = Pages::default().with(
        &first,
        json!({"Items": [], "NextPageLink": "http://prices.azure.com/api/retail/prices?$skip=1"}),
    );
    assert!(matches!(
        fetch(&downgraded, &key),
        Err(PriceError::ForeignNextPage(_))
    ));
    let looping =
        Pages::default().with(&first, json!({"Items": [], "NextPageLink": first.clone()}));
    assert_eq!(
        fetch(&looping, &key),
        Err(PriceError::NoMatchingPrice {
            sku: Sku::Premium,
            location: Location::new("eastus")
        })
    );
    assert_eq!(looping.asked().len(), 1);
    // Every page links to a new one: stop after max_pages.
    let mut endless = Pages::default();
    let mut url = first.clone();
    for n in 1..=10 {
        let next = format!("https://prices.azure.com/api/retail/prices?page={n}");
        endless = endless.with(&url, json!({"Items": [], "NextPageLink": next}));
        url = next;
    }
    assert!(matches!(
        fetch(&endless, &key),
        Err(PriceError::TooManyPages { pages: 5, .. })
    ));
    assert_eq!(endless.asked().len(), 5);
    let big = Pages::default().with(
        &first,
        json!({"Items": [], "pad": "x".repeat(5 * 1024 * 1024)}),
    );
    assert_eq!(
        fetch(&big, &key),
        Err(PriceError::BodyTooLarge(4 * 1024 * 1024))
    );
    assert_eq!(fetch(&Pages::default(), &key), Err(PriceError::Http(404)));
}

#[test]
fn the_cache_keeps_prices_a_day_and_retries_failures_after_an_hour() {
    let mut cache = PriceCache::new(Currency::USD);
    let premium = cache.key(Sku::Premium, &Location::new("eastus"));
    let basic = cache.key(Sku::Basic, &Location::new("eastus"));
    let consumption = cache.key(Sku::Consumption, &Location::new("eastus"));
    let keys = [premium.clone(), basic.clone(), premium.clone(), consumption];
    assert_eq!(cache.due(&keys, now()), [premium.clone(), basic.clone()]);
    // Before any read: the built-in table.
    let quote = cache.lookup().quote(Sku::Premium, &Location::new("eastus"));
    assert_eq!(quote.map(|q| q.origin), Some(PriceOrigin::BuiltIn));
    let pages = Pages::default().with(
        &first_url(&premium),
        json!({"Items": [item("Premium Unit", 3.0, "2024-01-01")]}),
    );
    let results = block_on(super::cache::fetch_all(
        &pages,
        &endpoint(),
        &cache.due(&keys, now()),
        &FetchLimits::default(),
        now(),
    ));
    for (key, result) in results {
        cache.record(key, result, now());
    }
    assert_eq!(
        cache.fresh(&premium, now()).map(|q| q.rate),
        Some(UnitRate::from_micros(3_000_000))
    );
    assert_eq!(cache.last_failure(&basic), Some(&PriceError::Http(404)));
    let later = |minutes: i64| now() + SignedDuration::from_mins(minutes);
    assert!(cache.due(&keys, later(59)).is_empty());
    assert_eq!(cache.due(&keys, later(60)), std::slice::from_ref(&basic));
    assert_eq!(cache.due(&keys, later(24 * 60)), [premium.clone(), basic]);
    // A stale price is still used while the API is down; its as_of tells its age.
    cache.record(
        premium.clone(),
        Err(PriceError::Transport("down".into())),
        later(24 * 60),
    );
    let stale = cache.lookup().quote(Sku::Premium, &Location::new("eastus"));
    assert_eq!(
        stale.map(|q| (q.origin, q.as_of)),
        Some((PriceOrigin::RetailPricesApi, now()))
    );
}

#[test]
fn a_claimed_key_is_read_by_one_caller_only() {
    let mut cache = PriceCache::new(Currency::USD);
    let premium = cache.key(Sku::Premium, &Location::new("eastus"));
    let keys = [premium.clone()];
    assert_eq!(cache.claim(&keys, now()), keys);
    assert!(cache.claim(&keys, now()).is_empty(), "being read already");
    assert!(cache.due(&keys, now()).is_empty());
    cache.record(premium.clone(), Err(PriceError::Http(503)), now());
    let later = now() + SignedDuration::from_mins(61);
    assert_eq!(
        cache.claim(&keys, later),
        keys,
        "retried an hour after the failure"
    );
    let lost = later + SignedDuration::from_mins(61);
    assert_eq!(
        cache.claim(&keys, lost),
        keys,
        "a claim never recorded expires"
    );
}

#[test]
fn the_cache_is_bounded() {
    let mut cache = PriceCache::new(Currency::USD);
    for n in 0..(MAX_ENTRIES + 10) {
        let key = cache.key(Sku::Basic, &Location::new(&format!("region{n}")));
        let when = now() + SignedDuration::from_secs(i64::try_from(n).unwrap_or(0));
        cache.record(key, Err(PriceError::Http(500)), when);
    }
    let first = cache.key(Sku::Basic, &Location::new("region0"));
    let last = cache.key(
        Sku::Basic,
        &Location::new(&format!("region{}", MAX_ENTRIES + 9)),
    );
    assert_eq!(cache.last_failure(&first), None);
    assert_eq!(cache.last_failure(&last), Some(&PriceError::Http(500)));
}

const FIELDS: [&str; 16] = [
    "Items",
    "NextPageLink",
    "CurrencyCode",
    "currencyCode",
    "retailPrice",
    "unitOfMeasure",
    "effectiveStartDate",
    "type",
    "armRegionName",
    "meterName",
    "skuName",
    "productName",
    "serviceName",
    "reservationTerm",
    "isPrimaryMeterRegion",
    "tierMinimumUnits",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("1 Hour".to_string()),
            Just("Consumption".to_string()),
            Just("Premium Unit".to_string()),
            Just("Premium".to_string()),
            Just("eastus".to_string()),
            Just("https://prices.azure.com/x".to_string()),
            Just("2024-01-01".to_string()),
            ".{0,24}",
        ]
        .prop_map(Value::String),
    ];
    let key = prop_oneof![
        proptest::sample::select(FIELDS.to_vec()).prop_map(str::to_string),
        "[a-zA-Z]{1,8}"
    ];
    leaf.prop_recursive(4, 96, 10, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..10).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..12)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_page(&body);
    }

    #[test]
    fn arbitrary_json_pages_never_panic(items in arb_json(), link in arb_json(), extra in arb_json()) {
        let body = json!({"Items": items, "NextPageLink": link, "extra": extra});
        match parse_page(body.to_string().as_bytes()) {
            Ok(page) => prop_assert!(page.items.len() + page.skipped <= body["Items"].as_array().map_or(0, Vec::len)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn arbitrary_walks_end_with_a_quote_or_a_clear_error(pages in proptest::collection::vec(arb_json(), 1..4)) {
        let key = key("eastus", Sku::Premium);
        let mut source = Pages::default();
        let mut url = first_url(&key);
        for (n, page) in pages.into_iter().enumerate() {
            let next = format!("https://prices.azure.com/api/retail/prices?p={n}");
            let body = match page {
                Value::Object(mut map) => { map.entry("NextPageLink").or_insert(json!(next.clone())); Value::Object(map) }
                other => json!({"Items": [other], "NextPageLink": next.clone()}),
            };
            source = source.with(&url, body);
            url = next;
        }
        match fetch(&source, &key) {
            Ok(quote) => prop_assert!(quote.rate.micros() > 0),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        prop_assert!(source.asked().len() <= FetchLimits::default().max_pages);
    }
}
