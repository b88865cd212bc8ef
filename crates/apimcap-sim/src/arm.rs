//! The ARM front door: routing, then the pipeline every ARM call passes (dropped
//! connection, bearer token, role check, throttling, injected faults, api-version,
//! subscription and resource group), then the handler.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Body;
use http::{Method, Response};

use crate::auth::Caller;
use crate::faults::{self, Injected};
use crate::operations;
use crate::reply::{ArmError, resource_not_found, set_header};
use crate::request::ArmRequest;
pub use crate::route::Route;
use crate::seed::Access;
use crate::service;
use crate::state::{Operation, ServiceKey, SimState};
use crate::throttle::{self, Decision};

/// What happened, for the answer and the request log.
#[derive(Default)]
pub struct Outcome {
    /// `None`: close the connection without answering.
    pub response: Option<Response<Body>>,
    pub service: Option<String>,
    pub subscription: Option<String>,
    pub principal: Option<String>,
    pub fault: Option<String>,
}

fn not_found_route(path: &str) -> ArmError {
    ArmError::new(
        404,
        "NotFound",
        format!("No HTTP resource was found that matches the request URI '{path}'."),
    )
}

/// Runs the ARM pipeline for one request.
pub fn handle(state: &mut SimState, req: &ArmRequest) -> Outcome {
    let mut outcome = Outcome::default();
    operations::advance(state, Instant::now());
    let route = Route::parse(req.path);
    if let Some(route) = &route {
        outcome.subscription = Some(route.subscription().to_string());
        outcome.service = route.target().1.map(str::to_string);
    }
    let injected = state.faults.draw();
    if injected == Some(Injected::Drop) {
        outcome.fault = Some("dropped".to_string());
        return outcome;
    }
    let result = pipeline(state, req, route.as_ref(), injected, &mut outcome);
    let write = *req.method != Method::GET && *req.method != Method::HEAD;
    if write
        && result.as_ref().is_ok_and(|r| r.status().is_success())
        && state.faults.draw_lost_answer()
    {
        outcome.fault = Some("answer lost".to_string());
        return outcome;
    }
    outcome.response = Some(match result {
        Ok(response) => response,
        Err(error) => error.into_response(),
    });
    outcome
}

fn pipeline(
    state: &mut SimState,
    req: &ArmRequest,
    route: Option<&Route>,
    injected: Option<Injected>,
    outcome: &mut Outcome,
) -> Result<Response<Body>, ArmError> {
    let authorization = req
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller: Caller = state
        .auth
        .check_bearer(&state.config.auth, authorization, req.base)?;
    outcome.principal = Some(caller.client_id.clone());
    let route = route.ok_or_else(|| not_found_route(req.path))?;
    let write = *req.method != Method::GET && *req.method != Method::HEAD;
    let (scope, action) = route.scope_and_action(req.path, write);
    caller.authorize(
        &scope,
        if write { Access::Write } else { Access::Read },
        action,
    )?;

    let (kind, header, label) = if write {
        (
            throttle::Kind::Write,
            "x-ms-ratelimit-remaining-subscription-writes",
            "write",
        )
    } else {
        (
            throttle::Kind::Read,
            "x-ms-ratelimit-remaining-subscription-reads",
            "read",
        )
    };
    let remaining = match state.throttle.take(
        &state.config.throttle,
        route.subscription(),
        &caller.client_id,
        kind,
        Instant::now(),
    ) {
        Decision::Allowed { remaining } => remaining,
        Decision::Throttled { retry_after } => {
            outcome.fault = Some("throttled".to_string());
            return Err(faults::throttled(retry_after, label));
        }
    };
    let result = after_throttle(state, req, route, injected, outcome, label);
    let mut response = result.unwrap_or_else(ArmError::into_response);
    set_header(&mut response, header, &remaining.to_string());
    Ok(response)
}

/// Injected faults, api-version, scope existence and the handler; every answer from here
/// on carries the remaining-requests header.
fn after_throttle(
    state: &mut SimState,
    req: &ArmRequest,
    route: &Route,
    injected: Option<Injected>,
    outcome: &mut Outcome,
    label: &str,
) -> Result<Response<Body>, ArmError> {
    match injected {
        Some(Injected::ServerError(status)) => {
            outcome.fault = Some("injected-5xx".to_string());
            return Err(faults::server_error(status));
        }
        Some(Injected::Throttle(retry_after)) => {
            outcome.fault = Some("injected-429".to_string());
            return Err(faults::throttled(retry_after, label));
        }
        _ => {}
    }
    let api_version = check_api_version(state, req.query, route)?;
    check_scope_exists(state, route)?;
    if let Route::Service { sub, rg, name } = route
        && matches!(*req.method, Method::PATCH | Method::PUT)
    {
        let id = crate::resource::resource_id(sub, rg, name);
        crate::locks::check_write(&state.locks, &id)?;
    }
    if let Route::Service { name, .. } = route
        && matches!(*req.method, Method::PATCH | Method::PUT)
        && state.faults.draw_busy()
    {
        outcome.fault = Some("injected-busy".to_string());
        return Err(service::busy(state, name));
    }
    dispatch(state, req, route, &api_version)
}

