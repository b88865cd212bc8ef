//! The effective capacity as status shows it: the units the operator aims at now, region by
//! region, and where each number comes from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The units the operator aims at in one region now, and why.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveRegionStatus {
    /// The region (normalised, for example `westeurope`).
    #[schemars(length(max = 64))]
    pub location: String,

    /// The units the operator aims at in this region now.
    pub units: u32,

    /// Where `units` comes from: `spec` (spec.regions), `schedule NAME` (the schedule in
    /// force), or `schedule NAME (preparing)` (a scale-up started before that schedule
    /// starts, so that it is finished on time).
    #[schemars(length(max = 128))]
    pub source: String,
}
