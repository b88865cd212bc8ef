//! Errors of the Azure side: one variant per failure site, each classified as terminal,
//! waiting or transient, with a short PascalCase reason for status and metrics.

use std::fmt;
use std::time::Duration;

pub use super::envelope::{AzureErrorBody, RequestIds};

/// How the controller should react to an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Retrying will not help until someone changes something (spec, rights, the service).
    Terminal,
    /// Azure is busy with an operation; wait for it and try again.
    Waiting,
    /// A passing problem (throttling, server error, network); retry with backoff.
    Transient,
}

/// The closed set of error reasons, used as Event reason and metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorReason {
    /// The client configuration is invalid (URL, CA bundle, rate limits).
    InvalidConfig,
    /// No token could be obtained from Entra ID or the managed identity endpoint.
    CredentialUnavailable,
    /// The Kubernetes Secret holding client credentials is missing or incomplete.
    CredentialSecretInvalid,
    /// Reading the Kubernetes Secret failed for a passing reason.
    CredentialSecretUnreadable,
    /// ARM answered 400: the request is invalid for Azure.
    AzureRefused,
    /// ARM answered 401 twice, even with a refreshed token.
    Unauthorized,
    /// ARM answered 403: the identity lacks rights.
    Forbidden,
    /// ARM answered 404.
    NotFound,
    /// ARM answered 409 other than `ScopeLocked`: another operation runs on the service.
    ServiceBusy,
    /// ARM answered 409 `ScopeLocked`: a management lock on the service, its resource group
    /// or subscription forbids the change; a person must remove it.
    ScopeLocked,
    /// ARM answered 400 `NotSupported`: the subscription is not enabled for availability
    /// zones in the region.
    AvailabilityZonesNotEnabled,
    /// ARM answered 429 and the retry budget ran out.
    Throttled,
    /// ARM answered 5xx and the retry budget ran out.
    AzureServerError,
    /// ARM answered with a status this client does not expect.
    UnexpectedStatus,
    /// The request did not complete in time.
    Timeout,
    /// The connection to ARM failed.
    ConnectionFailed,
    /// ARM's answer could not be understood.
    MalformedResponse,
    /// The service has a tier this operator does not know.
    UnknownSku,
    /// The requested patch is inconsistent (for example it names the primary region twice).
    InvalidPatch,
    /// ARM accepted a change but named no URL to follow it.
    MissingOperationUrl,
    /// A stored or returned operation URL is not acceptable.
    InvalidOperationUrl,
}

impl ErrorReason {
    /// The PascalCase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidConfig => "InvalidConfig",
            Self::CredentialUnavailable => "CredentialUnavailable",
            Self::CredentialSecretInvalid => "CredentialSecretInvalid",
            Self::CredentialSecretUnreadable => "CredentialSecretUnreadable",
            Self::AzureRefused => "AzureRefused",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::ServiceBusy => "ServiceBusy",
            Self::ScopeLocked => "ScopeLocked",
            Self::AvailabilityZonesNotEnabled => "AvailabilityZonesNotEnabled",
            Self::Throttled => "Throttled",
            Self::AzureServerError => "AzureServerError",
            Self::UnexpectedStatus => "UnexpectedStatus",
            Self::Timeout => "Timeout",
            Self::ConnectionFailed => "ConnectionFailed",
            Self::MalformedResponse => "MalformedResponse",
            Self::UnknownSku => "UnknownSku",
            Self::InvalidPatch => "InvalidPatch",
            Self::MissingOperationUrl => "MissingOperationUrl",
            Self::InvalidOperationUrl => "InvalidOperationUrl",
        }
    }
}

impl fmt::Display for ErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// GET of the service.
    GetService,
    /// PATCH of the service.
    PatchCapacity,
    /// GET of an operation URL.
    PollOperation,
    /// GET of the subnet a region is injected into.
    GetSubnet,
    /// GET of the service's SKUs and their unit limits.
    GetSkus,
    /// GET of the service's Azure Monitor metrics (autoscale).
    GetMetrics,
    /// GET of the resource group's Azure autoscale settings.
    ListAutoscaleSettings,
    /// GET of the pages listing a subscription's API Management services (drift watch).
    ListServices,
}

impl Call {
    fn noun(self) -> &'static str {
        match self {
            Call::GetService => "reading the service",
            Call::PatchCapacity => "the change",
            Call::PollOperation => "reading the operation status",
            Call::GetSubnet => "reading the subnet",
            Call::GetSkus => "reading the service's SKUs",
            Call::GetMetrics => "reading the service's metrics",
            Call::ListAutoscaleSettings => "listing the Azure autoscale settings",
            Call::ListServices => "listing the subscription's API Management services",
        }
    }
}

