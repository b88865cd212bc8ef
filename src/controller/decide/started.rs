//! After the PATCH of a step: what Azure's answer means for status and the next look.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::trust::{capacity_text, is_the_service, reached};
use super::{Start, Verdict};
use crate::api::{Action, LastOperation, OperationResult, OperationStatus, Reason};
use crate::azure::{AzureError, PatchOutcome};
use crate::controller::context::Settings;
use crate::controller::outcomes::{Requeue, from_azure_error};
use crate::domain::units_summary;
use crate::plan::DurationEstimates;
use crate::status::Outcome;
use crate::time::add;

/// The verdict of a started step, from Azure's answer to its PATCH.
pub fn after_start(
    start: Start,
    answer: Result<PatchOutcome, AzureError>,
    settings: &Settings,
    durations: &DurationEstimates,
    now: Timestamp,
) -> Verdict {
    let target_units = target_units(&start);
    let Start {
        step,
        number,
        total,
        generation,
        service,
        mut findings,
        ..
    } = start;
    let (outcome, requeue) = match answer {
        Ok(PatchOutcome::Started(handle)) => {
            let action = Action::from(step.kind());
            let operation = OperationStatus {
                step: number,
                total_steps: total,
                description: step.description(),
                action,
                started_at: Time(handle.started_at),
                expected_completion: Time(add(
                    now,
                    durations.expected_for(step.target.sku, step.kind()),
                )),
                poll_url: handle.url.clone(),
                poll_style: handle.style,
                target_sku: step.target.sku,
                target_units,
                generation,
                failed_polls: 0,
            };
            let wait = handle.retry_after.max(settings.min_retry_after);
            let outcome = Outcome::InProgress {
                reason: action.reason(),
                operation,
            };
            (outcome, Requeue::After(wait))
        }
        Ok(PatchOutcome::Done(resource)) => {
            let reached = is_the_service(&resource, &service)
                && reached(&resource.live, step.target.sku, &target_units);
            let missed = (!reached).then(|| {
                format!(
                    "Azure reports {}, the step asked for {} {target_units}",
                    capacity_text(&resource.live),
                    step.target.sku
                )
            });
            if findings.observed.finished.is_none() || missed.is_some() {
                findings.observed.finished = Some(LastOperation {
                    description: step.description(),
                    result: OperationResult::Succeeded,
                    started_at: Time(now),
                    finished_at: Time(now),
                    error: None,
                    generation,
                    target_missed: missed.clone(),
                });
            }
            done_at_once(&step.description(), missed)
        }
        Err(e) => from_azure_error(&e, settings.busy_poll_interval()),
    };
    Verdict {
        outcome,
        requeue,
        findings,
    }
}

/// Azure applied the change at once (200). When the service it returned has the target,
/// look again soon (with backoff: a second "done" in a row waits longer, so a PATCH that
/// Azure keeps acknowledging without effect never loops fast); when it does not, stall with
/// both values instead of repeating the change.
fn done_at_once(description: &str, missed: Option<String>) -> (Outcome, Requeue) {
    match missed {
        None => (
            Outcome::Retrying {
                message: format!("{description} was applied at once; checking the service again"),
            },
            Requeue::Backoff,
        ),
        Some(missed) => (
            Outcome::Stalled {
                reason: Reason::TargetNotReached,
                message: format!(
                    "Azure accepted \"{description}\" at once, but {missed}. Something holds it \
                         back (an Azure Policy, a limit support has not raised, another writer); it \
                         is not tried again until the spec changes"
                ),
            },
            Requeue::Resync,
        ),
    }
}

/// `westeurope=2,eastus=3`: the units per region the step aims at, the primary first.
fn target_units(start: &Start) -> String {
    let primary = start
        .current
        .live
        .primary()
        .map(|p| p.location.to_string())
        .unwrap_or_default();
    let target = &start.step.target;
    units_summary(
        std::iter::once((primary, target.primary_units)).chain(
            target
                .additional
                .iter()
                .map(|r| (r.location.to_string(), r.units)),
        ),
    )
}
