//! Closed by default: `apimcap run` with neither a namespace policy nor
//! `--allow-all-namespaces` lets no namespace target Azure. The real control plane, the
//! HTTPS simulator and an `apimcap run` process.

use crate::support::operator::{E2e, message, secs};
use crate::support::replicas::Replica;

#[test]
fn without_a_policy_or_allow_all_every_namespace_is_refused_without_azure_calls() {
    let mut e2e = E2e::builder("closed-by-default")
        .service("Premium", &[("westeurope", 1)])
        .without_operator()
        .start();
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let operator = Replica::start(
        &e2e,
        "closed",
        &kubeconfig,
        &["--allow-all-namespaces=false"],
        dir.path(),
    );
    e2e.apply_capacity("payments", "Premium", &[("westeurope", 2)], "");
    let obj = e2e.wait_condition("payments", "Stalled", "True", "ScopeNotAllowed", secs(60));
    let text = message(&obj, "Stalled");
    assert!(
        text.contains(&e2e.ns) && text.contains("--allow-all-namespaces"),
        "{text}"
    );
    assert!(
        operator
            .log_text()
            .contains("no namespace may target Azure"),
        "{}",
        operator.log_text()
    );
    let service = e2e.service().to_string();
    let calls: Vec<_> = e2e
        .requests()
        .into_iter()
        .filter(|r| r.is_service(&service))
        .collect();
    assert!(calls.is_empty(), "Azure was called: {calls:?}");
}
