//! The tier rules admission enforces, generated as CEL from the same table the planner uses
//! ([`crate::domain::limits::FIXED_LIMITS`], [`Sku::supports_multiple_regions`]): a
//! limit changes in one place and both the CRD and the planner follow.

use serde_json::{Value, json};

use crate::domain::Sku;
use crate::domain::limits::{FIXED_LIMITS, MAX_UNITS_PER_REGION};

/// Adds the tier rules to the spec's schema (a schemars `transform`).
pub fn add_to_spec(schema: &mut schemars::Schema) {
    let rules = rules();
    match schema.get_mut("x-kubernetes-validations") {
        Some(Value::Array(existing)) => existing.extend(rules),
        _ => {
            schema.insert("x-kubernetes-validations".into(), Value::Array(rules));
        }
    }
}

/// Adds the documented limits to the `units` field's description and its range (a
/// schemars `transform`).
pub fn add_to_units(schema: &mut schemars::Schema) {
    let text = format!(
        "Scale units in this region, from 1 to {MAX_UNITS_PER_REGION} (give units or autoscale, \
         not both). Tier limits apply: {}; the limits of the other tiers ({}) are checked by the \
         operator, whose configuration can raise them when Azure support has. The same limits \
         apply to autoscale.maxUnits.",
        fixed_limits_text(),
        changeable_limits_text()
    );
    schema.insert("description".into(), Value::String(text));
    schema.insert("minimum".into(), json!(1));
    schema.insert("maximum".into(), json!(MAX_UNITS_PER_REGION));
}

/// The CEL rules, one per fact of the table, and one for the units of schedules.
pub fn rules() -> Vec<Value> {
    let mut rules = vec![multiple_regions_rule()];
    rules.extend(FIXED_LIMITS.iter().map(|(sku, max)| limit_rule(*sku, *max)));
    rules.push(schedule_limits_rule());
    rules.push(pinned_zones_rule());
    rules.push(zone_redundancy_rule());
    rules
}

fn tier_list(pred: fn(Sku) -> bool) -> (String, String) {
    let tiers: Vec<Sku> = Sku::TARGETS.into_iter().filter(|s| pred(*s)).collect();
    let list: Vec<String> = tiers.iter().map(|t| format!("'{t}'")).collect();
    let names: Vec<&str> = tiers.iter().map(|t| t.as_str()).collect();
    (list.join(", "), names.join(" and "))
}

/// Only the tiers with pinned zones may list `zones`.
fn pinned_zones_rule() -> Value {
    let (list, names) = tier_list(Sku::supports_pinned_zones);
    json!({
        "rule": format!(
            "self.sku in [{list}] || self.regions.all(r, !has(r.zones) || size(r.zones) == 0)"
        ),
        "message": format!(
            "only the {names} tier pins regions to availability zones: remove zones or use sku {names}"
        ),
        "fieldPath": ".regions",
    })
}

/// Only the tiers with zone redundancy may set `zoneRedundant`.
fn zone_redundancy_rule() -> Value {
    let (list, names) = tier_list(Sku::supports_zone_redundancy);
    json!({
        "rule": format!("!has(self.zoneRedundant) || !self.zoneRedundant || self.sku in [{list}]"),
        "message": format!("only the {names} tiers can be zone redundant"),
        "fieldPath": ".zoneRedundant",
    })
}

/// `field` is within `max` (`== 1` for a one-unit tier) unless `present` (a field of the
/// same object, or the field itself) is absent.
fn bound_if(present: &str, field: &str, max: u32) -> String {
    if max == 1 {
        format!("(!has({present}) || {field} == 1)")
    } else {
        format!("(!has({present}) || {field} <= {max})")
    }
}

/// An optional integer `field` is absent or within `max`.
fn bound(field: &str, max: u32) -> String {
    bound_if(field, field, max)
}

/// The units a schedule sets (`units`, or `minUnits`/`maxUnits` of an autoscaled region)
/// obey the same fixed limits as `regions`.
fn schedule_limits_rule() -> Value {
    let checks: Vec<String> = FIXED_LIMITS
        .iter()
        .map(|(sku, max)| {
            let within = |field: &str| bound(&format!("r.{field}"), *max);
            format!(
                "(self.sku != '{sku}' || ({} && {} && {}))",
                within("units"),
                within("minUnits"),
                within("maxUnits")
            )
        })
        .collect();
    json!({
        "rule": format!(
            "!has(self.schedules) || self.schedules.all(s, s.regions.all(r, {}))",
            checks.join(" && ")
        ),
        "message": format!(
            "schedule units must respect the tier's limits: {}",
            fixed_limits_text()
        ),
        "fieldPath": ".schedules",
    })
}

