//! The ARM front door: routing, then the pipeline every ARM call passes (dropped
//! connection, bearer token, role check, throttling, injected faults, api-version,
//! subscription and resource group), then the handler.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Body;
use http::{HeaderMap, Method, Response};

use super::auth::Caller;
use super::faults::{self, Injected};
use super::operations;
use super::reply::{ArmError, set_header};
use super::seed::Access;
use super::service;
use super::state::{ServiceKey, SimState};
use super::throttle::{self, Decision};

/// One incoming ARM request.
pub struct ArmRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a HashMap<String, String>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `https://host:port` as the client addressed the simulator.
    pub base: &'a str,
}

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

/// The ARM resources the simulator serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List { sub: String, rg: String },
    Service { sub: String, rg: String, name: String },
    Skus { sub: String, rg: String, name: String },
    Metrics { sub: String, rg: String, name: String },
    /// `{service}/operationresults/{id}` (the `Location` URL).
    ServiceResult { sub: String, rg: String, name: String, id: String },
    /// `/subscriptions/{sub}/providers/Microsoft.ApiManagement/locations/{loc}/operationResults/{id}`.
    LocationResult { sub: String, id: String },
    /// `.../locations/{loc}/operationStatuses/{id}` (the `Azure-AsyncOperation` URL).
    LocationStatus { sub: String, id: String },
}

impl Route {
    pub fn parse(path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let lower: Vec<String> = segments.iter().map(|s| s.to_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let s = |i: usize| segments[i].to_string();
        let provider = |i: usize| l.get(i) == Some(&"providers") && l.get(i + 1) == Some(&"microsoft.apimanagement");
        if l.first() != Some(&"subscriptions") || segments.len() < 2 || segments[1].is_empty() {
            return None;
        }
        if l.get(2) == Some(&"providers") && provider(2) && l.get(4) == Some(&"locations") && l.len() == 8 {
            return match l[6] {
                "operationresults" => Some(Route::LocationResult { sub: s(1), id: s(7) }),
                "operationstatuses" => Some(Route::LocationStatus { sub: s(1), id: s(7) }),
                _ => None,
            };
        }
        if l.get(2) != Some(&"resourcegroups") || l.len() < 7 || !provider(4) || l[6] != "service" {
            return None;
        }
        let (sub, rg) = (s(1), s(3));
        match l.len() {
            7 => Some(Route::List { sub, rg }),
            8 => Some(Route::Service { sub, rg, name: s(7) }),
            9 if l[8] == "skus" => Some(Route::Skus { sub, rg, name: s(7) }),
            10 if l[8] == "operationresults" => Some(Route::ServiceResult { sub, rg, name: s(7), id: s(9) }),
            11 if l[8] == "providers" && l[9] == "microsoft.insights" && l[10] == "metrics" => {
                Some(Route::Metrics { sub, rg, name: s(7) })
            }
            _ => None,
        }
    }

    pub fn subscription(&self) -> &str {
        match self {
            Route::List { sub, .. }
            | Route::Service { sub, .. }
            | Route::Skus { sub, .. }
            | Route::Metrics { sub, .. }
            | Route::ServiceResult { sub, .. }
            | Route::LocationResult { sub, .. }
            | Route::LocationStatus { sub, .. } => sub,
        }
    }

    /// (resource group, service name) when the route names them.
    pub fn target(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Route::List { rg, .. } => (Some(rg), None),
            Route::Service { rg, name, .. }
            | Route::Skus { rg, name, .. }
            | Route::Metrics { rg, name, .. }
            | Route::ServiceResult { rg, name, .. } => (Some(rg), Some(name)),
            _ => (None, None),
        }
    }

    /// The scope role assignments are checked against, and the action named in a 403.
    fn scope_and_action(&self, write: bool) -> (String, &'static str) {
        let sub = self.subscription();
        match self.target() {
            (Some(rg), Some(name)) if matches!(self, Route::Metrics { .. }) => (
                format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"),
                "microsoft.insights/metrics/read",
            ),
            (Some(rg), Some(name)) => (
                format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"),
                if write { "Microsoft.ApiManagement/service/write" } else { "Microsoft.ApiManagement/service/read" },
            ),
            (Some(rg), None) => (format!("/subscriptions/{sub}/resourceGroups/{rg}"), "Microsoft.ApiManagement/service/read"),
            _ => (format!("/subscriptions/{sub}"), "Microsoft.ApiManagement/locations/operationResults/read"),
        }
    }
}