/// Everything Azure said about a failed HTTP call.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFailure {
    /// The call that failed.
    pub call: Call,
    /// The HTTP status.
    pub status: u16,
    /// Azure's error.
    pub error: AzureErrorBody,
    /// The request ids.
    pub ids: RequestIds,
    /// Azure's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

/// An error of the Azure client or of the credentials.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The client configuration is invalid.
    #[error("invalid Azure client configuration: {0}")]
    Config(String),
    /// No token could be obtained.
    #[error("could not get an Azure token: {message}")]
    Credential {
        /// The credential's error, without secrets.
        message: String,
        /// Whether retrying may help (network, 5xx of the token endpoint).
        transient: bool,
    },
    /// The Secret with client credentials does not exist.
    #[error("Secret {namespace}/{name} with Azure client credentials was not found")]
    SecretNotFound { namespace: String, name: String },
    /// A key is missing or empty in the Secret.
    #[error("Secret {namespace}/{name} has no key {key}")]
    SecretKeyMissing {
        namespace: String,
        name: String,
        key: String,
    },
    /// Reading the Secret failed.
    #[error("could not read Secret {namespace}/{name}: {message}")]
    SecretUnreadable {
        namespace: String,
        name: String,
        message: String,
    },
    /// 400.
    #[error("Azure refused {} ({}): {}{}", .0.call.noun(), .0.error.code, .0.error.message, .0.error.target_suffix())]
    Refused(Box<HttpFailure>),
    /// 401 even after a token refresh.
    #[error("Azure did not accept the token when {} ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    Unauthorized(Box<HttpFailure>),
    /// 403.
    #[error("the Azure identity may not do {} ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    Forbidden(Box<HttpFailure>),
    /// 404.
    #[error("Azure found nothing when {} ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    NotFound(Box<HttpFailure>),
    /// 409 other than `ScopeLocked`: an operation runs on the service.
    #[error("Azure refused {} because the service is busy ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    Busy(Box<HttpFailure>),
    /// 409 `ScopeLocked`: a management lock forbids the change.
    #[error("a management lock forbids {} ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    Locked(Box<HttpFailure>),
    /// 400 `NotSupported` "... not enabled for Availability Zone deployment ...".
    #[error("Azure refused {} because the subscription cannot use availability zones there ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    ZonesNotEnabled(Box<HttpFailure>),
    /// 429 after the retry budget.
    #[error("Azure throttled {} ({}): {}", .0.call.noun(), .0.error.code, .0.error.message)]
    Throttled(Box<HttpFailure>),
    /// 5xx after the retry budget.
    #[error("Azure failed {} with HTTP {} ({}): {}", .0.call.noun(), .0.status, .0.error.code, .0.error.message)]
    ServerError(Box<HttpFailure>),
    /// Another status.
    #[error("Azure answered {} with HTTP {} ({}): {}", .0.call.noun(), .0.status, .0.error.code, .0.error.message)]
    UnexpectedStatus(Box<HttpFailure>),
    /// The request timed out.
    #[error("{} timed out: {message}", call.noun())]
    Timeout {
        call: Call,
        message: String,
        ids: RequestIds,
    },
    /// The connection failed.
    #[error("could not reach Azure for {}: {message}", call.noun())]
    Connection {
        call: Call,
        message: String,
        ids: RequestIds,
    },
    /// The answer could not be understood.
    #[error("Azure's answer to {} could not be understood: {message}", call.noun())]
    Malformed {
        call: Call,
        message: String,
        ids: RequestIds,
    },
    /// The service has a tier this operator does not know.
    #[error("the service has an unknown tier {sku:?}")]
    UnknownSku { sku: String, ids: RequestIds },
    /// The requested patch is inconsistent.
    #[error("invalid capacity change: {0}")]
    InvalidPatch(String),
    /// 202 without `Location` or `Azure-AsyncOperation`.
    #[error("Azure accepted the change but named no operation to follow (HTTP {status})")]
    MissingOperationUrl { status: u16, ids: RequestIds },
    /// An operation URL is not acceptable (too long, another host, not a URL).
    #[error("operation URL not accepted: {0}")]
    InvalidOperationUrl(String),
}

