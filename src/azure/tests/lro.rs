use std::time::Duration;

use serde_json::json;
use url::Url;

use crate::azure::error::AzureError;
use crate::azure::lro::{
    OperationHandle, OperationStatus, PollStyle, operation_status, subscription_of,
    validate_operation_url,
};

#[test]
fn operation_status_bodies_are_read() {
    assert_eq!(
        operation_status(&json!({"status": "InProgress"})),
        Some(OperationStatus::Running)
    );
    assert_eq!(
        operation_status(&json!({"status": "Accepted"})),
        Some(OperationStatus::Running)
    );
    assert_eq!(
        operation_status(&json!({"status": "succeeded"})),
        Some(OperationStatus::Succeeded)
    );
    assert_eq!(
        operation_status(&json!({"status": "Canceled"})),
        Some(OperationStatus::Canceled)
    );
    assert_eq!(operation_status(&json!({"id": "x"})), None);
    let Some(OperationStatus::Failed(error)) = operation_status(&json!({
        "status": "Failed",
        "error": {"code": "InvalidParameters", "message": "Premium only", "target": "sku"}
    })) else {
        panic!("failed status");
    };
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        ("InvalidParameters", "Premium only")
    );
    let Some(OperationStatus::Failed(error)) = operation_status(&json!({"status": "Failed"}))
    else {
        panic!("failed status");
    };
    assert_eq!(
        error.code, "OperationFailed",
        "a failure without error still says so"
    );
}

#[test]
fn operation_urls_must_be_on_the_arm_endpoint_and_short() {
    let arm = Url::parse("https://management.azure.com").unwrap();
    let ok = "https://management.azure.com/subscriptions/s1/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/x?api-version=2024-05-01";
    assert!(validate_operation_url(ok, &arm).is_ok());
    assert!(validate_operation_url("https://MANAGEMENT.azure.com:443/x", &arm).is_ok());
    for bad in [
        "https://evil.example.com/subscriptions/s1/x",
        "http://management.azure.com/x",
        "https://management.azure.com:8443/x",
        "/relative/path",
    ] {
        assert!(
            matches!(
                validate_operation_url(bad, &arm),
                Err(AzureError::InvalidOperationUrl(_))
            ),
            "{bad}"
        );
    }
    let long = format!("https://management.azure.com/{}", "a".repeat(4096));
    assert!(validate_operation_url(&long, &arm).is_err());
    let fits = format!("https://management.azure.com/{}", "a".repeat(4000));
    assert!(
        validate_operation_url(&fits, &arm).is_ok(),
        "URLs up to 4 KB are accepted"
    );
}

#[test]
fn the_subscription_is_found_in_operation_urls() {
    let url = Url::parse("https://h/subscriptions/abc/resourceGroups/rg/x").unwrap();
    assert_eq!(subscription_of(&url).as_deref(), Some("abc"));
    assert_eq!(
        subscription_of(&Url::parse("https://h/other").unwrap()),
        None
    );
}

#[test]
fn handles_survive_a_round_trip_through_json() {
    let handle = OperationHandle {
        url: "https://management.azure.com/subscriptions/s/x?api-version=2024-05-01".into(),
        style: PollStyle::AzureAsyncOperation,
        retry_after: Duration::from_secs(60),
        started_at: "2026-01-05T10:00:00Z".parse().unwrap(),
    };
    let text = serde_json::to_value(&handle).unwrap();
    assert_eq!(
        text,
        json!({
            "url": "https://management.azure.com/subscriptions/s/x?api-version=2024-05-01",
            "style": "AzureAsyncOperation",
            "retryAfterSeconds": 60,
            "startedAt": "2026-01-05T10:00:00Z"
        })
    );
    assert_eq!(
        serde_json::from_value::<OperationHandle>(text).unwrap(),
        handle
    );
}
