//! The one write a reconcile may make (I/O): the PATCH that starts a step, behind the
//! leader's fence.

use super::azure_log::log_failure;
use super::context::Context;
use super::decide::Start;
use super::fence::NotLeader;
use crate::azure::{ApimApi, ArmClient, AzureError, CapacityPatch, PatchOutcome};

/// Sends the PATCH of `start` and returns Azure's answer; nothing is sent when this process
/// may no longer lead (the fence is checked right before the write).
pub async fn start_step(
    start: &Start,
    azure: Option<&ArmClient>,
    ctx: &Context,
) -> Result<Result<PatchOutcome, AzureError>, NotLeader> {
    ctx.fence.check()?;
    Ok(patch(start, azure).await)
}

async fn patch(start: &Start, azure: Option<&ArmClient>) -> Result<PatchOutcome, AzureError> {
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
        zones: Some(target.zones.clone()),
    };
    let answer = api
        .patch_capacity(&start.service, &start.current, &patch)
        .await;
    if let Err(e) = &answer {
        log_failure("the change", e);
    }
    answer
}
