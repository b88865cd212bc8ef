//! When a subscription's listing may stand in for the GET of a service (pure).
//!
//! The listing is read with the operator's own identity once per resync. It may answer the
//! reconcile of a resource only when nothing but drift is to be watched for: the resource is
//! not suspended, uses the operator's identity (a tenant's own credential may not see what
//! the operator's identity lists: closed by default), is Ready for its current generation,
//! has a live service in status, no operation in flight and no change pending or awaiting
//! approval. And the listed value only stands when the reconcile, taken on it, decides
//! "in sync" (reads of prices or autoscale data on the way are fine); any other decision is
//! taken again on a real GET.

use super::{Decision, Need};
use crate::api::{ApimCapacity, ApimCapacityStatus, ConditionStatus};
use crate::status::Outcome;

/// Whether the listing may replace the GET of the service of `resource`, whose status is
/// `status`.
pub fn may_answer(resource: &ApimCapacity, status: &ApimCapacityStatus) -> bool {
    let spec = &resource.spec;
    let ready = status
        .ready()
        .is_some_and(|c| c.status == ConditionStatus::True);
    let current = resource
        .metadata
        .generation
        .is_some_and(|generation| generation == status.observed_generation);
    !spec.suspend
        && spec.credentials.is_none()
        && ready
        && current
        && status.live.is_some()
        && status.operation.is_none()
        && status.pending.is_none()
        && status.plan.is_empty()
        && status.approval.is_none()
}

