//! End to end: an operation Azure reports as succeeded that did not give the service its
//! target (an Azure Policy or another writer put it back) is tried once more for the
//! generation, then the resource stalls with both values instead of repeating a 15–45
//! minute change forever; a new spec tries again.

use std::time::Duration;

use crate::support::operator::*;

#[test]
fn a_change_azure_reports_done_without_effect_is_tried_once_more_then_stalls() {
    let mut t = E2e::builder("target_missed")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.operation_duration = Some(Duration::from_secs(2)))
        .start();
    let service = t.service().to_string();
    t.hold(&service, 5);

    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let stalled = t.wait_condition("cap", "Stalled", "True", "TargetNotReached", secs(60));
    let msg = message(&stalled, "Stalled");
    assert!(
        msg.contains("westeurope=1") && msg.contains("westeurope=2"),
        "names what Azure has and what was asked: {msg}"
    );
    assert_eq!(
        writes(&t.requests(), &service).len(),
        2,
        "the first try and one more"
    );
    let warned = t.events("cap");
    assert!(
        warned
            .iter()
            .any(|e| e.type_ == "Warning" && e.message.contains("trying once more")),
        "{warned:?}"
    );
    // No loop: nothing more is sent while the spec stays.
    std::thread::sleep(secs(8));
    let requests = t.requests();
    report("target_missed", &requests, &service);
    assert_eq!(writes(&requests, &service).len(), 2, "no third PATCH");

    // A new generation is tried again (the service no longer holds the change back).
    t.hold(&service, 0);
    t.apply_capacity("cap", "Standard", &[("westeurope", 3)], "");
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(t.azure_capacity(&service).1[0].1, 3);
}
