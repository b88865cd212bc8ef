//! apim-capacity-operator: keeps the capacity of Azure API Management services where an
//! `ApimCapacity` resource says it should be.

pub mod api;
pub mod azure;
pub mod cli;
pub mod controller;
pub mod cost;
pub mod domain;
pub mod dry_run;
pub mod http;
pub mod metrics;
pub mod plan;
pub mod policy;
pub mod sim;
pub mod status;
pub mod telemetry;
