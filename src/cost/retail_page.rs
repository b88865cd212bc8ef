//! One page of the Retail Prices API, read leniently (it is untrusted input), and the choice
//! of the item that is a unit's list price.
//!
//! A page is `{"BillingCurrency", "CustomerEntityId", "Items": [...], "NextPageLink",
//! "Count"}`; an item has `currencyCode`, `retailPrice`, `unitOfMeasure` ("1 Hour"),
//! `effectiveStartDate`, `type` ("Consumption", "Reservation", ...), `armRegionName`,
//! `meterName`, `skuName`, `productName`, `serviceName`, and sometimes `reservationTerm`,
//! `isPrimaryMeterRegion`, `tierMinimumUnits`. Items whose fields have unexpected types are
//! skipped and counted; only a body that is not JSON or has no `Items` array is an error.

use jiff::Timestamp;
use serde_json::Value;

use super::money::UnitRate;
use super::price_key::{PriceError, PriceKey, api_sku_name};

/// The part of a price item this operator reads. Absent or ill-typed fields are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetailItem {
    pub currency_code: Option<String>,
    pub retail_price: Option<UnitRate>,
    pub unit_of_measure: Option<String>,
    pub effective_start: Option<Timestamp>,
    pub price_type: Option<String>,
    pub arm_region_name: Option<String>,
    pub meter_name: Option<String>,
    pub sku_name: Option<String>,
    pub product_name: Option<String>,
    pub service_name: Option<String>,
    pub reservation_term: Option<String>,
    pub is_primary_meter_region: Option<bool>,
    pub tier_minimum_units: Option<f64>,
}

/// One page of answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetailPage {
    /// The page's `CurrencyCode` (or `BillingCurrency`).
    pub currency_code: Option<String>,
    /// The items that are JSON objects.
    pub items: Vec<RetailItem>,
    /// Entries of `Items` that were not objects.
    pub skipped: usize,
    /// The URL of the next page, if any.
    pub next_page_link: Option<String>,
}

/// Longest string kept from an item; longer ones are treated as absent.
const MAX_FIELD_CHARS: usize = 256;

fn text(object: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key) {
        Some(Value::String(s)) if s.chars().count() <= MAX_FIELD_CHARS => Some(s.clone()),
        _ => None,
    }
}

/// Reads `2024-05-01T00:00:00Z`, `2024-05-01T00:00:00` (taken as UTC) or `2024-05-01`.
fn timestamp(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

fn item(object: &serde_json::Map<String, Value>) -> RetailItem {
    RetailItem {
        currency_code: text(object, "currencyCode"),
        retail_price: object
            .get("retailPrice")
            .and_then(Value::as_f64)
            .and_then(UnitRate::from_json_number),
        unit_of_measure: text(object, "unitOfMeasure"),
        effective_start: text(object, "effectiveStartDate").and_then(|t| timestamp(&t)),
        price_type: text(object, "type"),
        arm_region_name: text(object, "armRegionName"),
        meter_name: text(object, "meterName"),
        sku_name: text(object, "skuName"),
        product_name: text(object, "productName"),
        service_name: text(object, "serviceName"),
        reservation_term: text(object, "reservationTerm"),
        is_primary_meter_region: object.get("isPrimaryMeterRegion").and_then(Value::as_bool),
        tier_minimum_units: object.get("tierMinimumUnits").and_then(Value::as_f64),
    }
}

/// Parses one page. Errors only when the body is not a JSON object with an `Items` array.
pub fn parse_page(body: &[u8]) -> Result<RetailPage, PriceError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        PriceError::NotJson(format!(
            "the answer is not JSON ({e}); {} bytes",
            body.len()
        ))
    })?;
    let Value::Object(page) = value else {
        return Err(PriceError::NotJson(
            "the answer is not a JSON object".into(),
        ));
    };
    let Some(Value::Array(raw_items)) = page.get("Items") else {
        return Err(PriceError::NoItems);
    };
    let mut items = Vec::with_capacity(raw_items.len());
    let mut skipped = 0;
    for raw in raw_items {
        match raw {
            Value::Object(object) => items.push(item(object)),
            _ => skipped += 1,
        }
    }
    Ok(RetailPage {
        currency_code: text(&page, "CurrencyCode").or_else(|| text(&page, "BillingCurrency")),
        items,
        skipped,
        next_page_link: text_any_length(&page, "NextPageLink").filter(|l| !l.trim().is_empty()),
    })
}

