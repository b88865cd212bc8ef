//! Tests of the autoscale CRD types in `api::autoscale`: defaults, durations, the schema
//! the apiserver gets (bounds, CEL rules, defaults) and the status shape.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{CustomResource, CustomResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::autoscale::*;

#[test]
fn omitted_fields_take_microsofts_guidance() {
    let rule: RegionAutoscale =
        serde_json::from_value(json!({"minUnits": 2, "maxUnits": 8})).expect("valid");
    assert_eq!(rule, RegionAutoscale::with_bounds(2, 8));
    assert_eq!(rule.metric, AutoscaleMetric::Capacity);
    assert_eq!(
        (rule.scale_out_above, rule.scale_in_below, rule.step),
        (70, 35, 1)
    );
    assert_eq!(
        (
            rule.window.minutes(),
            rule.cooldown_out.minutes(),
            rule.cooldown_in.minutes()
        ),
        (30, 60, 90)
    );
    assert_eq!(AzureAutoscaleMode::default(), AzureAutoscaleMode::Conflict);
}

#[test]
fn the_documented_example_reads() {
    let yaml = "minUnits: 2\nmaxUnits: 8\nmetric: CpuPercent_Gateway\nscaleOutAbove: 75\n\
                scaleInBelow: 30\nwindow: 45m\ncooldownOut: 1h\ncooldownIn: 1h30m\nstep: 2\n";
    let rule: RegionAutoscale = serde_saphyr::from_str(yaml).expect("valid");
    assert_eq!(rule.metric, AutoscaleMetric::CpuPercentGateway);
    assert_eq!(rule.cooldown_in.minutes(), 90);
    let back = serde_json::to_value(&rule).expect("serialises");
    assert_eq!(back["cooldownIn"], "1h30m");
    assert_eq!(back["metric"], "CpuPercent_Gateway");
    let mode: AzureAutoscaleMode = serde_json::from_value(json!("PrimaryOnly")).expect("valid");
    assert_eq!(mode, AzureAutoscaleMode::PrimaryOnly);
}

#[test]
fn durations_are_hours_and_minutes() {
    for (text, minutes, canonical) in [
        ("30m", 30, "30m"),
        ("90m", 90, "1h30m"),
        ("2h", 120, "2h"),
        ("1h30m", 90, "1h30m"),
        ("0m", 0, "0m"),
        ("24h", 1440, "24h"),
    ] {
        let duration: AutoscaleDuration = text.parse().expect(text);
        assert_eq!(duration.minutes(), minutes, "{text}");
        assert_eq!(duration.to_string(), canonical, "{text}");
    }
    for bad in [
        "", "h", "m", "30", "30s", "1h2h", "1hm", "-5m", "+5m", "1.5h", "30M", " 30m", "99999h",
    ] {
        assert!(
            bad.parse::<AutoscaleDuration>().is_err(),
            "{bad:?} should be refused"
        );
    }
    assert!(serde_json::from_value::<AutoscaleDuration>(json!(30)).is_err());
}

#[test]
fn metric_names_are_azures() {
    for metric in AutoscaleMetric::ALL {
        assert_eq!(
            AutoscaleMetric::from_azure_name(metric.azure_name()),
            Some(metric)
        );
        assert_eq!(
            serde_json::to_value(metric).expect("serialises"),
            json!(metric.azure_name())
        );
    }
    assert_eq!(
        AutoscaleMetric::from_azure_name("capacity"),
        Some(AutoscaleMetric::Capacity)
    );
    assert_eq!(AutoscaleMetric::from_azure_name("Requests"), None);
}

/// A resource with the autoscale types in the places the spec and status will hold them,
/// so the schema is generated exactly as for `ApimCapacity`.
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "probe.apim.dev",
    version = "v1",
    kind = "AutoscaleProbe",
    namespaced,
    status = "ProbeStatus"
)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only its schema is read
struct ProbeSpec {
    #[serde(default)]
    azure_autoscale: AzureAutoscaleMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    autoscale: Option<RegionAutoscale>,
}

#[derive(Deserialize, Serialize, Clone, Debug, JsonSchema)]
#[allow(dead_code)] // only its schema is read
struct ProbeStatus {
    #[serde(default)]
    autoscale: Vec<RegionAutoscaleStatus>,
}

fn crd_schema() -> Value {
    let crd = AutoscaleProbe::crd();
    let schema = crd.spec.versions[0].schema.clone().expect("a schema");
    serde_json::to_value(schema.open_api_v3_schema).expect("serialises")
}

