//! Reading ARM answers: service bodies, error envelopes, headers.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use super::error::{AzureError, AzureErrorBody, Call, HttpFailure, RequestIds};
use super::model::{ParseError, ServiceResource};
use super::retry::parse_retry_after;

/// The largest response body the client reads (1 MiB; a service is a few KiB; a listing
/// page may be longer: [`max_body_bytes`]). A larger body is an error, and it is never
/// read in full.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a response body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body is longer than the limit.
    TooLarge,
    /// Reading it failed (connection, timeout).
    Read(reqwest::Error),
}

/// Reads a response body chunk by chunk, giving up as soon as it passes `limit` bytes.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if chunk.len() > limit.saturating_sub(body.len()) {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The longest body read for `call`: a page of the services listing may hold up to
/// [`super::listing::MAX_ENTRIES_PER_PAGE`] services of a few KiB each (Microsoft's list
/// example has entries of 1.5 to 5 KiB), every other answer is one resource or less.
pub(crate) fn max_body_bytes(call: Call) -> usize {
    match call {
        Call::ListServices => MAX_LISTING_PAGE_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

/// The longest page of the services listing that is read.
pub const MAX_LISTING_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// The error for a body longer than [`max_body_bytes`] of `call`.
pub(crate) fn too_large(call: Call, status: StatusCode, ids: RequestIds) -> AzureError {
    AzureError::Malformed {
        call,
        message: format!(
            "HTTP {}: body larger than {} bytes",
            status.as_u16(),
            max_body_bytes(call)
        ),
        ids,
    }
}

/// A response read in full.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) ids: RequestIds,
}

pub(crate) fn parse_service(call: Call, answer: &Answer) -> Result<ServiceResource, AzureError> {
    let mut service =
        ServiceResource::from_slice(&answer.body).map_err(|e| parse_error(call, answer, e))?;
    if service.etag.is_none() {
        service.etag = header(&answer.headers, "etag");
    }
    Ok(service)
}

pub(crate) fn parse_error(call: Call, answer: &Answer, error: ParseError) -> AzureError {
    match error {
        ParseError::UnknownSku(sku) => AzureError::UnknownSku {
            sku,
            ids: answer.ids.clone(),
        },
        ParseError::Malformed(message) => malformed(call, answer, message),
    }
}

pub(crate) fn malformed(call: Call, answer: &Answer, message: String) -> AzureError {
    AzureError::Malformed {
        call,
        message: format!("HTTP {}: {message}", answer.status.as_u16()),
        ids: answer.ids.clone(),
    }
}

pub(crate) fn failure(call: Call, answer: &Answer) -> AzureError {
    let status = answer.status.as_u16();
    AzureError::from_http(HttpFailure {
        call,
        status,
        error: AzureErrorBody::from_response(status, &answer.body),
        ids: answer.ids.clone(),
        retry_after: retry_after(&answer.headers),
    })
}

pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header(headers, "retry-after").and_then(|v| parse_retry_after(&v, jiff::Timestamp::now()))
}

/// The error and its sources, which name the real cause (refused, certificate, timeout).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        message.push_str(": ");
        message.push_str(&e.to_string());
        source = e.source();
    }
    message
}
