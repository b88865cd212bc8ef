//! Approvals: the plan hash a person approves, and the pure gate that decides whether a plan
//! may start (DESIGN §9: consent → approval → change window).
//!
//! The hash is the first 10 hex digits of SHA-256 over a canonical text of the managed
//! service's id (lower case) and every remaining step: its changes, with the values before
//! and after, and its complete target. A spec edit, drift or a schedule changes a step, so
//! the hash changes and an old approval approves nothing. Durations, costs and timestamps
//! are not part of it: the same plan has the same hash in every process and after restarts,
//! and `apimcap plan` computes the one the operator will ask for.
//!
//! An approval carries over to the rest of the plan it approved: when the gate approves a
//! plan, `status.approval.nextHash` records the hash the plan will have once its first step
//! is done, and that plan, and only that one, is approved by the same annotation.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
use ring::digest::{SHA256, digest};

use super::estimate::CostChange;
use super::money::{Currency, Money, format_monthly};
use crate::api::{APPROVE_ANNOTATION, ApprovalStatus, RequireApproval};
use crate::plan::{Change, Plan, Step};

/// Hex digits of a plan hash.
pub const PLAN_HASH_LEN: usize = 10;

/// The version line of the canonical text; changing the text means changing it.
const CANONICAL_VERSION: &str = "capacity.apim.dev/plan-hash/v1";

/// A plan's short hash, 10 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanHash(String);

impl PlanHash {
    /// The hash as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether an annotation value names this hash (surrounding spaces and case ignored).
    pub fn is_named_by(&self, value: &str) -> bool {
        value.trim().eq_ignore_ascii_case(&self.0)
    }
}

impl std::fmt::Display for PlanHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn change_line(change: &Change) -> String {
    match change {
        Change::ChangeTier { from, to } => format!("change ChangeTier {from} {to}"),
        Change::Scale { location, from, to } => format!("change Scale {location} {from} {to}"),
        Change::AddRegion { location, units } => format!("change AddRegion {location} {units}"),
        Change::RemoveRegion { location, units } => {
            format!("change RemoveRegion {location} {units}")
        }
        Change::ChangeZones { location, from, to } => {
            format!(
                "change ChangeZones {location} {} {}",
                from.join(","),
                to.join(",")
            )
        }
    }
}

/// The text that is hashed: one line each, `\n`-terminated.
///
/// ```text
/// capacity.apim.dev/plan-hash/v1
/// service /subscriptions/…/resourcegroups/rg/providers/microsoft.apimanagement/service/name
/// step
/// change Scale westeurope 2 6
/// target Premium 6 eastus=3
/// ```
pub fn canonical_text(service_id: &str, steps: &[Step]) -> String {
    let mut text = format!(
        "{CANONICAL_VERSION}\nservice {}\n",
        service_id.trim().to_ascii_lowercase()
    );
    for step in steps {
        text.push_str("step\n");
        for change in &step.changes {
            text.push_str(&change_line(change));
            text.push('\n');
        }
        let additional: Vec<String> = step
            .target
            .additional
            .iter()
            .map(|r| format!("{}={}", r.location, r.units))
            .collect();
        text.push_str(&format!(
            "target {} {} {}\n",
            step.target.sku,
            step.target.primary_units,
            additional.join(",")
        ));
    }
    text
}

/// The hash of the remaining `steps` of the service `service_id` (its ARM resource id).
pub fn plan_hash(service_id: &str, steps: &[Step]) -> PlanHash {
    let sum = digest(&SHA256, canonical_text(service_id, steps).as_bytes());
    let hex: String = sum
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    PlanHash(hex.chars().take(PLAN_HASH_LEN).collect())
}

