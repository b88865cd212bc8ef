//! Long-running operations (ARM-NOTES §3): the resumable handle and how poll answers are read.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::error::{AzureError, AzureErrorBody};
use super::model::{ParseError, ServiceResource};

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

/// The URL to poll for an operation Azure started, from the answer's headers: the
/// `Azure-AsyncOperation` status URL when present (read as a `Location` URL when both
/// headers give the same URL, as the 2024-05-01 examples do), else `Location`. An
/// `Azure-AsyncOperation` URL that is not acceptable (not a URL, another host, too long)
/// falls back to `Location`, so a running operation can still be followed; `None` when
/// neither header is there.
pub(crate) fn operation_url(
    async_operation: Option<&str>,
    location: Option<&str>,
    arm: &Url,
) -> Result<Option<(String, PollStyle)>, AzureError> {
    let checked =
        |url: &str, style| validate_operation_url(url, arm).map(|_| (url.to_string(), style));
    match (async_operation, location) {
        (None, None) => Ok(None),
        (Some(status), Some(location)) if status == location => {
            checked(location, PollStyle::Location).map(Some)
        }
        (Some(status), location) => {
            match (checked(status, PollStyle::AzureAsyncOperation), location) {
                (Ok(found), _) => Ok(Some(found)),
                (Err(error), Some(location)) => {
                    tracing::warn!(%error, "the Azure-AsyncOperation URL is not usable; following Location");
                    checked(location, PollStyle::Location).map(Some)
                }
                (Err(error), None) => Err(error),
            }
        }
        (None, Some(location)) => checked(location, PollStyle::Location).map(Some),
    }
}

/// What one poll answer says, before the client adds request ids and the wait.
#[derive(Debug)]
pub(crate) enum PollReading {
    /// Still running.
    Running,
    /// The operation ended: `Succeeded`, `Failed` or `Canceled` (never `Running`).
    Ended(PollOutcome),
    /// The answer is not one this kind of URL gives.
    Malformed(String),
    /// A body that is neither an operation status nor a service resource.
    BadService(ParseError),
    /// Reading the status failed (an HTTP error of the status URL, not of the operation).
    ReadFailed,
}

/// Reads one poll answer. A `Location` URL answers 202 while running, then 2xx with the
/// resource, a status body or nothing; its 400, 409, 410, 412 and 422 are the operation's
/// own failure. An `Azure-AsyncOperation` URL answers 200 with `{"status": ...}` (202 is
/// read as running); its errors only mean that reading the status failed.
pub(crate) fn read_poll_answer(style: PollStyle, status: u16, body: &[u8]) -> PollReading {
    if status == 202 {
        return PollReading::Running;
    }
    if (200..300).contains(&status) {
        if body.iter().all(u8::is_ascii_whitespace) {
            return match style {
                PollStyle::Location => PollReading::Ended(PollOutcome::Succeeded(None)),
                PollStyle::AzureAsyncOperation | PollStyle::Service => {
                    PollReading::Malformed("the operation status is empty".into())
                }
            };
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => return PollReading::Malformed(format!("the body is not JSON: {e}")),
        };
        return match operation_status(&value) {
            Some(OperationStatus::Running) => PollReading::Running,
            Some(OperationStatus::Succeeded) => PollReading::Ended(PollOutcome::Succeeded(None)),
            Some(OperationStatus::Failed(error)) => PollReading::Ended(PollOutcome::Failed(error)),
            Some(OperationStatus::Canceled) => PollReading::Ended(PollOutcome::Canceled),
            None => match ServiceResource::from_value(value) {
                Ok(service) => PollReading::Ended(PollOutcome::Succeeded(Some(service))),
                Err(e) => PollReading::BadService(e),
            },
        };
    }
    if style == PollStyle::Location && matches!(status, 400 | 409 | 410 | 412 | 422) {
        let error = AzureErrorBody::from_response(status, body);
        if error.code.eq_ignore_ascii_case("OperationCanceled") {
            return PollReading::Ended(PollOutcome::Canceled);
        }
        return PollReading::Ended(PollOutcome::Failed(error));
    }
    PollReading::ReadFailed
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
