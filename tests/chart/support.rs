//! Helpers of the chart tests: the test control plane's helm, rendering, picking objects.
//! Also a module of the e2e binary (its `chart_install` and `e2e_rbac` run helm).
#![allow(dead_code)] // the e2e binary uses only `helm` and the constants

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where `make controlplane` puts its binaries (as in the e2e binary's `support`; rendering
/// needs no control plane).
pub fn bin_dir() -> PathBuf {
    std::env::var_os("APIMCAP_CONTROLPLANE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/controlplane"))
}

pub const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/charts/apim-capacity-operator");
pub const CRD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crds/apimcapacities.capacity.apim.dev.yaml"
);
pub const CRD_NAME: &str = "apimcapacities.capacity.apim.dev";

/// The least a render needs: who may target Azure (here: every namespace).
pub const ALLOW_ALL: &[&str] = &["--set", "allowAllNamespaces=true"];

/// Values that turn every optional part of the chart on.
pub const ALL_ON: &[&str] = &[
    "--set",
    "replicaCount=2",
    "--set",
    "rbac.aggregateToEdit=true",
    "--set",
    "serviceMonitor.enabled=true",
    "--set",
    "azure.workloadIdentity.enabled=true",
    "--set",
    "azure.workloadIdentity.clientId=11111111-2222-3333-4444-555555555555",
    "--set",
    "azure.caBundle.secret.name=corp-ca",
    "--set",
    "azure.authorityHost=https://login.microsoftonline.us/",
    "--set-json",
    r#"namespacePolicy={"platform":["/subscriptions/00000000-0000-0000-0000-000000000000"]}"#,
    "--set-json",
    r#"operator.unitLimits={"PremiumV2":35,"Premium":40}"#,
    "--set",
    "operator.currency=EUR",
    "--set",
    "operator.pricesEndpoint=https://prices.example.com/api/retail/prices",
];

pub struct Helm {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the test control plane's helm (no cluster needed for lint and template); panics
/// when it cannot run.
pub fn helm(args: &[&str], kubeconfig: Option<&Path>) -> Helm {
    try_helm(args, kubeconfig).unwrap_or_else(|e| panic!("{e}"))
}

/// [`helm`] without panicking, for cleanups that run while a test fails.
pub fn try_helm(args: &[&str], kubeconfig: Option<&Path>) -> Result<Helm, String> {
    let bin = bin_dir().join("helm");
    if !bin.is_file() {
        return Err(format!(
            "{} is missing; run `make controlplane` first",
            bin.display()
        ));
    }
    // Helm's cache, config and data: in cargo's scratch directory for tests (under target/),
    // not in the temp folder.
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm");
    let mut command = Command::new(&bin);
    command
        .args(args)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    if let Some(kubeconfig) = kubeconfig {
        command.arg(format!("--kubeconfig={}", kubeconfig.display()));
    }
    let out = command
        .output()
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    Ok(Helm {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The objects `helm template` renders with `extra` arguments.
pub fn render(extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "template",
        "apimcap",
        CHART,
        "--namespace",
        "apimcap-system",
    ];
    args.extend_from_slice(extra);
    let out = helm(&args, None);
    assert!(out.ok, "helm template {extra:?} failed:\n{}", out.stderr);
    // Empty and null documents are skipped.
    serde_saphyr::from_multiple::<Value>(&out.stdout).expect("rendered YAML parses")
}

pub fn kinds<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

pub fn one<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found = kinds(objects, kind);
    assert_eq!(found.len(), 1, "expected one {kind}, found {}", found.len());
    found[0]
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}
