//! Handlers of the service resource: GET, list by resource group, available SKUs, PATCH
//! (merge-patch, tier rules, long-running operation) and PUT.

use axum::body::Body;
use http::Response;
use serde_json::{Value, json};

use crate::config::{AsyncHeader, ErrorSpec};
use crate::location::Location;
use crate::operations;
use crate::reply::{ArmError, empty_response, json_response, resource_not_found, set_header};
use crate::request::ArmRequest;
use crate::resource::{self, merge_patch, normalise, primary_sku};
use crate::rules;
use crate::shape::{self, BadShape};
use crate::state::{OpKind, Service, ServiceKey, SimState};
use crate::tiers::{Generation, Sku};

fn with_etag(mut response: Response<Body>, body: &Value) -> Response<Body> {
    if let Some(etag) = body["etag"].as_str() {
        set_header(&mut response, "etag", &format!("\"{etag}\""));
    }
    response
}

fn check_v2(body: &Value, api_version: &str) -> Result<(), ArmError> {
    match primary_sku(body).0 {
        Some(sku) => rules::check_api_version_for_sku(sku, api_version),
        None => Ok(()),
    }
}

pub fn get(
    state: &SimState,
    key: &ServiceKey,
    rg: &str,
    name: &str,
    api_version: &str,
) -> Result<Response<Body>, ArmError> {
    let body = operations::view(state, key).ok_or_else(|| resource_not_found(rg, name))?;
    check_v2(&body, api_version)?;
    Ok(with_etag(json_response(200, &body), &body))
}

pub fn list(state: &SimState, sub: &str, rg: &str) -> Response<Body> {
    let probe = ServiceKey::new(sub, rg, "");
    let value: Vec<Value> = state
        .services
        .keys()
        .filter(|k| {
            k.subscription == probe.subscription && k.resource_group == probe.resource_group
        })
        .filter_map(|k| operations::view(state, k))
        .collect();
    json_response(200, &json!({ "value": value }))
}

pub fn skus(
    state: &SimState,
    key: &ServiceKey,
    rg: &str,
    name: &str,
) -> Result<Response<Body>, ArmError> {
    let service = state
        .services
        .get(key)
        .ok_or_else(|| resource_not_found(rg, name))?;
    let current = primary_sku(&service.body).0.unwrap_or(Sku::Developer);
    let value: Vec<Value> = Sku::ALL
        .into_iter()
        .filter(|s| {
            current.can_change_to(*s)
                || (current.generation() == Generation::Classic && *s == Sku::Isolated)
        })
        .map(|s| {
            let (min, max, scale) = match s {
                Sku::Consumption => (0, 0, "none"),
                Sku::Developer => (1, 1, "none"),
                Sku::Basic => (1, state.config.limits.max_units(s), "manual"),
                _ => (1, state.config.limits.max_units(s), "automatic"),
            };
            json!({
                "resourceType": resource::RESOURCE_TYPE,
                "sku": {"name": s.as_str()},
                "capacity": {"minimum": min, "maximum": max, "default": min, "scaleType": scale},
            })
        })
        .collect();
    Ok(json_response(
        200,
        &json!({"value": value, "nextLink": null}),
    ))
}

fn parse_body(req: &ArmRequest) -> Result<Value, ArmError> {
    let parsed: Result<Value, _> = serde_json::from_slice(req.body);
    match parsed {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ArmError::bad_request(
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: the body must be a JSON object.",
        )),
        Err(e) => Err(ArmError::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: '{e}'."),
        )),
    }
}

/// The refusal of a change while another operation runs (`--busy-*` switches).
pub(crate) fn busy(state: &SimState, name: &str) -> ArmError {
    let spec = &state.config.busy;
    let error = ArmError::new(
        spec.status,
        &spec.code,
        spec.message.replace("{name}", name),
    );
    match &state.config.busy_retry_after {
        Some(retry_after) => error.with_header("retry-after", retry_after.clone()),
        None => error,
    }
}

/// Fields the client cannot change.
fn keep_read_only(candidate: &mut Value, current: &Value) {
    for key in ["id", "name", "type", "etag", "systemData"] {
        candidate[key] = current[key].clone();
    }
    for key in [
        "provisioningState",
        "targetProvisioningState",
        "createdAtUtc",
        "gatewayUrl",
        "gatewayRegionalUrl",
        "publicIPAddresses",
        "platformVersion",
    ] {
        candidate["properties"][key] = current["properties"][key].clone();
    }
}