fn not_found_route(path: &str) -> ArmError {
    ArmError::new(404, "NotFound", format!("No HTTP resource was found that matches the request URI '{path}'."))
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
    let authorization = req.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let caller: Caller = state.auth.check_bearer(&state.config.auth, authorization, req.base)?;
    outcome.principal = Some(caller.client_id.clone());
    let route = route.ok_or_else(|| not_found_route(req.path))?;
    let write = *req.method != Method::GET && *req.method != Method::HEAD;
    let (scope, action) = route.scope_and_action(write);
    caller.authorize(&scope, if write { Access::Write } else { Access::Read }, action)?;

    let (kind, header, label) = if write {
        (throttle::Kind::Write, "x-ms-ratelimit-remaining-subscription-writes", "write")
    } else {
        (throttle::Kind::Read, "x-ms-ratelimit-remaining-subscription-reads", "read")
    };
    let remaining = match state.throttle.take(&state.config.throttle, route.subscription(), &caller.client_id, kind, Instant::now()) {
        Decision::Allowed { remaining } => remaining,
        Decision::Throttled { retry_after } => {
            outcome.fault = Some("throttled".to_string());
            return Err(faults::throttled(retry_after, label));
        }
    };
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
    let mut response = dispatch(state, req, route, &api_version)?;
    set_header(&mut response, header, &remaining.to_string());
    Ok(response)
}

fn check_api_version(state: &SimState, query: &HashMap<String, String>, route: &Route) -> Result<String, ArmError> {
    let Some(version) = query.get("api-version").filter(|v| !v.is_empty()) else {
        return Err(ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    let accepted = if matches!(route, Route::Metrics { .. }) {
        &state.config.metrics_api_versions
    } else {
        &state.config.api_versions
    };
    if !accepted.iter().any(|v| v.eq_ignore_ascii_case(version)) {
        return Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{version}' is invalid. The supported versions are '{}'.", accepted.join(",")),
        ));
    }
    Ok(version.clone())
}

fn check_scope_exists(state: &SimState, route: &Route) -> Result<(), ArmError> {
    let sub = route.subscription();
    if !state.has_subscription(sub) {
        return Err(ArmError::new(404, "SubscriptionNotFound", format!("The subscription '{sub}' could not be found.")));
    }
    if let (Some(rg), _) = route.target()
        && !state.has_resource_group(sub, rg)
    {
        return Err(ArmError::new(404, "ResourceGroupNotFound", format!("Resource group '{rg}' could not be found.")));
    }
    Ok(())
}

/// 404 `ResourceNotFound` in Azure's words.
pub fn resource_not_found(rg: &str, name: &str) -> ArmError {
    ArmError::new(
        404,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.ApiManagement/service/{name}' under resource group '{rg}' was not found. \
             For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn method_not_allowed(method: &Method) -> ArmError {
    ArmError::new(405, "MethodNotAllowed", format!("The HTTP method '{method}' is not supported for this resource by the simulator."))
}

fn dispatch(state: &mut SimState, req: &ArmRequest, route: &Route, api_version: &str) -> Result<Response<Body>, ArmError> {
    let get = *req.method == Method::GET;
    match route {
        Route::List { sub, rg } if get => Ok(service::list(state, sub, rg)),
        Route::Service { sub, rg, name } => {
            let key = ServiceKey::new(sub, rg, name);
            match *req.method {
                Method::GET => service::get(state, &key, rg, name, api_version),
                Method::PATCH => service::patch(state, &key, sub, rg, name, req, api_version),
                Method::PUT => service::put(state, &key, sub, rg, name, req, api_version),
                _ => Err(method_not_allowed(req.method)),
            }
        }
        Route::Skus { sub, rg, name } if get => service::skus(state, &ServiceKey::new(sub, rg, name), rg, name),
        Route::Metrics { sub, rg, name } if get => {
            let key = ServiceKey::new(sub, rg, name);
            let body = operations::view(state, &key).ok_or_else(|| resource_not_found(rg, name))?;
            let values = state.services.get(&key).map(|s| s.metrics.clone()).unwrap_or_default();
            let answer = super::metrics::answer(&body, &values, req.query)?;
            Ok(super::reply::json_response(200, &answer))
        }
        Route::ServiceResult { sub, rg, name, id } if get => {
            let key = ServiceKey::new(sub, rg, name);
            let op = state
                .operations
                .get(id)
                .filter(|op| op.key == key)
                .ok_or_else(|| operation_not_found(id))?;
            let url = format!("{}{}?{}", req.base, req.path, query_string(req.query));
            Ok(operations::location_poll(state, op, &url))
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

fn operation_not_found(id: &str) -> ArmError {
    ArmError::new(404, "OperationNotFound", format!("The operation '{id}' could not be found."))
}

fn query_string(query: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = query.iter().collect();
    pairs.sort();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}
