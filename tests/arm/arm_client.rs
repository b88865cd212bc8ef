//! The ARM client against the simulator over HTTPS: reads, both LRO styles, failures,
//! busy services, throttling, server errors, token expiry, rights, and request ids.

use std::time::Duration;

use crate::support::*;
use apim_capacity::azure::{
    ApimApi, AzureError, CapacityPatch, ErrorKind, ErrorReason, OperationHandle, PatchOutcome,
    PollOutcome, PollStyle,
};
use apim_capacity::domain::{Location, ProvisioningState, RegionUnits, Sku};
use apimcap_sim::{AsyncHeader, LocationFinal};
use serde_json::json;

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
    let sim = start(apimcap_sim::SimConfig {
        async_header: AsyncHeader::None,
        ..sim_config()
    })
    .await;
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
async fn both_headers_by_default_poll_the_status_url_under_the_service() {
    let sim = start(sim_config()).await;
    let client = client(&sim);
    let handle = scale_payments(&client, 3).await;
    assert_eq!(handle.style, PollStyle::AzureAsyncOperation);
    assert!(
        handle
            .url
            .contains("/service/payments-apim/tenant/operationResults/"),
        "{}",
        handle.url
    );
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
async fn async_operation_style_polls_the_status_url() {
    let sim = start(apimcap_sim::SimConfig {
        async_header: AsyncHeader::Separate,
        ..sim_config()
    })
    .await;
    let client = client(&sim);
    let handle = scale_payments(&client, 3).await;
    assert_eq!(handle.style, PollStyle::AzureAsyncOperation);
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
        let sim = start(apimcap_sim::SimConfig {
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
    for header in [
        AsyncHeader::None,
        AsyncHeader::Separate,
        AsyncHeader::Service,
    ] {
        let sim = start(apimcap_sim::SimConfig {
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
        zones: None,
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
