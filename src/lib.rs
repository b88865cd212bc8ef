//! apim-capacity-operator: keeps the capacity of Azure API Management services where an
//! `ApimCapacity` resource says it should be.

pub mod api;
pub mod autoscale;
pub mod azure;
pub mod controller;
pub mod cost;
pub mod domain;
pub mod dry_run;
pub mod effective;
pub mod http;
pub mod liveness;
pub mod memory;
pub mod metrics;
pub mod paged;
pub mod plan;
pub mod plugin;
pub mod policy;
pub mod schedule;
pub mod status;
pub mod telemetry;
pub mod time;