/// What the gate is decided from.
#[derive(Debug, Clone, Copy)]
pub struct GateInput<'a> {
    /// `spec.changePolicy.requireApproval`.
    pub rules: Option<&'a RequireApproval>,
    /// The operator's currency: the one `costIncreaseAbove` is in.
    pub currency: Currency,
    /// The managed service's ARM resource id.
    pub service_id: &'a str,
    /// The plan the controller would start.
    pub plan: &'a Plan,
    /// What the live and the desired capacity cost; `None` when unknown.
    pub cost: Option<&'a CostChange>,
    /// The value of the `capacity.apim.dev/approve` annotation.
    pub annotation: Option<&'a str>,
    /// `status.approval` as last written.
    pub previous: Option<&'a ApprovalStatus>,
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No rule asks for approval (or there is nothing to start).
    NotNeeded,
    /// The plan waits: Ready False, reason `AwaitingApproval`; nothing is started.
    Needed {
        hash: PlanHash,
        reasons: Vec<String>,
    },
    /// The plan was approved and may start.
    Approved {
        hash: PlanHash,
        /// The hash the annotation names (an earlier hash of this plan when it continues).
        approved: PlanHash,
        reasons: Vec<String>,
        /// The hash of the rest of the plan after its first step, if there is a rest.
        next: Option<PlanHash>,
    },
}

impl Gate {
    /// Whether the plan may start as far as approvals go.
    pub fn allows_start(&self) -> bool {
        !matches!(self, Gate::Needed { .. })
    }

    /// `status.approval`; `approved_by` from [`approver`].
    pub fn status(&self, approved_by: Option<String>) -> Option<ApprovalStatus> {
        match self {
            Gate::NotNeeded => None,
            Gate::Needed { hash, reasons } => Some(ApprovalStatus {
                plan_hash: hash.to_string(),
                reasons: reasons.clone(),
                approved_hash: None,
                approved_by: None,
                next_hash: None,
            }),
            Gate::Approved {
                hash,
                approved,
                reasons,
                next,
            } => Some(ApprovalStatus {
                plan_hash: hash.to_string(),
                reasons: reasons.clone(),
                approved_hash: Some(approved.to_string()),
                approved_by,
                next_hash: next.as_ref().map(PlanHash::to_string),
            }),
        }
    }

    /// The Ready condition's message while the plan waits, e.g. "Approval needed: …; to
    /// approve, annotate with capacity.apim.dev/approve=0123456789".
    pub fn message(&self) -> Option<String> {
        match self {
            Gate::Needed { hash, reasons } => Some(format!(
                "Approval needed: {}; to approve this plan, set the annotation {APPROVE_ANNOTATION}={hash}",
                reasons.join("; ")
            )),
            _ => None,
        }
    }
}

fn cost_reason(rules: &RequireApproval, input: &GateInput<'_>) -> Option<String> {
    let written = rules.cost_increase_above.as_ref()?;
    let threshold = match Money::parse(written.as_str()) {
        Ok(threshold) if threshold >= Money::ZERO => threshold,
        _ => {
            return Some(format!(
                "requireApproval.costIncreaseAbove {:?} is not an amount such as 5000 or \"5000.50\", so every change needs approval",
                written.as_str()
            ));
        }
    };
    let Some(cost) = input.cost else {
        return Some(
            "the cost of the change could not be estimated and requireApproval.costIncreaseAbove is set".into(),
        );
    };
    if cost.currency() != input.currency {
        return Some(format!(
            "the cost could only be estimated in {} but requireApproval.costIncreaseAbove is in {}",
            cost.currency(),
            input.currency
        ));
    }
    let delta = cost.delta();
    (delta > threshold).then(|| {
        format!(
            "the monthly list price rises by {} (from {} to {}), more than the {} requireApproval.costIncreaseAbove allows",
            format_monthly(delta, cost.currency()),
            cost.live.monthly,
            format_monthly(cost.desired.monthly, cost.currency()),
            format_monthly(threshold, input.currency),
        )
    })
}