#[test]
fn the_schema_carries_bounds_defaults_and_cel_rules() {
    let schema = crd_schema();
    let spec = &schema["properties"]["spec"]["properties"];
    assert_eq!(spec["azureAutoscale"]["default"], "Conflict");
    assert_eq!(
        spec["azureAutoscale"]["enum"],
        json!(["Conflict", "PrimaryOnly"])
    );
    let rule = &spec["autoscale"];
    let rules: Vec<&str> = rule["x-kubernetes-validations"]
        .as_array()
        .expect("CEL rules")
        .iter()
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "self.minUnits <= self.maxUnits",
            "self.scaleInBelow < self.scaleOutAbove"
        ]
    );
    let props = &rule["properties"];
    assert_eq!(rule["required"], json!(["maxUnits", "minUnits"]));
    assert_eq!(
        (
            props["minUnits"]["minimum"].as_f64(),
            props["minUnits"]["maximum"].as_f64()
        ),
        (Some(1.0), Some(100.0))
    );
    assert_eq!(props["scaleOutAbove"]["default"], 70);
    assert_eq!(props["scaleOutAbove"]["maximum"].as_f64(), Some(100.0));
    assert_eq!(props["scaleInBelow"]["default"], 35);
    assert_eq!(props["scaleInBelow"]["maximum"].as_f64(), Some(99.0));
    assert_eq!(props["step"]["minimum"].as_f64(), Some(1.0));
    assert_eq!(props["metric"]["default"], "Capacity");
    for (field, default) in [
        ("window", "30m"),
        ("cooldownOut", "1h"),
        ("cooldownIn", "1h30m"),
    ] {
        assert_eq!(props[field]["default"], default, "{field}");
        assert_eq!(props[field]["type"], "string", "{field}");
        assert!(props[field]["pattern"].is_string(), "{field}");
        assert!(
            props[field]["x-kubernetes-validations"][0]["rule"]
                .as_str()
                .is_some_and(|r| r.contains("duration(self)")),
            "{field}"
        );
    }
    for field in [
        "minUnits",
        "maxUnits",
        "metric",
        "scaleOutAbove",
        "window",
        "step",
    ] {
        let doc = props[field]["description"].as_str().unwrap_or_default();
        assert!(
            doc.len() > 40,
            "{field} is documented for kubectl explain: {doc:?}"
        );
    }
}

#[test]
fn the_status_schema_names_every_field() {
    let schema = crd_schema();
    let entry = &schema["properties"]["status"]["properties"]["autoscale"]["items"];
    let fields: Vec<&String> = entry["properties"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    for field in [
        "location",
        "metric",
        "windowAverage",
        "minutesWithData",
        "units",
        "wantedUnits",
        "lastDecision",
        "nextScaleAllowedAt",
        "ownUnits",
        "lastScaleAt",
    ] {
        assert!(
            fields.iter().any(|f| f.as_str() == field),
            "status.autoscale[].{field}"
        );
    }
    let decision = &entry["properties"]["lastDecision"]["properties"];
    assert!(
        decision["reason"]["enum"]
            .as_array()
            .is_some_and(|e| e.len() > 20)
    );
}

#[test]
fn status_round_trips_in_camel_case() {
    let at: jiff::Timestamp = "2026-12-01T10:30:00Z".parse().expect("valid");
    let status = RegionAutoscaleStatus {
        location: "eastus".into(),
        metric: AutoscaleMetric::Capacity,
        window_average: Some(85.2),
        minutes_with_data: 29,
        units: Some(3),
        wanted_units: 4,
        last_decision: LastAutoscaleDecision {
            at: Time(at),
            action: AutoscaleAction::ScaleOut,
            reason: AutoscaleReason::AboveThreshold,
            message: "Capacity averaged 85.2 %".into(),
        },
        next_scale_allowed_at: None,
        own_units: Some(3),
        last_scale_at: None,
    };
    let json = serde_json::to_value(&status).expect("serialises");
    assert_eq!(json["windowAverage"], 85.2);
    assert_eq!(json["lastDecision"]["action"], "ScaleOut");
    assert_eq!(json["lastDecision"]["at"], "2026-12-01T10:30:00Z");
    assert!(json.get("nextScaleAllowedAt").is_none());
    let back: RegionAutoscaleStatus = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, status);
}
