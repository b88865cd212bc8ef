//! What a capacity change costs and who must approve it: `spec.changePolicy.requireApproval`,
//! `status.cost` and `status.approval`.

use std::borrow::Cow;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The annotation that approves a plan: its value is the plan's hash, as shown in
/// `status.approval.planHash`. An approval for another hash does nothing.
pub const APPROVE_ANNOTATION: &str = "capacity.apim.dev/approve";

/// Changes that must wait for a person's approval before the operator starts them. A plan
/// that needs approval starts nothing: Ready is False with reason `AwaitingApproval` and
/// `status.approval` names the plan's hash and why. Approve it by setting the annotation
/// `capacity.apim.dev/approve` to that hash. Any change of the plan (a spec edit, drift, a
/// schedule) gives it a new hash, so an old approval never approves a different change.
/// Approval comes after consent: a change that `allowTierDowngrade` or `allowRegionRemoval`
/// forbids stays blocked whatever is approved.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequireApproval {
    /// Require approval when the change raises the service's monthly list price by more
    /// than this amount, in the operator's currency (USD unless the operator is configured
    /// otherwise), e.g. `5000` or `"5000.50"`. The price is the estimate in
    /// `status.cost.monthlyDelta`; when the cost cannot be estimated in the operator's
    /// currency, approval is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_increase_above: Option<MoneyAmount>,

    /// Require approval for a move to a lower tier (for example Premium to Standard).
    /// Fewer units on the same tier is not a downgrade.
    #[serde(default)]
    pub downgrade: bool,

    /// Require approval for removing an additional region.
    #[serde(default)]
    pub region_removal: bool,

    /// Require approval for every change.
    #[serde(default)]
    pub always: bool,
}

/// An amount of money written as a whole number (`5000`) or a decimal string (`"5000.50"`),
/// kept as written; [`crate::cost::Money::parse`] reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoneyAmount(pub String);

impl MoneyAmount {
    /// The amount as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for MoneyAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MoneyAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Whole(u64),
            Negative(i64),
            Fraction(f64),
        }
        Ok(MoneyAmount(match Written::deserialize(deserializer)? {
            Written::Text(text) => text,
            Written::Whole(n) => n.to_string(),
            Written::Negative(n) => n.to_string(),
            Written::Fraction(x) => format!("{x}"),
        }))
    }
}

impl JsonSchema for MoneyAmount {
    fn schema_name() -> Cow<'static, str> {
        "MoneyAmount".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An amount of money per month: a whole number such as 5000 or a decimal string such as \"5000.50\".",
            "x-kubernetes-int-or-string": true,
        })
    }
}

/// Where the prices of a cost estimate came from.
#[derive(
    Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
pub enum PriceOrigin {
    /// Azure's public Retail Prices API: list prices of the region, read at `asOf`.
    RetailPricesApi,
    /// The operator's built-in table of East US list prices dated `asOf`, used when the API
    /// could not be reached (or for a region whose price it did not give).
    BuiltIn,
}

/// The monthly list price of the live service and of the desired one. An estimate: list
/// prices per unit-hour times 730 hours, without discounts, taxes or usage charges.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostStatus {
    /// The ISO 4217 currency of every amount, e.g. `USD`.
    pub currency: String,
    /// `RetailPricesApi` when every price came from Azure's Retail Prices API, `BuiltIn`
    /// when at least one came from the operator's built-in table.
    pub source: PriceOrigin,
    /// When the oldest price used was read from the API, or the date of the built-in table.
    pub as_of: Time,
    /// What the live service costs per month.
    pub live: CapacityCostStatus,
    /// What the service will cost per month once it matches the spec.
    pub desired: CapacityCostStatus,
    /// `desired` minus `live` per month, with its sign, e.g. `+11180.68`.
    pub monthly_delta: String,
    /// The change for people, e.g. `+11,180.68 USD/month`.
    pub summary: String,
}

/// The monthly cost of one capacity (tier and units per region).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityCostStatus {
    /// Every region with its units and price; the primary first.
    #[schemars(length(max = 32))]
    pub per_region: Vec<RegionCostStatus>,
    /// The total per month, a decimal with two places, e.g. `5590.34`.
    pub monthly: String,
}

/// The monthly cost of one region.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionCostStatus {
    /// The region's normalised name.
    pub location: String,
    /// Units in that region.
    pub units: u32,
    /// True for the service's primary region.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
    /// The list price of one unit for a month (730 hours), e.g. `2795.17`.
    pub unit_monthly: String,
    /// `units` times `unitMonthly`.
    pub monthly: String,
    /// True when no price of this region was available and the built-in East US price was
    /// used instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

/// A plan that needs approval, or was approved.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStatus {
    /// The hash of the remaining plan (10 hex digits). To approve, set the annotation
    /// `capacity.apim.dev/approve` to this value.
    #[schemars(length(max = 16))]
    pub plan_hash: String,
    /// Why the plan needs approval, one sentence each.
    #[schemars(length(max = 8))]
    pub reasons: Vec<String>,
    /// The hash the annotation approved; present once the plan is approved. It differs from
    /// `planHash` once some steps of the approved plan have run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_hash: Option<String>,
    /// Who set the annotation (the Kubernetes field manager that wrote it), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The hash the rest of the approved plan will have once its next step is done: the
    /// approval carries over to it, and to nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_may_be_written_as_numbers_or_strings() {
        for (yaml, text) in [
            ("costIncreaseAbove: 5000", "5000"),
            ("costIncreaseAbove: \"5000.50\"", "5000.50"),
            ("costIncreaseAbove: 2500.5", "2500.5"),
        ] {
            let rules: RequireApproval = serde_saphyr::from_str(yaml).expect("parses");
            assert_eq!(rules.cost_increase_above, Some(MoneyAmount(text.into())));
            assert!(!rules.always && !rules.downgrade && !rules.region_removal);
        }
        let rules: RequireApproval =
            serde_saphyr::from_str("{downgrade: true, regionRemoval: true, always: true}")
                .expect("parses");
        assert!(rules.always && rules.downgrade && rules.region_removal);
        assert!(serde_saphyr::from_str::<RequireApproval>("costIncreaseAbove: [1]").is_err());
    }

    #[test]
    fn the_threshold_schema_is_int_or_string() {
        let schema = schemars::schema_for!(MoneyAmount);
        let value = serde_json::to_value(&schema).unwrap_or_default();
        assert_eq!(value["x-kubernetes-int-or-string"], true);
    }
}