/// Why `steps` need approval under `rules`, one sentence each; empty when they do not.
pub fn reasons(rules: &RequireApproval, steps: &[Step], input: &GateInput<'_>) -> Vec<String> {
    let changes = || steps.iter().flat_map(|s| s.changes.iter());
    let mut reasons = Vec::new();
    if rules.always {
        reasons.push("every change needs approval (requireApproval.always)".to_string());
    }
    if rules.downgrade {
        for change in changes() {
            if let Change::ChangeTier { from, to } = change
                && to.rank() < from.rank()
            {
                reasons.push(format!(
                    "the tier goes down from {from} to {to} (requireApproval.downgrade)"
                ));
            }
        }
    }
    if rules.region_removal {
        let removed: Vec<String> = changes()
            .filter_map(|c| match c {
                Change::RemoveRegion { location, .. } => Some(location.to_string()),
                _ => None,
            })
            .collect();
        if !removed.is_empty() {
            let noun = if removed.len() == 1 {
                "region"
            } else {
                "regions"
            };
            reasons.push(format!(
                "{noun} {} removed (requireApproval.regionRemoval)",
                removed.join(", ") + if removed.len() == 1 { " is" } else { " are" }
            ));
        }
    }
    reasons.extend(cost_reason(rules, input));
    reasons
}

/// Decides whether the plan may start: [`Gate::NotNeeded`] without rules, without steps, or
/// when no rule applies; [`Gate::Approved`] when the annotation names the plan's hash, or
/// names the hash of an approved plan that this one continues; [`Gate::Needed`] otherwise.
pub fn gate(input: &GateInput<'_>) -> Gate {
    let (Some(rules), Plan::Steps(plan)) = (input.rules, input.plan) else {
        return Gate::NotNeeded;
    };
    let reasons = reasons(rules, &plan.steps, input);
    if reasons.is_empty() {
        return Gate::NotNeeded;
    }
    let hash = plan_hash(input.service_id, &plan.steps);
    let next = (plan.steps.len() > 1).then(|| plan_hash(input.service_id, &plan.steps[1..]));
    let annotation = input.annotation.unwrap_or_default();
    if hash.is_named_by(annotation) {
        return Gate::Approved {
            approved: hash.clone(),
            hash,
            reasons,
            next,
        };
    }
    let continued = input.previous.and_then(|previous| {
        let approved = previous.approved_hash.as_deref()?;
        let same_or_next = previous.plan_hash == hash.as_str()
            || previous.next_hash.as_deref() == Some(hash.as_str());
        let named =
            !approved.trim().is_empty() && annotation.trim().eq_ignore_ascii_case(approved.trim());
        (same_or_next && named).then(|| PlanHash(approved.trim().to_ascii_lowercase()))
    });
    match continued {
        Some(approved) => Gate::Approved {
            hash,
            approved,
            reasons,
            next,
        },
        None => Gate::Needed { hash, reasons },
    }
}

/// The field manager that last wrote the approve annotation (e.g. `kubectl-annotate`), from
/// the object's `metadata.managedFields`.
pub fn approver(managed_fields: &[ManagedFieldsEntry]) -> Option<String> {
    let key = format!("f:{APPROVE_ANNOTATION}");
    managed_fields
        .iter()
        .filter(|entry| {
            entry
                .fields_v1
                .as_ref()
                .is_some_and(|fields| fields.0["f:metadata"]["f:annotations"].get(&key).is_some())
        })
        .max_by_key(|entry| entry.time.as_ref().map(|t| t.0))
        .and_then(|entry| entry.manager.clone())
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry, Time};
    use serde_json::json;

    use super::approver;

    #[test]
    fn the_approver_is_the_last_manager_of_the_annotation() {
        let entry = |manager: &str, second: i64, fields: serde_json::Value| ManagedFieldsEntry {
            manager: Some(manager.into()),
            time: Some(Time(Timestamp::from_second(second).expect("valid"))),
            fields_v1: Some(FieldsV1(fields)),
            ..ManagedFieldsEntry::default()
        };
        let approve = json!({"f:metadata": {"f:annotations": {"f:capacity.apim.dev/approve": {}}}});
        let other = json!({"f:metadata": {"f:labels": {"f:team": {}}}});
        let entries = vec![
            entry("argocd-controller", 10, approve.clone()),
            entry("kubectl-annotate", 20, approve),
            entry("kubectl-label", 30, other),
            entry("odd", 40, json!(["not", "an", "object"])),
        ];
        assert_eq!(approver(&entries), Some("kubectl-annotate".into()));
        assert_eq!(approver(&entries[2..]), None);
    }
}
