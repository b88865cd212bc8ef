//! Long-running operations: a PATCH or PUT starts one; it completes (or fails) when its
//! simulated duration has passed. Completion is evaluated lazily on every request, so no
//! background task runs and the state is always consistent under the lock.

use std::time::{Duration, Instant};

use axum::body::Body;
use http::Response;
use serde_json::{Value, json};

use crate::config::{DuringOperation, FailedState, LocationFinal};
use crate::location::Location;
use crate::reply::{ArmError, empty_response, json_response, set_header};
use crate::resource::{self, primary_sku, regions};
use crate::state::{OpKind, OpStatus, Operation, ServiceKey, SimState};
use crate::validate::MAX_OPERATION;

/// Classifies a change from `previous` to `candidate`.
pub fn kind_of(previous: &Value, candidate: &Value) -> OpKind {
    let (old_sku, old_units) = primary_sku(previous);
    let (new_sku, new_units) = primary_sku(candidate);
    let locations = |body: &Value| -> Vec<Location> {
        regions(body)
            .iter()
            .filter_map(|r| r["location"].as_str().map(Location::new))
            .collect()
    };
    let units = |body: &Value| -> Vec<Option<i64>> {
        regions(body)
            .iter()
            .map(|r| r["sku"]["capacity"].as_i64())
            .collect()
    };
    if old_sku != new_sku {
        OpKind::TierChange
    } else if locations(previous) != locations(candidate) {
        OpKind::Regions
    } else if old_units != new_units || units(previous) != units(candidate) {
        OpKind::Scale
    } else if crate::zones::zones_change(previous, candidate) {
        OpKind::Zones
    } else {
        OpKind::Update
    }
}

fn nominal(state: &SimState, kind: OpKind) -> Duration {
    let d = &state.config.durations;
    match kind {
        OpKind::Create => d.create,
        OpKind::Scale => d.scale,
        OpKind::TierChange => d.tier_change,
        OpKind::Regions | OpKind::Foreign => d.regions,
        OpKind::Zones => d.zones,
        OpKind::Update => d.update,
    }
}

/// Starts an operation that moves the service to `target`. Returns its id.
pub fn start(
    state: &mut SimState,
    key: &ServiceKey,
    subscription: &str,
    target: Value,
    kind: OpKind,
    duration: Option<Duration>,
) -> Option<String> {
    let duration = duration
        .unwrap_or_else(|| state.config.scaled(nominal(state, kind)))
        .min(MAX_OPERATION);
    let service = state.services.get_mut(key)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = Instant::now();
    let (fault, hollow) = if kind == OpKind::Foreign {
        (None, false)
    } else {
        let hollow = service.hold_next > 0;
        service.hold_next = service.hold_next.saturating_sub(1);
        (service.fail_next.take(), hollow)
    };
    let operation = Operation {
        id: id.clone(),
        key: key.clone(),
        subscription: subscription.to_string(),
        location: Location::new(service.body["location"].as_str().unwrap_or_default()),
        kind,
        started: now,
        started_at: jiff::Timestamp::now(),
        finishes: now.checked_add(duration).unwrap_or(now),
        ended_at: None,
        target,
        fault,
        hollow,
        status: OpStatus::InProgress,
    };
    service.operation = Some(id.clone());
    service.etag_seq += 1;
    state.operations.insert(id.clone(), operation);
    Some(id)
}

/// Completes every operation whose time has come.
pub fn advance(state: &mut SimState, now: Instant) {
    let due: Vec<String> = state
        .operations
        .values()
        .filter(|op| op.status == OpStatus::InProgress && op.finishes <= now)
        .map(|op| op.id.clone())
        .collect();
    for id in due {
        let outcome = match state.operations.get(&id) {
            Some(op) if op.fault.is_some() => OpStatus::Failed,
            Some(_) => OpStatus::Succeeded,
            None => continue,
        };
        finish(state, &id, outcome);
    }
}

/// Ends an operation with `outcome`, applying its target on success.
pub fn finish(state: &mut SimState, id: &str, outcome: OpStatus) {
    let failed_state = state.config.failed_state;
    let Some(op) = state.operations.get_mut(id) else {
        return;
    };
    if op.status != OpStatus::InProgress {
        return;
    }
    op.status = outcome;
    op.ended_at = Some(jiff::Timestamp::now());
    op.finishes = op.finishes.min(Instant::now());
    let Some(service) = state.services.get_mut(&op.key) else {
        return;
    };
    if outcome == OpStatus::Succeeded && !op.hollow {
        service.body = op.target.clone();
    } else if outcome == OpStatus::Failed && failed_state == FailedState::Failed {
        service.body["properties"]["provisioningState"] = json!("Failed");
    }
    if service.operation.as_deref() == Some(id) {
        service.operation = None;
    }
    service.etag_seq += 1;
}

