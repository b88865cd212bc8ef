//! The Azure Retail Prices API as the simulator serves it: `GET /api/retail/prices` with
//! `$filter`, `currencyCode` and `$skip`, answered in the real shape (`BillingCurrency`,
//! `Items`, `NextPageLink`, `Count`), [`PAGE_SIZE`] items a page so that every reader has to
//! follow `NextPageLink`. No credentials, as the real API.
//!
//! The prices are the simulator's own list ([`unit_price`]), written from ARM-NOTES §2 (East
//! US list prices per hour), with a regional surcharge in a few regions and a made-up,
//! different price for the `Secondary Unit` meter, so that a reader that picks the wrong
//! meter or region shows a wrong figure.

use axum::body::Body;
use http::Response;
use serde_json::{Value, json};

use crate::location::DISPLAY_NAMES;
use crate::price_query::{self, PriceQuery};
use crate::reply::{ArmError, json_response};
use crate::tiers::Sku;

/// The path of the endpoint.
pub const PATH: &str = "/api/retail/prices";

/// Items per page (the real API pages by 1,000).
pub const PAGE_SIZE: usize = 1;

/// The tiers the API prices, with their `skuName`.
const PRICED: [(Sku, &str); 7] = [
    (Sku::Developer, "Developer"),
    (Sku::Basic, "Basic"),
    (Sku::Standard, "Standard"),
    (Sku::Premium, "Premium"),
    (Sku::BasicV2, "Basic v2"),
    (Sku::StandardV2, "Standard v2"),
    (Sku::PremiumV2, "Premium v2"),
];

/// Currencies served, with their rate against USD in percent.
const CURRENCIES: [(&str, u64); 3] = [("USD", 100), ("EUR", 92), ("GBP", 79)];

/// The East US list price of one unit-hour of `sku`, in millionths of a USD.
fn east_us_micros(sku: Sku) -> u64 {
    match sku {
        Sku::Developer => 65_800,
        Sku::Basic => 201_600,
        Sku::Standard => 940_700,
        Sku::Premium => 3_829_000,
        Sku::BasicV2 => 205_500,
        Sku::StandardV2 => 958_900,
        Sku::PremiumV2 => 3_835_600,
        Sku::Consumption | Sku::Isolated => 0,
    }
}

/// The regional price in percent of East US's.
fn region_percent(region: &str) -> u64 {
    match region {
        "westeurope" => 110,
        "northeurope" => 105,
        _ => 100,
    }
}

/// The list price of one unit-hour of `sku` in `region` (normalised name), in millionths of
/// `currency` (one of the currencies served); `secondary` is the `Secondary Unit` meter.
pub fn unit_price(sku: Sku, region: &str, currency_percent: u64, secondary: bool) -> u64 {
    let base = east_us_micros(sku) * region_percent(region) / 100;
    let meter = if secondary { base * 3 / 4 } else { base };
    // Whole ten-thousandths, as the real list is written.
    meter * currency_percent / 100 / 100 * 100
}

/// One item of the list, in the API's shape.
fn item(
    sku: Sku,
    sku_name: &str,
    region: &str,
    currency: &str,
    percent: u64,
    secondary: bool,
) -> Value {
    let micros = unit_price(sku, region, percent, secondary);
    let price = micros as f64 / 1_000_000.0;
    let meter = if secondary {
        "Secondary Unit".to_string()
    } else {
        format!("{sku_name} Unit")
    };
    let display = DISPLAY_NAMES
        .iter()
        .find(|(name, _)| *name == region)
        .map_or(region, |(_, display)| display);
    json!({
        "currencyCode": currency,
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": region,
        "location": display,
        "effectiveStartDate": "2024-01-01T00:00:00Z",
        "meterName": meter,
        "productName": "API Management",
        "skuName": sku_name,
        "serviceName": "API Management",
        "serviceFamily": "Developer Tools",
        "unitOfMeasure": "1 Hour",
        "type": "Consumption",
        "isPrimaryMeterRegion": true,
        "armSkuName": "",
    })
}

/// Whether `item` passes every clause of the filter (values compared ignoring case).
fn matches(item: &Value, query: &PriceQuery) -> bool {
    query.filter.iter().all(|(field, wanted)| {
        let key = match field.as_str() {
            "servicename" => "serviceName",
            "armregionname" => "armRegionName",
            "skuname" => "skuName",
            "metername" => "meterName",
            "productname" => "productName",
            "type" | "pricetype" => "type",
            "servicefamily" => "serviceFamily",
            "location" => "location",
            _ => return false,
        };
        item[key]
            .as_str()
            .is_some_and(|value| value.eq_ignore_ascii_case(wanted))
    })
}

