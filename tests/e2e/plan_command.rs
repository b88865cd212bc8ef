//! `apimcap plan -f FILE` against the HTTPS simulator: prints the plan (text, or the
//! versioned JSON/YAML report with durations, cost from the simulator's Retail Prices API and
//! the approval needed) and changes nothing.

use std::process::Command;

use apimcap_sim::{self as sim, Seed, SimConfig};

const SEED: &str = "services:\n  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: payments-apim, location: westeurope, sku: Standard, capacity: 1}\nprincipals:\n  - {tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47, clientId: 6b1f0e0e-0000-4000-8000-000000000001, clientSecret: plan-secret}\n";

fn manifest(sku: &str, regions: &str, extra: &str) -> String {
    format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata: {{name: payments}}\nspec:\n  service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: payments-apim}}\n  sku: {sku}\n  regions: {regions}\n{extra}"
    )
}

/// Runs `apimcap plan` on `yaml` against `sim`, with files under `dir`; its standard output.
fn plan(sim: &sim::SimHandle, dir: &std::path::Path, yaml: &str) -> String {
    plan_with(sim, dir, yaml, &[])
}

/// [`plan`] with `extra` arguments; prices come from the simulator's Retail Prices API.
fn plan_with(sim: &sim::SimHandle, dir: &std::path::Path, yaml: &str, extra: &[&str]) -> String {
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).expect("CA written");
    let file = dir.join("capacity.yaml");
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
            "--prices-endpoint",
            &format!("{url}/api/retail/prices"),
            "--ca-bundle",
        ])
        .arg(&ca)
        .args(extra)
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
    let run_with = |yaml: &str, extra: &[&str]| plan_with(&sim, dir.path(), yaml, extra);
    let run = |yaml: &str| run_with(yaml, &[]);
    let upgrade = run(&manifest(
        "Premium",
        "[{location: westeurope, units: 2}, {location: eastus, units: 3}]",
        "",
    ));
    assert!(
        upgrade.starts_with("Live: Standard westeurope=1 (Succeeded)\n"),
        "{upgrade}"
    );
    assert!(
        upgrade.contains("2 Azure operation(s), expected to finish by "),
        "{upgrade}"
    );
    assert!(
        upgrade
            .contains("  1. Change tier from Standard to Premium (westeurope 1 to 2 units) [p50 "),
        "{upgrade}"
    );
    assert!(
        upgrade.contains("  2. Add region eastus with 3 units [p50 "),
        "{upgrade}"
    );
    // The simulator's list: Standard westeurope 0.9407 × 1.1 = 1.0347 USD/h, 755.33 a month.
    assert!(upgrade.contains("Cost: 755.33 -> "), "{upgrade}");
    assert!(upgrade.contains("prices: RetailPricesApi"), "{upgrade}");
    assert!(upgrade.contains("Summary: +"), "{upgrade}");

    // The versioned report for pipelines, with the approval the change will need.
    let gated = manifest(
        "Premium",
        "[{location: westeurope, units: 2}]",
        "  changePolicy:\n    requireApproval: {costIncreaseAbove: \"1000\"}\n",
    );
    let json: serde_json::Value =
        serde_json::from_str(&run_with(&gated, &["-o", "json"])).expect("JSON");
    assert_eq!(json["apiVersion"], "capacity.apim.dev/plan/v1", "{json:#}");
    assert_eq!(json["kind"], "CapacityPlan", "{json:#}");
    assert_eq!(json["outcome"], "Steps", "{json:#}");
    let step = &json["steps"][0];
    assert!(step["expectedDuration"]["p50Seconds"].is_u64(), "{json:#}");
    assert!(
        step["expectedDuration"]["p90Seconds"].as_u64()
            > step["expectedDuration"]["p50Seconds"].as_u64(),
        "{json:#}"
    );
    assert!(json["expectedFinish"]["p90"].is_string(), "{json:#}");
    assert_eq!(json["cost"]["source"], "RetailPricesApi", "{json:#}");
    assert_eq!(json["cost"]["live"]["monthly"], "755.33", "{json:#}");
    // Premium westeurope 3.829 × 1.1 = 4.2119 USD/h: 3,074.69 a unit-month.
    assert_eq!(json["cost"]["desired"]["monthly"], "6149.38", "{json:#}");
    assert_eq!(json["approval"]["required"], true, "{json:#}");
    assert_eq!(json["approval"]["approved"], false, "{json:#}");
    let hash = json["approval"]["planHash"].as_str().unwrap_or_default();
    assert_eq!(hash.len(), 10, "{json:#}");
    assert!(
        json["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|w| w["kind"] == "ApprovalRequired"),
        "{json:#}"
    );
    let table = run(&gated);
    assert!(
        table.contains(&format!("Approval needed (plan hash {hash})")),
        "{table}"
    );

    // Several documents: one report each, in a list; YAML too.
    let two = format!(
        "{}---\n{}",
        gated,
        manifest("Standard", "[{location: westeurope, units: 2}]", "")
    );
    let list: serde_json::Value =
        serde_json::from_str(&run_with(&two, &["-o", "json"])).expect("JSON");
    assert_eq!(list["kind"], "CapacityPlanList", "{list:#}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list:#}");
    let yaml = run_with(&two, &["-o", "yaml"]);
    assert!(
        yaml.contains("apiVersion: capacity.apim.dev/plan/v1"),
        "{yaml}"
    );
    assert!(yaml.contains("kind: CapacityPlanList"), "{yaml}");
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

/// Services of Azure as it is today: a Premium service at 20 units, one pinned to two zones, a
/// Developer one, one injected into a /27 subnet; the simulator reports Premium's limit as 40
/// in `/skus`.
const TODAY: &str = "services:
  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: big-apim, location: westeurope, sku: Premium, capacity: 20}
  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: zoned-apim, location: westeurope, sku: Premium, capacity: 2, zones: ['1', '2']}
  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: dev-apim, location: westeurope, sku: Developer, capacity: 1}
  - {subscription: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: vnet-apim, location: westeurope, sku: Premium, capacity: 2, subnetResourceId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim, virtualNetworkType: Internal}
