//! Credentials Secrets are read once and then watched: later reconciles do not read them
//! again, and a rotated Secret reconciles the resources that name it and is used for their
//! next Azure call within seconds, without a restart.

use std::time::Instant;

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

#[test]
fn a_secret_is_read_once_and_a_rotated_one_is_used_within_seconds() {
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

    // Rotate the Secret, and touch nothing else: its change reconciles the resource.
    e2e.clear_requests();
    let rotated = Instant::now();
    e2e.apply(&team_secret(ROTATED_CLIENT, ROTATED_SECRET));
    let requests = wait_requests(&e2e, secs(20), |r| r.iter().any(|r| r.is_service(&service)));
    let took = rotated.elapsed();
    eprintln!("E2E-SECRETS rotated Secret used after {took:?}");
    assert!(
        took < secs(10),
        "the rotated Secret was used after {took:?}"
    );
    let calls: Vec<_> = requests.iter().filter(|r| r.is_service(&service)).collect();
    assert!(
        calls
            .iter()
            .all(|r| r.principal.as_deref() == Some(ROTATED_CLIENT)),
        "a call after the rotation with the old credentials: {calls:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.kind == "token" && r.principal.as_deref() == Some(ROTATED_CLIENT)),
        "a token for the new credentials was requested: {requests:?}"
    );
    assert_eq!(
        secret_reads(&e2e),
        Some(2.0),
        "the change is the only other read"
    );

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
    assert_eq!(secret_reads(&e2e), Some(2.0));
}
