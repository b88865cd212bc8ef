//! Shared helpers of the simulator tests: start a simulator in-process with a seed, talk to
//! it over real HTTPS trusting its CA, poll for conditions instead of sleeping.
#![allow(dead_code)]

use std::time::Duration;

use apimcap_sim::{self as sim, Seed, SimConfig, SimHandle};
use serde_json::{Value, json};

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
pub const CLIENT_ID: &str = "22222222-2222-2222-2222-222222222222";
pub const SECRET: &str = "s3cret";
pub const API: &str = "api-version=2024-05-01";

pub const SEED: &str = r#"
resourceGroups:
  - name: rg-empty
services:
  - resourceGroup: rg-payments
    name: payments-apim
    location: westeurope
    sku: Standard
    capacity: 1
    metrics: {Capacity: 35}
  - resourceGroup: rg-global
    name: global-apim
    location: West Europe
    sku: Premium
    capacity: 2
    zones: ["1", "2"]
    additionalLocations:
      - location: eastus
        capacity: 1
  - resourceGroup: rg-payments
    name: serverless-apim
    location: northeurope
    sku: Consumption
    capacity: 0
  - resourceGroup: rg-v2
    name: v2-apim
    location: westeurope
    sku: StandardV2
    capacity: 1
  - resourceGroup: rg-payments
    name: dev-apim
    location: westeurope
    sku: Developer
    capacity: 1
principals:
  - tenant: 11111111-1111-1111-1111-111111111111
    clientId: 22222222-2222-2222-2222-222222222222
    clientSecret: s3cret
  - tenant: 11111111-1111-1111-1111-111111111111
    clientId: 33333333-3333-3333-3333-333333333333
    clientSecret: reader
    roles:
      - scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments
        access: read
  - kind: managedIdentity
    clientId: 44444444-4444-4444-4444-444444444444
"#;

pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub token: String,
}

pub fn client(ca_pem: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// Test defaults: the shared seed, 1 s `Retry-After`, operations of 300 ms.
pub fn config() -> SimConfig {
    SimConfig {
        seed: Seed::parse(SEED).expect("seed parses"),
        retry_after: 1,
        operation_duration: Some(Duration::from_millis(300)),
        ..SimConfig::default()
    }
}

pub async fn start(config: SimConfig) -> Sim {
    let handle = sim::start(config).await.expect("simulator starts");
    let http = client(handle.ca_pem());
    let mut sim = Sim {
        handle,
        http,
        token: String::new(),
    };
    sim.token = sim.client_secret_token(CLIENT_ID, SECRET).await;
    sim
}

pub async fn start_default() -> Sim {
    start(config()).await
}

pub fn service_path(rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"
    )
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.handle.base_url())
        }
    }

    pub async fn client_secret_token(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .http
            .post(self.url(&format!("/{TENANT}/oauth2/v2.0/token")))
            .form(&[
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
                ("scope", "https://management.azure.com/.default"),
            ])
            .send()
            .await
            .expect("token request");
        let body: Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn put(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.handle.admin_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin request");
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        self.admin(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn requests(&self) -> Vec<Value> {
        let log = self.admin(reqwest::Method::GET, "/requests", None).await;
        log.as_array().cloned().unwrap_or_default()
    }

    pub async fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "/requests", None).await;
    }

    /// Polls `url` (honouring nothing but a short interval) until it stops answering 202.
    pub async fn poll_location(&self, url: &str) -> reqwest::Response {
        for _ in 0..500 {
            let response = self.get(url).await;
            if response.status().as_u16() != 202 {
                return response;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("operation at {url} never finished");
    }

    /// Polls an `Azure-AsyncOperation` URL until a terminal status.
    pub async fn poll_status(&self, url: &str) -> Value {
        for _ in 0..500 {
            let (status, body) = self.get_json(url).await;
            assert_eq!(status, 200, "status URL answers 200: {body}");
            if body["status"] != json!("InProgress") {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("operation at {url} never finished");
    }
}

pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The ARM error code of an answer.
pub async fn error_code(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body,
    )
}

/// An admin request whose answer may be an error: (status, body).
pub async fn admin_raw(
    sim: &Sim,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = sim
        .http
        .request(method, format!("{}{path}", sim.handle.admin_url()))
        .json(&body)
        .send()
        .await
        .expect("admin request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
