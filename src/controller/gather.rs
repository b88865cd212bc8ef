//! The reads the decision asks for (I/O): the resource's credential, one poll of the
//! recorded operation, one GET of the service, the unit prices (the day cache of the Retail
//! Prices API). Each fills one fact; nothing is decided here.

use kube::ResourceExt;

use super::context::Context;
use super::decide::{Facts, Need};
use crate::api::ApimCapacity;
use crate::azure::{ApimApi, ArmClient, AzureError};

/// Gathers one fact. The Azure client made with the resource's credential is kept in
/// `azure` for the reads and the write that follow.
pub async fn gather(
    need: Need,
    obj: &ApimCapacity,
    ctx: &Context,
    facts: &mut Facts,
    azure: &mut Option<ArmClient>,
) {
    match need {
        Need::Credentials => {
            let namespace = obj.namespace().unwrap_or_default();
            let secret = obj
                .spec
                .credentials
                .as_ref()
                .map(|c| c.secret_ref.name.as_str());
            let credential = ctx
                .credentials
                .credential_for(&ctx.client, &namespace, secret)
                .await;
            if let Err(e) = &credential {
                log_failure("getting a credential", e);
            }
            facts.credentials = Some(credential.map(|credential| {
                *azure = Some(ctx.arm.with_credential(credential));
            }));
        }
        Need::Poll(handle) => {
            let answer = match azure {
                Some(api) => api.poll_operation(&handle).await,
                None => Err(no_client()),
            };
            if let Err(e) = &answer {
                log_failure("polling the recorded operation", e);
            }
            facts.poll = Some(answer);
        }
        Need::Service(service) => {
            let answer = match azure {
                Some(api) => api.get_service(&service).await,
                None => Err(no_client()),
            };
            if let Err(e) = &answer {
                log_failure("reading the service", e);
            }
            facts.service = Some(answer);
        }
        Need::Prices(wanted) => {
            let quotes = match &ctx.prices {
                Some(prices) => prices.quotes(&wanted, jiff::Timestamp::now()).await,
                None => crate::cost::Quotes::default(),
            };
            facts.prices = Some(quotes);
        }
    }
}

/// The Azure client asked for before the credential was gathered: a bug in the order of
/// the gates, reported instead of panicking.
fn no_client() -> AzureError {
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
