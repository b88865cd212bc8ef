//! The unit limits Azure reports for a service: `GET .../service/{name}/skus` lists, per
//! SKU, `capacity {minimum, maximum, default, scaleType}`. Read leniently as untrusted input:
//! unknown tiers and entries without a plausible maximum are skipped, and only the first
//! [`MAX_ENTRIES`] entries are read.

use serde_json::Value;

use crate::domain::{AzureLimits, Sku};

/// The most entries read from one answer (Azure lists fewer than ten).
pub const MAX_ENTRIES: usize = 64;

/// The per-SKU maximum of an answer; an error only when the body is not a SKU list.
pub(crate) fn parse_skus(body: &[u8]) -> Result<AzureLimits, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let entries = value
        .get("value")
        .and_then(Value::as_array)
        .ok_or_else(|| "the body has no SKU list (\"value\")".to_string())?;
    let mut limits = AzureLimits::default();
    for entry in entries.iter().take(MAX_ENTRIES) {
        let sku = entry
            .get("sku")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .and_then(|name| name.parse::<Sku>().ok());
        let maximum = entry
            .get("capacity")
            .and_then(|c| c.get("maximum"))
            .and_then(|m| match m {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .and_then(|m| u32::try_from(m).ok());
        if let (Some(sku), Some(maximum)) = (sku, maximum) {
            limits.insert(sku, maximum);
        }
    }
    Ok(limits)
}