fn touch(candidate: &mut Value) {
    candidate["systemData"]["lastModifiedAt"] = json!(jiff::Timestamp::now().to_string());
}

/// The answer that starts a long-running operation: `Location`, maybe
/// `Azure-AsyncOperation`, and `Retry-After`.
fn accepted(
    state: &SimState,
    op_id: &str,
    base: &str,
    api_version: &str,
    mut response: Response<Body>,
) -> Response<Body> {
    let Some(op) = state.operations.get(op_id) else {
        return response;
    };
    let location = operations::location_url(base, state, op, api_version);
    set_header(&mut response, "location", &location);
    match state.config.async_header {
        AsyncHeader::None => {}
        AsyncHeader::Service => set_header(
            &mut response,
            "azure-asyncoperation",
            &operations::service_status_url(base, state, op, api_version),
        ),
        AsyncHeader::Separate => set_header(
            &mut response,
            "azure-asyncoperation",
            &operations::status_url(base, op, api_version),
        ),
        AsyncHeader::SameAsLocation => set_header(&mut response, "azure-asyncoperation", &location),
    }
    set_header(
        &mut response,
        "retry-after",
        &state.config.retry_after_header(),
    );
    response
}

pub fn patch(
    state: &mut SimState,
    key: &ServiceKey,
    sub: &str,
    rg: &str,
    name: &str,
    req: &ArmRequest,
    api_version: &str,
) -> Result<Response<Body>, ArmError> {
    let current = state
        .services
        .get(key)
        .map(|s| s.body.clone())
        .ok_or_else(|| resource_not_found(rg, name))?;
    let patch = parse_body(req)?;
    rules::check_patch_sku(&patch)?;
    shape::check(&patch).map_err(BadShape::into_arm_error)?;
    check_v2(&current, api_version)?;
    let mut candidate = current.clone();
    merge_patch(&mut candidate, &patch);
    keep_read_only(&mut candidate, &current);
    normalise(&mut candidate, &current);
    check_v2(&candidate, api_version)?;
    if state
        .services
        .get(key)
        .is_some_and(|s| s.operation.is_some())
    {
        return Err(busy(state, name));
    }
    let change = Change {
        key,
        sub,
        rg,
        name,
        api_version,
    };
    match start_change(state, &change, &current, candidate)? {
        Started::NoChange(response) => Ok(response),
        Started::Operation(op) => Ok(accepted(
            state,
            &op,
            req.base,
            api_version,
            empty_response(202),
        )),
    }
}

/// Where a change goes, for [`start_change`].
struct Change<'a> {
    key: &'a ServiceKey,
    sub: &'a str,
    rg: &'a str,
    name: &'a str,
    api_version: &'a str,
}

enum Started {
    /// Nothing changes: the answer is the resource, at once.
    NoChange(Response<Body>),
    /// An operation runs.
    Operation(String),
}

/// Checks a changed resource against Azure's rules and starts the operation that makes it
/// (shared by PATCH and PUT of an existing service).
fn start_change(
    state: &mut SimState,
    change: &Change<'_>,
    current: &Value,
    mut candidate: Value,
) -> Result<Started, ArmError> {
    rules::check_location(current, &candidate, change.rg)?;
    rules::check_change(
        Some(current),
        &candidate,
        &state.config.limits,
        state.config.zone_divisibility,
    )?;
    let subnet_fault = newer_rules(state, change, current, &candidate)?;
    if candidate == *current {
        return get(
            state,
            change.key,
            change.rg,
            change.name,
            change.api_version,
        )
        .map(Started::NoChange);
    }
    touch(&mut candidate);
    crate::zones::renumber(current, &mut candidate, change.name);
    let kind = operations::kind_of(current, &candidate);
    if let (Some(fault), Some(service)) = (subnet_fault, state.services.get_mut(change.key)) {
        service.fail_next.get_or_insert(fault);
    }
    operations::start(state, change.key, change.sub, candidate, kind, None)
        .map(Started::Operation)
        .ok_or_else(|| resource_not_found(change.rg, change.name))
}

