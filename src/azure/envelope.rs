//! Azure's error envelope and the request ids every error carries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most bytes of an Azure error code, message or target kept in an error (4 KiB): they
/// end up in condition messages and Events, which the apiserver limits.
pub const MAX_ERROR_TEXT: usize = 4096;

/// Azure's error envelope `{"error": {code, message, target, details, additionalInfo}}`.
/// Code, message and target are kept up to [`MAX_ERROR_TEXT`] bytes each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AzureErrorBody {
    /// Azure's error code, e.g. `InvalidParameters`.
    #[serde(deserialize_with = "lenient_string")]
    pub code: String,
    /// Azure's message, verbatim up to 4 KiB.
    #[serde(deserialize_with = "lenient_string")]
    pub message: String,
    /// The field the error is about, when Azure names one.
    #[serde(deserialize_with = "lenient_opt_string")]
    pub target: Option<String>,
    /// Nested errors.
    #[serde(deserialize_with = "lenient_details")]
    pub details: Vec<AzureErrorBody>,
    /// Additional information, kept as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => bounded(s),
        Value::Null => String::new(),
        other => bounded(other.to_string()),
    })
}

fn lenient_opt_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(bounded(s)),
        Value::String(_) | Value::Null => None,
        other => Some(bounded(other.to_string())),
    })
}

/// Text from Azure, shortened to [`MAX_ERROR_TEXT`] bytes.
fn bounded(text: String) -> String {
    if text.len() <= MAX_ERROR_TEXT {
        text
    } else {
        truncate(&text, MAX_ERROR_TEXT)
    }
}

fn lenient_details<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<AzureErrorBody>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

impl AzureErrorBody {
    /// Parses an error response body: the ARM envelope, a bare error object, or anything
    /// else (kept as the message, shortened).
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let inner = parsed.as_ref().and_then(|v| match v.get("error") {
            Some(e @ Value::Object(_)) => Some(e.clone()),
            _ if v.get("code").is_some() => Some(v.clone()),
            _ => None,
        });
        let mut parsed_body = inner
            .and_then(|e| serde_json::from_value::<AzureErrorBody>(e).ok())
            .unwrap_or_default();
        if parsed_body.code.is_empty() {
            parsed_body.code = format!("HttpStatus{status}");
        }
        if parsed_body.message.is_empty() {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            parsed_body.message = if text.is_empty() {
                format!("HTTP {status} with no error body")
            } else {
                truncate(text, 512)
            };
        }
        parsed_body
    }

    /// A management lock forbids the change (`ScopeLocked`, here or in a nested error).
    pub fn is_scope_locked(&self) -> bool {
        self.any(&|e| e.code.eq_ignore_ascii_case("ScopeLocked"))
    }

    /// The subscription may not use availability zones in the region: `NotSupported` with
    /// "... is not enabled for Availability Zone deployment ..." (here or nested).
    pub fn is_zones_not_enabled(&self) -> bool {
        self.any(&|e| {
            e.code.eq_ignore_ascii_case("NotSupported")
                && e.message
                    .to_ascii_lowercase()
                    .contains("not enabled for availability zone deployment")
        })
    }

    /// Whether this error or one of its details (a few levels deep) matches.
    fn any(&self, matches: &dyn Fn(&AzureErrorBody) -> bool) -> bool {
        fn walk(e: &AzureErrorBody, matches: &dyn Fn(&AzureErrorBody) -> bool, depth: u8) -> bool {
            matches(e) || (depth < 4 && e.details.iter().any(|d| walk(d, matches, depth + 1)))
        }
        walk(self, matches, 0)
    }

    pub(crate) fn target_suffix(&self) -> String {
        self.target
            .as_deref()
            .map(|t| format!(" (target {t})"))
            .unwrap_or_default()
    }
}

/// Shortens text to at most `max` bytes on a character boundary, the `…` that marks the
/// cut included (when `max` leaves room for it).
pub(crate) fn truncate(text: &str, max: usize) -> String {
    const MARK: &str = "…";
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &text[..end])
}

/// The ids Azure support asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestIds {
    /// Our `x-ms-client-request-id`.
    pub client_request_id: String,
    /// ARM's `x-ms-request-id`.
    pub request_id: Option<String>,
    /// ARM's `x-ms-correlation-request-id`.
    pub correlation_request_id: Option<String>,
}