/// Whether a decision taken on the listed service stands: only "in sync", or a read on the
/// way to it. Anything else (a step to start, drift, a wait, a failure, the reads that only
/// a pending change asks for) is decided again on a GET of the service.
pub fn stands(decision: &Decision) -> bool {
    match decision {
        Decision::Gather(need) => matches!(
            need,
            Need::Prices(_) | Need::AutoscaleSettings(_) | Need::Metrics(_)
        ),
        Decision::Start(_) => false,
        Decision::Conclude(verdict) => {
            verdict.outcome == Outcome::InSync && !verdict.findings.drift_corrected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::world::{condition, service, world};
    use super::super::{Facts, Input, Need, decide};
    use super::*;
    use crate::api::{
        ApprovalStatus, ConditionType, Credentials, LiveRegionStatus, LiveStatus, PendingChange,
        Reason, SecretReference,
    };
    use crate::azure::ServiceResource;
    use crate::domain::{ServiceRef, Sku};

    /// A resource Ready for generation 1 with its live service in status.
    fn in_sync() -> (ApimCapacity, ApimCapacityStatus) {
        let world = world();
        let mut status = ApimCapacityStatus {
            observed_generation: 1,
            conditions: vec![condition(
                ConditionType::Ready,
                ConditionStatus::True,
                Reason::Succeeded,
            )],
            ..ApimCapacityStatus::default()
        };
        status.live = Some(LiveStatus {
            sku: Sku::Premium,
            regions: vec![LiveRegionStatus {
                location: "westeurope".into(),
                units: 3,
                primary: true,
            }],
            provisioning_state: "Succeeded".into(),
            observed_at: condition(
                ConditionType::Ready,
                ConditionStatus::True,
                Reason::Succeeded,
            )
            .last_transition_time,
        });
        (world.resource, status)
    }

    type Change = fn(&mut ApimCapacity, &mut ApimCapacityStatus);

    #[test]
    fn the_listing_answers_only_for_settled_resources_on_the_operator_identity() {
        let rows: [(&str, Change, bool); 11] = [
            ("ready, in sync", |_, _| {}, true),
            ("suspended", |r, _| r.spec.suspend = true, false),
            (
                "its own credentials",
                |r, _| {
                    r.spec.credentials = Some(Credentials {
                        secret_ref: SecretReference { name: "sp".into() },
                    })
                },
                false,
            ),
            (
                "a newer generation",
                |r, _| r.metadata.generation = Some(2),
                false,
            ),
            (
                "not Ready",
                |_, s| {
                    s.conditions = vec![condition(
                        ConditionType::Ready,
                        ConditionStatus::False,
                        Reason::DriftDetected,
                    )]
                },
                false,
            ),
            ("no condition yet", |_, s| s.conditions.clear(), false),
            ("no live service", |_, s| s.live = None, false),
            (
                "an operation in flight",
                |_, s| s.operation = Some(Box::new(super::super::world::operation(1, 1, 5))),
                false,
            ),
            (
                "a change pending",
                |r, s| {
                    s.pending = Some(Box::new(PendingChange {
                        client_request_id: "id".into(),
                        step: 1,
                        total_steps: 1,
                        description: "Scale".into(),
                        action: crate::api::Action::Scale,
                        requested_at: s.conditions[0].last_transition_time.clone(),
                        target_sku: Sku::Premium,
                        target_units: "westeurope=4".into(),
                        generation: r.metadata.generation,
                    }))
                },
                false,
            ),
            (
                "a plan left",
                |_, s| {
                    s.plan = serde_json::from_value(serde_json::json!([
                        {"step": 1, "action": "Scale", "location": "westeurope", "fromUnits": 3, "toUnits": 4}
                    ]))
                    .unwrap_or_default();
                    assert!(!s.plan.is_empty());
                },
                false,
            ),
            (
                "awaiting approval",
                |_, s| {
                    s.approval = Some(Box::new(ApprovalStatus {
                        plan_hash: "abc".into(),
                        reasons: vec!["cost".into()],
                        approved_hash: None,
                        approved_by: None,
                        next_hash: None,
                    }))
                },
                false,
            ),
        ];
        for (row, change, expected) in rows {
            let (mut resource, mut status) = in_sync();
            change(&mut resource, &mut status);
            assert_eq!(may_answer(&resource, &status), expected, "{row}");
        }
    }

    /// Decides with the service taken from a listing that reports `regions`.
    fn decided_on_listing(regions: &[(&str, u32)]) -> Decision {
        let world = world().spec(|s| {
            s.regions.truncate(1);
        });
        let (resource, status) = in_sync();
        let resource = ApimCapacity {
            spec: world.resource.spec.clone(),
            ..resource
        };
        let durations = Default::default();
        let input = Input {
            resource: &resource,
            previous: &status,
            now: world.now,
            settings: &world.settings,
            durations: &durations,
            scopes: None,
            others: &[],
        };
        let listed = service(Sku::Premium, regions, "Succeeded").live;
        let facts = Facts {
            credentials: Some(Ok(())),
            service: Some(Ok(ServiceResource::from_listing(listed))),
            ..Facts::default()
        };
        let mut decision = decide(&input, &facts);
        let mut facts = facts;
        // Answer the price read the way the day cache does (no ARM call).
        while let Decision::Gather(Need::Prices(_)) = &decision {
            assert!(stands(&decision), "a price read stands");
            facts.prices = Some(Default::default());
            decision = decide(&input, &facts);
        }
        decision
    }

    #[test]
    fn an_in_sync_listing_stands() {
        let decision = decided_on_listing(&[("West Europe", 3)]);
        assert!(
            matches!(&decision, Decision::Conclude(v) if v.outcome == Outcome::InSync),
            "{decision:?}"
        );
        assert!(stands(&decision));
    }

    #[test]
    fn a_listing_that_shows_drift_is_read_again() {
        let decision = decided_on_listing(&[("West Europe", 2)]);
        assert!(!stands(&decision), "{decision:?}");
        let busy = {
            let mut d = decided_on_listing(&[("West Europe", 3)]);
            if let Decision::Conclude(v) = &mut d {
                v.outcome = Outcome::WaitingForAzure {
                    message: "busy".into(),
                };
            }
            d
        };
        assert!(!stands(&busy));
    }

    #[test]
    fn only_reads_on_the_way_to_in_sync_stand() {
        let service = ServiceRef::new("s", "rg", "n");
        assert!(!stands(&Decision::Gather(Need::Skus(service.clone()))));
        assert!(!stands(&Decision::Gather(Need::Service(service))));
        assert!(!stands(&Decision::Gather(Need::Credentials)));
        assert!(stands(&Decision::Gather(Need::Prices(Vec::new()))));
    }
}
