//! Polling the operation recorded in status, and holding a resource after a failed one.

use std::time::Duration;

use jiff::Timestamp;

use super::context::Context;
use super::convert::add;
use crate::api::{
    ApimCapacity, ApimCapacityStatus, ConditionType, OperationResult, OperationStatus, Reason,
};
use crate::azure::{ApimApi, ArmClient, OperationHandle, PollOutcome, ServiceResource};

pub enum Polled {
    Running(Duration),
    Succeeded(Option<ServiceResource>),
    Failed(String),
    /// The operation URL no longer answers in a way that can be trusted.
    Lost(String),
    Error(String),
}

pub async fn poll(api: &ArmClient, operation: &OperationStatus, ctx: &Context) -> Polled {
    let handle = OperationHandle {
        url: operation.poll_url.clone(),
        style: match operation.poll_style {
            crate::api::PollStyle::AzureAsyncOperation => crate::azure::PollStyle::AsyncOperation,
            crate::api::PollStyle::Location => crate::azure::PollStyle::Location,
        },
        retry_after: ctx.settings.min_retry_after,
        started_at: operation.started_at.0,
    };
    match api.poll_operation(&handle).await {
        Ok(PollOutcome::Running { retry_after }) => {
            Polled::Running(retry_after.max(ctx.settings.min_retry_after))
        }
        Ok(PollOutcome::Succeeded(resource)) => Polled::Succeeded(resource),
        Ok(PollOutcome::Failed(body)) => {
            Polled::Failed(format!("({}) {}", body.code, body.message))
        }
        Ok(PollOutcome::Canceled) => Polled::Failed("the operation was canceled".into()),
        Err(e) if e.kind() == crate::azure::ErrorKind::Terminal => Polled::Lost(e.to_string()),
        Err(e) => Polled::Error(e.to_string()),
    }
}

/// A failed operation stalls the resource until the spec changes or the resync interval
/// has passed since the failure, so a failing change is not repeated in a loop.
pub fn held_after_failure(
    obj: &ApimCapacity,
    previous: &ApimCapacityStatus,
    ctx: &Context,
    now: Timestamp,
) -> bool {
    let stalled_by_failure = previous
        .conditions
        .iter()
        .any(|c| c.type_ == ConditionType::Stalled && c.reason == Reason::OperationFailed);
    let same_generation = obj.metadata.generation == Some(previous.observed_generation);
    let recent = previous.last_operation.as_ref().is_some_and(|last| {
        last.result == OperationResult::Failed
            && add(last.finished_at.0, ctx.settings.resync_interval) > now
    });
    stalled_by_failure && same_generation && recent
}