fn multi_region_tiers() -> Vec<Sku> {
    Sku::TARGETS
        .into_iter()
        .filter(|sku| sku.supports_multiple_regions())
        .collect()
}

fn multiple_regions_rule() -> Value {
    let tiers = multi_region_tiers();
    let list: Vec<String> = tiers.iter().map(|t| format!("'{t}'")).collect();
    let names: Vec<&str> = tiers.iter().map(|t| t.as_str()).collect();
    json!({
        "rule": format!("self.sku in [{}] || self.regions.size() <= 1", list.join(", ")),
        "message": format!(
            "only the {} tier can run in more than one region: use sku {} or list a single region",
            names.join(" or "),
            names.join(" or ")
        ),
        "fieldPath": ".regions",
    })
}

fn limit_rule(sku: Sku, max: u32) -> Value {
    // Fixed units and an autoscale range's maxUnits obey the same limit.
    let rule = format!(
        "self.sku != '{sku}' || self.regions.all(r, {} && {})",
        bound("r.units", max),
        bound_if("r.autoscale", "r.autoscale.maxUnits", max)
    );
    let message = if max == 1 {
        format!("the {sku} tier always has exactly 1 unit")
    } else {
        let mut message = format!("the {sku} tier allows at most {max} units");
        if let Some(bigger) = next_multi_region_tier(sku) {
            message.push_str(&format!("; use {bigger} for more"));
        }
        message
    };
    json!({"rule": rule, "message": message, "fieldPath": ".regions"})
}

/// The tier to suggest when the largest of the fixed tiers is not enough: the tier of the
/// same generation just above it, when that tier's limit is not fixed.
fn next_multi_region_tier(sku: Sku) -> Option<Sku> {
    let next = Sku::TARGETS
        .into_iter()
        .find(|t| t.generation() == sku.generation() && t.rank() == sku.rank() + 1)?;
    let fixed = FIXED_LIMITS.iter().any(|(t, _)| *t == next);
    (!fixed).then_some(next)
}

fn fixed_limits_text() -> String {
    let parts: Vec<String> = FIXED_LIMITS
        .iter()
        .map(|(sku, max)| {
            if *max == 1 {
                format!("{sku} exactly 1")
            } else {
                format!("{sku} up to {max}")
            }
        })
        .collect();
    parts.join(", ")
}

fn changeable_limits_text() -> String {
    let limits = crate::domain::UnitLimits::default();
    let parts: Vec<String> = Sku::TARGETS
        .into_iter()
        .filter(|sku| !FIXED_LIMITS.iter().any(|(fixed, _)| fixed == sku))
        .map(|sku| format!("{sku} {}", limits.max_units(sku)))
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd_rules() -> Vec<Value> {
        let crd = serde_json::to_value(super::super::crd::definition()).expect("CRD as JSON");
        crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["x-kubernetes-validations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn the_crd_carries_every_fixed_limit_of_the_table() {
        let rules = crd_rules();
        for (sku, max) in FIXED_LIMITS {
            let bound = if max == 1 {
                "r.units == 1".to_string()
            } else {
                format!("r.units <= {max}")
            };
            assert!(
                rules.iter().any(|r| {
                    let rule = r["rule"].as_str().unwrap_or_default();
                    rule.contains(&format!("'{sku}'")) && rule.contains(&bound)
                }),
                "no CEL rule enforces {sku} <= {max}: {rules:?}"
            );
        }
    }

    #[test]
    fn messages_read_as_before() {
        let messages: Vec<String> = rules()
            .iter()
            .map(|r| r["message"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            messages,
            vec![
                "only the Premium tier can run in more than one region: use sku Premium or list a single region",
                "the Developer tier always has exactly 1 unit",
                "the Basic tier allows at most 2 units",
                "the Standard tier allows at most 4 units; use Premium for more",
                "schedule units must respect the tier's limits: Developer exactly 1, Basic up to 2, Standard up to 4",
                "only the Premium tier pins regions to availability zones: remove zones or use sku Premium",
                "only the StandardV2 and PremiumV2 tiers can be zone redundant",
            ]
        );
    }

    #[test]
    fn the_units_range_is_the_domain_ceiling() {
        let crd = serde_json::to_value(super::super::crd::definition()).expect("CRD as JSON");
        let units = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["properties"]["regions"]["items"]["properties"]["units"];
        assert_eq!(
            units["maximum"].as_f64(),
            Some(f64::from(MAX_UNITS_PER_REGION))
        );
        assert_eq!(units["minimum"].as_f64(), Some(1.0));
        let text = units["description"].as_str().unwrap_or_default();
        assert!(text.contains("Standard up to 4"), "{text}");
        assert!(text.contains("Premium 31"), "{text}");
    }
}
