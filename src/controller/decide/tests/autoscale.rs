//! Decision rows of autoscale: which reads it costs (none without autoscaled regions; the
//! settings listing and one metrics read, or nothing when both are remembered), the Azure
//! autoscale conflict, PrimaryOnly, cooldowns, changes made elsewhere and a busy service.

use super::super::autoscale_world::{autoscaled, azure_setting};
use super::super::world::{Run, aiming_at, operation};
use super::*;
use crate::api::autoscale::{AutoscaleReason, AzureAutoscaleMode};

/// The description of the step started.
fn started(r: &Run) -> String {
    r.started
        .as_ref()
        .map(|s| s.step.description())
        .unwrap_or_default()
}

/// The reason status.autoscale gives for a region.
fn autoscale_reason(r: &Run, location: &str) -> Option<AutoscaleReason> {
    let list = r.verdict.findings.observed.autoscale.as_ref()?;
    list.iter()
        .find(|e| e.location == location)
        .map(|e| e.last_decision.reason)
}

#[rustfmt::skip]
decisions! {
    a_spec_without_autoscale_reads_no_settings_and_no_metrics:
        world()
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| assert!(r.verdict.findings.observed.autoscale.is_none());
    a_loaded_region_scales_out_by_one_in_one_patch:
        autoscaled().capacity("East US", 90.0)
        => ["credentials", "get", "settings", "metrics", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(started(r), "Scale eastus from 1 to 2 units");
            assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::AboveThreshold));
            assert_eq!(autoscale_reason(r, "westeurope"), Some(AutoscaleReason::WithinBand));
            let events: Vec<_> = r.verdict.findings.events.iter().map(|e| e.reason).collect();
            assert_eq!(events, [EventReason::Autoscaled]);
            let effective = r.verdict.findings.observed.aim.as_ref().map(|a| a.effective.clone()).unwrap_or_default();
            assert_eq!(effective.iter().map(|e| (e.units, e.source.as_str())).collect::<Vec<_>>(), [(2, "autoscale"), (2, "autoscale")]);
        };
    a_scale_autoscale_decides_for_an_in_sync_resource_is_not_drift:
        autoscaled().was_ready().capacity("East US", 90.0)
        => ["credentials", "get", "settings", "metrics", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert!(!r.verdict.findings.drift_corrected);
            let events: Vec<_> = r.verdict.findings.events.iter().map(|e| e.reason).collect();
            assert_eq!(events, [EventReason::Autoscaled]);
        };
    remembered_autoscale_reads_cost_no_call:
        autoscaled().capacity("East US", 90.0).autoscale_remembered()
        => ["credentials", "get", "patch"], Scaling, secs(60);
    inside_the_band_autoscale_holds_and_looks_again_at_the_next_evaluation:
        autoscaled()
        => ["credentials", "get", "settings", "metrics"], Succeeded, Resync,
        then |r: &Run| {
            assert_eq!(r.verdict.findings.wake_at, Some(at(5)), "the autoscale interval");
            assert!(r.verdict.findings.events.is_empty());
        };
    an_enabled_azure_autoscale_setting_is_a_conflict_named_without_reading_metrics:
        autoscaled().capacity("East US", 90.0).azure_settings(Ok(vec![azure_setting("apim-autoscale", true)]))
        => ["credentials", "get", "settings"], AutoscaleConflict, Resync,
        then |r: &Run| {
            assert!(r.message().contains("apim-autoscale"), "{}", r.message());
            assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::AutoscaleConflict));
        };
    a_disabled_azure_autoscale_setting_is_no_conflict:
        autoscaled().capacity("East US", 90.0).azure_settings(Ok(vec![azure_setting("apim-autoscale", false)]))
        => ["credentials", "get", "settings", "metrics", "patch"], Scaling, secs(60);
    primary_only_leaves_the_primary_to_azure_and_scales_the_others:
        autoscaled().capacity("West Europe", 90.0).capacity("East US", 90.0)
            .azure_settings(Ok(vec![azure_setting("apim-autoscale", true)]))
            .azure_autoscale(AzureAutoscaleMode::PrimaryOnly)
        => ["credentials", "get", "settings", "metrics", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(started(r), "Scale eastus from 1 to 2 units");
            assert_eq!(autoscale_reason(r, "westeurope"), Some(AutoscaleReason::LeftToAzureAutoscale));
        };
    unreadable_azure_autoscale_settings_hold_every_autoscaled_region:
        autoscaled().capacity("East US", 90.0).azure_settings(Err("HTTP 403 AuthorizationFailed".into()))
        => ["credentials", "get", "settings"], Succeeded, Resync,
        then |r: &Run| assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::AutoscaleSettingsUnknown));
    unreadable_metrics_hold:
        autoscaled().capacity("East US", 90.0).metrics_fail("HTTP 500")
        => ["credentials", "get", "settings", "metrics"], Succeeded, Resync,
        then |r: &Run| assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::MetricsUnavailable));
    a_region_cooling_down_after_its_last_scale_holds:
        autoscaled().capacity("East US", 90.0).remembers("eastus", 1, Some(20))
        => ["credentials", "get", "settings", "metrics"], Succeeded, Resync,
        then |r: &Run| assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::CoolingDown));
    a_scale_that_finished_becomes_the_own_count_and_starts_the_cooldown:
        autoscaled().remembers("eastus", 1, None).capacity("East US", 90.0)
            .recorded(aiming_at(operation(1, 1, 5), "westeurope=2,eastus=2"), || Ok(PollOutcome::Succeeded(None)))
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 2)], "Succeeded")))
        => ["credentials", "poll", "get", "settings", "metrics"], Succeeded, Resync,
        then |r: &Run| {
            let list = r.verdict.findings.observed.autoscale.clone().unwrap_or_default();
            let eastus = list.iter().find(|e| e.location == "eastus").cloned();
            let eastus = eastus.unwrap_or_else(|| panic!("no eastus in {list:?}"));
            assert_eq!((eastus.own_units, eastus.last_scale_at.map(|t| t.0)), (Some(2), Some(at(0))));
            assert_eq!(eastus.last_decision.reason, AutoscaleReason::TooLittleData, "no data since the scale yet");
            assert_eq!(eastus.next_scale_allowed_at.map(|t| t.0), Some(at(60)), "cooldownOut 60m");
        };
    a_change_made_elsewhere_inside_the_bounds_is_adopted_not_drift:
        autoscaled().remembers("eastus", 2, None)
        => ["credentials", "get", "settings", "metrics"], Succeeded, Resync,
        then |r: &Run| assert_eq!(autoscale_reason(r, "eastus"), Some(AutoscaleReason::ChangedElsewhere));
    units_changed_elsewhere_beyond_the_bounds_are_drift_brought_back:
        autoscaled().was_ready().remembers("westeurope", 2, None)
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 6), ("East US", 1)], "Succeeded")))
        => ["credentials", "get", "settings", "metrics", "patch"], Scaling, secs(60),
        then |r: &Run| {
            assert_eq!(started(r), "Scale westeurope from 6 to 4 units");
            assert!(r.verdict.findings.drift_corrected);
        };
    units_changed_elsewhere_beyond_the_bounds_are_only_reported_with_drift_report:
        autoscaled().was_ready().remembers("westeurope", 2, None).spec(|s| s.drift = DriftPolicy::Report)
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 6), ("East US", 1)], "Succeeded")))
        => ["credentials", "get", "settings", "metrics"], DriftDetected, Resync;
    a_busy_service_is_not_autoscaled_and_costs_no_autoscale_read:
        autoscaled().capacity("East US", 90.0)
            .live(|| Ok(service(Sku::Premium, &[("West Europe", 2), ("East US", 1)], "Updating")))
        => ["credentials", "get"], WaitingForAzure, BUSY;
}
