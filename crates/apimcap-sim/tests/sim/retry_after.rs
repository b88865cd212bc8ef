//! The switches that make the simulator send absurd `Retry-After` values, for testing
//! clients: on 202 answers and running polls, and on busy refusals (also injected on
//! demand while the service still reads idle).

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn accepted_changes_and_running_polls_carry_the_verbatim_retry_after() {
    let mut config = config();
    config.retry_after_text = Some("1e20".to_string());
    config.operation_duration = Some(std::time::Duration::from_secs(30));
    let sim = start(config).await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let response = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
        .await;
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1e20"));
    let location = header(&response, "location").expect("Location header");
    let running = sim.get(&location).await;
    assert_eq!(running.status().as_u16(), 202);
    assert_eq!(header(&running, "retry-after").as_deref(), Some("1e20"));
}

#[tokio::test]
async fn an_injected_busy_refuses_the_next_change_with_the_busy_retry_after() {
    let mut config = config();
    config.busy_retry_after = Some("100000".to_string());
    config.operation_duration = Some(std::time::Duration::from_secs(30));
    let sim = start(config).await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/faults", json!({"kind": "busy", "count": 1}))
        .await;
    let (_, idle) = sim.get_json(&path).await;
    assert_eq!(
        idle["properties"]["provisioningState"], "Succeeded",
        "reads are not refused and the service reads idle"
    );
    let change = json!({"sku": {"name": "Standard", "capacity": 2}});
    let refused = sim.patch(&path, &change).await;
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("100000"));
    let (status, code, _) = error_code(refused).await;
    assert_eq!((status, code.as_str()), (409, "Conflict"));
    let accepted = sim.patch(&path, &change).await;
    assert_eq!(accepted.status().as_u16(), 202, "only the next change");
    assert_eq!(header(&accepted, "retry-after").as_deref(), Some("1"));
    // A real busy refusal carries it too.
    let again = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 3}}))
        .await;
    assert_eq!(header(&again, "retry-after").as_deref(), Some("100000"));
    assert_eq!(again.status().as_u16(), 409);
    let log = sim.requests().await;
    let injected: Vec<_> = log
        .iter()
        .filter(|e| e["fault"] == "injected-busy")
        .collect();
    assert_eq!(injected.len(), 1, "{log:#?}");
    assert_eq!(injected[0]["method"], "PATCH");
}

#[tokio::test]
async fn without_the_switches_there_is_no_busy_retry_after() {
    let sim = start_default().await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    sim.admin_post("/faults", json!({"kind": "busy", "count": 1}))
        .await;
    let refused = sim
        .patch(&path, &json!({"sku": {"name": "Standard", "capacity": 2}}))
        .await;
    assert_eq!(refused.status().as_u16(), 409);
    assert_eq!(header(&refused, "retry-after"), None);
}
