//! The autoscale gates (DESIGN §9), after the live service is known and no operation runs
//! on it (the gates before conclude while one does, so autoscale never decides then):
//!
//! - a spec without autoscaled regions costs nothing here: no read, no `status.autoscale`;
//! - the Azure autoscale settings of the resource group ([`Need::AutoscaleSettings`], kept
//!   10 minutes by the driver); an enabled setting that targets the service stalls the
//!   resource with `AutoscaleConflict` naming it, unless `spec.azureAutoscale` is
//!   `PrimaryOnly` (then the primary region is Azure's and only the others are scaled);
//! - the one metrics request of the service ([`Need::Metrics`], kept until the next
//!   evaluation by the driver);
//! - [`crate::autoscale::decide`] picks every autoscaled region's units, which replace them
//!   in the effective capacity (step 3). A scale it decides is not drift; a change made
//!   elsewhere inside the bounds is adopted and reported, not undone.

use jiff::Timestamp;

use super::clock::Aimed;
use super::{Decision, Facts, Findings, Input, Need};
use crate::api::autoscale::{AutoscaleAction, RegionAutoscaleStatus};
use crate::api::{OperationResult, Reason};
use crate::autoscale::report::{memory_from_status, next_autoscale_status, record_operation};
use crate::autoscale::{
    AutoscaleSetting, AutoscaledRegion, Evaluation, Guardrails, ScaleInGuardrail, ServiceDecision,
    SettingsVerdict, decide, metrics_request, rules_needing_metrics, settings_request,
};
use crate::azure::ServiceResource;
use crate::controller::events::{EventReason, Note};
use crate::controller::outcomes::Requeue;
use crate::domain::{LiveService, RegionUnits};
use crate::effective::{AutoscaleRange, autoscale_ranges};
use crate::status::Outcome;
use crate::time::add;

/// Decides the autoscaled regions and puts their units into `aimed` (its `desired`,
/// `moved` and `status.effective`), or gathers the reads that takes, or stalls on a
/// conflicting Azure autoscale setting.
pub(super) fn scaled(
    input: &Input,
    facts: &Facts,
    resource: &ServiceResource,
    aimed: &mut Aimed,
    found: &mut Findings,
) -> Result<(), Decision> {
    let spec = &input.resource.spec;
    let ranges = autoscale_ranges(spec, &aimed.timetable, input.now);
    if ranges.is_empty() {
        if !input.previous.autoscale.is_empty() {
            found.observed.autoscale = Some(Vec::new());
        }
        return Ok(());
    }
    let live = &resource.live;
    let settings = settings_verdict(input, facts, live)?;
    let prior = prior_status(input, live, found);
    let memory = memory_from_status(&prior);
    let regions: Vec<AutoscaledRegion<'_>> = ranges
        .iter()
        .map(|range| autoscaled(range, &memory))
        .collect();
    let rules = rules_needing_metrics(&regions, live, spec.azure_autoscale, &settings);
    let service = spec.service.service_ref();
    let metrics = match metrics_request(&service, spec.sku, rules, input.now) {
        None => Err("no region needs the metric now".to_string()),
        Some(request) => match &facts.metrics {
            None => return Err(Decision::Gather(Need::Metrics(request))),
            Some(Ok(readings)) => Ok(readings),
            Some(Err(why)) => Err(why.clone()),
        },
    };
    let evaluation = Evaluation {
        sku: spec.sku,
        live,
        regions: &regions,
        metrics: metrics.as_ref().copied().map_err(String::as_str),
        settings: &settings,
        mode: spec.azure_autoscale,
        operation_running: false,
        guardrails: Guardrails {
            limits: &input.settings.limits,
            scale_in: ScaleInGuardrail::default(),
            zones_must_divide_units: true,
        },
        now: input.now,
    };
    let decision = decide(&evaluation);
    report(input, &prior, &decision, found);
    if let Some(setting) = &decision.conflict {
        return Err(conflict(setting, found));
    }
    aim(input, &ranges, live, &decision, aimed, found);
    Ok(())
}

