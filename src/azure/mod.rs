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
pub mod listing;
pub mod lro;
pub mod model;
mod monitor;
pub mod network;
pub mod patch;
pub mod ratelimit;
mod reads;
mod response;
pub mod retry;
pub mod setup;
pub mod skus;
pub mod tls;
mod token;

#[cfg(test)]
mod tests;

use async_trait::async_trait;

use crate::domain::{AzureLimits, SubnetPrefix};

pub use client::{ArmClient, RequestObserver};
pub use config::{ArmConfig, AzureCloud, CaBundle, DEFAULT_API_VERSION};
pub use credentials::{
    CredentialFactory, CredentialOptions, CredentialSource, credential_from_secret,
};
pub use error::{
    AzureError, AzureErrorBody, Call, ErrorKind, ErrorReason, HttpFailure, RequestIds,
};
pub use listing::{ServiceListing, listing_url, next_listing_url, parse_listing_page};
pub use lro::{OperationHandle, PatchOutcome, PollOutcome, PollStyle};
pub use model::{ServiceRef, ServiceResource};
pub use network::{NETWORK_API_VERSION, SubnetId};
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

    /// Reads the address prefix of the subnet with resource id `subnet_id` (one GET on
    /// `Microsoft.Network`, api-version 2023-09-01). Errors are mapped like the other calls,
    /// with [`Call::GetSubnet`]: a 403 ([`AzureError::Forbidden`]) means the identity lacks
    /// `Microsoft.Network/virtualNetworks/subnets/read`, so the subnet is unknown (a
    /// warning, not a stop). An id that is not a subnet id is [`AzureError::Malformed`].
    async fn get_subnet(&self, subnet_id: &str) -> Result<SubnetPrefix, AzureError>;

    /// Reads the maximum units Azure reports per SKU for the service (one GET of
    /// `.../service/{name}/skus`), for [`crate::domain::UnitLimits::with_azure`].
    async fn get_skus(&self, service: &ServiceRef) -> Result<AzureLimits, AzureError>;

    /// Polls an operation once; never waits for it to finish.
    async fn poll_operation(&self, op: &OperationHandle) -> Result<PollOutcome, AzureError>;
}