/// The resource as GET shows it now: idle, or mid-operation.
pub fn view(state: &SimState, key: &ServiceKey) -> Option<Value> {
    let service = state.services.get(key)?;
    let running = service
        .operation
        .as_ref()
        .and_then(|id| state.operations.get(id));
    let mut body = match running {
        Some(op) if state.config.during_operation == DuringOperation::New => op.target.clone(),
        _ => service.body.clone(),
    };
    if let Some(op) = running {
        let provisioning = if op.kind == OpKind::Create {
            "Activating"
        } else {
            "Updating"
        };
        body["properties"]["provisioningState"] = json!(provisioning);
        body["properties"]["targetProvisioningState"] = json!("Succeeded");
    }
    body["etag"] = json!(resource::etag(service.etag_seq));
    Some(body)
}

/// The `Location` URL of an operation.
pub fn location_url(base: &str, state: &SimState, op: &Operation, api_version: &str) -> String {
    format!(
        "{base}{}/operationresults/{}?api-version={api_version}&asyncResponse",
        service_id(state, op),
        op.id
    )
}

/// The resource id of the service an operation runs on, as the client spelled its
/// subscription.
fn service_id(state: &SimState, op: &Operation) -> String {
    let (rg, name) = state
        .services
        .get(&op.key)
        .map(|s| (s.resource_group.as_str(), s.name.as_str()))
        .unwrap_or_default();
    resource::resource_id(&op.subscription, rg, name)
}

/// The `Azure-AsyncOperation` URL under the service,
/// `{service}/tenant/operationResults/{id}`, as Azure answers since May 2025.
pub fn service_status_url(
    base: &str,
    state: &SimState,
    op: &Operation,
    api_version: &str,
) -> String {
    format!(
        "{base}{}/tenant/operationResults/{}?api-version={api_version}",
        service_id(state, op),
        op.id
    )
}

/// The `Azure-AsyncOperation` URL of an operation (subscription-scoped status).
pub fn status_url(base: &str, op: &Operation, api_version: &str) -> String {
    format!(
        "{base}/subscriptions/{}/providers/Microsoft.ApiManagement/locations/{}/operationStatuses/{}?api-version={api_version}",
        op.subscription,
        op.location.as_str(),
        op.id
    )
}

fn op_error(op: &Operation) -> ArmError {
    match (&op.fault, op.status) {
        (Some(fault), _) => ArmError::new(fault.status, &fault.code, fault.message.clone()),
        (None, _) => ArmError::new(409, "OperationCanceled", "The operation was canceled."),
    }
}

/// Answer of the `Location` URL.
pub fn location_poll(state: &SimState, op: &Operation, url: &str) -> Response<Body> {
    match op.status {
        OpStatus::InProgress => {
            let mut response = empty_response(202);
            set_header(&mut response, "location", url);
            set_header(
                &mut response,
                "retry-after",
                &state.config.retry_after_header(),
            );
            response
        }
        OpStatus::Succeeded => match state.config.location_final {
            LocationFinal::Resource => match view(state, &op.key) {
                Some(body) => json_response(200, &body),
                None => empty_response(200),
            },
            LocationFinal::Empty => empty_response(200),
            LocationFinal::NoContent => empty_response(204),
        },
        OpStatus::Failed | OpStatus::Canceled => op_error(op).into_response(),
    }
}

/// Answer of the `Azure-AsyncOperation` URL: always 200 with the status.
pub fn status_poll(state: &SimState, op: &Operation, path: &str) -> Response<Body> {
    let elapsed = op.started.elapsed().as_secs_f64();
    let total = op
        .finishes
        .saturating_duration_since(op.started)
        .as_secs_f64();
    let percent = if op.status == OpStatus::InProgress && total > 0.0 {
        (elapsed / total * 100.0).min(99.0)
    } else {
        100.0
    };
    let mut body = json!({
        "id": path,
        "name": op.id,
        "status": op.status.as_str(),
        "startTime": op.started_at.to_string(),
        "endTime": op.ended_at.map(|t| t.to_string()),
        "percentComplete": percent.floor(),
    });
    if matches!(op.status, OpStatus::Failed | OpStatus::Canceled) {
        body["error"] = op_error(op).body();
    }
    let mut response = json_response(200, &body);
    if op.status == OpStatus::InProgress {
        set_header(
            &mut response,
            "retry-after",
            &state.config.retry_after_header(),
        );
    }
    response
}
