//! Everything that needs the real control plane, the operator process or the Azure
//! simulator end to end, in one test binary: one kube-apiserver + etcd for all of it.
//!
//! The operator watches every namespace, so a test that runs one holds the control plane
//! alone, and tests that only create objects share it among themselves and delete their
//! objects when they end (`support::access`). The control plane stops and its directory is
//! removed when the binary exits, also when tests failed (`support::lifetime`).

#[path = "../chart/support.rs"]
mod chart_support;
mod support;

mod admission;
mod admission_autoscale;
mod admission_schedules;
mod chart_install;
mod e2e_approval;
mod e2e_autoscale;
mod e2e_azure_refusals;
mod e2e_changes;
mod e2e_closed_default;
mod e2e_consent;
mod e2e_drift;
mod e2e_durations;
mod e2e_errors;
mod e2e_leader_pods;
mod e2e_lifecycle;
mod e2e_listing;
mod e2e_lro_styles;
mod e2e_operations;
mod e2e_rbac;
mod e2e_recorded_change;
mod e2e_resilience;
mod e2e_retry_after;
mod e2e_scale_in;
mod e2e_schedules;
mod e2e_secrets;
mod e2e_shards;
mod e2e_subnets;
mod e2e_target_missed;
mod e2e_untrusted_status;
mod e2e_zones_downtime;
mod image;
mod kstatus;
mod kubectl_views;
mod monitoring;
mod plan_command;
