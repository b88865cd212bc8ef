//! How a failed Azure call is logged (with the ids Azure support asks for), and the error
//! for an Azure call made before the credential was gathered.

use crate::azure::AzureError;

/// The Azure client asked for before the credential was gathered: a bug in the order of
/// the gates, reported instead of panicking.
pub(crate) fn no_client() -> AzureError {
    AzureError::Config("no Azure credential was gathered before an Azure call".into())
}

/// Logs a failed Azure call with the ids Azure support asks for.
pub fn log_failure(what: &str, error: &AzureError) {
    let ids = error.request_ids();
    let id = |f: fn(&crate::azure::RequestIds) -> Option<&str>| ids.and_then(f).unwrap_or("");
    tracing::warn!(
        error = %error,
        kind = ?error.kind(),
        client_request_id = id(|i| Some(i.client_request_id.as_str())),
        request_id = id(|i| i.request_id.as_deref()),
        correlation_request_id = id(|i| i.correlation_request_id.as_deref()),
        "{what} failed"
    );
}
