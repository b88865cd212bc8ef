//! The ARM client against the simulator when things go wrong: busy services, throttling,
//! server errors, dropped connections, expired tokens, missing rights, refusals.

use std::time::{Duration, Instant};

use crate::support::*;
use apim_capacity::azure::{
    ApimApi, ArmClient, AzureError, ErrorKind, ErrorReason, PatchOutcome, PollOutcome,
};
use apim_capacity::domain::Sku;
use serde_json::json;

#[tokio::test]
async fn a_busy_service_is_a_waiting_error_with_azures_message() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&payments()).await.unwrap();
    admin_post(&sim, "/services/payments-apim/busy", json!({"seconds": 30})).await;
    let error = client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 2)))
        .await
        .expect_err("busy");
    assert!(matches!(error, AzureError::Busy(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Waiting);
    assert_eq!(error.reason(), ErrorReason::ServiceBusy);
    assert_eq!(error.azure_code(), Some("Conflict"));
    assert!(
        error
            .to_string()
            .contains("another operation is in progress"),
        "{error}"
    );
    let log = requests(&sim).await;
    let patches = of_kind(&log, "arm")
        .into_iter()
        .filter(|e| e["method"] == "PATCH")
        .count();
    assert_eq!(patches, 1, "409 is not retried");
}

#[tokio::test]
async fn a_429_storm_is_waited_out_honouring_retry_after() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    client.get_service(&payments()).await.unwrap();
    clear_requests(&sim).await;
    admin_post(
        &sim,
        "/faults",
        json!({"kind": "throttle", "count": 3, "retryAfterSeconds": 1}),
    )
    .await;
    let started = Instant::now();
    client
        .get_service(&payments())
        .await
        .expect("succeeds after the storm");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let statuses: Vec<u64> = of_kind(&requests(&sim).await, "arm")
        .iter()
        .filter_map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(statuses, vec![429, 429, 429, 200]);
}

#[tokio::test]
async fn throttling_past_the_budget_is_a_transient_error_with_retry_after() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    admin_post(
        &sim,
        "/faults",
        json!({"kind": "throttle", "count": 50, "retryAfterSeconds": 1}),
    )
    .await;
    let error = client
        .get_service(&payments())
        .await
        .expect_err("throttled");
    assert!(matches!(error, AzureError::Throttled(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Transient);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    let ids = error.request_ids().expect("ids");
    assert!(ids.request_id.is_some() && ids.correlation_request_id.is_some());
    let arm = requests(&sim).await;
    assert_eq!(of_kind(&arm, "arm").len(), 6, "max_attempts");
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    client.get_service(&payments()).await.unwrap();
    admin_post(
        &sim,
        "/faults",
        json!({"kind": "serverError", "count": 2, "status": 503}),
    )
    .await;
    client
        .get_service(&payments())
        .await
        .expect("5xx then success");
    admin_post(&sim, "/faults", json!({"kind": "drop", "count": 2})).await;
    client
        .get_service(&payments())
        .await
        .expect("dropped then success");

    // A PATCH is not resent after a dropped connection: Azure may have taken it.
    let current = client.get_service(&payments()).await.unwrap();
    admin_post(&sim, "/faults", json!({"kind": "drop", "count": 1})).await;
    let error = client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 2)))
        .await
        .expect_err("dropped");
    assert_eq!(error.kind(), ErrorKind::Transient, "{error:?}");
    assert_eq!(error.reason(), ErrorReason::ConnectionFailed);
    // A PATCH refused with 5xx was not applied and is retried.
    admin_post(&sim, "/faults", json!({"kind": "serverError", "count": 1})).await;
    let outcome = client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 2)))
        .await
        .expect("5xx then accepted");
    assert!(matches!(outcome, PatchOutcome::Started(_)));
}

#[tokio::test]
async fn tokens_are_cached_and_an_expired_token_is_replaced_once() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    for _ in 0..5 {
        client.get_service(&payments()).await.unwrap();
    }
    let log = requests(&sim).await;
    assert_eq!(of_kind(&log, "token").len(), 1, "one token for five calls");

    admin_post(&sim, "/tokens/expire", json!({})).await;
    clear_requests(&sim).await;
    client
        .get_service(&payments())
        .await
        .expect("refreshed after 401");
    let log = requests(&sim).await;
    let statuses: Vec<u64> = of_kind(&log, "arm")
        .iter()
        .filter_map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(statuses, vec![401, 200]);
    assert_eq!(of_kind(&log, "token").len(), 1, "one new token");
}

