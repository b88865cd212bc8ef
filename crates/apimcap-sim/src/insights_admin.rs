//! The admin endpoint of Azure autoscale settings: `PUT` and `DELETE
//! /_sim/autoscaleSettings/{resourceGroup}/{name}`.

use axum::body::Body;
use http::{Method, Response};
use serde_json::json;

use crate::insights::{AutoscaleSetting, SettingRequest, delete, put};
use crate::reply::{error, json_response, parse};
use crate::state::SimState;

/// `PUT` or `DELETE /_sim/autoscaleSettings/{resourceGroup}/{name}`.
pub fn admin(state: &mut SimState, method: &Method, rest: &str, body: &[u8]) -> Response<Body> {
    let Some((rg, name)) = rest.split_once('/').filter(|(_, n)| !n.contains('/')) else {
        return error(
            404,
            &format!("no admin endpoint {method} /_sim/autoscaleSettings/{rest}"),
        );
    };
    match *method {
        Method::PUT => {
            let request: SettingRequest = match parse(body) {
                Ok(r) => r,
                Err(response) => return *response,
            };
            let setting = AutoscaleSetting {
                subscription: request.subscription,
                resource_group: rg.to_string(),
                name: name.to_string(),
                target_resource_uri: request.target_resource_uri,
                enabled: request.enabled,
            };
            let (sub, group) = (setting.subscription.clone(), setting.resource_group.clone());
            match put(&mut state.autoscale_settings, setting) {
                Ok(()) => {
                    state.add_resource_group(&sub, &group);
                    json_response(200, &json!(state.autoscale_settings))
                }
                Err(message) => error(400, &message),
            }
        }
        Method::DELETE => {
            let settings = &mut state.autoscale_settings;
            let subscription = settings
                .iter()
                .find(|s| {
                    s.resource_group.eq_ignore_ascii_case(rg) && s.name.eq_ignore_ascii_case(name)
                })
                .map(|s| s.subscription.clone())
                .unwrap_or_default();
            if delete(settings, &subscription, rg, name) {
                json_response(200, &json!(state.autoscale_settings))
            } else {
                error(404, &format!("no autoscale setting {name} in {rg}"))
            }
        }
        _ => error(
            404,
            &format!("no admin endpoint {method} /_sim/autoscaleSettings/{rest}"),
        ),
    }
}
