//! `apimcap plan -f FILE` against the HTTPS simulator: prints the plan and changes nothing.

use std::process::Command;

use apimcap_sim::{self as sim, Seed, SimConfig};

const SEED: &str = "services:\n  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: payments-apim, location: westeurope, sku: Standard, capacity: 1}\nprincipals:\n  - {tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47, clientId: 6b1f0e0e-0000-4000-8000-000000000001, clientSecret: plan-secret}\n";

fn manifest(sku: &str, regions: &str, extra: &str) -> String {
    format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata: {{name: payments}}\nspec:\n  service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: payments-apim}}\n  sku: {sku}\n  regions: {regions}\n{extra}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_prints_the_steps_and_changes_nothing() {
    let sim = sim::start(SimConfig {
        seed: Seed::parse(SEED).expect("seed parses"),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).expect("CA written");
    let run = |yaml: &str| {
        let file = dir.path().join("payments.yaml");
        std::fs::write(&file, yaml).expect("manifest written");
        let url = sim.base_url().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_apimcap"))
            .args(["plan", "-f"])
            .arg(&file)
            .args([
                "--arm-endpoint",
                &url,
                "--authority-host",
                &url,
                "--ca-bundle",
            ])
            .arg(&ca)
            .env("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")
            .env("AZURE_CLIENT_ID", "6b1f0e0e-0000-4000-8000-000000000001")
            .env("AZURE_CLIENT_SECRET", "plan-secret")
            .output()
            .expect("apimcap runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let upgrade = run(&manifest(
        "Premium",
        "[{location: westeurope, units: 2}, {location: eastus, units: 3}]",
        "",
    ));
    assert!(
        upgrade.starts_with("Live: Standard westeurope=1 (Succeeded)\n"),
        "{upgrade}"
    );
    assert!(upgrade.contains("2 Azure operation(s)"), "{upgrade}");
    assert!(
        upgrade.contains("  1. Change tier from Standard to Premium (westeurope 1 to 2 units)\n  2. Add region eastus with 3 units\n"),
        "{upgrade}"
    );
    let downgrade = run(&manifest("Basic", "[{location: westeurope, units: 1}]", ""));
    assert!(
        downgrade.contains("Blocked (TierDowngradeNotAllowed)"),
        "{downgrade}"
    );
    let same = run(&manifest(
        "Standard",
        "[{location: westeurope, units: 1}]",
        "",
    ));
    assert!(same.contains("In sync: nothing to do."), "{same}");
    // A schedule every day at 08:00 in Amsterdam, in force 2 hours; a deny window holding
    // every moment (each day from midnight for 24 hours).
    let scheduled = run(&manifest(
        "Standard",
        "[{location: westeurope, units: 1}]",
        "  schedules: [{name: mornings, start: '0 8 * * *', duration: 2h, timeZone: Europe/Amsterdam, regions: [{location: westeurope, units: 2}]}]\n  changeWindows: {deny: [{start: '0 0 * * *', duration: 24h}]}\n",
    ));
    assert!(
        scheduled.contains("Change windows: a step may not start now. Inside the deny window"),
        "{scheduled}"
    );
    assert!(
        scheduled
            .contains("Scheduled changes in the next 7 days (the schedule's time zone, then UTC):"),
        "{scheduled}"
    );
    let starts: Vec<&str> = scheduled
        .lines()
        .filter(|l| l.contains(" mornings starts: westeurope 1 → 2"))
        .collect();
    assert!(
        (6..=7).contains(&starts.len())
            && starts.iter().all(|l| {
                l.contains(" 08:00 CET (07:00 UTC)") || l.contains(" 08:00 CEST (06:00 UTC)")
            }),
        "{scheduled}"
    );

    let log: serde_json::Value = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).expect("CA")])
        .build()
        .expect("client")
        .get(format!("{}/requests", sim.admin_url()))
        .send()
        .await
        .expect("request log")
        .json()
        .await
        .expect("JSON");
    let text = log.to_string();
    assert!(
        text.contains("\"GET\""),
        "the log records the reads: {text}"
    );
    assert!(
        !text.contains("\"PATCH\"") && !text.contains("\"PUT\""),
        "plan wrote to Azure: {text}"
    );
}