/// What is known about Azure autoscale settings on the service; gathers the listing first.
fn settings_verdict(
    input: &Input,
    facts: &Facts,
    live: &LiveService,
) -> Result<SettingsVerdict, Decision> {
    let service = &input.resource.spec.service;
    match &facts.autoscale_settings {
        None => Err(Decision::Gather(Need::AutoscaleSettings(settings_request(
            &service.subscription_id,
            &service.resource_group,
        )))),
        Some(Ok(settings)) => Ok(SettingsVerdict::from_settings(settings, &live.id)),
        Some(Err(why)) => Ok(SettingsVerdict::Unknown(why.clone())),
    }
}

/// `status.autoscale` as the decision starts from: an operation of this operator that
/// succeeded in this reconcile makes the live units the operator's own and starts the
/// cooldowns of the regions it changed.
fn prior_status(input: &Input, live: &LiveService, found: &Findings) -> Vec<RegionAutoscaleStatus> {
    let previous = &input.previous.autoscale;
    match &found.observed.finished {
        Some(done) if done.result == OperationResult::Succeeded => {
            let target: Vec<RegionUnits> = live
                .regions
                .iter()
                .map(|r| RegionUnits {
                    location: r.location.clone(),
                    units: r.units,
                })
                .collect();
            record_operation(previous, &target, done.finished_at.0)
        }
        _ => previous.clone(),
    }
}

fn autoscaled<'a>(
    range: &AutoscaleRange<'a>,
    memory: &std::collections::BTreeMap<crate::domain::Location, crate::autoscale::RegionMemory>,
) -> AutoscaledRegion<'a> {
    AutoscaledRegion {
        location: range.location.clone(),
        rule: range.rule,
        bounds: range.bounds,
        memory: memory.get(&range.location).copied().unwrap_or_default(),
    }
}

/// `status.autoscale`, and an Event for every scale decided now (a decision that holds
/// since an earlier reconcile is not announced again).
fn report(
    input: &Input,
    prior: &[RegionAutoscaleStatus],
    decision: &ServiceDecision,
    found: &mut Findings,
) {
    let next = next_autoscale_status(prior, decision, input.now);
    for (status, region) in next.iter().zip(&decision.regions) {
        let new = status.last_decision.at.0 == input.now;
        if new && region.action != AutoscaleAction::Hold {
            found.events.push(Note::normal(
                EventReason::Autoscaled,
                format!(
                    "{:?} {} from {} to {} units: {}",
                    region.action,
                    region.location,
                    region.units.unwrap_or_default(),
                    region.wanted_units,
                    region.message
                ),
            ));
        }
    }
    found.observed.autoscale = Some(next);
}

/// The resource stalls while an enabled Azure autoscale setting targets the service.
fn conflict(setting: &AutoscaleSetting, found: &Findings) -> Decision {
    let message = format!(
        "the Azure autoscale setting {} ({}) is enabled and scales this service, so the operator does not autoscale it: the two would undo each other's changes; delete or disable the setting, or set spec.azureAutoscale: PrimaryOnly",
        setting.name,
        if setting.id.is_empty() {
            "no id"
        } else {
            &setting.id
        }
    );
    let outcome = Outcome::Stalled {
        reason: Reason::AutoscaleConflict,
        message,
    };
    found.conclude(outcome, Requeue::Resync)
}

/// Step 3 of the effective capacity: the decided units replace the autoscaled regions'.
/// A scale autoscale decided moves the target (it is not drift); bringing back units changed
/// elsewhere outside the bounds is drift.
fn aim(
    input: &Input,
    ranges: &[AutoscaleRange<'_>],
    live: &LiveService,
    decision: &ServiceDecision,
    aimed: &mut Aimed,
    found: &mut Findings,
) {
    let spec = &input.resource.spec;
    let live_units = |location: &crate::domain::Location| live.region(location).map(|r| r.units);
    let wanted = decision.wanted_units();
    aimed
        .effective
        .with_autoscale(spec, ranges, live_units, &wanted);
    aimed.desired = aimed.effective.desired(spec);
    let own_move = decision.regions.iter().any(|r| {
        r.action != AutoscaleAction::Hold && !r.units_verdict.is_some_and(|v| v.changed_elsewhere())
    });
    aimed.moved |= own_move;
    if let Some(aim) = found.observed.aim.as_mut() {
        aim.effective = aimed.effective.status();
    }
    let next = add(input.now, input.settings.autoscale_interval);
    found.wake_at = Some(earliest(found.wake_at, next));
}

fn earliest(a: Option<Timestamp>, b: Timestamp) -> Timestamp {
    a.map_or(b, |a| a.min(b))
}
