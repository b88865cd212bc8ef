use std::time::Duration;

use serde_json::json;
use url::Url;

use crate::azure::error::AzureError;
use crate::azure::lro::{
    OperationHandle, OperationStatus, PollOutcome, PollReading, PollStyle, operation_status,
    operation_url, read_poll_answer, subscription_of, validate_operation_url,
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

const ARM: &str = "https://management.azure.com";
/// As the 2024-05-01 examples give it in both headers, and older recordings in `Location`.
const RESULT: &str = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/operationresults/ZWFzdHVzOmFuZHktdGVzdGluZy0yMDIyLTA0LTAxLXByZXZpZXctNF9BY3RfODQ2ZWE4Ng==?api-version=2024-05-01&asyncResponse";
/// The status URL under the service that Azure sends since May 2025.
const TENANT_STATUS: &str = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/tenant/operationResults/ZWFzdHVzOjQ0YTFfQWN0XzE5NWQ=?api-version=2024-05-01&asyncResponse";

fn chosen(
    status: Option<&str>,
    location: Option<&str>,
) -> Result<Option<(String, PollStyle)>, AzureError> {
    operation_url(status, location, &Url::parse(ARM).unwrap())
}

#[test]
fn every_header_style_azure_uses_gives_a_url_to_follow() {
    let cases = [
        // Older recordings: Location only.
        (None, Some(RESULT), Some((RESULT, PollStyle::Location))),
        // The 2024-05-01 examples: the same URL in both headers, read as Location.
        (
            Some(RESULT),
            Some(RESULT),
            Some((RESULT, PollStyle::Location)),
        ),
        // Since May 2025: both headers, the status URL under the service.
        (
            Some(TENANT_STATUS),
            Some(RESULT),
            Some((TENANT_STATUS, PollStyle::AzureAsyncOperation)),
        ),
        (
            Some(TENANT_STATUS),
            None,
            Some((TENANT_STATUS, PollStyle::AzureAsyncOperation)),
        ),
        (
            Some(TENANT_STATUS),
            Some("https://elsewhere.example.com/x"),
            Some((TENANT_STATUS, PollStyle::AzureAsyncOperation)),
        ),
        (None, None, None),
    ];
    for (status, location, expected) in cases {
        let expected = expected.map(|(url, style)| (url.to_string(), style));
        assert_eq!(
            chosen(status, location).unwrap(),
            expected,
            "{status:?} {location:?}"
        );
    }
}

#[test]
fn an_unusable_status_url_falls_back_to_location() {
    let long = format!("{ARM}/{}", "a".repeat(5000));
    for bad in [
        "https://elsewhere.example.com/subscriptions/s/operationResults/1",
        "not a url",
        "http://management.azure.com/subscriptions/s/operationResults/1",
        long.as_str(),
    ] {
        assert_eq!(
            chosen(Some(bad), Some(RESULT)).unwrap(),
            Some((RESULT.to_string(), PollStyle::Location)),
            "{bad}"
        );
        assert!(
            matches!(
                chosen(Some(bad), None),
                Err(AzureError::InvalidOperationUrl(_))
            ),
            "{bad} without Location"
        );
    }
    assert!(matches!(
        chosen(None, Some("https://elsewhere.example.com/op/1")),
        Err(AzureError::InvalidOperationUrl(_))
    ));
}

fn service_body() -> String {
    super::premium_body().to_string()
}

#[test]
fn poll_answers_are_read_by_the_style_of_their_url() {
    use PollStyle::{AzureAsyncOperation as Status, Location};
    let failed = r#"{"status": "Failed", "error": {"code": "ScaleInLimitExceeded", "message": "at most 25 %"}}"#;
    let refused = r#"{"error": {"code": "Conflict", "message": "another operation"}}"#;
    let canceled = r#"{"error": {"code": "OperationCanceled", "message": "canceled"}}"#;
    let running = r#"{"status": "InProgress"}"#;
    let service = service_body();
    let cases: Vec<(PollStyle, u16, &str, &str)> = vec![
        (Location, 202, "", "running"),
        (Location, 200, running, "running"),
        (Location, 200, &service, "succeeded with the service"),
        (Location, 200, "", "succeeded"),
        (Location, 204, "", "succeeded"),
        (Location, 200, r#"{"status": "Succeeded"}"#, "succeeded"),
        (Location, 409, refused, "failed Conflict"),
        (Location, 400, canceled, "canceled"),
        (Location, 404, "", "read failed"),
        (Location, 200, "<html>", "malformed"),
        (Location, 200, r#"{"unexpected": true}"#, "not a service"),
        (Status, 200, running, "running"),
        (Status, 202, "", "running"),
        (Status, 200, r#"{"status": "Succeeded"}"#, "succeeded"),
        (Status, 200, failed, "failed ScaleInLimitExceeded"),
        (Status, 200, r#"{"status": "Canceled"}"#, "canceled"),
        (Status, 200, "", "malformed"),
        (Status, 403, refused, "read failed"),
        (Status, 409, refused, "read failed"),
    ];
    for (style, status, body, expected) in cases {
        let reading = read_poll_answer(style, status, body.as_bytes());
        let seen = match &reading {
            PollReading::Running => "running".to_string(),
            PollReading::Ended(PollOutcome::Succeeded(Some(_))) => {
                "succeeded with the service".into()
            }
            PollReading::Ended(PollOutcome::Succeeded(None)) => "succeeded".into(),
            PollReading::Ended(PollOutcome::Failed(error)) => format!("failed {}", error.code),
            PollReading::Ended(PollOutcome::Canceled) => "canceled".into(),
            PollReading::Ended(PollOutcome::Running { .. }) => "running outcome".into(),
            PollReading::Malformed(_) => "malformed".into(),
            PollReading::BadService(_) => "not a service".into(),
            PollReading::ReadFailed => "read failed".into(),
        };
        assert_eq!(seen, expected, "{style:?} {status} {body}");
    }
}
