//! Long-running operations (ARM-NOTES §3): the resumable handle and how poll answers are read.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::error::{AzureError, AzureErrorBody};
use super::model::ServiceResource;

/// The longest operation URL accepted.
pub const MAX_OPERATION_URL_LEN: usize = 4096;

pub use crate::domain::PollStyle;

/// A started operation, serialisable so the controller stores it in status and resumes
/// polling after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationHandle {
    /// The URL to poll: `Azure-AsyncOperation` when present, else `Location` (≤ 4 KB).
    pub url: String,
    /// How to read the answers of `url`.
    pub style: PollStyle,
    /// How long to wait before the next poll (Azure's `Retry-After` within the bounds).
    #[serde(with = "duration_secs", rename = "retryAfterSeconds")]
    pub retry_after: Duration,
    /// When the operation was started.
    pub started_at: jiff::Timestamp,
}

/// The answer to a PATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchOutcome {
    /// Azure applied the change at once (200) or there was nothing to change.
    Done(ServiceResource),
    /// Azure started an operation (202).
    Started(OperationHandle),
}

/// The answer to one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    /// Still running; poll again after `retry_after`.
    Running {
        /// The wait before the next poll.
        retry_after: Duration,
    },
    /// Finished; the resource when the answer carried it.
    Succeeded(Option<ServiceResource>),
    /// Azure reports that the operation failed, with its error.
    Failed(AzureErrorBody),
    /// The operation was canceled.
    Canceled,
}

/// The state in an operation status body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OperationStatus {
    Running,
    Succeeded,
    Failed(AzureErrorBody),
    Canceled,
}

/// Reads `{"status": ..., "error": {...}}`; `None` when the body has no `status`.
pub(crate) fn operation_status(body: &Value) -> Option<OperationStatus> {
    let status = body.get("status")?.as_str()?.trim().to_ascii_lowercase();
    Some(match status.as_str() {
        "succeeded" => OperationStatus::Succeeded,
        "failed" => {
            let error = match body.get("error") {
                Some(e @ Value::Object(_)) => {
                    serde_json::from_value::<AzureErrorBody>(e.clone()).unwrap_or_default()
                }
                _ => AzureErrorBody::default(),
            };
            OperationStatus::Failed(with_defaults(error))
        }
        "canceled" | "cancelled" => OperationStatus::Canceled,
        _ => OperationStatus::Running,
    })
}

fn with_defaults(mut error: AzureErrorBody) -> AzureErrorBody {
    if error.code.is_empty() {
        error.code = "OperationFailed".to_string();
    }
    if error.message.is_empty() {
        error.message = "Azure reported the operation as failed without details".to_string();
    }
    error
}

/// Checks an operation URL before a bearer token is sent to it: absolute, at most 4 KB,
/// and on the same scheme, host and port as the ARM endpoint.
pub(crate) fn validate_operation_url(url: &str, arm: &Url) -> Result<Url, AzureError> {
    if url.len() > MAX_OPERATION_URL_LEN {
        return Err(AzureError::InvalidOperationUrl(format!(
            "the URL has {} bytes, more than {MAX_OPERATION_URL_LEN}",
            url.len()
        )));
    }
    let parsed = Url::parse(url)
        .map_err(|e| AzureError::InvalidOperationUrl(format!("not an absolute URL: {e}")))?;
    let same_origin = parsed.scheme() == arm.scheme()
        && parsed.host_str().map(str::to_ascii_lowercase)
            == arm.host_str().map(str::to_ascii_lowercase)
        && parsed.port_or_known_default() == arm.port_or_known_default();
    if !same_origin {
        return Err(AzureError::InvalidOperationUrl(format!(
            "the URL is not on the ARM endpoint {}",
            arm.origin().ascii_serialization()
        )));
    }
    Ok(parsed)
}

/// The subscription id in an ARM URL path, if any (used as the rate-limit key).
pub(crate) fn subscription_of(url: &Url) -> Option<String> {
    let mut segments = url.path_segments()?;
    while let Some(segment) = segments.next() {
        if segment.eq_ignore_ascii_case("subscriptions") {
            return segments.next().map(str::to_string);
        }
    }
    None
}

mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}
