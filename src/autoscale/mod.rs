//! Per-region metric autoscale that never fights other writers, as pure functions.
//!
//! The reconcile gathers (I/O) and this module decides (pure):
//! - [`metrics::metrics_request`] builds the one Azure Monitor request per service and
//!   evaluation; [`metrics::MetricReadings::parse`] reads its answer;
//! - [`settings::settings_request`] lists the resource group's Azure autoscale settings;
//!   [`settings::SettingsPage::parse`] reads each page and [`settings::SettingsVerdict`] says
//!   whether one targets the service;
//! - [`decide::decide`] turns bounds, live units, window averages, cooldowns and Azure's rules
//!   into one decision per region and one combined set of wanted units (one PATCH);
//! - [`drift::classify_units`] tells drift to undo from a change made elsewhere to adopt;
//! - [`report`] turns decisions into `status.autoscale` and back into the recorded memory;
//! - [`day`] runs a simulated day with [`decide::decide`] for the benchmark;
//! - [`model`] is the load day and the `Capacity` model the simulator and benchmarks share.

pub mod day;
pub mod decide;
pub mod drift;
pub mod evaluation;
pub mod guardrail;
pub mod metrics;
pub mod model;
pub mod report;
pub mod request;
pub mod settings;

mod region;

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod day_tests;
#[cfg(test)]
mod decide_tests;
#[cfg(test)]
mod gate_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;

pub use decide::{decide, rules_needing_metrics};
pub use drift::{Bounds, RegionMemory, UnitsVerdict, classify_units};
pub use evaluation::{AutoscaledRegion, Evaluation, Guardrails, RegionDecision, ServiceDecision};
pub use guardrail::{GuardrailScope, ScaleInGuardrail};
pub use metrics::{MetricReadings, MetricsError, metrics_request};
pub use request::ArmGet;
pub use settings::{AutoscaleSetting, SettingsPage, SettingsVerdict, settings_request};
