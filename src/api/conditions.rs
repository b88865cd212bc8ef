//! Status conditions in the shape GitOps tools read (kstatus): `Ready` is always present,
//! `Reconciling` and `Stalled` only while true. Reasons are a closed set.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The condition types this operator writes.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ConditionType {
    /// The service matches the spec (True), does not yet or cannot (False), or the operator
    /// has not looked yet or is suspended (Unknown).
    Ready,
    /// The operator is changing the service or waiting for Azure; present only while true.
    Reconciling,
    /// The operator cannot make progress without a change by a person; present only while
    /// true.
    Stalled,
}

/// `True`, `False` or `Unknown`, as in every Kubernetes condition.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

/// Why a condition has its status. A closed set, used as Event reason and metric label.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum Reason {
    /// Seen for the first time; nothing checked yet.
    Pending,
    /// The service matches the spec.
    Succeeded,
    /// Changing the units of one or more regions.
    Scaling,
    /// Changing the tier.
    ChangingTier,
    /// Adding one or more regions.
    AddingRegion,
    /// Removing one or more regions.
    RemovingRegion,
    /// Changing the availability zones of one or more regions.
    ChangingZones,
    /// Azure is running an operation this operator did not start; waiting for it to end.
    WaitingForAzure,
    /// A step is ready but `spec.changeWindows` does not let it start now (outside the
    /// allowed periods, inside a deny window, or it would run past the window's end); the
    /// message names the next opening.
    WaitingForChangeWindow,
    /// A temporary failure (throttling, Azure or Kubernetes unavailable); retrying.
    Retrying,
    /// Azure does not allow the change (tier rules, limits, primary region missing).
    Blocked,
    /// The change is destructive and `spec.changePolicy` does not allow it.
    NotConsented,
    /// The subnet of a VNet-injected region has too few addresses for the units asked for;
    /// the message names the prefix, the most units it holds and the prefix that would fit.
    SubnetTooSmall,
    /// The plan needs a person's approval (`spec.changePolicy.requireApproval`): set the
    /// annotation `capacity.apim.dev/approve` to `status.approval.planHash`.
    AwaitingApproval,
    /// The spec is invalid in a way only the live service reveals, or its schedules or
    /// change windows cannot be read (a cron expression, time zone or duration; the message
    /// names the field).
    InvalidSpec,
    /// Azure refused a request; the message carries Azure's code and message.
    AzureError,
    /// An Azure operation ended in failure; the message carries Azure's code and message.
    OperationFailed,
    /// Azure reported a change as done, but the service does not have the step's target
    /// (a policy, a support cap, Azure's own autoscale); not retried until the spec changes.
    TargetNotReached,
    /// The identity lacks rights on the service (Azure answered 403).
    AccessDenied,
    /// A management lock on the service, its resource group or subscription forbids the
    /// change (Azure answered 409 `ScopeLocked`); someone must remove the lock.
    ScopeLocked,
    /// The service or its resource group does not exist.
    ServiceNotFound,
    /// The credentials could not be read or were refused.
    CredentialsError,
    /// Another ApimCapacity already manages the same service.
    ServiceConflict,
    /// The operator's namespace policy does not allow this namespace to manage the service.
    ScopeNotAllowed,
    /// `spec.suspend` is true.
    Suspended,
    /// The live service differs from the spec because of a change made elsewhere.
    DriftDetected,
    /// An enabled Azure Monitor autoscale setting targets the service, so the operator does
    /// not autoscale it: the two would undo each other's changes. The message names the
    /// setting; remove or disable it, or set `spec.azureAutoscale: PrimaryOnly`.
    AutoscaleConflict,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Pending => "Pending",
            Reason::Succeeded => "Succeeded",
            Reason::Scaling => "Scaling",
            Reason::ChangingTier => "ChangingTier",
            Reason::AddingRegion => "AddingRegion",
            Reason::RemovingRegion => "RemovingRegion",
            Reason::ChangingZones => "ChangingZones",
            Reason::WaitingForAzure => "WaitingForAzure",
            Reason::WaitingForChangeWindow => "WaitingForChangeWindow",
            Reason::Retrying => "Retrying",
            Reason::Blocked => "Blocked",
            Reason::NotConsented => "NotConsented",
            Reason::SubnetTooSmall => "SubnetTooSmall",
            Reason::AwaitingApproval => "AwaitingApproval",
            Reason::InvalidSpec => "InvalidSpec",
            Reason::AzureError => "AzureError",
            Reason::OperationFailed => "OperationFailed",
            Reason::TargetNotReached => "TargetNotReached",
            Reason::AccessDenied => "AccessDenied",
            Reason::ScopeLocked => "ScopeLocked",
            Reason::ServiceNotFound => "ServiceNotFound",
            Reason::CredentialsError => "CredentialsError",
            Reason::ServiceConflict => "ServiceConflict",
            Reason::ScopeNotAllowed => "ScopeNotAllowed",
            Reason::Suspended => "Suspended",
            Reason::DriftDetected => "DriftDetected",
            Reason::AutoscaleConflict => "AutoscaleConflict",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition in the shape of `metav1.Condition`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The kind of condition: Ready, Reconciling or Stalled.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// A PascalCase word for why the condition has this status.
    pub reason: Reason,
    /// A sentence for people: what is happening and, when stuck, what to do.
    #[schemars(length(max = 32768))]
    pub message: String,
    /// When the status last changed.
    pub last_transition_time: Time,
    /// The metadata.generation this condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}
