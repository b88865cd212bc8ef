//! Azure's scale-in guardrail (ARM-NOTES §2, changelog June 2026): a service with more than
//! 15 units can no longer scale in by more than 25 % in a single operation. Written from the
//! notes, apart from the operator's planner, so that a wrong reading in one is caught by the
//! other.
//!
//! Whether "units" means a region's or the whole service's is not documented, nor is the
//! error code: both are switches (`--scale-in-scope`, `--scale-in-code`). Under the service
//! reading the total of every region counts, so removing a region is a scale-in by all its
//! units; under the region reading each region that stays is judged on its own. "More than
//! 15" is read on the units before the operation: 20 → 15 is the most one step may cut from
//! 20, and 15 → 1 is free.

use serde_json::Value;

use crate::config::{ScaleInScope, SimConfig};
use crate::location::Location;
use crate::reply::ArmError;
use crate::resource::regions;

/// A service (or region) with at most this many units may scale in by any amount.
pub const GUARDED_ABOVE: i64 = 15;

/// The units of every region, primary first, with the target of its capacity field.
fn units(body: &Value) -> Vec<(Location, i64, String)> {
    let primary = (
        Location::new(body["location"].as_str().unwrap_or_default()),
        body["sku"]["capacity"].as_i64().unwrap_or(0),
        "sku.capacity".to_string(),
    );
    let additional = regions(body).into_iter().enumerate().map(|(i, r)| {
        (
            Location::new(r["location"].as_str().unwrap_or_default()),
            r["sku"]["capacity"].as_i64().unwrap_or(0),
            format!("properties.additionalLocations[{i}].sku.capacity"),
        )
    });
    std::iter::once(primary).chain(additional).collect()
}

/// Whether going from `before` to `after` units in one operation breaks the guardrail.
pub fn breaks(before: i64, after: i64) -> bool {
    after < before && before > GUARDED_ABOVE && 4 * (before - after) > before
}

/// The most units one operation may remove from `before` under the guardrail.
fn most_removable(before: i64) -> i64 {
    if before > GUARDED_ABOVE {
        before / 4
    } else {
        before
    }
}

/// Checks a change of the service `name` from `current` to `candidate`.
pub fn check(
    config: &SimConfig,
    name: &str,
    current: &Value,
    candidate: &Value,
) -> Result<(), ArmError> {
    let scope = config.scale_in;
    let refuse = |message: String, target: &str| {
        Err(ArmError::bad_request(&config.scale_in_code, message).with_target(target))
    };
    if matches!(scope, ScaleInScope::Service | ScaleInScope::Both) {
        let total = |body: &Value| units(body).iter().map(|(_, u, _)| u).sum::<i64>();
        let (before, after) = (total(current), total(candidate));
        if breaks(before, after) {
            return refuse(
                format!(
                    "Scaling in the API Management service '{name}' from {before} to {after} \
                     units in one operation is not allowed: a service with more than \
                     {GUARDED_ABOVE} units can scale in by at most 25% ({} units) at a time. \
                     Scale in in smaller steps.",
                    most_removable(before)
                ),
                "sku.capacity",
            );
        }
    }
    if matches!(scope, ScaleInScope::Region | ScaleInScope::Both) {
        let old = units(current);
        for (location, after, target) in units(candidate) {
            let Some((_, before, _)) = old.iter().find(|(l, _, _)| *l == location) else {
                continue;
            };
            if breaks(*before, after) {
                return refuse(
                    format!(
                        "Scaling in location '{}' of the API Management service '{name}' from \
                         {before} to {after} units in one operation is not allowed: a location \
                         with more than {GUARDED_ABOVE} units can scale in by at most 25% ({} \
                         units) at a time. Scale in in smaller steps.",
                        location.display_name(),
                        most_removable(*before)
                    ),
                    &target,
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(primary: i64, additional: &[(&str, i64)]) -> Value {
        let regions: Vec<Value> = additional
            .iter()
            .map(|(l, u)| json!({"location": l, "sku": {"name": "Premium", "capacity": u}}))
            .collect();
        json!({"location": "West Europe", "sku": {"name": "Premium", "capacity": primary},
               "properties": {"additionalLocations": regions}})
    }

    fn config(scope: ScaleInScope) -> SimConfig {
        SimConfig {
            scale_in: scope,
            ..SimConfig::default()
        }
    }

    #[test]
    fn the_guardrail_reads_as_the_notes_state_it() {
        for (before, after, broken) in [
            (20, 15, false),
            (20, 14, true),
            (16, 12, false),
            (16, 11, true),
            (15, 1, false),
            (31, 24, false),
            (31, 23, true),
            (4, 40, false),
        ] {
            assert_eq!(breaks(before, after), broken, "{before} -> {after}");
        }
    }

    #[test]
    fn each_scope_judges_its_own_units() {
        // 10 + 10 → 10 + 1: the total drops 20 → 11, each region stays at or below 15.
        let (from, to) = (
            service(10, &[("eastus", 10)]),
            service(10, &[("eastus", 1)]),
        );
        assert!(check(&config(ScaleInScope::Service), "s", &from, &to).is_err());
        assert!(check(&config(ScaleInScope::Region), "s", &from, &to).is_ok());
        // 20 + 20 → 14 + 20: one region drops 30 %, the total 15 %.
        let (from, to) = (
            service(20, &[("eastus", 20)]),
            service(14, &[("eastus", 20)]),
        );
        assert!(check(&config(ScaleInScope::Service), "s", &from, &to).is_ok());
        let error = check(&config(ScaleInScope::Region), "s", &from, &to).expect_err("refused");
        assert_eq!(
            (error.status, error.code.as_str()),
            (400, "InvalidParameters")
        );
        assert_eq!(error.target.as_deref(), Some("sku.capacity"));
        assert!(
            error.message.contains("location 'West Europe'"),
            "{}",
            error.message
        );
        assert!(check(&config(ScaleInScope::Both), "s", &from, &to).is_err());
        assert!(check(&config(ScaleInScope::Off), "s", &from, &service(1, &[])).is_ok());
    }

    #[test]
    fn removing_a_region_is_a_scale_in_of_the_service() {
        let (from, to) = (service(12, &[("eastus", 8)]), service(12, &[]));
        let error = check(&config(ScaleInScope::Service), "s", &from, &to).expect_err("refused");
        assert!(
            error.message.contains("from 20 to 12 units"),
            "{}",
            error.message
        );
        assert!(check(&config(ScaleInScope::Region), "s", &from, &to).is_ok());
    }
}