impl AzureError {
    /// Terminal, waiting or transient.
    pub fn kind(&self) -> ErrorKind {
        use AzureError as E;
        match self {
            E::Config(_)
            | E::SecretNotFound { .. }
            | E::SecretKeyMissing { .. }
            | E::Refused(_)
            | E::Locked(_)
            | E::ZonesNotEnabled(_)
            | E::Forbidden(_)
            | E::NotFound(_)
            | E::UnknownSku { .. }
            | E::InvalidPatch(_)
            | E::InvalidOperationUrl(_) => ErrorKind::Terminal,
            E::UnexpectedStatus(f) if f.status < 500 => ErrorKind::Terminal,
            E::Credential { transient, .. } => {
                if *transient {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Terminal
                }
            }
            E::Busy(_) | E::MissingOperationUrl { .. } => ErrorKind::Waiting,
            E::SecretUnreadable { .. }
            | E::Unauthorized(_)
            | E::Throttled(_)
            | E::ServerError(_)
            | E::UnexpectedStatus(_)
            | E::Timeout { .. }
            | E::Connection { .. }
            | E::Malformed { .. } => ErrorKind::Transient,
        }
    }

    /// The short PascalCase reason for status and metrics.
    pub fn reason(&self) -> ErrorReason {
        use AzureError as E;
        use ErrorReason as R;
        match self {
            E::Config(_) => R::InvalidConfig,
            E::Credential { .. } => R::CredentialUnavailable,
            E::SecretNotFound { .. } | E::SecretKeyMissing { .. } => R::CredentialSecretInvalid,
            E::SecretUnreadable { .. } => R::CredentialSecretUnreadable,
            E::Refused(_) => R::AzureRefused,
            E::Unauthorized(_) => R::Unauthorized,
            E::Forbidden(_) => R::Forbidden,
            E::NotFound(_) => R::NotFound,
            E::Busy(_) => R::ServiceBusy,
            E::Locked(_) => R::ScopeLocked,
            E::ZonesNotEnabled(_) => R::AvailabilityZonesNotEnabled,
            E::Throttled(_) => R::Throttled,
            E::ServerError(_) => R::AzureServerError,
            E::UnexpectedStatus(_) => R::UnexpectedStatus,
            E::Timeout { .. } => R::Timeout,
            E::Connection { .. } => R::ConnectionFailed,
            E::Malformed { .. } => R::MalformedResponse,
            E::UnknownSku { .. } => R::UnknownSku,
            E::InvalidPatch(_) => R::InvalidPatch,
            E::MissingOperationUrl { .. } => R::MissingOperationUrl,
            E::InvalidOperationUrl(_) => R::InvalidOperationUrl,
        }
    }

    /// Azure's failure details when the error is an HTTP answer from ARM.
    pub fn http_failure(&self) -> Option<&HttpFailure> {
        use AzureError as E;
        match self {
            E::Refused(f)
            | E::Unauthorized(f)
            | E::Forbidden(f)
            | E::NotFound(f)
            | E::Busy(f)
            | E::Locked(f)
            | E::ZonesNotEnabled(f)
            | E::Throttled(f)
            | E::ServerError(f)
            | E::UnexpectedStatus(f) => Some(f),
            _ => None,
        }
    }

    /// Azure's error code (`InvalidParameters`, `ResourceNotFound`…), when Azure sent one.
    pub fn azure_code(&self) -> Option<&str> {
        self.http_failure().map(|f| f.error.code.as_str())
    }

    /// The request ids of the failed call, when a call was made.
    pub fn request_ids(&self) -> Option<&RequestIds> {
        use AzureError as E;
        match self {
            E::Timeout { ids, .. }
            | E::Connection { ids, .. }
            | E::Malformed { ids, .. }
            | E::UnknownSku { ids, .. }
            | E::MissingOperationUrl { ids, .. } => Some(ids),
            _ => self.http_failure().map(|f| &f.ids),
        }
    }

    /// The call that failed, when the error is an HTTP answer from ARM. A 403 of
    /// [`Call::GetSubnet`] means the identity lacks
    /// `Microsoft.Network/virtualNetworks/subnets/read`: the subnet is then unknown, which is
    /// worth a warning, not a stop.
    pub fn call(&self) -> Option<Call> {
        self.http_failure().map(|f| f.call)
    }

    /// How long Azure asked to wait before trying again, when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.http_failure().and_then(|f| f.retry_after)
    }

    /// Builds the error for an HTTP failure, by status and, for 400 and 409, Azure's code.
    pub(crate) fn from_http(failure: HttpFailure) -> Self {
        let failure = Box::new(failure);
        match failure.status {
            400 if failure.error.is_zones_not_enabled() => Self::ZonesNotEnabled(failure),
            400 => Self::Refused(failure),
            401 => Self::Unauthorized(failure),
            403 => Self::Forbidden(failure),
            404 => Self::NotFound(failure),
            409 if failure.error.is_scope_locked() => Self::Locked(failure),
            409 => Self::Busy(failure),
            429 => Self::Throttled(failure),
            500..=599 => Self::ServerError(failure),
            _ => Self::UnexpectedStatus(failure),
        }
    }
}
