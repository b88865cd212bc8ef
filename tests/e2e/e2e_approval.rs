//! End to end: a change that costs more than `requireApproval.costIncreaseAbove` waits for the
//! approve annotation naming its plan hash; an approval of another hash does nothing, and an
//! approval left over from an earlier plan does not approve a new one. `status.cost` shows
//! the simulator's Retail Prices API figures. Approving goes through `kubectl apimcap`
//! (the binary under its plugin name).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::operator::*;
use serde_json::Value;

/// Runs `kubectl-apimcap ARGS -n NS --kubeconfig ...` (a link to the binary) with `stdin`.
fn plugin(t: &E2e, dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let link = dir.join("kubectl-apimcap");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_apimcap"), &link).expect("a link");
    }
    let mut child = Command::new(&link)
        .args(args)
        .args(["-n", &t.ns])
        .arg(format!("--kubeconfig={}", t.cp.kubeconfig.display()))
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl-apimcap starts");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("kubectl-apimcap ends")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const APPROVE: &str = "capacity.apim.dev/approve";

fn approve(t: &E2e, name: &str, hash: &str) {
    let out = t.kubectl(&[
        "annotate",
        "--overwrite",
        "apimcap",
        name,
        &format!("{APPROVE}={hash}"),
    ]);
    assert!(out.success, "kubectl annotate failed: {}", out.stderr);
}

fn awaiting(obj: &Value) -> bool {
    has_condition(obj, "Ready", "False", "AwaitingApproval")
}

