//! Property tests of every parser of outside data: arbitrary ARM bodies, admin bodies, seed
//! files, paths and query strings never make the simulator fail (no 500, no dropped
//! connection), invalid input gets a clear error, and the simulator keeps serving.

use std::fmt::Debug;
use std::time::Duration;

use apimcap_sim::{Seed, SimConfig};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::arbitrary;
use crate::support::*;

/// Runs `test` on `cases` values of `strategy`; a failure panics with the shrunk value.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: Debug,
{
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

/// A simulator with instant operations and no throttling, and a client that keeps its
/// connections (so hundreds of cases take seconds).
struct World {
    rt: Runtime,
    sim: Sim,
    http: reqwest::Client,
}

impl World {
    fn start() -> World {
        let rt = Runtime::new().expect("runtime");
        let mut config = config();
        config.operation_duration = Some(Duration::ZERO);
        config.throttle.enabled = false;
        let sim = rt.block_on(start(config));
        let cert = reqwest::Certificate::from_pem(sim.handle.ca_pem().as_bytes()).expect("CA");
        let http = reqwest::Client::builder()
            .tls_certs_only([cert])
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        World { rt, sim, http }
    }

    async fn send(&self, method: Method, url: &str, body: Vec<u8>) -> (u16, Value) {
        let url = if url.starts_with("https://") {
            url.to_string()
        } else {
            self.sim.url(url)
        };
        let request = self.http.request(method.clone(), &url);
        let response = request
            .bearer_auth(&self.sim.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let response = response.unwrap_or_else(|e| panic!("{method} {url}: no answer: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A fresh token (a request may have expired the others).
    async fn token(&self) -> Result<String, TestCaseError> {
        let form = [
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", "https://management.azure.com/.default"),
        ];
        let url = self.sim.url(&format!("/{TENANT}/oauth2/v2.0/token"));
        let response = self.http.post(url).form(&form).send().await;
        let body: Value = match response {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => return Err(TestCaseError::fail(format!("token: {e}"))),
        };
        let token = body["access_token"].as_str().unwrap_or_default();
        prop_assert!(!token.is_empty(), "token: {}", body);
        Ok(token.to_string())
    }

    /// Clears faults, reads two services (with a fresh token if a request expired ours) and
    /// the admin view of every service.
    async fn still_serves(&self) -> Result<(), TestCaseError> {
        let admin = self.sim.handle.admin_url();
        let cleared = self.http.delete(format!("{admin}/faults")).send().await;
        prop_assert!(cleared.is_ok_and(|r| r.status().is_success()));
        let mut token = self.sim.token.clone();
        for (rg, name) in [
            ("rg-payments", "payments-apim"),
            ("rg-global", "global-apim"),
        ] {
            let url = self.sim.url(&format!("{}?{API}", service_path(rg, name)));
            let mut response = self.http.get(&url).bearer_auth(&token).send().await;
            if response.as_ref().is_ok_and(|r| r.status() == 401) {
                token = self.token().await?;
                response = self.http.get(&url).bearer_auth(&token).send().await;
            }
            let response = response.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(response.status().as_u16(), 200, "GET {}", name);
            let body: Value = response.json().await.unwrap_or(Value::Null);
            prop_assert!(body["properties"].is_object(), "{}", body);
        }
        let services = self.http.get(format!("{admin}/services")).send().await;
        prop_assert!(services.is_ok_and(|r| r.status().is_success()));
        Ok(())
    }
}

/// An ARM error answer carries the envelope with a code and a message.
fn clear_arm_error(status: u16, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(status != 500, "500: {}", body);
    if status >= 400 {
        let error = &body["error"];
        prop_assert!(
            error["code"].as_str().is_some_and(|c| !c.is_empty())
                && error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{} without a clear error: {}",
            status,
            body
        );
    }
    Ok(())
}

const SERVICES: &[(&str, &str)] = &[
    ("rg-payments", "payments-apim"),
    ("rg-global", "global-apim"),
    ("rg-v2", "v2-apim"),
    ("rg-payments", "serverless-apim"),
    ("rg-payments", "dev-apim"),
    ("rg-empty", "created-apim"),
];

#[test]
fn arbitrary_patch_and_put_bodies_get_answers_not_failures() {
    let world = World::start();
    let methods = select(vec![Method::PATCH, Method::PUT]);
    check(
        128,
        (select(SERVICES), methods, arbitrary::body()),
        |((rg, name), method, body)| {
            world.rt.block_on(async {
                let url = format!("{}?{API}", service_path(rg, name));
                let (status, answer) = world.send(method, &url, body).await;
                prop_assert!(
                    [200, 201, 202, 400, 404, 409].contains(&status),
                    "{} {}",
                    status,
                    answer
                );
                clear_arm_error(status, &answer)?;
                world.still_serves().await
            })
        },
    );
}

#[test]
fn arbitrary_admin_bodies_get_answers_not_failures() {
    let world = World::start();
    let endpoints = select(vec![
        "/services/payments-apim/drift",
        "/services/global-apim/drift",
        "/services/payments-apim/busy",
        "/services/v2-apim/fail-next-operation",
        "/services/global-apim/metrics",
        "/faults",
    ]);
    check(128, (endpoints, arbitrary::body()), |(endpoint, body)| {
        world.rt.block_on(async {
            let url = format!("{}{endpoint}", world.sim.handle.admin_url());
            let (status, answer) = world.send(Method::POST, &url, body).await;
            prop_assert!([200, 400, 409].contains(&status), "{} {}", status, answer);
            if status >= 400 {
                prop_assert!(
                    answer["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "{}",
                    answer
                );
            }
            world.still_serves().await
        })
    });
}

/// A plausible load or autoscale setting body with arbitrary numbers and names.
fn load_or_setting_body() -> BoxedStrategy<Vec<u8>> {
    let number = prop_oneof![any::<f64>(), -10.0..3000.0, Just(0.0)];
    let load = prop_oneof![
        number
            .clone()
            .prop_map(|rps| serde_json::json!({"rps": rps})),
        prop::collection::vec((number.clone(), number.clone()), 0..5)
            .prop_map(|points| serde_json::json!({"curve": points})),
    ];
    let region = select(vec!["westeurope", "East US", "mars", ""]);
    let load_body =
        (region, load, prop::option::of(number)).prop_map(|(region, load, per_unit)| {
            serde_json::json!({"regions": {region: load}, "rpsPerUnit": per_unit}).to_string()
        });
    let target = select(vec![
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a",
        "nope",
        "",
    ]);
    let setting = (target, any::<bool>()).prop_map(|(target, enabled)| {
        serde_json::json!({"targetResourceUri": target, "enabled": enabled}).to_string()
    });
    prop_oneof![
        2 => load_body.prop_map(String::into_bytes),
        1 => setting.prop_map(String::into_bytes),
        2 => arbitrary::body(),
    ]
    .boxed()
}

#[test]
fn arbitrary_load_and_autoscale_setting_bodies_get_answers_not_failures() {
    let world = World::start();
    let endpoints = select(vec![
        "/services/global-apim/load",
        "/services/v2-apim/load",
        "/autoscaleSettings/rg-global/a-setting",
        "/autoscaleSettings/rg-x/%2F",
    ]);
    check(
        128,
        (endpoints, load_or_setting_body()),
        |(endpoint, body)| {
            world.rt.block_on(async {
            let url = format!("{}{endpoint}", world.sim.handle.admin_url());
            let (status, answer) = world.send(Method::PUT, &url, body).await;
            prop_assert!([200, 400].contains(&status), "{} {}", status, answer);
            if status == 400 {
                prop_assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
            }
            let metrics = format!(
                "{}/providers/microsoft.insights/metrics?api-version=2023-10-01&$filter=Location%20eq%20%27*%27",
                service_path("rg-global", "global-apim")
            );
            let (status, answer) = world.send(Method::GET, &metrics, Vec::new()).await;
            prop_assert_eq!(status, 200, "{}", answer);
            world.still_serves().await
        })
        },
    );
}

#[test]
fn arbitrary_paths_and_query_strings_get_answers_not_failures() {
    let world = World::start();
    let methods = select(vec![
        Method::GET,
        Method::PATCH,
        Method::PUT,
        Method::POST,
        Method::DELETE,
    ]);
    let metrics = format!(
        "{}/providers/microsoft.insights/metrics",
        service_path("rg-global", "global-apim")
    );
    let settings = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-global/providers/Microsoft.Insights/autoscaleSettings"
    );
    let path = prop_oneof![arbitrary::path(), Just(metrics), Just(settings)];
    check(
        128,
        (methods, path, arbitrary::query(), arbitrary::body()),
        |(method, path, query, body)| {
            world.rt.block_on(async {
                let url = format!("{path}?{query}");
                let (status, answer) = world.send(method, &url, body).await;
                prop_assert!(status != 500, "{} {}", url, answer);
                if !path.starts_with("/_sim") {
                    prop_assert!(status < 500, "{} {}: {}", url, status, answer);
                }
                world.still_serves().await
            })
        },
    );
}

#[test]
fn arbitrary_seed_text_is_read_or_refused_clearly() {
    check(256, any::<String>(), |text| {
        if let Err(error) = Seed::parse(&text) {
            prop_assert!(!error.to_string().is_empty());
        }
        Ok(())
    });
}

#[test]
fn arbitrary_seed_documents_start_a_working_simulator_or_are_refused_clearly() {
    let rt = Runtime::new().expect("runtime");
    check(64, arbitrary::seed_document(), |document| {
        let parsed = Seed::parse(&document.to_string()).and_then(|seed| {
            let config = SimConfig {
                seed,
                ..SimConfig::default()
            };
            config.validate().map(|()| config)
        });
        let mut config = match parsed {
            Ok(config) => config,
            Err(error) => {
                prop_assert!(error.to_string().len() > "invalid seed: ".len());
                return Ok(());
            }
        };
        config.auth.enabled = false;
        rt.block_on(async {
            let handle = apimcap_sim::start(config).await;
            let handle = handle.map_err(|e| TestCaseError::fail(format!("valid, yet: {e}")))?;
            let http = client(handle.ca_pem());
            let services = http
                .get(format!("{}/services", handle.admin_url()))
                .send()
                .await;
            let services: Value = match services {
                Ok(r) if r.status().is_success() => r.json().await.unwrap_or(Value::Null),
                other => return Err(TestCaseError::fail(format!("admin: {other:?}"))),
            };
            for service in services.as_array().into_iter().flatten() {
                let id = service["id"].as_str().unwrap_or_default();
                let url = format!("{}{id}?{API}", handle.base_url());
                let status = http.get(&url).send().await.map(|r| r.status().as_u16());
                prop_assert_eq!(status.ok(), Some(200), "{}", service);
            }
            Ok(())
        })
    });
}
