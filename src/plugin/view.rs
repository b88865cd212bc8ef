//! `kubectl apimcap status NAME`: one ApimCapacity as a readable summary (pure, the clock
//! passed in): readiness and what it waits for, live and desired units per region, the
//! operation in flight with its progress and ETA, the cost and the approval it waits for.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use kube::ResourceExt;

use crate::api::{ApimCapacity, ConditionStatus, ConditionType};

fn minutes(seconds: i64) -> i64 {
    (seconds.max(0) + 59) / 60
}

/// The summary `kubectl apimcap status` prints.
pub fn status_text(object: &ApimCapacity, now: Timestamp) -> String {
    let mut out = String::new();
    let status = object.status.clone().unwrap_or_default();
    let spec = &object.spec;
    let _ = writeln!(
        out,
        "{}/{}  service {}",
        object.namespace().unwrap_or_default(),
        object.name_any(),
        spec.service.name
    );
    match status
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Ready)
    {
        Some(ready) => {
            let ready_text = match ready.status {
                ConditionStatus::True => "Ready",
                ConditionStatus::False => "Not ready",
                ConditionStatus::Unknown => "Unknown",
            };
            let _ = writeln!(
                out,
                "{ready_text} ({}): {}",
                ready.reason.as_str(),
                ready.message
            );
        }
        None => out.push_str("Not reconciled yet\n"),
    }
    let desired = spec.desired();
    let live_sku = status.live.as_ref().map(|l| l.sku.to_string());
    let _ = writeln!(
        out,
        "Tier: live {}, desired {}",
        live_sku.as_deref().unwrap_or("unknown"),
        desired.sku
    );
    let mut regions: BTreeMap<String, (Option<u32>, Option<u32>)> = BTreeMap::new();
    for region in status.live.iter().flat_map(|l| &l.regions) {
        regions.entry(region.location.clone()).or_default().0 = Some(region.units);
    }
    for region in &desired.regions {
        // An autoscaled region wants what the operator last aimed at (status.effective).
        let autoscaled = spec.regions.iter().any(|r| {
            r.autoscale.is_some() && crate::domain::Location::new(&r.location) == region.location
        });
        let aimed = status
            .effective
            .iter()
            .find(|e| crate::domain::Location::new(&e.location) == region.location)
            .map(|e| e.units);
        let entry = regions
            .entry(region.location.as_str().to_string())
            .or_default();
        entry.1 = if autoscaled {
            aimed
        } else {
            Some(region.units)
        };
    }
    let shown = |u: Option<u32>| u.map_or_else(|| "-".to_string(), |u| u.to_string());
    let _ = writeln!(out, "  {:<20} {:>5} {:>8}", "REGION", "LIVE", "DESIRED");
    for (location, (live, wanted)) in &regions {
        let _ = writeln!(
            out,
            "  {location:<20} {:>5} {:>8}",
            shown(*live),
            shown(*wanted)
        );
    }
    if let Some(op) = &status.operation {
        let started = op.started_at.0;
        let eta = op.expected_completion.0;
        let total = eta.duration_since(started).as_secs().max(1);
        let elapsed = now.duration_since(started).as_secs().max(0);
        let percent = (elapsed * 100 / total).min(99);
        let left = eta.duration_since(now).as_secs();
        let eta_text = if left > 0 {
            format!(
                "ETA {} (in about {} min)",
                eta.strftime("%H:%M UTC"),
                minutes(left)
            )
        } else {
            format!("expected by {}, overdue", eta.strftime("%H:%M UTC"))
        };
        let _ = writeln!(
            out,
            "Operation: step {} of {}: {} ({percent}% of the expected time, {eta_text})",
            op.step, op.total_steps, op.description
        );
    }
    if let Some(cost) = &status.cost {
        let _ = writeln!(
            out,
            "Cost: {} {cur}/month live, {} {cur}/month desired ({}; {:?})",
            cost.live.monthly,
            cost.desired.monthly,
            cost.monthly_delta,
            cost.source,
            cur = cost.currency
        );
    }
    if let Some(approval) = &status.approval {
        let state = match &approval.approved_hash {
            Some(hash) if *hash == approval.plan_hash => "approved",
            _ => "awaiting approval",
        };
        let _ = writeln!(
            out,
            "Approval: plan {} {state}: {}",
            approval.plan_hash,
            approval.reasons.join("; ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object() -> ApimCapacity {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "capacity.apim.dev/v1alpha1", "kind": "ApimCapacity",
            "metadata": {"name": "payments", "namespace": "platform"},
            "spec": {
                "service": {"subscriptionId": "00000000-0000-0000-0000-000000000000", "resourceGroup": "rg", "name": "payments-apim"},
                "sku": "Premium",
                "regions": [{"location": "westeurope", "units": 6}, {"location": "eastus", "units": 1}]
            },
            "status": {
                "conditions": [{"type": "Ready", "status": "False", "reason": "Scaling", "message": "Step 1 of 1: Scale westeurope from 2 to 6 units", "lastTransitionTime": "2026-12-01T10:00:00Z"}],
                "live": {"sku": "Premium", "provisioningState": "Succeeded", "observedAt": "2026-12-01T10:00:00Z",
                         "regions": [{"location": "westeurope", "units": 2, "primary": true}, {"location": "eastus", "units": 1}]},
                "operation": {"step": 1, "totalSteps": 1, "description": "Scale westeurope from 2 to 6 units", "action": "Scale",
                              "startedAt": "2026-12-01T10:00:00Z", "expectedCompletion": "2026-12-01T10:30:00Z",
                              "pollUrl": "https://management.azure.com/op/1", "pollStyle": "Location",
                              "targetSku": "Premium", "targetUnits": "westeurope=6,eastus=1"},
                "approval": {"planHash": "3f9c2a7b1e", "reasons": ["the monthly list price rises by 11,180.68 USD/month"]}
            }
        }))
        .expect("a valid object")
    }

    #[test]
    fn the_summary_shows_regions_progress_eta_and_approval() {
        let now: Timestamp = "2026-12-01T10:12:00Z".parse().expect("time");
        let text = status_text(&object(), now);
        assert!(
            text.starts_with("platform/payments  service payments-apim\n"),
            "{text}"
        );
        assert!(text.contains("Not ready (Scaling): Step 1 of 1"), "{text}");
        assert!(
            text.contains("  westeurope               2        6\n"),
            "{text}"
        );
        assert!(
            text.contains("  eastus                   1        1\n"),
            "{text}"
        );
        assert!(
            text.contains("step 1 of 1: Scale westeurope from 2 to 6 units (40% of the expected time, ETA 10:30 UTC (in about 18 min))"),
            "{text}"
        );
        assert!(
            text.contains("Approval: plan 3f9c2a7b1e awaiting approval"),
            "{text}"
        );
        let late = status_text(&object(), "2026-12-01T11:00:00Z".parse().expect("time"));
        assert!(
            late.contains("99% of the expected time, expected by 10:30 UTC, overdue"),
            "{late}"
        );
    }

    #[test]
    fn an_autoscaled_region_wants_what_the_operator_aims_at() {
        let mut autoscaled = object();
        autoscaled.spec.regions[1].units = None;
        autoscaled.spec.regions[1].autoscale =
            Some(crate::api::autoscale::RegionAutoscale::with_bounds(1, 4));
        let now: Timestamp = "2026-12-01T10:12:00Z".parse().expect("time");
        let text = status_text(&autoscaled, now);
        assert!(
            text.contains("  eastus                   1        -\n"),
            "{text}"
        );
        if let Some(status) = autoscaled.status.as_mut() {
            status.effective = vec![crate::api::EffectiveRegionStatus {
                location: "eastus".into(),
                units: 2,
                source: "autoscale".into(),
            }];
        }
        let text = status_text(&autoscaled, now);
        assert!(
            text.contains("  eastus                   1        2\n"),
            "{text}"
        );
    }

    #[test]
    fn the_awaited_hash_is_refused_when_nothing_waits() {
        let waiting = object();
        assert_eq!(
            crate::plugin::awaited_hash(&waiting).ok().as_deref(),
            Some("3f9c2a7b1e")
        );
        let mut approved = object();
        if let Some(a) = approved.status.as_mut().and_then(|s| s.approval.as_mut()) {
            a.approved_hash = Some("3f9c2a7b1e".into());
        }
        assert!(crate::plugin::awaited_hash(&approved).is_err());
        let mut none = object();
        if let Some(s) = none.status.as_mut() {
            s.approval = None;
        }
        assert!(crate::plugin::awaited_hash(&none).is_err());
    }
}
