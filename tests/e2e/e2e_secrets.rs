//! Credentials Secrets are read once and then watched: later reconciles do not read them
//! again, and a rotated Secret (a new client secret of the same app, then another app's
//! credentials) reconciles the resources that name it and is used for their next Azure call
//! within seconds, with a new token, without a restart; once no resource names it, it is no
//! longer watched.

use std::time::{Duration, Instant};

use crate::support::operator::*;
use crate::support::replicas::metric;

/// A second app registration of the team: the credentials the Secret is rotated to.
const ROTATED_CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000015";
const ROTATED_SECRET: &str = "rotated-secret";

/// The Secret `team-sp` with these credentials, as `kubectl apply` takes it.
fn team_secret(client: &str, secret: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: team-sp\nstringData:\n  tenantId: {TENANT}\n  clientId: {client}\n  clientSecret: {secret}\n"
    )
}

fn secret_reads(e2e: &E2e) -> Option<f64> {
    metric(&e2e.http_get("/metrics").1, "apimcap_secret_reads_total")
}

/// Writes the Secret with `client`'s credentials and waits for the next call on `service`:
/// it comes within seconds, after a token fetched for `client` and with no token refused,
/// and every call is `client`'s. Returns how long it took.
fn rotate(e2e: &E2e, client: &str, secret: &str, service: &str) -> Duration {
    let rotated = Instant::now();
    e2e.apply(&team_secret(client, secret));
    let requests = wait_requests(e2e, secs(20), |r| r.iter().any(|r| r.is_service(service)));
    let took = rotated.elapsed();
    assert!(
        took < secs(10),
        "the rotated Secret was used after {took:?}"
    );
    let first_call = requests.iter().position(|r| r.is_service(service));
    let first_token = requests
        .iter()
        .position(|r| r.kind == "token" && r.principal.as_deref() == Some(client));
    assert!(
        first_token.is_some() && first_token < first_call,
        "no new token before the call: {requests:#?}"
    );
    let tokens = requests.iter().filter(|r| r.kind == "token");
    assert!(
        tokens.clone().all(|r| r.status == Some(200)),
        "{requests:#?}"
    );
    let calls: Vec<_> = requests.iter().filter(|r| r.is_service(service)).collect();
    assert!(
        calls.iter().all(|r| r.principal.as_deref() == Some(client)),
        "a call after the rotation with the old credentials: {calls:#?}"
    );
    took
}

#[test]
fn a_secret_is_read_once_used_within_seconds_when_rotated_and_unwatched_when_unnamed() {
    let principal = format!(
        "  - {{tenant: {TENANT}, clientId: {ROTATED_CLIENT}, clientSecret: {ROTATED_SECRET}}}\n"
    );
    let mut e2e = E2e::builder("secret-rotation")
        .service("Standard", &[("westeurope", 1)])
        .principals(&principal)
        .start();
    let service = e2e.service().to_string();
    e2e.apply(&team_secret(TEAM_CLIENT, TEAM_SECRET));
    let creds = "  credentials:\n    secretRef: {name: team-sp}\n";
    e2e.apply_capacity("payments", "Standard", &[("westeurope", 2)], creds);
    e2e.wait_ready("payments", secs(60));

    // Three more reconciles, each reading the service: the Secret is not read again.
    for round in 1..=3 {
        let before = gets(&e2e.requests(), &service);
        e2e.nudge("payments");
        wait_requests(&e2e, secs(20), |r| gets(r, &service) > before);
        eprintln!(
            "E2E-SECRETS reconcile {round}: secret reads {:?}",
            secret_reads(&e2e)
        );
    }
    assert_eq!(
        secret_reads(&e2e),
        Some(1.0),
        "one read for four reconciles"
    );
    let team = e2e.requests();
    assert!(
        team.iter()
            .filter(|r| r.is_service(&service))
            .all(|r| r.principal.as_deref() == Some(TEAM_CLIENT)),
        "before the rotation every call is the team's"
    );

    // Rotate the team's client secret: in Entra ID (the old one is refused from then on),
    // then in the Secret, and touch nothing else: the Secret's change reconciles the
    // resource, with a token fetched with the new secret (the old one's is not reused).
    e2e.admin(
        reqwest::Method::POST,
        "/principals/secret",
        Some(serde_json::json!({"clientId": TEAM_CLIENT, "clientSecret": "team-secret-2"})),
    );
    e2e.clear_requests();
    let took = rotate(&e2e, TEAM_CLIENT, "team-secret-2", &service);
    eprintln!("E2E-SECRETS rotated client secret used after {took:?}");
    assert_eq!(
        secret_reads(&e2e),
        Some(2.0),
        "the change is the only other read"
    );

    // Rotated to another app registration's credentials: its principal calls Azure.
    e2e.clear_requests();
    let took = rotate(&e2e, ROTATED_CLIENT, ROTATED_SECRET, &service);
    eprintln!("E2E-SECRETS Secret of another principal used after {took:?}");
    assert_eq!(secret_reads(&e2e), Some(3.0));

    // The next change is made with the new credentials too.
    e2e.patch(
        "payments",
        r#"{"spec":{"regions":[{"location":"westeurope","units":3}]}}"#,
    );
    e2e.wait_ready("payments", secs(60));
    let requests = e2e.requests();
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].principal.as_deref(), Some(ROTATED_CLIENT));
    assert_eq!(secret_reads(&e2e), Some(3.0));

    // No resource names the Secret any more: its watch stops.
    let watches = |e2e: &E2e| metric(&e2e.http_get("/metrics").1, "apimcap_secret_watches");
    assert_eq!(watches(&e2e), Some(1.0));
    let deleted = e2e.kubectl(&["delete", "apimcap", "payments"]);
    assert!(deleted.success, "{}", deleted.stderr);
    let deadline = Instant::now() + secs(30);
    while watches(&e2e) != Some(0.0) {
        assert!(Instant::now() < deadline, "the Secret is still watched");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}
