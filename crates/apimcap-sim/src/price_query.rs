//! The query of a Retail Prices API request: `$filter` (OData `field eq 'value'` clauses
//! joined by `and`, the only form the simulator serves), `currencyCode='EUR'` and `$skip`.

use std::collections::BTreeMap;

/// Longest `$filter` read.
const MAX_FILTER_CHARS: usize = 2048;

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceQuery {
    /// Field name (lower case) → value, from `$filter`.
    pub filter: BTreeMap<String, String>,
    /// The currency asked for, upper case (`USD` when absent).
    pub currency: String,
    /// Items to skip (from `NextPageLink`).
    pub skip: usize,
}

/// Fields a filter may name (lower case).
pub const FIELDS: &[&str] = &[
    "servicename",
    "armregionname",
    "skuname",
    "metername",
    "productname",
    "type",
    "pricetype",
    "servicefamily",
    "location",
];

/// The text between one pair of single quotes (no quote inside: OData's `''` escape and a
/// second clause are not served).
fn unquote(text: &str) -> Option<&str> {
    let text = text.trim();
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.contains('\'')).then_some(inner)
}

/// Splits `text` at every ` and ` (any case), outside quotes.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            quoted = !quoted;
        }
        let rest: String = chars[i..chars.len().min(i + 5)].iter().collect();
        if !quoted && rest.eq_ignore_ascii_case(" and ") {
            out.push(std::mem::take(&mut current));
            i += 5;
            continue;
        }
        current.push(c);
        i += 1;
    }
    out.push(current);
    out
}

/// Reads `$filter`; the error is the message of a 400.
pub fn parse_filter(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut filter = BTreeMap::new();
    if text.trim().is_empty() {
        return Ok(filter);
    }
    if text.chars().count() > MAX_FILTER_CHARS {
        return Err(format!(
            "$filter is longer than {MAX_FILTER_CHARS} characters"
        ));
    }
    for clause in clauses(text) {
        let clause = clause.trim();
        let mut words = clause.splitn(3, ' ');
        let (Some(field), Some(op), Some(value)) = (words.next(), words.next(), words.next())
        else {
            return Err(format!("cannot read the clause {clause:?}"));
        };
        let field = field.to_ascii_lowercase();
        if !op.eq_ignore_ascii_case("eq") || !FIELDS.contains(&field.as_str()) {
            return Err(format!(
                "the simulator serves only `field eq 'value'` clauses of {FIELDS:?} joined by `and`; not {clause:?}"
            ));
        }
        let Some(value) = unquote(value) else {
            return Err(format!("the value of {clause:?} is not a quoted string"));
        };
        filter.insert(field, value.to_string());
    }
    Ok(filter)
}

/// Reads the query string of a request.
pub fn parse(raw_query: &str) -> Result<PriceQuery, String> {
    let mut query = PriceQuery {
        currency: "USD".to_string(),
        ..PriceQuery::default()
    };
    for (key, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        match key.to_ascii_lowercase().as_str() {
            "$filter" => query.filter = parse_filter(&value)?,
            "currencycode" => {
                let code = unquote(&value).unwrap_or(value.trim());
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(format!("{code:?} is not a currency code"));
                }
                query.currency = code.to_ascii_uppercase();
            }
            "$skip" => {
                query.skip = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("$skip {value:?} is not a count"))?;
            }
            _ => {}
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_query_is_read() {
        let query = parse("%24filter=serviceName+eq+%27API+Management%27+and+armRegionName+eq+%27eastus%27+and+skuName+eq+%27Premium+v2%27&currencyCode=%27eur%27&$skip=4")
            .expect("valid");
        assert_eq!(query.filter["servicename"], "API Management");
        assert_eq!(query.filter["armregionname"], "eastus");
        assert_eq!(query.filter["skuname"], "Premium v2");
        assert_eq!(query.currency, "EUR");
        assert_eq!(query.skip, 4);
        let quoted_and = parse_filter("meterName eq 'Black and White' AND type eq 'Consumption'")
            .expect("valid");
        assert_eq!(quoted_and["metername"], "Black and White");
        assert_eq!(quoted_and["type"], "Consumption");
    }

    #[test]
    fn other_odata_is_refused() {
        for bad in [
            "contains(meterName, 'Unit')",
            "serviceName eq 'A' or skuName eq 'B'",
            "retailPrice gt 1",
            "skuName eq Premium",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
        assert!(parse("currencyCode='EURO'").is_err());
        assert!(parse("$skip=-1").is_err());
        assert!(parse(&format!("$filter={}", "a".repeat(3000))).is_err());
    }
}
