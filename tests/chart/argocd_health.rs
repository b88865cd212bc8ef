//! The Argo CD health script shipped in the chart, run by a real Lua interpreter against
//! sample `ApimCapacity` objects.
//!
//! Argo CD runs health scripts with gopher-lua, a Lua 5.1 implementation, so the script is
//! tested with Lua 5.1 (mlua's vendored build): syntax that only newer Lua accepts fails here.

use mlua::serde::SerializeOptions;
use mlua::{Lua, LuaSerdeExt, Table};
use serde_json::{Value, json};

const SCRIPT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/charts/apim-capacity-operator/health/apimcapacity.lua"
));

/// The (status, message) the script returns for `object`.
fn health(object: Value) -> (String, String) {
    let lua = Lua::new();
    let options = SerializeOptions::new()
        .serialize_none_to_null(false)
        .serialize_unit_to_null(false);
    let obj = lua
        .to_value_with(&object, options)
        .expect("the object converts to Lua");
    lua.globals().set("obj", obj).expect("obj is set");
    let hs: Table = lua
        .load(SCRIPT)
        .set_name("apimcapacity.lua")
        .eval()
        .expect("the health script runs");
    let status: String = hs.get("status").expect("hs.status is a string");
    let message: String = hs.get("message").expect("hs.message is a string");
    (status, message)
}

fn object(generation: i64, spec_extra: Value, status: Option<Value>) -> Value {
    let mut spec = json!({
        "service": {
            "subscriptionId": "00000000-0000-0000-0000-000000000000",
            "resourceGroup": "rg-payments",
            "name": "payments-apim"
        },
        "sku": "Premium",
        "regions": [{"location": "westeurope", "units": 2}]
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        spec.extend(extra.clone());
    }
    let mut object = json!({
        "apiVersion": "capacity.apim.dev/v1alpha1",
        "kind": "ApimCapacity",
        "metadata": {"name": "payments", "namespace": "platform", "generation": generation},
        "spec": spec
    });
    if let Some(status) = status {
        object["status"] = status;
    }
    object
}

fn condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-01-01T00:00:00Z"
    })
}

#[test]
fn ready_and_current_generation_is_healthy() {
    let status = json!({
        "observedGeneration": 3,
        "conditions": [condition("Ready", "True", "Succeeded", "In sync: westeurope=2")]
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        ("Healthy".into(), "In sync: westeurope=2".into())
    );
}

#[test]
fn no_status_yet_is_progressing() {
    let (status, _) = health(object(1, json!({}), None));
    assert_eq!(status, "Progressing");
}

#[test]
fn unhandled_generation_is_progressing_even_when_ready() {
    let status = json!({
        "observedGeneration": 2,
        "conditions": [condition("Ready", "True", "Succeeded", "In sync")]
    });
    let (status, _) = health(object(3, json!({}), Some(status)));
    assert_eq!(status, "Progressing");
}

#[test]
fn first_sight_with_observed_generation_minus_one_is_progressing() {
    let status = json!({
        "observedGeneration": -1,
        "conditions": [condition("Ready", "Unknown", "Reconciling", "Reading the service")]
    });
    let (status, _) = health(object(1, json!({}), Some(status)));
    assert_eq!(status, "Progressing");
}

#[test]
fn operation_in_flight_is_progressing_with_its_description() {
    let status = json!({
        "observedGeneration": 2,
        "conditions": [
            condition("Ready", "False", "Scaling", "Scale eastus from 1 to 3 units"),
            condition("Reconciling", "True", "Scaling", "step 1 of 1"),
        ],
        "operation": {
            "step": 1,
            "totalSteps": 1,
            "description": "Scale eastus from 1 to 3 units",
            "startedAt": "2026-01-01T00:00:00Z"
        }
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        (
            "Progressing".into(),
            "Scale eastus from 1 to 3 units".into()
        )
    );
}

#[test]
fn reconciling_without_operation_is_progressing_with_its_message() {
    let status = json!({
        "observedGeneration": 3,
        "conditions": [
            condition("Ready", "False", "WaitingForAzure", "The service is busy"),
            condition("Reconciling", "True", "WaitingForAzure", "The service is busy"),
        ]
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        ("Progressing".into(), "The service is busy".into())
    );
}

#[test]
fn operation_recorded_without_reconciling_condition_is_progressing() {
    let status = json!({
        "observedGeneration": 3,
        "conditions": [condition("Ready", "True", "Succeeded", "In sync")],
        "operation": {"step": 1, "totalSteps": 2, "description": "Upgrade to Premium"}
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        ("Progressing".into(), "Upgrade to Premium".into())
    );
}

#[test]
fn stalled_is_degraded_with_its_message() {
    let message = "Downgrading Premium to Standard needs changePolicy.allowTierDowngrade";
    let status = json!({
        "observedGeneration": 3,
        "conditions": [
            condition("Ready", "False", "Blocked", message),
            condition("Stalled", "True", "Blocked", message),
        ]
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        ("Degraded".into(), message.into())
    );
}

#[test]
fn stalled_on_an_unhandled_generation_is_still_degraded() {
    let status = json!({
        "observedGeneration": 1,
        "conditions": [
            condition("Ready", "False", "InvalidSpec", "eastus is not a region of the service"),
            condition("Stalled", "True", "InvalidSpec", "eastus is not a region of the service"),
        ]
    });
    let (status, _) = health(object(2, json!({}), Some(status)));
    assert_eq!(status, "Degraded");
}

#[test]
fn spec_suspend_is_suspended_even_before_any_status() {
    let (status, _) = health(object(1, json!({"suspend": true}), None));
    assert_eq!(status, "Suspended");
}

#[test]
fn ready_reason_suspended_is_suspended() {
    let status = json!({
        "observedGeneration": 4,
        "conditions": [condition("Ready", "Unknown", "Suspended", "Reconciliation is suspended")]
    });
    assert_eq!(
        health(object(4, json!({}), Some(status))),
        ("Suspended".into(), "Reconciliation is suspended".into())
    );
}

#[test]
fn ready_false_without_stalled_is_progressing_not_degraded() {
    let status = json!({
        "observedGeneration": 3,
        "conditions": [condition("Ready", "False", "AzureError", "ARM answered 503; retrying")]
    });
    assert_eq!(
        health(object(3, json!({}), Some(status))),
        ("Progressing".into(), "ARM answered 503; retrying".into())
    );
}

#[test]
fn explicit_nulls_are_treated_as_absent() {
    let mut object = object(1, json!({"suspend": null}), None);
    object["status"] = Value::Null;
    let (status, _) = health(object);
    assert_eq!(status, "Progressing");
}
