//! Running in production: two replicas with leader election, SIGTERM, metrics, secrets that
//! never leak, and the namespace policy. The real control plane, the HTTPS simulator and
//! `apimcap run` processes.

use crate::support;

use std::time::Duration;

use crate::support::operator::{
    E2e, OPERATOR_SECRET, TEAM_CLIENT, TEAM_SECRET, TENANT, assert_no_overlap, secs, writes,
};
use crate::support::replicas::{Replica, http_get, metric};

fn operation_in_flight(obj: &serde_json::Value) -> bool {
    obj["status"]["operation"]["pollUrl"].is_string()
}

#[test]
fn only_the_leader_writes_and_a_standby_takes_over_the_operation_in_flight() {
    let mut e2e = E2e::builder("leader-election")
        .service("Standard", &[("westeurope", 1)])
        .without_operator()
        .start();
    let dir = e2e.cp.tempdir("replicas-");
    let lease = [
        "--leader-elect",
        "--lease-name=e2e-leader",
        "--lease-duration=4s",
    ];
    let ns_flag = format!("--lease-namespace={}", e2e.ns);
    let flags: Vec<&str> = lease.iter().copied().chain([ns_flag.as_str()]).collect();
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let mut first = Replica::start(&e2e, "replica-a", &kubeconfig, &flags, dir.path());
    first.wait_log("became the leader", secs(30));
    let second = Replica::start(&e2e, "replica-b", &kubeconfig, &flags, dir.path());
    second.wait_log("another replica leads; standing by", secs(30));
    let (code, _) = second.http_get("/readyz");
    assert_eq!(code, 200, "a standby is ready (it can take over)");
    let (_, standby_metrics) = second.http_get("/metrics");
    assert_eq!(metric(&standby_metrics, "apimcap_leader"), Some(0.0));

    e2e.apply_capacity("payments", "Standard", &[("westeurope", 3)], "");
    e2e.wait_for("payments", "started", secs(30), operation_in_flight);
    first.signal_and_wait(libc::SIGKILL, secs(5));
    second.wait_log("became the leader", secs(20));
    e2e.wait_ready("payments", secs(60));

    let requests = e2e.requests();
    let service = e2e.service().to_string();
    assert_eq!(
        writes(&requests, &service).len(),
        1,
        "one PATCH for one step, across both replicas"
    );
    assert_no_overlap(&requests, &service);
    assert!(
        !second.log_text().contains("OperationStarted"),
        "the new leader resumed the operation instead of starting one:\n{}",
        second.log_text()
    );
    let (_, leader_metrics) = second.http_get("/metrics");
    assert_eq!(metric(&leader_metrics, "apimcap_leader"), Some(1.0));
}

#[test]
fn sigterm_releases_the_lease_and_leaves_the_operation_for_the_next_process() {
    let mut e2e = E2e::builder("sigterm")
        .service("Standard", &[("westeurope", 1)])
        .without_operator()
        .start();
    let dir = e2e.cp.tempdir("replicas-");
    let ns_flag = format!("--lease-namespace={}", e2e.ns);
    let flags = [
        "--leader-elect",
        "--lease-name=e2e-sigterm",
        ns_flag.as_str(),
    ];
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let mut first = Replica::start(&e2e, "first", &kubeconfig, &flags, dir.path());
    first.wait_log("became the leader", secs(30));
    e2e.apply_capacity("payments", "Standard", &[("westeurope", 2)], "");
    let running = e2e.wait_for("payments", "started", secs(30), operation_in_flight);
    let poll_url = running["status"]["operation"]["pollUrl"].clone();

    let status = first.signal_and_wait(libc::SIGTERM, secs(25));
    assert!(status.success(), "apimcap exited with {status} on SIGTERM");
    assert!(
        first.log_text().contains("released the Lease"),
        "{}",
        first.log_text()
    );
    let lease = e2e.kubectl(&["get", "lease", "e2e-sigterm", "-o", "json"]);
    let lease: serde_json::Value = serde_json::from_str(&lease.stdout).expect("lease json");
    assert!(
        lease["spec"]["holderIdentity"].is_null(),
        "the Lease is released: {lease}"
    );
    let after = e2e.get("payments").expect("the resource exists");
    assert_eq!(
        after["status"]["operation"]["pollUrl"], poll_url,
        "the operation in flight stays recorded for the next leader"
    );

    let second = Replica::start(&e2e, "second", &kubeconfig, &flags, dir.path());
    second.wait_log("became the leader", secs(10));
    e2e.wait_ready("payments", secs(60));
    assert_eq!(writes(&e2e.requests(), e2e.service()).len(), 1);
}

