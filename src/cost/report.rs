//! The document `apimcap plan -o json` prints: a versioned, stable shape for PR comments and
//! pipelines. [`super::report_build::build`] makes it from the plan, the durations seen, the
//! cost and the approval gate.
//!
//! An example (`capacity.apim.dev/plan/v1`), Premium westeurope 2 → 6 units with
//! `requireApproval.costIncreaseAbove: 5000`:
//!
//! ```json
//! {
//!   "apiVersion": "capacity.apim.dev/plan/v1",
//!   "kind": "CapacityPlan",
//!   "serviceId": "/subscriptions/…/resourceGroups/rg/providers/Microsoft.ApiManagement/service/api",
//!   "generatedAt": "2026-12-01T10:00:00Z",
//!   "outcome": "Steps",
//!   "from": {"sku": "Premium", "regions": [{"location": "westeurope", "units": 2, "primary": true}]},
//!   "to": {"sku": "Premium", "regions": [{"location": "westeurope", "units": 6, "primary": true}]},
//!   "steps": [{
//!     "number": 1, "kind": "Scale", "description": "Scale westeurope from 2 to 6 units",
//!     "changes": [{"action": "Scale", "location": "westeurope", "fromUnits": 2, "toUnits": 6}],
//!     "target": {"sku": "Premium", "regions": [{"location": "westeurope", "units": 6, "primary": true}]},
//!     "expectedDuration": {"p50Seconds": 1800, "p90Seconds": 2700},
//!     "expectedFinish": {"p50": "2026-12-01T10:30:00Z", "p90": "2026-12-01T10:45:00Z"},
//!     "monthlyAfter": "16771.02"
//!   }],
//!   "expectedDuration": {"p50Seconds": 1800, "p90Seconds": 2700},
//!   "expectedFinish": {"p50": "2026-12-01T10:30:00Z", "p90": "2026-12-01T10:45:00Z"},
//!   "cost": {"currency": "USD", "source": "RetailPricesApi", "asOf": "2026-12-01T09:12:00Z",
//!            "live": {"perRegion": [{"location": "westeurope", "units": 2, "primary": true,
//!                                    "unitMonthly": "2795.17", "monthly": "5590.34"}],
//!                     "monthly": "5590.34"},
//!            "desired": {"perRegion": [{"location": "westeurope", "units": 6, "primary": true,
//!                                       "unitMonthly": "2795.17", "monthly": "16771.02"}],
//!                        "monthly": "16771.02"},
//!            "monthlyDelta": "+11180.68", "summary": "+11,180.68 USD/month"},
//!   "approval": {"required": true, "approved": false, "planHash": "3f9c2a7b1e",
//!                "reasons": ["the monthly list price rises by 11,180.68 USD/month (…)"]},
//!   "warnings": [{"kind": "ApprovalRequired", "message": "…capacity.apim.dev/approve=3f9c2a7b1e"}],
//!   "summary": "+11,180.68 USD/month, 1 step, about 30 minutes"
//! }
//! ```
//!
//! Amounts are decimal strings (two places) so no precision is lost; durations are whole
//! seconds; times are RFC 3339 UTC. Fields may be added within v1; none is removed or
//! changes meaning without a new `apiVersion`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::api::CostStatus;
use crate::domain::{Location, Sku};
use crate::plan::{BlockReason, StepKind};

/// The `apiVersion` of [`PlanReport`].
pub const PLAN_REPORT_API_VERSION: &str = "capacity.apim.dev/plan/v1";
/// The `kind` of [`PlanReport`].
pub const PLAN_REPORT_KIND: &str = "CapacityPlan";

/// What `apimcap plan -o json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanReport {
    pub api_version: String,
    pub kind: String,
    pub service_id: String,
    pub generated_at: Timestamp,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<BlockedReport>,
    /// The live capacity; absent when the service could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CapacityReport>,
    pub to: CapacityReport,
    pub steps: Vec<StepReport>,
    pub expected_duration: DurationReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_finish: Option<FinishReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalReport>,
    pub warnings: Vec<Warning>,
    /// One line for people: "+11,180.68 USD/month, 1 step, about 30 minutes".
    pub summary: String,
}

/// The plan's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    InSync,
    Steps,
    Blocked,
}

/// Why nothing may be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedReport {
    pub reason: BlockReason,
    pub message: String,
}

/// A tier and its regions, the primary first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityReport {
    pub sku: Sku,
    pub regions: Vec<RegionReport>,
}

/// One region's units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionReport {
    pub location: Location,
    pub units: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

/// One Azure operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// 1-based.
    pub number: u32,
    pub kind: StepKind,
    pub description: String,
    pub changes: Vec<ChangeReport>,
    /// The complete capacity after the step.
    pub target: CapacityReport,
    pub expected_duration: DurationReport,
    /// When the step is expected to end if it started now and the steps before took their
    /// p50 (resp. p90) durations.
    pub expected_finish: FinishReport,
    /// The monthly list price after the step, when prices are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_after: Option<String>,
}

/// One change of a step, in the shape `status.plan` uses.
pub use crate::api::PlannedChange as ChangeReport;

/// Durations: the median and the 90th percentile of what this operator has seen (30 and 45
/// minutes when it has seen none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationReport {
    pub p50_seconds: u64,
    pub p90_seconds: u64,
}

/// Expected end times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishReport {
    pub p50: Timestamp,
    pub p90: Timestamp,
}

/// Whether the plan waits for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalReport {
    pub required: bool,
    pub approved: bool,
    pub plan_hash: String,
    pub reasons: Vec<String>,
}

/// Something a reviewer should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// The step concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    pub message: String,
}

/// The kinds of warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarningKind {
    /// Moving to or from the Developer tier takes the service down while it runs.
    Downtime,
    /// The service's public and private IP addresses change (the availability zones of a
    /// Premium region change).
    IpAddressChange,
    /// An additional region and its units go away.
    RegionRemoval,
    /// The tier goes down.
    TierDowngrade,
    /// The plan waits for `capacity.apim.dev/approve`.
    ApprovalRequired,
    /// Some prices are the built-in table's, not the Retail Prices API's.
    BuiltInPrices,
}