/// The rules Azure added since 2025 (ARM-NOTES): the scale-in guardrail, zones the
/// subscription may not use, `zoneRedundant` fixed at creation, and subnet room. A subnet
/// too small for the change answers the error its operation is to fail with (or refuses
/// it now, per `--subnet-full`).
fn newer_rules(
    state: &SimState,
    change: &Change<'_>,
    current: &Value,
    candidate: &Value,
) -> Result<Option<ErrorSpec>, ArmError> {
    crate::scale_in::check(&state.config, change.name, current, candidate)?;
    crate::zones::check(&state.config, change.sub, Some(current), candidate)?;
    let subnets: Vec<&crate::subnet::Subnet> = state.subnets.iter().collect();
    crate::network::check(&state.config, &subnets, current, candidate)
}

fn require(body: &Value, pointer: &str, target: &str) -> Result<(), ArmError> {
    if body.pointer(pointer).is_none_or(Value::is_null) {
        return Err(ArmError::bad_request(
            "ValidationError",
            format!("The parameter '{target}' is required."),
        )
        .with_target(target));
    }
    Ok(())
}

pub fn put(
    state: &mut SimState,
    key: &ServiceKey,
    sub: &str,
    rg: &str,
    name: &str,
    req: &ArmRequest,
    api_version: &str,
) -> Result<Response<Body>, ArmError> {
    let body = parse_body(req)?;
    for (pointer, target) in [
        ("/location", "location"),
        ("/sku/name", "sku.name"),
        ("/sku/capacity", "sku.capacity"),
        ("/properties/publisherEmail", "properties.publisherEmail"),
        ("/properties/publisherName", "properties.publisherName"),
    ] {
        require(&body, pointer, target)?;
    }
    shape::check(&body).map_err(BadShape::into_arm_error)?;
    check_v2(&body, api_version)?;
    if let Some(current) = state.services.get(key).map(|s| s.body.clone()) {
        if state
            .services
            .get(key)
            .is_some_and(|s| s.operation.is_some())
        {
            return Err(busy(state, name));
        }
        let mut candidate = current.clone();
        merge_patch(&mut candidate, &body);
        candidate["properties"]["additionalLocations"] =
            body["properties"]["additionalLocations"].clone();
        candidate["zones"] = body.get("zones").cloned().unwrap_or(Value::Null);
        keep_read_only(&mut candidate, &current);
        normalise(&mut candidate, &current);
        let change = Change {
            key,
            sub,
            rg,
            name,
            api_version,
        };
        let op = match start_change(state, &change, &current, candidate)? {
            Started::NoChange(response) => return Ok(response),
            Started::Operation(op) => op,
        };
        let view = operations::view(state, key).unwrap_or_default();
        return Ok(accepted(
            state,
            &op,
            req.base,
            api_version,
            with_etag(json_response(200, &view), &view),
        ));
    }
    let location = Location::new(body["location"].as_str().unwrap_or_default());
    let sku = body["sku"]["name"]
        .as_str()
        .and_then(|s| s.parse::<Sku>().ok())
        .unwrap_or(Sku::Developer);
    let canonical_rg = state
        .resource_groups
        .get(&(key.subscription.clone(), key.resource_group.clone()))
        .cloned()
        .unwrap_or_else(|| rg.to_string());
    let fresh = resource::new_service(sub, &canonical_rg, name, &location, sku, 0);
    let mut candidate = fresh.clone();
    merge_patch(&mut candidate, &body);
    keep_read_only(&mut candidate, &fresh);
    normalise(&mut candidate, &fresh);
    rules::check_change(
        None,
        &candidate,
        &state.config.limits,
        state.config.zone_divisibility,
    )?;
    crate::zones::check(&state.config, sub, None, &candidate)?;
    state.services.insert(
        key.clone(),
        Service {
            resource_group: canonical_rg,
            name: name.to_string(),
            body: candidate.clone(),
            etag_seq: 1,
            operation: None,
            fail_next: None,
            hold_next: 0,
            metrics: Default::default(),
            load: Default::default(),
            created: Some(jiff::Timestamp::now()),
        },
    );
    let op = operations::start(state, key, sub, candidate, OpKind::Create, None)
        .ok_or_else(|| resource_not_found(rg, name))?;
    let mut view = operations::view(state, key).unwrap_or_default();
    view["properties"]["provisioningState"] = json!("Created");
    view["properties"]["targetProvisioningState"] = json!("Activating");
    view["properties"]["platformVersion"] = json!("undetermined");
    Ok(accepted(
        state,
        &op,
        req.base,
        api_version,
        with_etag(json_response(201, &view), &view),
    ))
}