fn plan_hash(obj: &Value) -> String {
    obj["status"]["approval"]["planHash"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_expensive_change_waits_for_the_approval_of_its_plan_hash() {
    let mut t = E2e::builder("approval")
        .service("Premium", &[("westeurope", 1)])
        .start();
    let service = t.service().to_string();
    let policy = "  changePolicy:\n    requireApproval:\n      costIncreaseAbove: \"1000\"\n";

    t.apply_capacity("cap", "Premium", &[("westeurope", 2)], policy);
    let waiting = t.wait_for("cap", "AwaitingApproval", secs(30), awaiting);
    let status = &waiting["status"];
    let hash = plan_hash(&waiting);
    assert_eq!(hash.len(), 10, "{status:#}");
    assert!(
        message(&waiting, "Ready").contains(&format!("{APPROVE}={hash}")),
        "the message says how to approve: {}",
        message(&waiting, "Ready")
    );
    // The simulator lists Premium in West Europe at 4.2119 USD a unit-hour: 3,074.69 a month.
    let cost = &status["cost"];
    assert_eq!(cost["source"], "RetailPricesApi", "{cost:#}");
    assert_eq!(cost["currency"], "USD", "{cost:#}");
    assert_eq!(
        cost["live"]["perRegion"][0]["unitMonthly"], "3074.69",
        "{cost:#}"
    );
    assert_eq!(cost["live"]["monthly"], "3074.69", "{cost:#}");
    assert_eq!(cost["desired"]["perRegion"][0]["units"], 2, "{cost:#}");
    assert_eq!(cost["monthlyDelta"], "+3074.69", "{cost:#}");
    let needed = t.wait_event("cap", "ApprovalNeeded", secs(30));
    assert!(needed.message.contains(&hash), "{needed:?}");
    let requests = t.requests();
    assert!(
        requests.iter().any(|r| r.kind == "prices"),
        "the prices come from the simulator's Retail Prices API"
    );
    assert!(
        writes(&requests, &service).is_empty(),
        "no PATCH before approval"
    );

    // An approval of another plan leaves it waiting.
    approve(&t, "cap", "0123456789");
    let wrong = t.wait_for(
        "cap",
        "told the approval is for another plan",
        secs(30),
        |o| awaiting(o) && message(o, "Ready").contains("which is not this plan"),
    );
    assert_eq!(plan_hash(&wrong), hash);
    std::thread::sleep(secs(2));
    assert!(
        writes(&t.requests(), &service).is_empty(),
        "a wrong hash starts nothing"
    );

    // `kubectl apimcap status` shows what it waits for; `approve` asks first.
    let dir = t.cp.tempdir("plugin-");
    let status = plugin(&t, dir.path(), &["status", "cap"], "");
    assert!(status.status.success(), "{}", text(&status));
    let shown = text(&status);
    assert!(shown.contains("Not ready (AwaitingApproval)"), "{shown}");
    assert!(
        shown.contains(&format!("Approval: plan {hash} awaiting approval")),
        "{shown}"
    );
    assert!(
        shown.contains("  westeurope               1        2\n"),
        "{shown}"
    );
    assert!(
        shown.contains("Cost: 3074.69 USD/month live, 6149.38 USD/month desired"),
        "{shown}"
    );
    let declined = plugin(&t, dir.path(), &["approve", "cap"], "n\n");
    assert!(!declined.status.success(), "{}", text(&declined));
    assert!(
        text(&declined).contains(&format!("Approve plan {hash} of ")),
        "{}",
        text(&declined)
    );
    std::thread::sleep(secs(2));
    assert!(
        writes(&t.requests(), &service).is_empty(),
        "a declined approval starts nothing"
    );

    // The right hash, through `kubectl apimcap approve --yes`, starts exactly one PATCH.
    let approved = plugin(&t, dir.path(), &["approve", "cap", "--yes"], "");
    assert!(approved.status.success(), "{}", text(&approved));
    assert!(
        text(&approved).contains(&format!("Approved plan {hash}")),
        "{}",
        text(&approved)
    );
    let done = t.wait_ready("cap", secs(60));
    assert_in_sync(&done);
    assert_eq!(done["status"]["unitsSummary"], "westeurope=2");
    let patches = writes(&t.requests(), &service).len();
    assert_eq!(patches, 1, "one PATCH after the approval");
    let approved = t.wait_event("cap", "Approved", secs(30));
    assert!(approved.message.contains(&hash), "{approved:?}");
    assert!(
        approved.message.contains("approved by kubectl-apimcap"),
        "the annotation's writer: {approved:?}"
    );
    assert_eq!(
        done["status"]["cost"]["live"]["monthly"], "6149.38",
        "{:#}",
        done["status"]["cost"]
    );

    // The approval names the old plan: a new spec makes a new plan that waits again.
    t.patch(
        "cap",
        r#"{"spec":{"regions":[{"location":"westeurope","units":3}]}}"#,
    );
    let again = t.wait_for("cap", "AwaitingApproval for the new plan", secs(30), |o| {
        awaiting(o) && plan_hash(o) != hash && !plan_hash(o).is_empty()
    });
    assert_eq!(
        again["status"]["approval"]["approvedHash"],
        Value::Null,
        "{:#}",
        again["status"]
    );
    std::thread::sleep(secs(2));
    let requests = t.requests();
    report("approval", &requests, &service);
    assert_eq!(
        writes(&requests, &service).len(),
        1,
        "a stale approval starts nothing"
    );
    assert_eq!(
        t.azure_capacity(&service).1,
        vec![("West Europe".to_string(), 2)]
    );

    // `kubectl apimcap reconcile` sets the reconcile-now annotation.
    let nudged = plugin(&t, dir.path(), &["reconcile", "cap"], "");
    assert!(nudged.status.success(), "{}", text(&nudged));
    let annotations = &t.get("cap").expect("exists")["metadata"]["annotations"];
    assert!(
        annotations["capacity.apim.dev/reconcile-requested-at"].is_string(),
        "{annotations:#}"
    );
}

#[test]
fn without_the_prices_api_status_shows_the_built_in_table() {
    let mut t = E2e::builder("prices_fallback")
        .service("Premium", &[("eastus", 1)])
        .arg("--prices-endpoint=https://127.0.0.1:9/api/retail/prices")
        .start();
    t.apply_capacity("cap", "Premium", &[("eastus", 1)], "");
    let ready = t.wait_for("cap", "Ready with a cost", secs(30), |o| {
        is_ready(o) && o["status"]["cost"].is_object()
    });
    let cost = &ready["status"]["cost"];
    assert_eq!(cost["source"], "BuiltIn", "{cost:#}");
    // The built-in table: Premium in East US, 2,795.17 USD a unit-month.
    assert_eq!(cost["live"]["monthly"], "2795.17", "{cost:#}");
    assert_eq!(cost["monthlyDelta"], "0.00", "{cost:#}");
    assert!(!t.requests().iter().any(|r| r.kind == "prices"));
}
