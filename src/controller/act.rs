//! The one write a reconcile may make (I/O): the PATCH that starts a step.

use super::context::Context;
use super::decide::Start;
use super::gather::log_failure;
use crate::azure::{ApimApi, ArmClient, AzureError, CapacityPatch, PatchOutcome};

/// Sends the PATCH of `start` and returns Azure's answer.
pub async fn start_step(
    start: &Start,
    azure: Option<&ArmClient>,
    _ctx: &Context,
) -> Result<PatchOutcome, AzureError> {
    let Some(api) = azure else {
        return Err(AzureError::Config(
            "no Azure credential was gathered before the change".into(),
        ));
    };
    let target = &start.step.target;
    let patch = CapacityPatch {
        sku: target.sku,
        primary_units: target.primary_units,
        additional: target.additional.clone(),
    };
    let answer = api
        .patch_capacity(&start.service, &start.current, &patch)
        .await;
    if let Err(e) = &answer {
        log_failure("the change", e);
    }
    answer
}
