//! The ARM client against the simulator over HTTPS: reads, both LRO styles, failures,
//! busy services, throttling, server errors, token expiry, rights, and request ids.

mod arm_client_support;

use std::time::{Duration, Instant};

use apim_capacity::azure::{
    ApimApi, ArmClient, AzureError, CapacityPatch, ErrorKind, ErrorReason, OperationHandle,
    PatchOutcome, PollOutcome, PollStyle,
};
use apim_capacity::domain::{Location, ProvisioningState, RegionUnits, Sku};
use apim_capacity::sim::{AsyncHeader, LocationFinal};
use arm_client_support::*;
use serde_json::json;

fn units(client_target: (Sku, u32)) -> CapacityPatch {
    CapacityPatch {
        sku: client_target.0,
        primary_units: client_target.1,
        additional: vec![],
    }
}

async fn scale_payments(client: &ArmClient, to: u32) -> OperationHandle {
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

#[tokio::test]
async fn get_reads_a_multi_region_service_with_request_ids() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let service = client.get_service(&global()).await.expect("GET");
    let live = &service.live;
    assert_eq!(live.sku, Sku::Premium);
    assert_eq!(live.provisioning_state, ProvisioningState::Succeeded);
    let regions: Vec<(&str, u32, bool)> = live
        .regions
        .iter()
        .map(|r| (r.location.as_str(), r.units, r.primary))
        .collect();
    assert_eq!(
        regions,
        vec![
            ("westeurope", 2, true),
            ("eastus", 2, false),
            ("northeurope", 1, false)
        ]
    );
    assert!(service.etag.is_some());

    let log = requests(&sim).await;
    let arm = of_kind(&log, "arm");
    assert_eq!(arm.len(), 1);
    assert_eq!(arm[0]["method"], "GET");
    assert!(
        arm[0]["query"]
            .as_str()
            .unwrap()
            .contains("api-version=2024-05-01")
    );
    let id = arm[0]["clientRequestId"]
        .as_str()
        .expect("x-ms-client-request-id sent");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn location_style_operation_202_then_200_with_the_resource() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let handle = scale_payments(&client, 2).await;
    assert_eq!(handle.style, PollStyle::Location);
    assert_eq!(handle.retry_after, Duration::from_secs(1));
    assert!(handle.url.starts_with(sim.base_url()));

    let (outcome, _) = poll_to_end(&client, &handle).await;
    let PollOutcome::Succeeded(Some(service)) = outcome else {
        panic!("Location style ends with the resource: {outcome:?}");
    };
    assert_eq!(service.live.regions[0].units, 2);
    assert_eq!(
        client.get_service(&payments()).await.unwrap().live.regions[0].units,
        2
    );

    let log = requests(&sim).await;
    let patch = of_kind(&log, "arm")
        .into_iter()
        .find(|e| e["method"] == "PATCH")
        .expect("a PATCH");
    assert_eq!(
        patch["body"],
        json!({"sku": {"name": "Standard", "capacity": 2}})
    );
    assert_eq!(patch["hasCustomProperties"], false);
}

#[tokio::test]
async fn async_operation_style_polls_the_status_url() {
    let sim = start(apim_capacity::sim::SimConfig {
        async_header: AsyncHeader::Separate,
        ..sim_config()
    })
    .await;
    let client = client(&sim);
    let handle = scale_payments(&client, 3).await;
    assert_eq!(handle.style, PollStyle::AsyncOperation);
    assert!(handle.url.contains("operationStatuses"), "{}", handle.url);
    assert_eq!(
        poll_to_end(&client, &handle).await.0,
        PollOutcome::Succeeded(None)
    );
    assert_eq!(
        client.get_service(&payments()).await.unwrap().live.regions[0].units,
        3
    );
}