#[tokio::test]
async fn short_lived_tokens_expire_mid_run_without_failures() {
    let mut config = sim_config();
    config.auth.token_lifetime = Duration::from_secs(2);
    let sim = start(config).await;
    let client = client(&sim);
    let handle = scale_payments(&client, 2).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(matches!(
        poll_to_end(&client, &handle).await.0,
        PollOutcome::Succeeded(_)
    ));
    client
        .get_service(&payments())
        .await
        .expect("GET with a new token");
    let log = requests(&sim).await;
    assert!(of_kind(&log, "token").len() >= 2);
    assert!(
        of_kind(&log, "arm").iter().all(|e| e["status"] != 401),
        "tokens near expiry are replaced before use"
    );
}

#[tokio::test]
async fn missing_rights_and_missing_services_are_terminal() {
    let sim = start(sim_config()).await;
    let config = arm_config(&sim);
    let reader = ArmClient::new(
        config.clone(),
        secret_credential(&sim, &config, READER_ID, "reader"),
    )
    .unwrap();
    let current = reader
        .get_service(&payments())
        .await
        .expect("the reader may read");
    let error = reader
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 2)))
        .await
        .expect_err("no write right");
    assert!(matches!(error, AzureError::Forbidden(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Terminal);
    assert_eq!(error.azure_code(), Some("AuthorizationFailed"));

    let client = client(&sim);
    let missing = apim_capacity::azure::ServiceRef::new(SUB, "rg-payments", "nope");
    let error = client.get_service(&missing).await.expect_err("404");
    assert!(matches!(error, AzureError::NotFound(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Terminal);
    assert_eq!(error.azure_code(), Some("ResourceNotFound"));
    assert!(
        error
            .to_string()
            .contains("Microsoft.ApiManagement/service/nope"),
        "{error}"
    );
    let no_group = apim_capacity::azure::ServiceRef::new(SUB, "rg-nope", "nope");
    let error = client.get_service(&no_group).await.expect_err("404");
    assert_eq!(error.azure_code(), Some("ResourceGroupNotFound"));
}

#[tokio::test]
async fn azure_refusals_reach_the_user_verbatim() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&payments()).await.unwrap();
    let error = client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 9)))
        .await
        .expect_err("Standard has at most 4 units");
    assert!(matches!(error, AzureError::Refused(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Terminal);
    let failure = error.http_failure().unwrap();
    assert!(
        error.to_string().starts_with(&format!(
            "Azure refused the change ({}): {}",
            failure.error.code, failure.error.message
        )),
        "{error}"
    );

    let mut config = arm_config(&sim);
    config.api_version = "2019-01-01".into();
    let old = ArmClient::new(
        config.clone(),
        secret_credential(&sim, &config, CLIENT_ID, SECRET),
    )
    .unwrap();
    let error = old
        .get_service(&payments())
        .await
        .expect_err("old api-version");
    assert_eq!(error.azure_code(), Some("InvalidApiVersionParameter"));
}

#[tokio::test]
async fn a_write_carries_the_client_request_id_recorded_before_it_every_attempt() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&payments()).await.expect("GET");
    clear_requests(&sim).await;
    admin_post(
        &sim,
        "/faults",
        json!({"kind": "throttle", "count": 1, "retryAfterSeconds": 1}),
    )
    .await;
    let recorded = "0b7d6c1e-2a4f-4f7e-9a51-3c2d1e0f9a88";
    let writer = client.with_write_request_id(recorded);
    writer
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 2)))
        .await
        .expect("PATCH after one 429");
    writer.get_service(&payments()).await.expect("GET");
    let log = requests(&sim).await;
    let arm = of_kind(&log, "arm");
    let sent: Vec<(&str, &str)> = arm
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default(),
                e["clientRequestId"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        &sent[..2],
        &[("PATCH", recorded), ("PATCH", recorded)],
        "{sent:?}"
    );
    let (method, read_id) = sent[2];
    assert_eq!(method, "GET");
    assert_ne!(read_id, recorded, "reads get their own ids");
}
