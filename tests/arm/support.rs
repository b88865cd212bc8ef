//! Helpers of the ARM client tests: a simulator with a small seed, an `ArmClient` trusting
//! its CA, the simulator's request log, and polling until an operation ends.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use apim_capacity::azure::credentials::build_credential;
use apim_capacity::azure::tls::{HttpClientSettings, build_http_client};
use apim_capacity::azure::{
    ApimApi, ArmClient, ArmConfig, ArmCredential, CaBundle, CapacityPatch, CredentialOptions,
    CredentialSource, OperationHandle, PatchOutcome, PollOutcome, RetryAfterBounds, RetryConfig,
    ServiceRef,
};
use apim_capacity::domain::Sku;
use apimcap_sim::{self as sim, Seed, SimConfig, SimHandle};
use serde_json::Value;

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
pub const CLIENT_ID: &str = "22222222-2222-2222-2222-222222222222";
pub const SECRET: &str = "s3cret";
pub const READER_ID: &str = "33333333-3333-3333-3333-333333333333";
pub const MANAGED_ID: &str = "44444444-4444-4444-4444-444444444444";

pub const SEED: &str = r#"
resourceGroups:
  - name: rg-empty
services:
  - resourceGroup: rg-payments
    name: payments-apim
    location: westeurope
    sku: Standard
    capacity: 1
  - resourceGroup: rg-global
    name: global-apim
    location: West Europe
    sku: Premium
    capacity: 2
    zones: ["1", "2"]
    additionalLocations:
      - location: eastus
        capacity: 2
        zones: ["1", "2"]
      - location: northeurope
        capacity: 1
        disableGateway: true
  - resourceGroup: rg-v2
    name: v2-apim
    location: westeurope
    sku: StandardV2
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

/// Test defaults: 1 s `Retry-After`, operations of 300 ms.
pub fn sim_config() -> SimConfig {
    SimConfig {
        seed: Seed::parse(SEED).expect("seed parses"),
        retry_after: 1,
        operation_duration: Some(Duration::from_millis(300)),
        ..SimConfig::default()
    }
}

pub async fn start(config: SimConfig) -> SimHandle {
    sim::start(config).await.expect("simulator starts")
}

pub fn payments() -> ServiceRef {
    ServiceRef::new(SUB, "rg-payments", "payments-apim")
}

pub fn global() -> ServiceRef {
    ServiceRef::new(SUB, "rg-global", "global-apim")
}

pub fn v2() -> ServiceRef {
    ServiceRef::new(SUB, "rg-v2", "v2-apim")
}

/// The client configuration for a simulator: its CA, 1 s poll bounds, short backoffs.
pub fn arm_config(sim: &SimHandle) -> ArmConfig {
    arm_config_at(sim.base_url(), sim.ca_pem())
}

/// [`arm_config`] for the simulator at `base_url` whose CA is `ca_pem` (from a process that
/// does not hold the simulator's handle).
pub fn arm_config_at(base_url: &str, ca_pem: &str) -> ArmConfig {
    let mut config = ArmConfig::custom(
        base_url.parse().expect("base URL"),
        "https://management.azure.com/.default",
    );
    config.ca_bundle = Some(CaBundle::Pem(ca_pem.to_string()));
    config.request_timeout = Duration::from_secs(10);
    config.retry = RetryConfig {
        max_attempts: 6,
        max_elapsed: Duration::from_secs(20),
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
    };
    config.retry_after = RetryAfterBounds {
        min: Duration::from_secs(1),
        max: Duration::from_secs(10),
        default: Duration::from_secs(1),
    };
    config
}

/// Options that send token requests to the simulator over HTTPS trusting its CA.
pub fn credential_options(sim: &SimHandle, config: &ArmConfig) -> CredentialOptions {
    credential_options_at(sim.base_url(), config)
}

/// [`credential_options`] for the simulator at `base_url`.
pub fn credential_options_at(base_url: &str, config: &ArmConfig) -> CredentialOptions {
    CredentialOptions {
        authority_host: Some(base_url.parse().expect("authority URL")),
        http_client: Some(
            build_http_client(&HttpClientSettings::from(config)).expect("HTTPS client"),
        ),
    }
}

pub fn secret_credential(
    sim: &SimHandle,
    config: &ArmConfig,
    client_id: &str,
    secret: &str,
) -> ArmCredential {
    let source = CredentialSource::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: client_id.into(),
        client_secret: secret.into(),
    };
    build_credential(&source, &credential_options(sim, config))
        .expect("credential builds")
        .expect("a credential")
}

/// A client authenticated as the full-access service principal.
pub fn client(sim: &SimHandle) -> ArmClient {
    let config = arm_config(sim);
    let credential = secret_credential(sim, &config, CLIENT_ID, SECRET);
    ArmClient::new(config, credential).expect("client builds")
}

/// A plain HTTPS client for the admin endpoint.
pub fn admin_http(sim: &SimHandle) -> reqwest::Client {
    apim_capacity::azure::tls::install_crypto_provider();
    let cert = reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).expect("CA PEM");
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .expect("admin client")
}

pub async fn admin(
    sim: &SimHandle,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = admin_http(sim).request(method, format!("{}{path}", sim.admin_url()));
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

pub async fn admin_post(sim: &SimHandle, path: &str, body: Value) -> Value {
    admin(sim, reqwest::Method::POST, path, Some(body)).await
}

/// The simulator's request log.
pub async fn requests(sim: &SimHandle) -> Vec<Value> {
    admin(sim, reqwest::Method::GET, "/requests", None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn clear_requests(sim: &SimHandle) {
    admin(sim, reqwest::Method::DELETE, "/requests", None).await;
}

pub fn of_kind<'a>(log: &'a [Value], kind: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["kind"] == kind).collect()
}

/// Polls like the controller would (sleeping the handle's Retry-After) until the
/// operation ends; returns the outcome and the number of polls.
pub async fn poll_to_end(api: &dyn ApimApi, handle: &OperationHandle) -> (PollOutcome, u32) {
    let mut wait = handle.retry_after;
    for polls in 1..=30 {
        tokio::time::sleep(wait).await;
        match api.poll_operation(handle).await.expect("poll") {
            PollOutcome::Running { retry_after } => wait = retry_after,
            outcome => return (outcome, polls),
        }
    }
    panic!("operation {} never ended", handle.url);
}

/// A credential handing out a fixed token (for servers that check none).
#[derive(Debug)]
pub struct StaticToken;

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Ok(azure_core::credentials::AccessToken::new(
            "static-test-token",
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

pub fn static_credential() -> ArmCredential {
    ArmCredential::new(Arc::new(StaticToken))
}

/// A single-region target.
pub fn units((sku, primary_units): (Sku, u32)) -> CapacityPatch {
    CapacityPatch {
        sku,
        primary_units,
        additional: vec![],
        zones: None,
    }
}

/// Scales payments-apim (Standard) and returns the operation handle.
pub async fn scale_payments(client: &ArmClient, to: u32) -> OperationHandle {
    let current = client.get_service(&payments()).await.expect("GET");
    match client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, to)))
        .await
        .expect("PATCH")
    {
        PatchOutcome::Started(handle) => handle,
        PatchOutcome::Done(_) => panic!("a unit change is a long-running operation"),
    }
}
