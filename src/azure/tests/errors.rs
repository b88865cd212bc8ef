//! Error envelopes (bounded texts), HTTP status classification and the reasons of errors.

use std::time::Duration;

use crate::azure::error::{
    AzureError, AzureErrorBody, Call, ErrorKind, ErrorReason, HttpFailure, RequestIds,
};

fn ids() -> RequestIds {
    RequestIds {
        client_request_id: "c1".into(),
        request_id: Some("r1".into()),
        correlation_request_id: Some("k1".into()),
    }
}

fn http(call: Call, status: u16, body: &str) -> AzureError {
    AzureError::from_http(HttpFailure {
        call,
        status,
        error: AzureErrorBody::from_response(status, body.as_bytes()),
        ids: ids(),
        retry_after: (status == 429).then(|| Duration::from_secs(7)),
    })
}

#[test]
fn the_arm_envelope_parses_with_details_and_target() {
    let body = br#"{"error": {"code": "ValidationError", "message": "One or more fields are invalid.",
        "target": "properties.additionalLocations", "details": [{"code": "InvalidZone", "message": "Zone 4 does not exist.", "target": null}, "junk"],
        "additionalInfo": [{"type": "PolicyViolation", "info": {}}], "newField": 1}}"#;
    let error = AzureErrorBody::from_response(400, body);
    assert_eq!(error.code, "ValidationError");
    assert_eq!(error.message, "One or more fields are invalid.");
    assert_eq!(
        error.target.as_deref(),
        Some("properties.additionalLocations")
    );
    assert_eq!(error.details.len(), 1);
    assert_eq!(error.details[0].code, "InvalidZone");
    assert!(error.additional_info.is_some());
}

