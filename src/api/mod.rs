//! The `ApimCapacity` custom resource (v1alpha1), its status, conditions and reasons.

pub mod autoscale;
pub mod conditions;
pub mod convert;
pub mod cost;
pub mod crd;
pub mod schedule;
pub mod spec;
pub mod status;
pub mod tier_rules;

pub use conditions::{Condition, ConditionStatus, ConditionType, Reason};
pub use convert::planned_changes;
pub use cost::{
    APPROVE_ANNOTATION, ApprovalStatus, CapacityCostStatus, CostStatus, MoneyAmount, PriceOrigin,
    RegionCostStatus, RequireApproval,
};
pub use schedule::{ChangeWindows, NextChange, Schedule, ScheduleRegion, ScheduleStatus, Window};
pub use spec::{
    ApimCapacity, ApimCapacitySpec, ChangePolicy, Credentials, DriftPolicy, RegionCapacity,
    SecretReference, ServiceReference,
};
pub use status::{
    Action, ApimCapacityStatus, LastOperation, LiveRegionStatus, LiveStatus, OperationResult,
    OperationStatus, PendingChange, PlannedChange, PollStyle,
};
