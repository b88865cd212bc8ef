//! Property tests: untrusted answers never panic the readers, and random scenarios never
//! produce a decision that breaks the bounds, the cooldowns, Azure's rules or the gates.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::drift::{Bounds, RegionMemory};
use super::evaluation::ServiceDecision;
use super::guardrail::GuardrailScope;
use super::metrics::MetricReadings;
use super::settings::{SettingsPage, SettingsVerdict, conflicting_setting};
use super::test_support::*;
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleDuration, AutoscaleReason, AzureAutoscaleMode, RegionAutoscale,
};
use crate::domain::Location;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9 :.-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "value",
            "name",
            "timeseries",
            "metadatavalues",
            "data",
            "timeStamp",
            "average",
            "location",
            "West Europe",
            "Capacity",
            "NaN",
            "1e308",
            "2026-12-01T10:01:00Z",
            "properties",
            "enabled",
            "targetResourceUri",
            "nextLink",
            "true",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop::sample::select(vec![
            "value",
            "name",
            "timeseries",
            "metadatavalues",
            "data",
            "timeStamp",
            "average",
            "properties",
            "enabled",
            "targetResourceUri",
            "nextLink",
            "id",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.prop_map(String::from), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Answers of roughly the right shape with arbitrary leaves, to reach the deep paths.
fn arb_metrics_answer() -> impl Strategy<Value = Value> {
    let point = (arb_json(), arb_json()).prop_map(|(t, a)| json!({"timeStamp": t, "average": a}));
    let series = (arb_json(), prop::collection::vec(point, 0..8)).prop_map(|(loc, data)| {
        json!({"metadatavalues": [{"name": {"value": "location"}, "value": loc}], "data": data})
    });
    (prop::collection::vec(series, 0..4), arb_json())
        .prop_map(|(ts, name)| json!({"value": [{"name": {"value": "Capacity"}, "timeseries": ts}, {"name": name}]}))
}

proptest! {
    #[test]
    fn metrics_reader_never_panics(value in prop_oneof![arb_json(), arb_metrics_answer()]) {
        let body = value.to_string();
        if let Ok(readings) = MetricReadings::parse(body.as_bytes()) {
            for series in readings.series() {
                let stats = series.window(now() - jiff::SignedDuration::from_hours(24), now());
                prop_assert!(stats.average.is_none_or(|a| (0.0..=100.0).contains(&a)));
            }
        }
    }

    #[test]
    fn readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = MetricReadings::parse(&bytes);
        let _ = SettingsPage::parse(&bytes);
    }

    #[test]
    fn settings_reader_never_panics(value in arb_json(), id in "[a-zA-Z/]{0,20}") {
        let page = SettingsPage::parse(value.to_string().as_bytes());
        if let Ok(page) = page {
            let _ = conflicting_setting(&page.settings, &id);
            let _ = SettingsVerdict::from_settings(&page.settings, &id);
        }
    }
}

#[derive(Debug, Clone)]
struct RegionCase {
    units: u32,
    zones: u32,
    min: u32,
    max: u32,
    step: u32,
    out: u32,
    inward: u32,
    load: f64,
    minutes: i64,
    cooldowns: (u32, u32),
    last_scale: Option<i64>,
    own: Option<u32>,
}

fn arb_region() -> impl Strategy<Value = RegionCase> {
    (
        (1..=40u32, 0..=3u32, 1..=40u32, 1..=40u32, 1..=10u32),
        (1..=100u32, 0..=99u32, 0.0..=100.0f64, 0..=40i64),
        (
            (0..=120u32, 0..=120u32),
            proptest::option::of(0..=200i64),
            proptest::option::of(1..=40u32),
        ),
    )
        .prop_map(
            |(
                (units, zones, a, b, step),
                (out, inward, load, minutes),
                (cooldowns, last_scale, own),
            )| {
                RegionCase {
                    units,
                    zones,
                    min: a.min(b),
                    max: a.max(b),
                    step,
                    out,
                    inward: inward.min(out - 1),
                    load,
                    minutes,
                    cooldowns,
                    last_scale,
                    own,
                }
            },
        )
}

fn scenario(
    cases: &[RegionCase; 2],
    scope: GuardrailScope,
    running: bool,
    conflict: bool,
) -> Scenario {
    let mut s = Scenario::default();
    s.guardrail.scope = scope;
    s.operation_running = running;
    if conflict {
        s.settings = SettingsVerdict::Targets(azure_setting());
    }
    s.feeds.clear();
    for (index, case) in cases.iter().enumerate() {
        let name = ["westeurope", "eastus"][index];
        s.live[index] = (name, case.units, case.zones);
        s.regions[index] = Scaled {
            location: name,
            rule: RegionAutoscale {
                step: case.step,
                scale_out_above: case.out,
                scale_in_below: case.inward,
                cooldown_out: AutoscaleDuration::from_minutes(case.cooldowns.0),
                cooldown_in: AutoscaleDuration::from_minutes(case.cooldowns.1),
                ..RegionAutoscale::with_bounds(case.min, case.max)
            },
            bounds: Some(Bounds::new(case.min, case.max)),
            memory: RegionMemory {
                own_units: case.own,
                last_scale_at: case.last_scale.map(minutes_ago),
            },
        };
        s.feeds.push(Feed {
            minutes: case.minutes,
            ..capacity(name, case.load)
        });
    }
    s
}

fn check_invariants(
    s: &Scenario,
    cases: &[RegionCase; 2],
    decision: &ServiceDecision,
) -> Result<(), TestCaseError> {
    let mut removed = 0;
    for (case, d) in cases.iter().zip(&decision.regions) {
        let units = case.units;
        prop_assert_eq!(d.units, Some(units));
        let multiple = if case.zones > 1 { case.zones } else { 1 };
        match d.action {
            AutoscaleAction::Hold => prop_assert_eq!(d.wanted_units, units),
            AutoscaleAction::ScaleOut => {
                prop_assert!(d.wanted_units > units);
                prop_assert!(
                    d.wanted_units <= case.max.min(31),
                    "within maxUnits and the tier"
                );
            }
            AutoscaleAction::ScaleIn => {
                prop_assert!(d.wanted_units < units && d.wanted_units >= case.min);
                if units > 15 && s.guardrail.scope != GuardrailScope::Service {
                    prop_assert!((units - d.wanted_units) * 4 <= units, "region 25 % rule");
                }
                removed += units - d.wanted_units;
            }
        }
        if d.action != AutoscaleAction::Hold {
            prop_assert_eq!(d.wanted_units % multiple, 0, "zone multiple");
            prop_assert!(!s.operation_running, "never while an operation runs");
            prop_assert!(
                decision.conflict.is_none(),
                "never against an Azure setting"
            );
        }
        if matches!(
            d.reason,
            AutoscaleReason::AboveThreshold | AutoscaleReason::BelowThreshold
        ) {
            let cooldown = if d.action == AutoscaleAction::ScaleOut {
                case.cooldowns.0
            } else {
                case.cooldowns.1
            };
            if let Some(ago) = case.last_scale {
                prop_assert!(
                    ago >= i64::from(cooldown),
                    "metric scale inside the cooldown"
                );
            }
            prop_assert!(d.minutes_with_data * 2 >= 30, "enough data");
        }
        if d.reason == AutoscaleReason::BelowThreshold {
            let average = d.window_average.unwrap_or(f64::MAX);
            prop_assert!(
                average * f64::from(units) / f64::from(d.wanted_units) < f64::from(case.out)
            );
        }
    }
    let total = cases[0].units + cases[1].units;
    if total > 15 && s.guardrail.scope != GuardrailScope::Region {
        prop_assert!(removed * 4 <= total, "service 25 % rule");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decisions_keep_every_rule(
        cases in [arb_region(), arb_region()],
        scope in prop::sample::select(vec![GuardrailScope::Region, GuardrailScope::Service, GuardrailScope::Both]),
        running in proptest::bool::weighted(0.1),
        conflict in proptest::bool::weighted(0.1),
        primary_only in proptest::bool::weighted(0.2),
    ) {
        let mut s = scenario(&cases, scope, running, conflict);
        if primary_only {
            s.mode = AzureAutoscaleMode::PrimaryOnly;
        }
        let decision = s.decide();
        if primary_only {
            let primary = decision.region(&Location::new("westeurope")).map(|d| d.action);
            prop_assert_eq!(primary, Some(AutoscaleAction::Hold));
        }
        check_invariants(&s, &cases, &decision)?;
    }
}