#[test]
fn metrics_move_during_a_change() {
    let mut e2e = E2e::builder("metrics")
        .service("Premium", &[("westeurope", 1)])
        .start();
    let port = e2e.metrics_port;
    let deadline = std::time::Instant::now() + secs(20);
    while http_get(port, "/readyz").0 != 200 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(http_get(port, "/livez").0, 200);
    assert_eq!(http_get(port, "/readyz").0, 200);
    e2e.apply_capacity("payments", "Premium", &[("westeurope", 2)], "");
    e2e.wait_for("payments", "started", secs(30), operation_in_flight);
    let (_, during) = http_get(port, "/metrics");
    assert_eq!(
        metric(&during, "apimcap_operations_in_flight"),
        Some(1.0),
        "{during}"
    );
    e2e.wait_ready("payments", secs(60));
    // The reconcile that wrote Ready counts itself right after that write.
    let deadline = std::time::Instant::now() + secs(10);
    let (code, after) = loop {
        let (code, text) = http_get(port, "/metrics");
        let settled = metric(&text, "apimcap_operations_in_flight") == Some(0.0);
        if settled || std::time::Instant::now() > deadline {
            break (code, text);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code, 200);
    assert_eq!(
        metric(&after, "apimcap_operations_in_flight"),
        Some(0.0),
        "{after}"
    );
    assert_eq!(
        metric(
            &after,
            "apimcap_azure_requests_total{method=\"PATCH\",code=\"202\"}"
        ),
        Some(1.0),
        "{after}"
    );
    assert!(
        metric(
            &after,
            "apimcap_azure_requests_total{method=\"GET\",code=\"200\"}"
        )
        .unwrap_or(0.0)
            >= 2.0
    );
    assert_eq!(
        metric(
            &after,
            "apimcap_operation_duration_seconds_count{kind=\"Scale\"}"
        ),
        Some(1.0),
        "{after}"
    );
    assert!(metric(&after, "apimcap_reconciles_total{result=\"InSync\"}").unwrap_or(0.0) >= 1.0);
    assert!(
        metric(&after, "apimcap_reconciles_total{result=\"InProgress\"}").unwrap_or(0.0) >= 1.0
    );
    assert_eq!(metric(&after, "apimcap_leader"), Some(1.0));
}

/// The beginning of every token the simulator issues (its JWT header, base64).
const TOKEN_PREFIX: &str = "eyJ0eXAiOiJKV1Qi";

#[test]
fn secrets_and_tokens_never_appear_in_logs_status_or_events() {
    let mut e2e = E2e::builder("secrets")
        .service("Premium", &[("westeurope", 1)])
        .arg("--log-format=json")
        .start();
    e2e.secret(
        "team-sp",
        &[
            ("tenantId", TENANT),
            ("clientId", TEAM_CLIENT),
            ("clientSecret", TEAM_SECRET),
        ],
    );
    e2e.secret(
        "wrong-sp",
        &[
            ("tenantId", TENANT),
            ("clientId", TEAM_CLIENT),
            ("clientSecret", "not-the-team-secret-4242"),
        ],
    );
    e2e.apply_capacity(
        "payments",
        "Premium",
        &[("westeurope", 2)],
        "  credentials:\n    secretRef: {name: team-sp}\n",
    );
    e2e.wait_ready("payments", secs(60));
    e2e.patch("payments", r#"{"spec":{"credentials":{"secretRef":{"name":"wrong-sp"}},"regions":[{"location":"westeurope","units":3}]}}"#);
    e2e.wait_condition("payments", "Stalled", "True", "CredentialsError", secs(60));

    let log = e2e.operator_log();
    let status = e2e
        .kubectl(&["get", "apimcap", "payments", "-o", "yaml"])
        .stdout;
    let events = e2e.kubectl(&["get", "events", "-o", "yaml"]).stdout;
    for (what, text) in [("log", &log), ("status", &status), ("events", &events)] {
        for secret in [
            OPERATOR_SECRET,
            TEAM_SECRET,
            "not-the-team-secret-4242",
            TOKEN_PREFIX,
        ] {
            assert!(
                !text.contains(secret),
                "{secret:?} appears in the operator's {what}:\n{text}"
            );
        }
    }
    assert!(
        log.contains("\"resource\":\""),
        "JSON log lines name the resource:\n{log}"
    );
}

#[test]
fn a_namespace_outside_its_allowance_is_stalled_without_azure_calls() {
    let dir = support::shared().tempdir("policy-");
    let policy = dir.path().join("policy.yaml");
    let mut e2e = E2e::builder("namespace-policy")
        .service("Premium", &[("westeurope", 1)])
        .without_operator()
        .start();
    std::fs::write(
        &policy,
        format!(
            "{}:\n  - /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-allowed-*\n",
            e2e.ns
        ),
    )
    .expect("policy written");
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let flag = format!("--namespace-policy={}", policy.display());
    let _operator = Replica::start(&e2e, "policed", &kubeconfig, &[&flag], dir.path());
    e2e.apply_capacity("payments", "Premium", &[("westeurope", 2)], "");
    let obj = e2e.wait_condition("payments", "Stalled", "True", "ScopeNotAllowed", secs(60));
    let message = support::operator::message(&obj, "Stalled");
    assert!(
        message.contains("namespace policy") && message.contains(&e2e.ns),
        "{message}"
    );
    let service = e2e.service().to_string();
    let calls: Vec<_> = e2e
        .requests()
        .into_iter()
        .filter(|r| r.is_service(&service))
        .collect();
    assert!(calls.is_empty(), "Azure was called: {calls:?}");
}
