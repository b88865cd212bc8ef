//! The Azure side: an ARM client for API Management services behind the [`ApimApi`] trait,
//! long-running operations, typed errors, retries, a client-side rate limit and credentials.
//!
//! The client never waits for an operation to finish: [`ApimApi::patch_capacity`] returns
//! an [`OperationHandle`] that the controller stores and polls with
//! [`ApimApi::poll_operation`], after a restart too.

pub mod client;
pub mod config;
pub mod credentials;
pub mod envelope;
pub mod error;
pub mod lro;
pub mod model;
pub mod patch;
pub mod ratelimit;
mod response;
pub mod retry;
pub mod setup;
pub mod tls;
mod token;

#[cfg(test)]
mod tests;

use async_trait::async_trait;

pub use client::{ArmClient, RequestObserver};
pub use config::{ArmConfig, AzureCloud, CaBundle, DEFAULT_API_VERSION};
pub use credentials::{
    CredentialFactory, CredentialOptions, CredentialSource, credential_from_secret,
};
pub use error::{AzureError, AzureErrorBody, ErrorKind, ErrorReason, HttpFailure, RequestIds};
pub use lro::{OperationHandle, PatchOutcome, PollOutcome, PollStyle};
pub use model::{ServiceRef, ServiceResource};
pub use patch::{CapacityPatch, build_patch_body};
pub use ratelimit::{Rate, RateLimitConfig};
pub use retry::{RetryAfterBounds, RetryConfig};
pub use setup::{AzureSettings, connect};
pub use token::{ArmCredential, REFRESH_MARGIN_SECONDS, Rebuild};

/// What the controller needs from Azure. [`ArmClient`] implements it over HTTPS.
#[async_trait]
pub trait ApimApi: Send + Sync {
    /// Reads the service (one GET).
    async fn get_service(&self, service: &ServiceRef) -> Result<ServiceResource, AzureError>;

    /// Starts one capacity step with one PATCH holding only what changes. Returns
    /// [`PatchOutcome::Done`] when Azure applied it at once (or nothing changes) and
    /// [`PatchOutcome::Started`] with a resumable handle when Azure runs an operation.
    async fn patch_capacity(
        &self,
        service: &ServiceRef,
        current: &ServiceResource,
        target: &CapacityPatch,
    ) -> Result<PatchOutcome, AzureError>;

    /// Polls an operation once; never waits for it to finish.
    async fn poll_operation(&self, op: &OperationHandle) -> Result<PollOutcome, AzureError>;
}
