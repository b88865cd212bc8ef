//! The parts of a decision table's world that approvals need: the rules of
//! `requireApproval`, the approve annotation and who wrote it, the approval recorded in
//! status, and prices read from the API.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry, Time};
use serde_json::json;

use super::world::{Run, World, at};
use crate::api::{
    APPROVE_ANNOTATION, ApprovalStatus, Condition, ConditionStatus, ConditionType, MoneyAmount,
    PriceOrigin, Reason, RequireApproval,
};
use crate::controller::events::EventReason;
use crate::cost::{Currency, Quote, UnitRate};
use crate::domain::{Location, Sku};

impl World {
    /// `spec.changePolicy.requireApproval`.
    pub fn require(mut self, rules: RequireApproval) -> Self {
        self.resource.spec.change_policy.require_approval = Some(rules);
        self
    }

    /// `requireApproval.costIncreaseAbove: amount`.
    pub fn cost_above(self, amount: &str) -> Self {
        self.require(RequireApproval {
            cost_increase_above: Some(MoneyAmount(amount.into())),
            ..RequireApproval::default()
        })
    }

    /// `requireApproval.always: true`.
    pub fn always(self) -> Self {
        self.require(RequireApproval {
            always: true,
            ..RequireApproval::default()
        })
    }

    /// The approve annotation, written by `manager`.
    pub fn approve(mut self, hash: &str, manager: &str) -> Self {
        self.resource
            .metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(APPROVE_ANNOTATION.into(), hash.into());
        let fields =
            json!({"f:metadata": {"f:annotations": {format!("f:{APPROVE_ANNOTATION}"): {}}}});
        self.resource.metadata.managed_fields = Some(vec![ManagedFieldsEntry {
            manager: Some(manager.into()),
            operation: Some("Update".into()),
            time: Some(Time(at(-1))),
            fields_v1: Some(FieldsV1(fields)),
            ..ManagedFieldsEntry::default()
        }]);
        self
    }

    /// The previous reconcile recorded this approval; with `awaiting`, it also stalled
    /// awaiting it.
    pub fn approval(mut self, status: ApprovalStatus, awaiting: bool) -> Self {
        self.previous.approval = Some(Box::new(status));
        if awaiting {
            self.previous.conditions = [ConditionType::Ready, ConditionType::Stalled]
                .into_iter()
                .map(|type_| Condition {
                    type_,
                    status: match type_ {
                        ConditionType::Ready => ConditionStatus::False,
                        _ => ConditionStatus::True,
                    },
                    reason: Reason::AwaitingApproval,
                    message: "Approval needed".into(),
                    last_transition_time: Time(at(-5)),
                    observed_generation: Some(1),
                })
                .collect();
        }
        self
    }

    /// The Retail Prices API gave `dollars_per_hour` for a Premium unit in `location`.
    pub fn api_price(mut self, location: &str, micros_per_hour: i64) -> Self {
        self.prices.insert(
            Sku::Premium,
            Location::new(location),
            Quote {
                rate: UnitRate::from_micros(micros_per_hour),
                currency: Currency::USD,
                origin: PriceOrigin::RetailPricesApi,
                as_of: Timestamp::from_second(1_799_990_000).unwrap_or(Timestamp::UNIX_EPOCH),
                estimated: false,
                meter: "Premium Unit".into(),
                effective_from: None,
            },
        );
        self
    }

    /// The hash of the plan of this world, as the approval gate asks for it (the rules do
    /// not change the hash).
    pub fn plan_hash(self) -> String {
        let run = self.always().reconcile();
        run.approval()
            .map(|a| a.plan_hash)
            .unwrap_or_else(|| panic!("no plan hash: {}", run.message()))
    }
}

impl Run {
    /// `status.approval` as this run leaves it (`None`: removed or untouched).
    pub fn approval(&self) -> Option<ApprovalStatus> {
        self.verdict.findings.observed.approval.clone().flatten()
    }

    /// The reasons of the Events this run adds beyond the status transition.
    pub fn event_reasons(&self) -> Vec<EventReason> {
        self.verdict
            .findings
            .events
            .iter()
            .map(|e| e.reason)
            .collect()
    }

    /// `status.cost.monthlyDelta` and `status.cost.source` as this run leaves them.
    pub fn cost(&self) -> Option<(String, PriceOrigin)> {
        let cost = self.verdict.findings.observed.cost.clone().flatten()?;
        Some((cost.monthly_delta, cost.source))
    }
}