#[tokio::test]
async fn an_async_operation_url_equal_to_location_keeps_location_semantics() {
    for (final_answer, resource) in [
        (LocationFinal::Resource, true),
        (LocationFinal::Empty, false),
        (LocationFinal::NoContent, false),
    ] {
        let sim = start(apim_capacity::sim::SimConfig {
            async_header: AsyncHeader::SameAsLocation,
            location_final: final_answer,
            ..sim_config()
        })
        .await;
        let client = client(&sim);
        let handle = scale_payments(&client, 2).await;
        assert_eq!(handle.style, PollStyle::Location);
        match poll_to_end(&client, &handle).await.0 {
            PollOutcome::Succeeded(service) => assert_eq!(service.is_some(), resource),
            other => panic!("{final_answer:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_handle_resumes_after_a_restart() {
    let sim = start(sim_config()).await;
    let handle = scale_payments(&client(&sim), 4).await;
    let stored = serde_json::to_string(&handle).unwrap();
    let restarted = client(&sim);
    let resumed: OperationHandle = serde_json::from_str(&stored).unwrap();
    assert!(matches!(
        poll_to_end(&restarted, &resumed).await.0,
        PollOutcome::Succeeded(_)
    ));
}

#[tokio::test]
async fn a_failed_operation_reports_azures_error_in_both_styles() {
    for header in [AsyncHeader::None, AsyncHeader::Separate] {
        let sim = start(apim_capacity::sim::SimConfig {
            async_header: header,
            ..sim_config()
        })
        .await;
        admin_post(
            &sim,
            "/services/payments-apim/fail-next-operation",
            json!({"code": "InternalError", "message": "Scaling failed in westeurope."}),
        )
        .await;
        let client = client(&sim);
        let handle = scale_payments(&client, 2).await;
        match poll_to_end(&client, &handle).await.0 {
            PollOutcome::Failed(error) => {
                assert_eq!(error.code, "InternalError", "{header:?}");
                assert_eq!(error.message, "Scaling failed in westeurope.");
            }
            other => panic!("{header:?}: {other:?}"),
        }
    }
}

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
async fn regions_change_with_the_whole_array_and_kept_fields() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&global()).await.unwrap();
    let target = CapacityPatch {
        sku: Sku::Premium,
        primary_units: 2,
        additional: vec![
            RegionUnits {
                location: Location::new("eastus"),
                units: 4,
            },
            RegionUnits {
                location: Location::new("North Europe"),
                units: 1,
            },
            RegionUnits {
                location: Location::new("westus2"),
                units: 1,
            },
        ],
    };
    let PatchOutcome::Started(handle) = client
        .patch_capacity(&global(), &current, &target)
        .await
        .unwrap()
    else {
        panic!("a region change is a long-running operation");
    };
    assert!(matches!(
        poll_to_end(&client, &handle).await.0,
        PollOutcome::Succeeded(_)
    ));
    let after = client.get_service(&global()).await.unwrap();
    let east = after.live.region(&Location::new("eastus")).unwrap();
    assert_eq!(
        (east.units, east.zones.clone()),
        (4, vec!["1".to_string(), "2".to_string()])
    );
    assert_eq!(after.live.regions.len(), 4);
    let raw = after
        .additional_location_raw(&Location::new("northeurope"))
        .unwrap();
    assert_eq!(raw["disableGateway"], true, "kept fields survive");

    let log = requests(&sim).await;
    let patch = of_kind(&log, "arm")
        .into_iter()
        .find(|e| e["method"] == "PATCH")
        .unwrap();
    assert!(
        patch["body"].get("sku").is_none(),
        "the primary did not change"
    );
    let sent = patch["body"]["properties"]["additionalLocations"]
        .as_array()
        .unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0]["zones"], json!(["1", "2"]));
    assert!(sent[0].get("gatewayRegionalUrl").is_none());
    assert_eq!(patch["hasCustomProperties"], false);
}

#[tokio::test]
async fn v2_tiers_scale_with_the_default_api_version() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&v2()).await.unwrap();
    assert_eq!(current.live.sku, Sku::StandardV2);
    let outcome = client
        .patch_capacity(&v2(), &current, &units((Sku::StandardV2, 3)))
        .await
        .expect("v2 PATCH");
    if let PatchOutcome::Started(handle) = outcome {
        assert!(matches!(
            poll_to_end(&client, &handle).await.0,
            PollOutcome::Succeeded(_)
        ));
    }
    assert_eq!(
        client.get_service(&v2()).await.unwrap().live.regions[0].units,
        3
    );
}

#[tokio::test]
async fn nothing_to_change_sends_nothing() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let current = client.get_service(&payments()).await.unwrap();
    clear_requests(&sim).await;
    let outcome = client
        .patch_capacity(&payments(), &current, &units((Sku::Standard, 1)))
        .await
        .unwrap();
    assert_eq!(outcome, PatchOutcome::Done(current));
    assert!(of_kind(&requests(&sim).await, "arm").is_empty());
}

#[tokio::test]
async fn operation_urls_of_other_hosts_get_no_token() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let handle = OperationHandle {
        url: "https://attacker.example.com/subscriptions/x/operations/1".into(),
        style: PollStyle::Location,
        retry_after: Duration::from_secs(1),
        started_at: jiff::Timestamp::now(),
    };
    let error = client.poll_operation(&handle).await.expect_err("refused");
    assert_eq!(error.reason(), ErrorReason::InvalidOperationUrl);
    assert_eq!(error.kind(), ErrorKind::Terminal);
}

#[tokio::test]
async fn unknown_tiers_and_bad_values_are_clear_errors() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    admin_post(
        &sim,
        "/services/payments-apim/drift",
        json!({"sku": {"name": "Gold"}}),
    )
    .await;
    match client.get_service(&payments()).await {
        Err(AzureError::UnknownSku { sku, .. }) => assert_eq!(sku, "Gold"),
        other => panic!("{other:?}"),
    }
}
