//! Answers the simulator never gives, from a canned HTTP server on loopback: bodies that
//! are not JSON or not a service, 202 without an operation URL, and silence (timeouts).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::static_credential;
use apim_capacity::azure::{
    ApimApi, ArmClient, ArmConfig, AzureError, CapacityPatch, ErrorKind, ErrorReason,
    OperationHandle, PollOutcome, PollStyle, ServiceRef,
};
use apim_capacity::domain::Sku;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// `None` never answers (the client times out).
type Canned = Option<String>;

struct CannedServer {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn serve(answers: Vec<Canned>) -> CannedServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answers = Arc::clone(&answers);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).to_string());
                let answer = answers.lock().unwrap().pop_front().flatten();
                match answer {
                    Some(text) => {
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    CannedServer { base, requests }
}

fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> Canned {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    Some(text)
}

fn client(server: &CannedServer) -> ArmClient {
    let mut config = ArmConfig::custom(
        server.base.parse().unwrap(),
        "https://management.azure.com/.default",
    );
    config.request_timeout = Duration::from_millis(300);
    config.retry.base_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(50);
    config.retry.max_attempts = 3;
    ArmClient::new(config, static_credential()).unwrap()
}

fn service() -> ServiceRef {
    ServiceRef::new("sub", "rg", "apim")
}

const SERVICE: &str = r#"{"id": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim",
  "location": "West Europe", "sku": {"name": "Standard", "capacity": 1},
  "properties": {"provisioningState": "Succeeded", "targetProvisioningState": ""}}"#;

#[tokio::test]
async fn bodies_that_are_not_services_are_clear_errors() {
    for body in [
        "this is not json",
        "{\"sku\": 3}",
        "[]",
        "",
        "{\"location\": \"westeurope\", \"sku\": {\"name\": \"Standard\", \"capacity\": \"many\"}}",
    ] {
        let server = serve(vec![answer(
            "200 OK",
            &[("content-type", "application/json")],
            body,
        )])
        .await;
        let error = client(&server)
            .get_service(&service())
            .await
            .expect_err(body);
        assert!(
            matches!(error, AzureError::Malformed { .. }),
            "{body}: {error:?}"
        );
        assert_eq!(error.reason(), ErrorReason::MalformedResponse);
        assert!(
            error.to_string().contains("could not be understood"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn request_ids_are_sent_and_reported() {
    let server = serve(vec![answer(
        "404 Not Found",
        &[
            ("x-ms-request-id", "req-1"),
            ("x-ms-correlation-request-id", "corr-1"),
        ],
        r#"{"error": {"code": "ResourceNotFound", "message": "gone"}}"#,
    )])
    .await;
    let error = client(&server)
        .get_service(&service())
        .await
        .expect_err("404");
    let ids = error.request_ids().unwrap();
    assert_eq!(ids.request_id.as_deref(), Some("req-1"));
    assert_eq!(ids.correlation_request_id.as_deref(), Some("corr-1"));
    let request = server.requests.lock().unwrap()[0].to_lowercase();
    assert!(
        request.contains(&format!(
            "x-ms-client-request-id: {}",
            ids.client_request_id
        )),
        "{request}"
    );
    assert!(request.contains("authorization: bearer static-test-token"));
    assert!(request.starts_with("get /subscriptions/sub/resourcegroups/rg/providers/microsoft.apimanagement/service/apim?api-version=2024-05-01 "), "{request}");
}

#[tokio::test]
async fn accepted_without_an_operation_url_is_a_waiting_error() {
    let server = serve(vec![
        answer("200 OK", &[], SERVICE),
        answer("202 Accepted", &[("retry-after", "60")], ""),
    ])
    .await;
    let client = client(&server);
    let current = client.get_service(&service()).await.unwrap();
    let target = CapacityPatch {
        sku: Sku::Standard,
        primary_units: 2,
        additional: vec![],
        zones: None,
    };
    let error = client
        .patch_capacity(&service(), &current, &target)
        .await
        .expect_err("no URL");
    assert!(
        matches!(error, AzureError::MissingOperationUrl { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Waiting);
}

#[tokio::test]
async fn an_operation_url_on_another_host_is_refused_at_patch_time() {
    let server = serve(vec![
        answer("200 OK", &[], SERVICE),
        answer(
            "202 Accepted",
            &[("location", "https://elsewhere.example.com/op/1")],
            "",
        ),
    ])
    .await;
    let client = client(&server);
    let current = client.get_service(&service()).await.unwrap();
    let target = CapacityPatch {
        sku: Sku::Standard,
        primary_units: 2,
        additional: vec![],
        zones: None,
    };
    let error = client
        .patch_capacity(&service(), &current, &target)
        .await
        .expect_err("refused");
    assert_eq!(error.reason(), ErrorReason::InvalidOperationUrl);
}

#[tokio::test]
async fn operation_status_bodies_are_read_leniently_and_retry_after_is_bounded() {
    let server = serve(vec![
        answer(
            "200 OK",
            &[("retry-after", "1")],
            r#"{"status": "InProgress"}"#,
        ),
        answer(
            "200 OK",
            &[],
            r#"{"status": "Running", "percentComplete": 50}"#,
        ),
        answer("200 OK", &[], "garbage"),
        answer("200 OK", &[], r#"{"status": "Canceled"}"#),
        answer("500 Internal Server Error", &[], ""),
        answer("500 Internal Server Error", &[], ""),
        answer("500 Internal Server Error", &[], ""),
    ])
    .await;
    let client = client(&server);
    let handle = OperationHandle {
        url: format!(
            "{}/subscriptions/sub/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/1",
            server.base
        ),
        style: PollStyle::AzureAsyncOperation,
        retry_after: Duration::from_secs(60),
        started_at: jiff::Timestamp::now(),
    };
    assert_eq!(
        client.poll_operation(&handle).await.unwrap(),
        PollOutcome::Running {
            retry_after: Duration::from_secs(10)
        },
        "Retry-After: 1 is raised to the 10 s floor"
    );
    assert_eq!(
        client.poll_operation(&handle).await.unwrap(),
        PollOutcome::Running {
            retry_after: Duration::from_secs(60)
        },
        "no Retry-After means 60 s"
    );
    let error = client.poll_operation(&handle).await.expect_err("garbage");
    assert_eq!(error.reason(), ErrorReason::MalformedResponse);
    assert_eq!(
        client.poll_operation(&handle).await.unwrap(),
        PollOutcome::Canceled
    );
    let error = client
        .poll_operation(&handle)
        .await
        .expect_err("status URL failing");
    assert_eq!(
        error.reason(),
        ErrorReason::AzureServerError,
        "reading the status failed, not the operation"
    );
}

#[tokio::test]
async fn silence_times_out_and_reads_are_retried() {
    let server = serve(vec![None, None, answer("200 OK", &[], SERVICE)]).await;
    client(&server)
        .get_service(&service())
        .await
        .expect("third attempt answers");
    assert_eq!(server.requests.lock().unwrap().len(), 3);

    let server = serve(vec![None, None, None]).await;
    let error = client(&server)
        .get_service(&service())
        .await
        .expect_err("timeout");
    assert!(matches!(error, AzureError::Timeout { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Transient);
}