#[test]
fn odd_error_bodies_still_give_a_code_and_message() {
    let bare = AzureErrorBody::from_response(409, br#"{"code": "Conflict", "message": "busy"}"#);
    assert_eq!(
        (bare.code.as_str(), bare.message.as_str()),
        ("Conflict", "busy")
    );
    let empty = AzureErrorBody::from_response(503, b"");
    assert_eq!(empty.code, "HttpStatus503");
    assert_eq!(empty.message, "HTTP 503 with no error body");
    let html = AzureErrorBody::from_response(502, b"<html>Bad Gateway</html>");
    assert_eq!(html.message, "<html>Bad Gateway</html>");
    let nulls = AzureErrorBody::from_response(400, br#"{"error": {"code": null, "message": 5}}"#);
    assert_eq!(
        (nulls.code.as_str(), nulls.message.as_str()),
        ("HttpStatus400", "5")
    );
    let long = "x".repeat(5000);
    assert!(
        AzureErrorBody::from_response(500, long.as_bytes())
            .message
            .len()
            < 600
    );
}

#[test]
fn statuses_are_classified() {
    let envelope = r#"{"error": {"code": "C", "message": "M"}}"#;
    let cases = [
        (400, ErrorKind::Terminal, ErrorReason::AzureRefused),
        (401, ErrorKind::Transient, ErrorReason::Unauthorized),
        (403, ErrorKind::Terminal, ErrorReason::Forbidden),
        (404, ErrorKind::Terminal, ErrorReason::NotFound),
        (409, ErrorKind::Waiting, ErrorReason::ServiceBusy),
        (429, ErrorKind::Transient, ErrorReason::Throttled),
        (500, ErrorKind::Transient, ErrorReason::AzureServerError),
        (503, ErrorKind::Transient, ErrorReason::AzureServerError),
        (405, ErrorKind::Terminal, ErrorReason::UnexpectedStatus),
        (302, ErrorKind::Terminal, ErrorReason::UnexpectedStatus),
    ];
    for (status, kind, reason) in cases {
        let error = http(Call::GetService, status, envelope);
        assert_eq!((error.kind(), error.reason()), (kind, reason), "{status}");
        assert_eq!(error.azure_code(), Some("C"));
        assert_eq!(error.request_ids(), Some(&ids()));
    }
    assert_eq!(
        http(Call::GetService, 429, envelope).retry_after(),
        Some(Duration::from_secs(7))
    );
}

#[test]
fn display_gives_azures_code_and_message_verbatim() {
    let error = http(
        Call::PatchCapacity,
        400,
        r#"{"error": {"code": "InvalidParameters", "message": "For Consumption SKU Type capacity must be specified as 0."}}"#,
    );
    assert_eq!(
        error.to_string(),
        "Azure refused the change (InvalidParameters): For Consumption SKU Type capacity must be specified as 0."
    );
    let error = http(
        Call::GetService,
        404,
        r#"{"error": {"code": "ResourceNotFound", "message": "The Resource 'Microsoft.ApiManagement/service/x' under resource group 'rg' was not found."}}"#,
    );
    assert!(
        error
            .to_string()
            .contains("(ResourceNotFound): The Resource 'Microsoft.ApiManagement/service/x'")
    );
    let error = http(
        Call::PatchCapacity,
        400,
        r#"{"error": {"code": "ValidationError", "message": "bad", "target": "sku.capacity"}}"#,
    );
    assert_eq!(
        error.to_string(),
        "Azure refused the change (ValidationError): bad (target sku.capacity)"
    );
}

#[test]
fn reasons_are_pascal_case_and_other_failures_are_classified() {
    let errors = [
        AzureError::Config("x".into()),
        AzureError::Credential {
            message: "x".into(),
            transient: true,
        },
        AzureError::SecretNotFound {
            namespace: "ns".into(),
            name: "sp".into(),
        },
        AzureError::Timeout {
            call: Call::GetService,
            message: "x".into(),
            ids: ids(),
        },
        AzureError::Connection {
            call: Call::PollOperation,
            message: "x".into(),
            ids: ids(),
        },
        AzureError::Malformed {
            call: Call::GetService,
            message: "x".into(),
            ids: ids(),
        },
        AzureError::UnknownSku {
            sku: "Gold".into(),
            ids: ids(),
        },
        AzureError::MissingOperationUrl {
            status: 202,
            ids: ids(),
        },
    ];
    let kinds: Vec<ErrorKind> = errors.iter().map(AzureError::kind).collect();
    assert_eq!(
        kinds,
        vec![
            ErrorKind::Terminal,
            ErrorKind::Transient,
            ErrorKind::Terminal,
            ErrorKind::Transient,
            ErrorKind::Transient,
            ErrorKind::Transient,
            ErrorKind::Terminal,
            ErrorKind::Waiting,
        ]
    );
    for error in &errors {
        let reason = error.reason().as_str();
        assert!(
            reason
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
        );
        assert!(
            reason.chars().all(|c| c.is_ascii_alphanumeric()),
            "{reason}"
        );
    }
}

#[test]
fn a_409_is_busy_unless_a_management_lock_refused_it() {
    let locked = http(
        Call::PatchCapacity,
        409,
        r#"{"error": {"code": "ScopeLocked", "message": "The scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim' cannot perform write operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/rg'. Please remove the lock and try again."}}"#,
    );
    assert_eq!(
        (locked.kind(), locked.reason()),
        (ErrorKind::Terminal, ErrorReason::ScopeLocked)
    );
    assert!(matches!(locked, AzureError::Locked(_)));
    assert_eq!(
        locked.to_string(),
        "a management lock forbids the change (ScopeLocked): The scope \
         '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim' \
         cannot perform write operation because following scope(s) are locked: \
         '/subscriptions/s/resourceGroups/rg'. Please remove the lock and try again."
    );
    let nested = http(
        Call::PatchCapacity,
        409,
        r#"{"error": {"code": "Conflict", "message": "x", "details": [{"code": "ScopeLocked", "message": "locked"}]}}"#,
    );
    assert_eq!(nested.reason(), ErrorReason::ScopeLocked);
    for code in [
        "Conflict",
        "PessimisticConcurrencyConflict",
        "ServiceLocked",
        "",
    ] {
        let busy = http(
            Call::PatchCapacity,
            409,
            &format!(
                r#"{{"error": {{"code": "{code}", "message": "an operation is in progress"}}}}"#
            ),
        );
        assert_eq!(
            (busy.kind(), busy.reason()),
            (ErrorKind::Waiting, ErrorReason::ServiceBusy),
            "{code}"
        );
    }
}

#[test]
fn availability_zones_refused_for_the_subscription_is_its_own_terminal_reason() {
    let refused = http(
        Call::PatchCapacity,
        400,
        r#"{"error": {"code": "NotSupported", "message": "Subscription 00000000-0000-0000-0000-000000000000 is not enabled for Availability Zone deployment in location 'Canada East'."}}"#,
    );
    assert_eq!(
        (refused.kind(), refused.reason()),
        (
            ErrorKind::Terminal,
            ErrorReason::AvailabilityZonesNotEnabled
        )
    );
    assert!(refused.to_string().ends_with(
        "(NotSupported): Subscription 00000000-0000-0000-0000-000000000000 is not enabled for \
         Availability Zone deployment in location 'Canada East'."
    ));
    let other = http(
        Call::PatchCapacity,
        400,
        r#"{"error": {"code": "NotSupported", "message": "Something else."}}"#,
    );
    assert_eq!(other.reason(), ErrorReason::AzureRefused);
}

#[test]
fn a_forbidden_subnet_read_names_its_call() {
    let forbidden = http(
        Call::GetSubnet,
        403,
        r#"{"error": {"code": "AuthorizationFailed", "message": "does not have authorization to perform action 'Microsoft.Network/virtualNetworks/subnets/read'"}}"#,
    );
    assert_eq!(forbidden.reason(), ErrorReason::Forbidden);
    assert_eq!(forbidden.call(), Some(Call::GetSubnet));
    assert!(
        forbidden
            .to_string()
            .starts_with("the Azure identity may not do reading the subnet")
    );
    assert_eq!(http(Call::GetSkus, 404, "").call(), Some(Call::GetSkus));
    assert_eq!(AzureError::Config("x".into()).call(), None);
}

/// `text` is `original` cut on a character boundary to at most 4 KiB, `…` marking the cut.
fn assert_cut(text: &str, original: &str) {
    assert!(text.len() <= 4096, "{} bytes kept", text.len());
    let kept = text.strip_suffix('…').expect("the cut is marked");
    assert!(original.starts_with(kept), "a prefix of Azure's text");
    assert!(kept.len() > 4000, "most of 4 KiB is kept: {}", kept.len());
}

#[test]
fn long_azure_messages_and_targets_are_cut_to_4_kib_on_a_char_boundary() {
    // Three-byte characters, so 4096 falls inside one.
    let message = "é€".repeat(3000);
    let target = "t€".repeat(3000);
    let body = serde_json::json!({"error": {
        "code": "ValidationError", "message": message, "target": target,
        "details": [{"code": "Inner", "message": message}],
    }});
    let error = AzureErrorBody::from_response(400, body.to_string().as_bytes());
    assert_eq!(error.code, "ValidationError");
    assert_cut(&error.message, &message);
    assert_cut(error.target.as_deref().unwrap_or_default(), &target);
    assert_cut(&error.details[0].message, &message);
    let shown = http(Call::PatchCapacity, 400, &body.to_string()).to_string();
    assert!(shown.len() < 9000, "{} bytes in the error", shown.len());

    // The same in an operation status body, and for a message that is not a string.
    let status =
        serde_json::json!({"status": "Failed", "error": {"code": "X", "message": message}});
    let Some(crate::azure::lro::OperationStatus::Failed(failed)) =
        crate::azure::lro::operation_status(&status)
    else {
        panic!("a failed status");
    };
    assert_cut(&failed.message, &message);
    let numbers: Vec<u32> = (0..2000).collect();
    let odd = serde_json::json!({"error": {"code": "X", "message": numbers}});
    let odd = AzureErrorBody::from_response(400, odd.to_string().as_bytes());
    assert_cut(&odd.message, &serde_json::json!(numbers).to_string());

    // Short texts are kept verbatim.
    let short = r#"{"error": {"code": "C", "message": "M€"}}"#;
    let short = AzureErrorBody::from_response(400, short.as_bytes());
    assert_eq!(short.message, "M€");
}
