//! End to end: the operator's own life: the spec changes while an operation runs, a graceful
//! restart mid-operation, and two replicas with leader election where the standby takes
//! over a running operation.

use crate::support;

use std::time::Duration;

use crate::support::operator::*;
use serde_json::json;

#[test]
fn spec_changed_mid_operation_waits_for_it_then_applies_the_new_spec() {
    let mut t = E2e::builder("spec_changed_mid_operation")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(6)))
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    t.wait_for("cap", "Scaling", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "Scaling")
    });
    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "");
    let done = t.wait_for("cap", "Ready at generation 2", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 2
    });
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=3");

    let requests = t.requests();
    report("spec_changed_mid_operation", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(
        patches.len(),
        2,
        "the running step, then one more: {patches:#?}"
    );
    let units: Vec<_> = patches
        .iter()
        .map(|p| p.body.as_ref().map(|b| b["sku"]["capacity"].clone()))
        .collect();
    assert_eq!(units, vec![Some(json!(2)), Some(json!(3))]);
    assert!(patches.iter().all(|p| p.status == Some(202)));
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
}

#[test]
fn graceful_restart_mid_operation_resumes_without_a_second_patch() {
    let mut t = E2e::builder("graceful_restart")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(8)))
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let running = t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"].is_string()
    });
    let exit = t.terminate();
    assert!(
        exit.success(),
        "SIGTERM mid-operation exits cleanly: {exit}"
    );
    let after_stop = t.get("cap").expect("exists");
    assert_eq!(
        after_stop["status"]["operation"]["pollUrl"], running["status"]["operation"]["pollUrl"],
        "the operation stays recorded for the next process"
    );

    t.start_operator();
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    let requests = t.requests();
    report("graceful_restart", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}

fn lease_holder(t: &E2e, lease: &str) -> String {
    let out = t.cp.kubectl(&[
        "get",
        "lease",
        "-n",
        "default",
        lease,
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    if out.success {
        out.stdout.trim().to_string()
    } else {
        String::new()
    }
}

fn wait_holder(t: &E2e, lease: &str, pid: u32) {
    let want = t.instance_of(pid);
    support::eventually(secs(30), || lease_holder(t, lease) == want);
}

#[test]
fn with_leader_election_only_the_leader_acts_and_the_standby_takes_over() {
    let lease = "e2e-leader-election";
    let mut t = E2e::builder("leader_election")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(8)))
        .arg("--leader-elect")
        .arg("--lease-namespace=default")
        .arg(&format!("--lease-name={lease}"))
        .arg("--lease-duration=3s")
        .start();
    let service = t.service().to_string();
    wait_holder(&t, lease, t.operator_pid().expect("runs"));
    t.start_standby();

    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "");
    let running = t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"].is_string()
    });
    assert_eq!(writes(&t.requests(), &service).len(), 1);

    t.kill_9();
    let standby = t.standby_pid().expect("standby runs");
    t.promote_standby();
    wait_holder(&t, lease, standby);
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);

    let requests = t.requests();
    report("leader_election", &requests, &service);
    assert_eq!(
        writes(&requests, &service).len(),
        1,
        "the standby resumes the leader's operation"
    );
    let poll_url = running["status"]["operation"]["pollUrl"]
        .as_str()
        .unwrap_or_default();
    let poll = url::Url::parse(poll_url).expect("pollUrl is a URL");
    assert!(polls(&requests).iter().all(|r| r.path == poll.path()));
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
}

/// Tokens ARM no longer accepts (revoked, or the simulator's `tokens/expire`) are replaced
/// once; later reconciles use the new token instead of being refused again.
#[test]
fn expired_tokens_are_fetched_again() {
    let mut t = E2e::builder("expired_tokens")
        .service("Standard", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 1)], "");
    t.wait_ready("cap", secs(30));
    t.expire_tokens();
    t.clear_requests();

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let done = t.wait_for("cap", "Ready at generation 2", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 2
    });
    assert_in_sync(&done);
    let requests = t.requests();
    report("expired_tokens", &requests, &service);
    assert!(
        requests.iter().any(|r| r.kind == "token"),
        "a new token was fetched"
    );
    let unauthorized = arm(&requests)
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert!(
        unauthorized <= 2,
        "{unauthorized} requests refused with 401"
    );
    assert_eq!(
        writes(&requests, &service)
            .iter()
            .filter(|r| r.status == Some(202))
            .count(),
        1
    );
}

#[test]
fn azure_async_operation_polling_and_other_azure_variants() {
    use apimcap_sim::{AsyncHeader, DuringOperation, LocationFinal};
    let mut t = E2e::builder("async_operation_variants")
        .service("Premium", &[("westeurope", 1), ("eastus", 1)])
        .sim(|c| {
            c.async_header = AsyncHeader::Separate;
            c.location_final = LocationFinal::NoContent;
            c.during_operation = DuringOperation::New;
        })
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Premium", &[("westeurope", 2), ("eastus", 1)], "");
    let running = t.wait_for("cap", "Scaling", secs(30), |o| {
        has_condition(o, "Reconciling", "True", "Scaling")
    });
    let op = &running["status"]["operation"];
    assert_eq!(op["pollStyle"], "AzureAsyncOperation", "{op:#}");
    assert!(
        op["pollUrl"]
            .as_str()
            .is_some_and(|u| u.contains("/operationStatuses/")),
        "{op:#}"
    );
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["lastOperation"]["result"], "Succeeded");
    let requests = t.requests();
    report("async_operation_variants", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 1);
    assert!(
        polls(&requests)
            .iter()
            .all(|r| r.path.contains("/operationStatuses/"))
    );
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}

#[test]
fn suspended_mid_operation_makes_no_calls_and_resumes_the_recorded_operation() {
    let mut t = E2e::builder("suspend_mid_operation")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(6)))
        .arg("--resync-interval=3s")
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let running = t.wait_for("cap", "operation recorded", secs(30), |o| {
        o["status"]["operation"]["pollUrl"].is_string()
    });
    t.patch("cap", r#"{"spec":{"suspend":true}}"#);
    t.wait_condition("cap", "Ready", "Unknown", "Suspended", secs(30));
    t.clear_requests();
    // Longer than the operation and two resyncs; absence of calls cannot be polled for.
    std::thread::sleep(secs(8));
    let requests = t.requests();
    report("suspended_mid_operation", &requests, &service);
    assert!(arm(&requests).is_empty(), "no Azure calls while suspended");

    t.patch("cap", r#"{"spec":{"suspend":false}}"#);
    let done = t.wait_for("cap", "Ready at generation 3", secs(60), |o| {
        is_ready(o) && o["metadata"]["generation"] == 3
    });
    assert_in_sync(&done);
    let requests = t.requests();
    report("resumed_after_suspend", &requests, &service);
    assert!(
        writes(&requests, &service).is_empty(),
        "the step was not sent again"
    );
    assert_eq!(
        done["status"]["lastOperation"]["description"],
        running["status"]["operation"]["description"],
        "the recorded operation is finished and reported: {:#}",
        done["status"]
    );
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}
