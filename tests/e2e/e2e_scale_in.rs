//! End to end: Azure's scale-in guardrail. The simulator refuses, for a service (or region)
//! with more than 15 units, a scale-in of more than 25 % in one operation; the operator
//! splits big scale-ins into steps that each pass, under either reading of the rule, and its
//! request log never holds a refused change.

use crate::support::operator::*;
use apimcap_sim::ScaleInScope;
use serde_json::Value;

/// The units each PATCH asked for, as `westeurope=15,eastus=12` (a region a PATCH leaves
/// out keeps the units it had).
fn patched_units(requests: &[SimRequest], service: &str, start: &[(&str, u64)]) -> Vec<String> {
    let mut units: Vec<(String, u64)> = start.iter().map(|(l, u)| (l.to_string(), *u)).collect();
    let mut out = Vec::new();
    for patch in writes(requests, service) {
        let body = patch.body.clone().unwrap_or_default();
        if let Some(primary) = body["sku"]["capacity"].as_u64() {
            units[0].1 = primary;
        }
        if let Some(regions) = body["properties"]["additionalLocations"].as_array() {
            units.truncate(1);
            for region in regions {
                let location = region["location"].as_str().unwrap_or_default();
                let location = location.to_lowercase().replace(' ', "");
                units.push((location, region["sku"]["capacity"].as_u64().unwrap_or(0)));
            }
        }
        let summary: Vec<String> = units.iter().map(|(l, u)| format!("{l}={u}")).collect();
        out.push(summary.join(","));
    }
    out
}

/// Every change Azure saw was accepted: no 400 (the guardrail), no 409.
fn assert_every_change_accepted(requests: &[SimRequest], service: &str) {
    for patch in writes(requests, service) {
        assert_eq!(patch.status, Some(202), "a change Azure refused: {patch}");
    }
    assert_no_overlap(requests, service);
}

#[test]
fn big_scale_ins_are_split_into_steps_azure_accepts() {
    let mut t = E2e::builder("scale_in_split")
        .service("Premium", &[("westeurope", 20)])
        .service("Premium", &[("westeurope", 31)])
        .service("Premium", &[("westeurope", 16)])
        .start();
    let names: Vec<String> = t.services.iter().map(|s| s.name.clone()).collect();
    for (i, (name, to)) in [("twenty", 4), ("thirtyone", 1), ("sixteen", 12)]
        .iter()
        .enumerate()
    {
        let yaml = t.manifest(name, &names[i], "Premium", &[("westeurope", *to)], "");
        t.apply(&yaml);
    }

    let first = t.wait_for("twenty", "scaling in step 1 of 2", secs(30), |o| {
        o["status"]["operation"]["step"] == 1 && o["status"]["operation"]["totalSteps"] == 2
    });
    let plan: Vec<(Value, Value)> = first["status"]["plan"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["step"].clone(), c["toUnits"].clone()))
        .collect();
    assert_eq!(
        plan,
        [
            (Value::from(1), Value::from(15)),
            (Value::from(2), Value::from(4))
        ],
        "status.plan shows every step: {:#}",
        first["status"]
    );

    for name in ["twenty", "thirtyone", "sixteen"] {
        let done = t.wait_ready(name, secs(90));
        assert_in_sync(&done);
    }
    let requests = t.requests();
    let expected: [(&str, &[&str]); 3] = [
        ("twenty", &["westeurope=15", "westeurope=4"]),
        (
            "thirtyone",
            &[
                "westeurope=24",
                "westeurope=18",
                "westeurope=14",
                "westeurope=1",
            ],
        ),
        ("sixteen", &["westeurope=12"]),
    ];
    let starts = [20, 31, 16];
    for (i, (label, steps)) in expected.iter().enumerate() {
        let seen = patched_units(&requests, &names[i], &[("westeurope", starts[i])]);
        eprintln!("E2E-SPLIT {label}: {}", seen.join(" -> "));
        assert_eq!(seen, *steps, "{label}");
        assert_every_change_accepted(&requests, &names[i]);
    }
}

#[test]
fn two_regions_scale_in_within_both_readings_of_the_rule() {
    for scope in [ScaleInScope::Service, ScaleInScope::Region] {
        let mut t = E2e::builder(&format!("scale_in_{scope:?}"))
            .service("Premium", &[("westeurope", 20), ("eastus", 12)])
            .sim(|c| c.scale_in = scope)
            .start();
        let service = t.service().to_string();
        t.apply_capacity("cap", "Premium", &[("westeurope", 4), ("eastus", 1)], "");
        let done = t.wait_ready("cap", secs(120));
        assert_in_sync(&done);
        assert_eq!(done["status"]["unitsSummary"], "westeurope=4,eastus=1");
        let requests = t.requests();
        let seen = patched_units(&requests, &service, &[("westeurope", 20), ("eastus", 12)]);
        eprintln!(
            "E2E-SPLIT 20+12 -> 4+1 under {scope:?}: {}",
            seen.join(" -> ")
        );
        assert!(seen.len() > 1, "split: {seen:?}");
        assert_every_change_accepted(&requests, &service);
        report(&format!("scale_in_{scope:?}"), &requests, &service);
    }
}
