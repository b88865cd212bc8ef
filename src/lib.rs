//! apim-capacity-operator: keeps the capacity of Azure API Management services where an
//! `ApimCapacity` resource says it should be.

pub mod azure;
pub mod domain;
pub mod sim;
