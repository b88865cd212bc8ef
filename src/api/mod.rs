//! The `ApimCapacity` custom resource (v1alpha1), its status, conditions and reasons.

pub mod conditions;
pub mod cost;
pub mod crd;
pub mod spec;
pub mod status;

pub use conditions::{Condition, ConditionStatus, ConditionType, Reason};
pub use cost::{
    APPROVE_ANNOTATION, ApprovalStatus, CapacityCostStatus, CostStatus, MoneyAmount, PriceOrigin,
    RegionCostStatus, RequireApproval,
};
pub use spec::{
    ApimCapacity, ApimCapacitySpec, ChangePolicy, Credentials, DriftPolicy, RegionCapacity,
    SecretReference, ServiceReference,
};
pub use status::{
    Action, ApimCapacityStatus, LastOperation, LiveRegionStatus, LiveStatus, OperationResult,
    OperationStatus, PlannedChange, PollStyle,
};
