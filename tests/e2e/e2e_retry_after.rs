//! End to end: Azure's `Retry-After` is untrusted input. An absurd value on an accepted
//! change (`1e20`) neither crashes the operator nor parks the resource, and a busy refusal
//! asking for 100000 s is looked at again within the resync interval (30 s here, and never
//! more than the resync in production: 10 minutes by default).

use std::time::Duration;

use crate::support::operator::*;
use serde_json::json;

/// The time a request was logged.
fn at(request: &SimRequest) -> jiff::Timestamp {
    request.time.parse().expect("the log time is a timestamp")
}

/// How long after `earlier` the request `later` came.
fn gap(earlier: &SimRequest, later: &SimRequest) -> Duration {
    Duration::try_from(at(later).duration_since(at(earlier))).unwrap_or_default()
}

/// The resync interval of the e2e operator, plus its jitter and a margin for a loaded
/// machine: an absurd Retry-After must not push the next look further than this.
const WITHIN_RESYNC: Duration = Duration::from_secs(45);

#[test]
fn an_absurd_retry_after_on_an_accepted_change_neither_crashes_nor_parks() {
    let mut t = E2e::builder("retry_after_1e20")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| {
            c.retry_after_text = Some("1e20".to_string());
            c.operation_duration = Some(Duration::from_secs(3));
        })
        .start();
    let service = t.service().to_string();

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let running = t.wait_condition("cap", "Ready", "False", "Scaling", secs(30));
    assert!(
        condition(&running, "Reconciling").is_some_and(|c| c["status"] == "True"),
        "InProgress: {:#}",
        running["status"]
    );
    assert!(running["status"]["operation"]["pollUrl"].is_string());

    // The operator stays up (every wait checks the process) and polls again within the
    // resync, not after 1e20 s, nor after the 10-minute poll bound.
    let done = t.wait_ready("cap", secs(90));
    assert_in_sync(&done);
    let requests = t.requests();
    report("retry_after_1e20", &requests, &service);
    let patches = writes(&requests, &service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(patches[0].status, Some(202));
    let first_poll = requests
        .iter()
        .find(|r| r.is_poll())
        .expect("the operation is polled");
    assert!(
        gap(patches[0], first_poll) <= WITHIN_RESYNC,
        "first poll {:?} after the PATCH",
        gap(patches[0], first_poll)
    );
    assert_no_overlap(&requests, &service);
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
    assert!(
        !t.operator_log().contains("panicked"),
        "the operator panicked"
    );
}

#[test]
fn a_busy_refusal_with_a_huge_retry_after_is_looked_at_again_within_the_resync() {
    let mut t = E2e::builder("busy_retry_after")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.busy_retry_after = Some("100000".to_string()))
        .start();
    let service = t.service().to_string();
    // The next change is refused with 409 and `Retry-After: 100000` while GET shows the
    // service idle, as when Azure has not yet reported an operation it runs.
    t.faults(json!({"kind": "busy", "count": 1}));

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let waiting = t.wait_condition("cap", "Ready", "False", "WaitingForAzure", secs(30));
    assert!(
        condition(&waiting, "Stalled").is_none(),
        "waiting, not stalled"
    );

    let done = t.wait_ready("cap", secs(90));
    assert_in_sync(&done);
    let requests = t.requests();
    report("busy_retry_after", &requests, &service);
    let patches = writes(&requests, &service);
    let statuses: Vec<Option<u16>> = patches.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(409), Some(202)], "{patches:#?}");
    assert_eq!(patches[0].fault.as_deref(), Some("injected-busy"));
    let refused = patches[0];
    let next_look = requests
        .iter()
        .skip_while(|r| r.time != refused.time || !r.is_write(&service))
        .find(|r| r.is_get(&service))
        .expect("the service is read again after the refusal");
    assert!(
        gap(refused, next_look) <= WITHIN_RESYNC,
        "looked again {:?} after the refusal",
        gap(refused, next_look)
    );
    assert!(gap(refused, next_look) <= Duration::from_secs(600));
    assert_eq!(t.azure_capacity(&service).1[0].1, 2);
}
