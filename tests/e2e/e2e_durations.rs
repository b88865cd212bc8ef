//! End to end: learned operation durations are kept in a ConfigMap and read again after a
//! restart, so the ETA of the next operation is as good as before the restart.

use crate::support::operator::*;
use serde_json::Value;

fn eta_seconds(obj: &Value) -> i64 {
    let op = &obj["status"]["operation"];
    let at = |k: &str| -> i64 {
        op[k]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_second())
            .unwrap_or_default()
    };
    at("expectedCompletion") - at("startedAt")
}

#[test]
fn learned_durations_survive_a_restart() {
    let configmap = "apimcap-durations";
    let mut t = E2e::builder("durations")
        .service("Premium", &[("westeurope", 1)])
        .arg(&format!("--durations-configmap={{ns}}/{configmap}"))
        .start();

    t.apply_capacity("cap", "Premium", &[("westeurope", 2)], "");
    let first = t.wait_for("cap", "scaling", secs(30), |o| {
        o["status"]["operation"].is_object()
    });
    assert_eq!(
        eta_seconds(&first),
        30 * 60,
        "nothing learned yet: the documented 30 minutes"
    );
    t.wait_ready("cap", secs(60));
    let kept = t.kubectl(&["get", "configmap", configmap, "-o", "json"]);
    assert!(kept.success, "the ConfigMap is written: {}", kept.stderr);
    let data: Value = serde_json::from_str(&kept.stdout).expect("JSON");
    assert!(data["data"]["durations.json"].is_string(), "{data:#}");

    t.restart();
    t.patch(
        "cap",
        r#"{"spec":{"regions":[{"location":"westeurope","units":3}]}}"#,
    );
    let second = t.wait_for("cap", "scaling again", secs(30), |o| {
        o["status"]["operation"].is_object()
            && o["status"]["operation"]["targetUnits"] == "westeurope=3"
    });
    assert!(
        eta_seconds(&second) < 5 * 60,
        "the ETA after the restart uses the learned duration (seconds here), not 30 minutes: {}",
        eta_seconds(&second)
    );
    assert!(t.operator_log().contains("read the learned durations"));
    t.wait_ready("cap", secs(60));
}