/// A string field of any length (the next-page URL is checked, not truncated).
fn text_any_length(object: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Lower case without whitespace: "Premium v2 Unit" → "premiumv2unit".
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is(field: &Option<String>, expected: &str) -> bool {
    field
        .as_deref()
        .is_some_and(|f| squash(f) == squash(expected))
}

/// Whether `item` is the hourly pay-as-you-go list price of one unit of `key`'s tier in its
/// region: type Consumption, no reservation term, "1 Hour", meter `{Tier} Unit` (so not
/// `Secondary Unit` or `Gateway Unit`), a positive price.
pub fn is_unit_price(item: &RetailItem, key: &PriceKey) -> bool {
    let Some(sku) = api_sku_name(key.sku) else {
        return false;
    };
    let hourly = item
        .unit_of_measure
        .as_deref()
        .is_some_and(|u| matches!(squash(u).as_str(), "1hour" | "1/hour" | "hour" | "1hours"));
    let service_ok = item
        .service_name
        .as_deref()
        .is_none_or(|s| squash(s) == "apimanagement");
    let product_ok = item
        .product_name
        .as_deref()
        .is_none_or(|p| squash(p).contains("apimanagement"));
    hourly
        && service_ok
        && product_ok
        && is(&item.price_type, "Consumption")
        && item.reservation_term.is_none()
        && is(&item.arm_region_name, key.location.as_str())
        && is(&item.sku_name, sku)
        && is(&item.meter_name, &format!("{sku} Unit"))
        && item.retail_price.is_some_and(|p| p.micros() > 0)
}

/// The item to use among unit prices of one key: the newest `effectiveStartDate` not after
/// `now` (an item without a date counts as oldest), then the primary meter region, then the
/// lowest tier minimum, then the higher price (never underestimate), so the choice does not
/// depend on the order of the pages.
pub fn select(items: &[RetailItem], now: Timestamp) -> Option<&RetailItem> {
    items
        .iter()
        .filter(|i| i.effective_start.is_none_or(|start| start <= now))
        .max_by(|a, b| {
            a.effective_start
                .cmp(&b.effective_start)
                .then(
                    a.is_primary_meter_region
                        .unwrap_or(true)
                        .cmp(&b.is_primary_meter_region.unwrap_or(true)),
                )
                .then(
                    b.tier_minimum_units
                        .unwrap_or(0.0)
                        .total_cmp(&a.tier_minimum_units.unwrap_or(0.0)),
                )
                .then(a.retail_price.cmp(&b.retail_price))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_leniently() {
        let want: Timestamp = "2024-05-01T00:00:00Z".parse().expect("valid");
        for text in ["2024-05-01T00:00:00Z", "2024-05-01T00:00:00", "2024-05-01"] {
            assert_eq!(timestamp(text), Some(want), "{text}");
        }
        assert_eq!(timestamp("May 1st"), None);
    }

    #[test]
    fn malformed_pages_are_clear_errors() {
        assert!(matches!(parse_page(b"<html>"), Err(PriceError::NotJson(_))));
        assert!(matches!(parse_page(b"[]"), Err(PriceError::NotJson(_))));
        assert!(matches!(parse_page(b"{}"), Err(PriceError::NoItems)));
        assert!(matches!(
            parse_page(br#"{"Items": {}}"#),
            Err(PriceError::NoItems)
        ));
        let page = parse_page(br#"{"Items": [1, null, {"retailPrice": "x"}], "NextPageLink": ""}"#)
            .expect("lenient");
        assert_eq!(page.skipped, 2);
        assert_eq!(page.items, vec![RetailItem::default()]);
        assert_eq!(page.next_page_link, None);
    }
}