subnets:
  - {id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim, addressPrefix: 10.0.1.0/27}
principals:
  - {tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47, clientId: 6b1f0e0e-0000-4000-8000-000000000001, clientSecret: plan-secret}
";

/// `manifest` for the service `name` instead of payments-apim.
fn manifest_for(name: &str, sku: &str, regions: &str, extra: &str) -> String {
    manifest(sku, regions, extra).replace("name: payments-apim", &format!("name: {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_split_scale_ins_live_limits_subnets_zone_and_downtime_steps() {
    let sim = sim::start(SimConfig {
        seed: Seed::parse(TODAY).expect("seed parses"),
        limits: sim::tiers::UnitLimits::default()
            .with_overrides("Premium=40")
            .expect("a limit"),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |yaml: &str| plan(&sim, dir.path(), yaml);
    let at = |units: u32| format!("[{{location: westeurope, units: {units}}}]");

    // A scale-in past Azure's 25 % rule: every step shown.
    let split = run(&manifest_for("big-apim", "Premium", &at(4), ""));
    assert!(split.contains("2 Azure operation(s)"), "{split}");
    assert!(
        split.contains(
            "  1. Scale westeurope from 20 to 15 units [p50 30 min, p90 45 min]\n  2. Scale westeurope from 15 to 4 units [p50 "
        ),
        "{split}"
    );
    // Azure's /skus (40) over the built-in table (31).
    let up = run(&manifest_for("big-apim", "Premium", &at(35), ""));
    assert!(
        up.contains("  1. Scale westeurope from 20 to 35 units [p50 "),
        "{up}"
    );
    assert!(!up.contains("Note:"), "{up}");

    // Leaving Premium with pinned zones: blocked without the zone consent, else the zones go
    // first, marked as giving new IP addresses.
    let downgrade = "  changePolicy: {allowTierDowngrade: true}\n";
    let blocked = run(&manifest_for("zoned-apim", "Standard", &at(2), downgrade));
    assert!(
        blocked.contains("Blocked (ZoneChangeNotAllowed)"),
        "{blocked}"
    );
    assert!(
        blocked.contains("new public and private IP addresses"),
        "{blocked}"
    );
    let consent = "  changePolicy: {allowTierDowngrade: true, allowZoneChange: true}\n";
    let zones = run(&manifest_for("zoned-apim", "Standard", &at(2), consent));
    assert!(
        zones.contains("  1. Unpin westeurope from zones 1, 2 [NEW IP ADDRESSES: "),
        "{zones}"
    );
    assert!(
        zones.contains("  2. Change tier from Premium to Standard [p50 "),
        "{zones}"
    );

    // Developer -> Standard takes the service down: blocked without consent, else marked.
    let down = run(&manifest_for("dev-apim", "Standard", &at(1), ""));
    assert!(down.contains("Blocked (DowntimeNotAllowed)"), "{down}");
    let allowed = "  changePolicy: {allowDowntime: true}\n";
    let down = run(&manifest_for("dev-apim", "Standard", &at(1), allowed));
    assert!(
        down.contains("  1. Change tier from Developer to Standard [DOWNTIME: "),
        "{down}"
    );

    // A /27 subnet holds 13 units (Internal): 14 is refused before anything is sent.
    let full = run(&manifest_for("vnet-apim", "Premium", &at(14), ""));
    assert!(full.contains("Blocked (SubnetTooSmall)"), "{full}");
    assert!(
        full.contains("10.0.1.0/27") && full.contains("at most 13 units"),
        "{full}"
    );
    let fits = run(&manifest_for("vnet-apim", "Premium", &at(12), ""));
    assert!(
        fits.contains("  1. Scale westeurope from 2 to 12 units [p50 "),
        "{fits}"
    );
}