/// Every item of the list in `currency`, in a fixed order: per region, per tier, the
/// `Secondary Unit` meter (Premium only) before the unit meter.
fn list(currency: &str, percent: u64) -> impl Iterator<Item = Value> + '_ {
    DISPLAY_NAMES.iter().flat_map(move |(region, _)| {
        PRICED.iter().flat_map(move |(sku, name)| {
            let secondary =
                (*sku == Sku::Premium).then(|| item(*sku, name, region, currency, percent, true));
            secondary.into_iter().chain(std::iter::once(item(
                *sku, name, region, currency, percent, false,
            )))
        })
    })
}

/// The answer to `GET /api/retail/prices?{raw_query}`; `base` is the scheme and authority the
/// client used, for `NextPageLink`.
pub fn handle(raw_query: &str, base: &str) -> Response<Body> {
    let query = match price_query::parse(raw_query) {
        Ok(query) => query,
        Err(message) => return ArmError::bad_request("InvalidQuery", message).into_response(),
    };
    let Some((currency, percent)) = CURRENCIES.iter().find(|(c, _)| *c == query.currency) else {
        let message = format!(
            "the simulator serves the currencies {CURRENCIES:?}, not {}",
            query.currency
        );
        return ArmError::bad_request("InvalidCurrency", message).into_response();
    };
    let mut matching = list(currency, *percent)
        .filter(|i| matches(i, &query))
        .skip(query.skip);
    let items: Vec<Value> = matching.by_ref().take(PAGE_SIZE).collect();
    let next = matching
        .next()
        .map(|_| next_link(raw_query, base, query.skip + PAGE_SIZE));
    json_response(
        200,
        &json!({
            "BillingCurrency": currency,
            "CustomerEntityId": "Default",
            "CustomerEntityType": "Retail",
            "Items": items,
            "NextPageLink": next,
            "Count": items.len(),
        }),
    )
}

/// The same query with `$skip={skip}`.
fn next_link(raw_query: &str, base: &str, skip: usize) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        if !key.eq_ignore_ascii_case("$skip") {
            out.append_pair(&key, &value);
        }
    }
    out.append_pair("$skip", &skip.to_string());
    format!("{base}{PATH}?{}", out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(raw_query: &str) -> (u16, Value) {
        let response = handle(raw_query, "https://127.0.0.1:1");
        let status = response.status().as_u16();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let body = rt
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
            .expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    const PREMIUM_EASTUS: &str = "$filter=serviceName+eq+%27API+Management%27+and+armRegionName+eq+%27eastus%27+and+skuName+eq+%27Premium%27&currencyCode=%27USD%27";

    #[test]
    fn a_filtered_query_is_paged_through_next_page_link() {
        let (status, first) = page(PREMIUM_EASTUS);
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["Count"], 1);
        assert_eq!(first["Items"][0]["meterName"], "Secondary Unit");
        let link = first["NextPageLink"].as_str().expect("a next page");
        let next_query = link.split_once('?').map(|(_, q)| q).expect("a query");
        assert!(
            link.starts_with("https://127.0.0.1:1/api/retail/prices?"),
            "{link}"
        );
        let (_, second) = page(next_query);
        assert_eq!(second["Items"][0]["meterName"], "Premium Unit");
        assert_eq!(second["Items"][0]["retailPrice"], 3.829);
        assert_eq!(second["Items"][0]["unitOfMeasure"], "1 Hour");
        assert!(second["NextPageLink"].is_null(), "{second}");
    }

    #[test]
    fn regions_and_currencies_change_the_price() {
        assert_eq!(unit_price(Sku::Premium, "eastus", 100, false), 3_829_000);
        assert_eq!(
            unit_price(Sku::Premium, "westeurope", 100, false),
            4_211_900
        );
        assert_eq!(unit_price(Sku::Premium, "eastus", 92, false), 3_522_600);
        let (_, eur) = page(
            "$filter=armRegionName+eq+%27westeurope%27+and+skuName+eq+%27Premium+v2%27&currencyCode=%27EUR%27",
        );
        assert_eq!(eur["BillingCurrency"], "EUR");
        assert_eq!(eur["Items"][0]["currencyCode"], "EUR");
        assert_eq!(eur["Items"][0]["meterName"], "Premium v2 Unit");
        assert!(eur["NextPageLink"].is_null());
    }

    #[test]
    fn bad_queries_are_refused() {
        assert_eq!(page("$filter=retailPrice+gt+1").0, 400);
        assert_eq!(page("currencyCode=%27XYZ%27").0, 400);
        let (status, none) = page("$filter=skuName+eq+%27Gold%27");
        assert_eq!(status, 200);
        assert_eq!(none["Count"], 0);
        assert!(none["NextPageLink"].is_null());
    }
}
