//! The admin endpoint under `/_sim/`: read state and the request log, inject faults, change
//! services behind the operator's back. Not authenticated, not throttled, not logged.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Body;
use http::{Method, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::ErrorSpec;
use crate::faults::FaultRequest;
use crate::operations;
use crate::reply::{json_response, text_response};
use crate::resource::{merge_patch, normalise};
use crate::shape;
use crate::state::{OpKind, OpStatus, ServiceKey, SimState};
use crate::validate;

pub(crate) fn error(status: u16, message: &str) -> Response<Body> {
    json_response(status, &json!({"error": message}))
}

/// Reads a JSON request body; the error is the admin answer to send.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response<Body>>> {
    serde_json::from_slice(body)
        .map_err(|e| Box::new(error(400, &format!("cannot read the request body: {e}"))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BusyRequest {
    seconds: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FailRequest {
    code: String,
    message: String,
    #[serde(default)]
    status: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MetricRequest {
    metric: String,
    #[serde(default)]
    location: Option<String>,
    value: f64,
}

/// The body of `POST /_sim/services/{service}/hold`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    /// How many of the next operations succeed without changing the service.
    operations: u32,
}

/// The body of `PUT /_sim/services/{service}/load`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LoadRequest {
    #[serde(default)]
    regions: std::collections::BTreeMap<String, crate::load::Load>,
    #[serde(default)]
    rps_per_unit: Option<f64>,
}

const SERVICE_ACTIONS: &[&str] = &[
    "drift",
    "busy",
    "fail-next-operation",
    "hold",
    "metrics",
    "load",
];

/// Handles `/_sim/...`; `path` starts after `/_sim`.
pub fn handle(
    state: &mut SimState,
    ca_pem: &str,
    method: &Method,
    path: &str,
    _query: &HashMap<String, String>,
    body: &[u8],
) -> Response<Body> {
    operations::advance(state, Instant::now());
    let path = path.trim_end_matches('/');
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let delete = *method == Method::DELETE;
    match path {
        "/health" if get => text_response(200, "ok"),
        "/ca.pem" if get => text_response(200, ca_pem),
        "/services" if get => {
            let keys: Vec<ServiceKey> = state.services.keys().cloned().collect();
            let all: Vec<Value> = keys.iter().filter_map(|k| service_json(state, k)).collect();
            json_response(200, &json!(all))
        }
        "/operations" if get => json_response(
            200,
            &json!(
                state
                    .operations
                    .values()
                    .map(|o| o.summary())
                    .collect::<Vec<_>>()
            ),
        ),
        "/requests" if get => json_response(200, &json!(state.log.entries())),
        "/requests" if delete => {
            state.log.clear();
            json_response(200, &json!({"cleared": true}))
        }
        "/faults" if get => json_response(200, &json!(state.faults)),
        "/faults" if delete => {
            state.faults.clear();
            json_response(200, &json!(state.faults))
        }
        "/faults" if post => match parse::<FaultRequest>(body) {
            Ok(request) => match state.faults.add(&request) {
                Ok(()) => json_response(200, &json!(state.faults)),
                Err(message) => error(400, &message),
            },
            Err(response) => *response,
        },
        "/locks" if get => json_response(200, &json!(state.locks)),
        "/locks" if delete => {
            state.locks.clear();
            json_response(200, &json!(state.locks))
        }
        "/locks" if post => match parse::<crate::locks::Lock>(body) {
            Ok(lock) => match crate::locks::add(&mut state.locks, lock) {
                Ok(()) => json_response(200, &json!(state.locks)),
                Err(message) => error(400, &message),
            },
            Err(response) => *response,
        },
        "/subnets" if get => json_response(200, &json!(state.subnets)),
        "/subnets" if post => match parse::<crate::subnet::Subnet>(body) {
            Ok(subnet) => match state.set_subnet(subnet) {
                Ok(()) => json_response(200, &json!(state.subnets)),
                Err(message) => error(400, &message),
            },
            Err(response) => *response,
        },
        "/autoscaleSettings" if get => json_response(200, &json!(state.autoscale_settings)),
        "/tokens/expire" if post => {
            state.auth.expire_all();
            json_response(200, &json!({"expired": state.auth.tokens.len()}))
        }
        _ => {
            if let Some(name) = path.strip_prefix("/locks/")
                && delete
            {
                let before = state.locks.len();
                state.locks.retain(|l| l.name != name);
                if state.locks.len() == before {
                    return error(404, &format!("no lock named {name}"));
                }
                return json_response(200, &json!(state.locks));
            }
            if let Some(rest) = path.strip_prefix("/autoscaleSettings/") {
                return crate::insights::admin(state, method, rest, body);
            }
            if let Some(rest) = path.strip_prefix("/operations/") {
                return operation_action(state, method, rest);
            }
            if let Some(rest) = path.strip_prefix("/services/") {
                return service_action(state, method, rest, body);
            }
            error(404, &format!("no admin endpoint {method} /_sim{path}"))
        }
    }
}

fn service_json(state: &SimState, key: &ServiceKey) -> Option<Value> {
    let service = state.services.get(key)?;
    let mut body = operations::view(state, key)?;
    body["_sim"] = json!({
        "operation": service.operation.as_ref().and_then(|id| state.operations.get(id)).map(|o| o.summary()),
        "failNextOperation": service.fail_next,
    });
    Some(body)
}

fn operation_action(state: &mut SimState, method: &Method, rest: &str) -> Response<Body> {
    let Some((id, action)) = rest.split_once('/') else {
        return match state.operations.get(rest) {
            Some(op) if *method == Method::GET => json_response(200, &op.summary()),
            _ => error(404, &format!("no operation {rest}")),
        };
    };
    let Some(op) = state.operations.get(id) else {
        return error(404, &format!("no operation {id}"));
    };
    let outcome = match (action, method) {
        ("complete", &Method::POST) if op.fault.is_some() => OpStatus::Failed,
        ("complete", &Method::POST) => OpStatus::Succeeded,
        ("cancel", &Method::POST) => OpStatus::Canceled,
        _ => return error(404, &format!("no operation action {action}")),
    };
    operations::finish(state, id, outcome);
    match state.operations.get(id) {
        Some(op) => json_response(200, &op.summary()),
        None => error(404, &format!("no operation {id}")),
    }
}

fn service_action(
    state: &mut SimState,
    method: &Method,
    rest: &str,
    body: &[u8],
) -> Response<Body> {
    let (reference, action) = match rest.rsplit_once('/') {
        Some((reference, action)) if SERVICE_ACTIONS.contains(&action) => (reference, Some(action)),
        _ => (rest, None),
    };
    let key = match state.find_service(reference) {
        Ok(key) => key,
        Err(message) => return error(404, &message),
    };
    match (action, method) {
        (None, &Method::GET) => match service_json(state, &key) {
            Some(body) => json_response(200, &body),
            None => error(404, "no such service"),
        },
        (Some("drift"), &Method::POST) => {
            let patch: Value = match parse(body) {
                Ok(patch) => patch,
                Err(response) => return *response,
            };
            let Some(service) = state.services.get_mut(&key) else {
                return error(404, "no such service");
            };
            // The patch may break every rule of Azure, but not the shape of a resource.
            let mut drifted = service.body.clone();
            if let Err(bad) = shape::check(&patch) {
                return error(400, &format!("cannot apply the drift: {}", bad.message));
            }
            merge_patch(&mut drifted, &patch);
            if let Err(bad) = shape::check(&drifted) {
                return error(400, &format!("cannot apply the drift: {}", bad.message));
            }
            normalise(&mut drifted, &service.body);
            service.body = drifted;
            service.etag_seq += 1;
            json_response(200, &service_json(state, &key).unwrap_or_default())
        }
        (Some("busy"), &Method::POST) => {
            let request: BusyRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            let duration = match validate::operation_seconds(request.seconds) {
                Ok(duration) => duration,
                Err(message) => return error(400, &format!("seconds: {message}")),
            };
            if state
                .services
                .get(&key)
                .is_some_and(|s| s.operation.is_some())
            {
                return error(409, "the service already runs an operation");
            }
            let target = state
                .services
                .get(&key)
                .map(|s| s.body.clone())
                .unwrap_or_default();
            let subscription = key.subscription.clone();
            let id = operations::start(
                state,
                &key,
                &subscription,
                target,
                OpKind::Foreign,
                Some(duration),
            );
            json_response(200, &json!({"operation": id}))
        }
        (Some("fail-next-operation"), &Method::POST) => {
            let request: FailRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            let status = request.status.unwrap_or(400);
            if !(400..=599).contains(&status) {
                return error(
                    400,
                    &format!("status {status} is not an error status (400..=599)"),
                );
            }
            let spec = ErrorSpec {
                status,
                code: request.code,
                message: request.message,
            };
            if let Some(service) = state.services.get_mut(&key) {
                service.fail_next = Some(spec);
            }
            json_response(200, &service_json(state, &key).unwrap_or_default())
        }
        (Some("hold"), &Method::POST) => {
            let request: HoldRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            if let Some(service) = state.services.get_mut(&key) {
                service.hold_next = request.operations;
            }
            json_response(200, &service_json(state, &key).unwrap_or_default())
        }
        (Some("metrics"), &Method::POST) => {
            let request: MetricRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            if let Some(service) = state.services.get_mut(&key) {
                service
                    .metrics
                    .set(&request.metric, request.location.as_deref(), request.value);
            }
            json_response(200, &json!({"ok": true}))
        }
        (Some("load"), &Method::PUT) => {
            let request: LoadRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            let Some(service) = state.services.get_mut(&key) else {
                return error(404, "no such service");
            };
            let regions = crate::metrics::locations(&service.body);
            match service
                .load
                .apply(&request.regions, request.rps_per_unit, &regions)
            {
                Ok(()) => json_response(200, &service.load.to_json()),
                Err(message) => error(400, &message),
            }
        }
        (Some("load"), &Method::GET) => match state.services.get(&key) {
            Some(service) => json_response(200, &service.load.to_json()),
            None => error(404, "no such service"),
        },
        _ => error(
            404,
            &format!("no admin endpoint {method} /_sim/services/{rest}"),
        ),
    }
}