fn check_api_version(
    state: &SimState,
    query: &HashMap<String, String>,
    route: &Route,
) -> Result<String, ArmError> {
    let Some(version) = query.get("api-version").filter(|v| !v.is_empty()) else {
        return Err(ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    let accepted = match route {
        Route::Metrics { .. } => &state.config.metrics_api_versions,
        Route::Subnet { .. } => &state.config.network_api_versions,
        Route::AutoscaleSettings { .. } => &state.config.autoscale_settings_api_versions,
        _ => &state.config.api_versions,
    };
    if !accepted.iter().any(|v| v.eq_ignore_ascii_case(version)) {
        return Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                accepted.join(",")
            ),
        ));
    }
    Ok(version.clone())
}

fn check_scope_exists(state: &SimState, route: &Route) -> Result<(), ArmError> {
    let sub = route.subscription();
    if !state.has_subscription(sub) {
        return Err(ArmError::new(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ));
    }
    if let (Some(rg), _) = route.target()
        && !state.has_resource_group(sub, rg)
    {
        return Err(ArmError::new(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        ));
    }
    Ok(())
}

fn method_not_allowed(method: &Method) -> ArmError {
    ArmError::new(
        405,
        "MethodNotAllowed",
        format!("The HTTP method '{method}' is not supported for this resource by the simulator."),
    )
}

fn dispatch(
    state: &mut SimState,
    req: &ArmRequest,
    route: &Route,
    api_version: &str,
) -> Result<Response<Body>, ArmError> {
    let get = *req.method == Method::GET;
    match route {
        Route::List { sub, rg } if get => Ok(service::list(state, sub, rg)),
        Route::SubscriptionList { sub } if get => {
            let url = format!("{}{}", req.base, req.path);
            let origin = state.config.list_next_link.as_deref();
            let page = crate::listing::page(state, sub, req.query, &url, origin)?;
            Ok(crate::reply::json_response(200, &page))
        }
        Route::Service { sub, rg, name } => {
            let key = ServiceKey::new(sub, rg, name);
            match *req.method {
                Method::GET => service::get(state, &key, rg, name, api_version),
                Method::PATCH => service::patch(state, &key, sub, rg, name, req, api_version),
                Method::PUT => service::put(state, &key, sub, rg, name, req, api_version),
                _ => Err(method_not_allowed(req.method)),
            }
        }
        Route::Skus { sub, rg, name } if get => {
            service::skus(state, &ServiceKey::new(sub, rg, name), rg, name)
        }
        Route::Metrics { sub, rg, name } if get => {
            let key = ServiceKey::new(sub, rg, name);
            let body = operations::view(state, &key).ok_or_else(|| resource_not_found(rg, name))?;
            let service = state
                .services
                .get(&key)
                .ok_or_else(|| resource_not_found(rg, name))?;
            let source = crate::metrics::Source {
                values: &service.metrics,
                load: &service.load,
                units: crate::metrics::units(&service.body),
                created: service.created,
                clock: &state.clock,
            };
            let answer = crate::metrics::answer(&body, &source, req.query, jiff::Timestamp::now())?;
            Ok(crate::reply::json_response(200, &answer))
        }
        Route::AutoscaleSettings { sub, rg } if get => {
            let url = format!("{}{}", req.base, req.path);
            let page = crate::insights::list_page(
                &state.autoscale_settings,
                sub,
                rg,
                req.query,
                &url,
                state.config.autoscale_settings_page_size,
            )?;
            Ok(crate::reply::json_response(200, &page))
        }
        Route::ServiceResult { sub, rg, name, id } if get => {
            let op = operation_of(state, ServiceKey::new(sub, rg, name), id)?;
            let url = format!("{}{}?{}", req.base, req.path, query_string(req.query));
            Ok(operations::location_poll(state, op, &url))
        }
        Route::ServiceStatus { sub, rg, name, id } if get => {
            let op = operation_of(state, ServiceKey::new(sub, rg, name), id)?;
            Ok(operations::status_poll(state, op, req.path))
        }
        Route::Subnet { .. } if get => {
            let subnets: Vec<&crate::subnet::Subnet> = state.subnets.iter().collect();
            crate::network::get(&subnets, req.path)
        }
        Route::LocationResult { sub, id } | Route::LocationStatus { sub, id } if get => {
            let op = state
                .operations
                .get(id)
                .filter(|op| op.key.subscription == sub.to_lowercase())
                .ok_or_else(|| operation_not_found(id))?;
            if matches!(route, Route::LocationStatus { .. }) {
                Ok(operations::status_poll(state, op, req.path))
            } else {
                let url = format!("{}{}?{}", req.base, req.path, query_string(req.query));
                Ok(operations::location_poll(state, op, &url))
            }
        }
        _ => Err(method_not_allowed(req.method)),
    }
}

/// The operation `id` of the service `key`; any other is not found.
fn operation_of<'s>(
    state: &'s SimState,
    key: ServiceKey,
    id: &str,
) -> Result<&'s Operation, ArmError> {
    state
        .operations
        .get(id)
        .filter(|op| op.key == key)
        .ok_or_else(|| operation_not_found(id))
}

fn operation_not_found(id: &str) -> ArmError {
    ArmError::new(
        404,
        "OperationNotFound",
        format!("The operation '{id}' could not be found."),
    )
}

fn query_string(query: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = query.iter().collect();
    pairs.sort();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}
