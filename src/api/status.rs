//! What the operator reports about an `ApimCapacity`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::autoscale::RegionAutoscaleStatus;
use super::conditions::Condition;
use super::cost::{ApprovalStatus, CostStatus};
use super::effective::EffectiveRegionStatus;
use super::schedule::ScheduleStatus;
pub use crate::domain::PollStyle;
use crate::domain::Sku;

fn unobserved() -> i64 {
    -1
}

/// The observed state of an ApimCapacity.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApimCapacityStatus {
    /// The metadata.generation the operator last handled completely; -1 until then.
    #[serde(default = "unobserved")]
    #[schemars(extend("default" = -1))]
    pub observed_generation: i64,

    /// Ready (always present), Reconciling and Stalled (present only while true).
    #[serde(default)]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    #[schemars(length(max = 8))]
    pub conditions: Vec<Condition>,

    /// The Azure resource id of the managed service, once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,

    /// Live units per region, for example `westeurope=2,eastus=3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_summary: Option<String>,

    /// What Azure reported last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveStatus>,

    /// The remaining changes, in order; empty when the service matches the spec. Changes
    /// with the same `step` are made by one Azure operation.
    #[serde(default)]
    pub plan: Vec<PlannedChange>,

    /// The Azure operation in flight, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Box<OperationStatus>>,

    /// A change about to be sent to Azure, recorded before the PATCH so that a restart in
    /// between finds it (and adopts the operation Azure runs for it) instead of losing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Box<PendingChange>>,

    /// The last Azure operation that finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_operation: Option<Box<LastOperation>>,

    /// The schedule in force and the next change a schedule will make; absent without
    /// schedules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Box<ScheduleStatus>>,

    /// The units per region the operator aims at now, and where each number comes from
    /// (spec.regions or a schedule): what the plan is made for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub effective: Vec<EffectiveRegionStatus>,

    /// The monthly list price of the live service and of the desired one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Box<CostStatus>>,

    /// The plan's hash and why it needs approval, while `spec.changePolicy.requireApproval`
    /// holds it back or after it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Box<ApprovalStatus>>,

    /// Per autoscaled region: the metric's window average, the last decision and why, the
    /// units autoscale wants, and when the next scale is allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub autoscale: Vec<RegionAutoscaleStatus>,
}

impl Default for ApimCapacityStatus {
    fn default() -> Self {
        ApimCapacityStatus {
            observed_generation: unobserved(),
            conditions: Vec::new(),
            service_id: None,
            units_summary: None,
            live: None,
            plan: Vec::new(),
            operation: None,
            pending: None,
            last_operation: None,
            schedule: None,
            effective: Vec::new(),
            cost: None,
            approval: None,
            autoscale: Vec::new(),
        }
    }
}

/// The live service as Azure reported it.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveStatus {
    /// The live tier.
    pub sku: Sku,
    /// Every region with its units; the primary first.
    pub regions: Vec<LiveRegionStatus>,
    /// Azure's provisioningState (Succeeded, Updating, ...).
    pub provisioning_state: String,
    /// When Azure was asked.
    pub observed_at: Time,
}

/// One live region.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveRegionStatus {
    /// The region's normalised name.
    pub location: String,
    /// Units in that region.
    pub units: u32,
    /// True for the service's primary region.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

/// The kind of a change.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum Action {
    /// Change the units of a region.
    Scale,
    /// Change the tier.
    ChangeTier,
    /// Add a region.
    AddRegion,
    /// Remove a region.
    RemoveRegion,
    /// Change the availability zones of a region (Azure gives the service new IP addresses).
    ChangeZones,
}

/// One change of the plan.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChange {
    /// The Azure operation (1-based) that makes this change; changes with the same step are
    /// made together.
    pub step: u32,
    /// What changes.
    pub action: Action,
    /// The region concerned (absent for a tier change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Units before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_units: Option<u32>,
    /// Units after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_units: Option<u32>,
    /// Tier before a tier change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_sku: Option<Sku>,
    /// Tier after a tier change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_sku: Option<Sku>,
    /// Pinned availability zones before a zone change (empty: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_zones: Option<Vec<String>>,
    /// Pinned availability zones after a zone change (empty: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_zones: Option<Vec<String>>,
}

/// The Azure operation in flight.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatus {
    /// Which step of the plan this is (1-based).
    pub step: u32,
    /// How many steps the plan had when this one started.
    pub total_steps: u32,
    /// What the operation does, for people.
    pub description: String,
    /// The dominant change of this step.
    pub action: Action,
    /// When the operation was started.
    pub started_at: Time,
    /// When it will likely finish, from the durations this operator has seen, else from
    /// Azure's documented 15 to 45 minutes.
    pub expected_completion: Time,
    /// The URL Azure gave for polling the operation; lets a restarted operator resume
    /// polling instead of starting the operation again.
    #[schemars(length(max = 4096))]
    pub poll_url: String,
    /// Which kind of URL `pollUrl` is.
    pub poll_style: PollStyle,
    /// The tier this operation moves the service to.
    pub target_sku: Sku,
    /// The units per region this operation moves the service to, e.g. `westeurope=2,eastus=3`.
    pub target_units: String,
    /// The metadata.generation the operation was started for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Consecutive polls of `pollUrl` that failed; past a few, the operator reads the service
    /// instead.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_polls: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A change recorded right before its PATCH is sent.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingChange {
    /// The `x-ms-client-request-id` the PATCH is sent with (Azure's logs name it).
    #[schemars(length(max = 64))]
    pub client_request_id: String,
    /// Which step of the plan (1-based).
    pub step: u32,
    /// How many steps the plan has.
    pub total_steps: u32,
    /// What the change does, for people.
    pub description: String,
    /// The dominant change of the step.
    pub action: Action,
    /// When the PATCH was about to be sent.
    pub requested_at: Time,
    /// The tier the step moves the service to.
    pub target_sku: Sku,
    /// The units per region the step moves the service to.
    pub target_units: String,
    /// The metadata.generation the step is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
}

/// How an operation ended.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum OperationResult {
    Succeeded,
    Failed,
}

/// The last Azure operation that finished.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastOperation {
    /// What the operation did.
    pub description: String,
    /// Succeeded or Failed.
    pub result: OperationResult,
    /// When it was started.
    pub started_at: Time,
    /// When it was seen finished.
    pub finished_at: Time,
    /// Azure's error code and message when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The metadata.generation it was started for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Set when Azure reported success but the service did not have the step's target: what
    /// Azure reports against what the step asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_missed: Option<String>,
}
