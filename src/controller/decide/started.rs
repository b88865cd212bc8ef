//! After the PATCH of a step: what Azure's answer means for status and the next look.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::{Start, Verdict};
use crate::api::{Action, LastOperation, OperationResult, OperationStatus};
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
    let Start {
        step,
        number,
        total,
        current,
        mut findings,
        ..
    } = start;
    let (outcome, requeue) = match answer {
        Ok(PatchOutcome::Started(handle)) => {
            let action = Action::from(step.kind());
            let primary = current
                .live
                .primary()
                .map(|p| p.location.to_string())
                .unwrap_or_default();
            let target = &step.target;
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
                target_sku: target.sku,
                target_units: units_summary(
                    std::iter::once((primary, target.primary_units)).chain(
                        target
                            .additional
                            .iter()
                            .map(|r| (r.location.to_string(), r.units)),
                    ),
                ),
            };
            let wait = handle.retry_after.max(settings.min_retry_after);
            let outcome = Outcome::InProgress {
                reason: action.reason(),
                operation,
            };
            (outcome, Requeue::After(wait))
        }
        Ok(PatchOutcome::Done(_)) => {
            // Azure applied the change at once: look again right away for the next step.
            if findings.observed.finished.is_none() {
                findings.observed.finished = Some(LastOperation {
                    description: step.description(),
                    result: OperationResult::Succeeded,
                    started_at: Time(now),
                    finished_at: Time(now),
                    error: None,
                });
            }
            let outcome = Outcome::Retrying {
                message: format!(
                    "{} was applied at once; checking the service again",
                    step.description()
                ),
            };
            (outcome, Requeue::After(Duration::from_millis(200)))
        }
        Err(e) => from_azure_error(&e, settings.busy_poll_interval()),
    };
    Verdict {
        outcome,
        requeue,
        findings,
    }
}
