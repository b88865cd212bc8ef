//! The Helm chart: lint, render, the values schema, the CRD copy, least-privilege RBAC, the
//! Deployment's security settings, and a real install and uninstall on the test apiserver.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/charts/apim-capacity-operator");
const CRD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crds/apimcapacities.capacity.apim.dev.yaml"
);
const CRD_NAME: &str = "apimcapacities.capacity.apim.dev";

/// Values that turn every optional part of the chart on.
const ALL_ON: &[&str] = &[
    "--set",
    "replicaCount=2",
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
];

struct Helm {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the test control plane's helm (no cluster needed for lint and template).
fn helm(args: &[&str], kubeconfig: Option<&Path>) -> Helm {
    let bin = support::controlplane::bin_dir().join("helm");
    assert!(
        bin.is_file(),
        "{} is missing; run `make controlplane` first",
        bin.display()
    );
    let home = std::env::temp_dir().join("apimcap-chart-test-helm");
    let mut command = Command::new(&bin);
    command
        .args(args)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    if let Some(kubeconfig) = kubeconfig {
        command.arg(format!("--kubeconfig={}", kubeconfig.display()));
    }
    let out = command.output().expect("helm runs");
    Helm {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The objects `helm template` renders with `extra` arguments.
fn render(extra: &[&str]) -> Vec<Value> {
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
    serde_yaml::Deserializer::from_str(&out.stdout)
        .map(|doc| Value::deserialize(doc).expect("rendered YAML parses"))
        .filter(|v| !v.is_null())
        .collect()
}

fn kinds<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn one<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found = kinds(objects, kind);
    assert_eq!(found.len(), 1, "expected one {kind}, found {}", found.len());
    found[0]
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn helm_lint_is_clean() {
    let out = helm(&["lint", "--strict", CHART], None);
    assert!(out.ok, "helm lint failed:\n{}{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("[WARNING]") && !out.stdout.contains("[ERROR]"),
        "{}",
        out.stdout
    );
}

#[test]
fn helm_template_renders_defaults_and_every_option() {
    let defaults = render(&[]);
    for kind in [
        "CustomResourceDefinition",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
    ] {
        assert!(!kinds(&defaults, kind).is_empty(), "no {kind} by default");
    }
    for kind in ["PodDisruptionBudget", "ServiceMonitor", "ConfigMap"] {
        assert!(
            kinds(&defaults, kind).is_empty(),
            "{kind} rendered by default"
        );
    }
    let all = render(ALL_ON);
    for kind in ["PodDisruptionBudget", "ServiceMonitor", "ConfigMap"] {
        assert_eq!(kinds(&all, kind).len(), 1, "{kind} with every option on");
    }
    let without_crd = render(&["--set", "crds.install=false"]);
    assert!(kinds(&without_crd, "CustomResourceDefinition").is_empty());
}

#[test]
fn values_typos_are_rejected_by_the_schema() {
    assert!(helm(&["template", "x", CHART, "--set", "replicaCount=2"], None).ok);
    for typo in [
        "replicas=2",
        "serviceMonitor.enable=true",
        "azure.workloadIdentity.clientID=abc",
        "operator.unitLimits.Premum=40",
    ] {
        let out = helm(&["template", "x", CHART, "--set", typo], None);
        assert!(!out.ok, "--set {typo} was accepted");
        assert!(
            out.stderr.contains("additional properties"),
            "--set {typo}: {}",
            out.stderr
        );
    }
    let out = helm(
        &["template", "x", CHART, "--set", "operator.logFormat=yaml"],
        None,
    );
    assert!(!out.ok, "an unknown log format was accepted");
}

#[test]
fn leader_election_off_with_two_replicas_is_refused() {
    let out = helm(
        &[
            "template",
            "x",
            CHART,
            "--set",
            "replicaCount=2",
            "--set",
            "leaderElection.enabled=false",
        ],
        None,
    );
    assert!(!out.ok);
    assert!(
        out.stderr.contains("leaderElection.enabled=false"),
        "{}",
        out.stderr
    );
}

#[test]
fn chart_crd_copy_equals_the_generated_crd() {
    let committed = std::fs::read(CRD).expect("crds/ file readable");
    let copy = std::fs::read(Path::new(CHART).join("files/crd.yaml")).expect("chart copy");
    assert!(
        committed == copy,
        "charts/apim-capacity-operator/files/crd.yaml differs from crds/: run `make crds`"
    );
    // The rendered CRD is that file plus the keep annotation.
    let rendered = render(&[]);
    let crd = one(&rendered, "CustomResourceDefinition");
    assert_eq!(
        crd["metadata"]["annotations"]["helm.sh/resource-policy"],
        "keep"
    );
    let mut expected: Value = serde_yaml::from_slice(&committed).expect("CRD parses");
    expected["metadata"]["annotations"] = serde_json::json!({"helm.sh/resource-policy": "keep"});
    assert_eq!(crd, &expected);
}

/// One (apiGroup, resource, verb) a rule grants.
type Grant = (String, String, String);

fn grants(rules: &Value) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    for rule in rules.as_array().into_iter().flatten() {
        assert!(
            rule.get("nonResourceURLs").is_none() && rule.get("resourceNames").is_none(),
            "unexpected rule shape: {rule}"
        );
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                for verb in strings(&rule["verbs"]) {
                    out.insert((group.clone(), resource.clone(), verb));
                }
            }
        }
    }
    out
}

struct Expected {
    cluster: BTreeSet<Grant>,
    namespace: BTreeSet<Grant>,
    aggregated: BTreeMap<String, BTreeSet<Grant>>,
}

fn expected_rbac() -> Expected {
    let text = std::fs::read_to_string(Path::new(CHART).join("rbac-expected.yaml"))
        .expect("rbac-expected.yaml readable");
    let v: Value = serde_yaml::from_str(&text).expect("rbac-expected.yaml parses");
    let aggregated = v["aggregated"]
        .as_object()
        .expect("aggregated is a map")
        .iter()
        .map(|(role, rules)| (role.clone(), grants(rules)))
        .collect();
    Expected {
        cluster: grants(&v["clusterRules"]),
        namespace: grants(&v["namespaceRules"]),
        aggregated,
    }
}

fn assert_rbac_is_exactly_expected(objects: &[Value]) {
    let expected = expected_rbac();
    let sa = one(objects, "ServiceAccount");
    let sa_name = sa["metadata"]["name"].as_str().expect("SA name");
    let bound_to_operator = |binding: &Value| {
        binding["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| {
                s["kind"] == "ServiceAccount"
                    && s["name"] == sa_name
                    && s["namespace"] == "apimcap-system"
            })
    };
    let cluster_bound: BTreeSet<String> = kinds(objects, "ClusterRoleBinding")
        .into_iter()
        .filter(|b| bound_to_operator(b))
        .map(|b| {
            assert_eq!(b["roleRef"]["kind"], "ClusterRole");
            b["roleRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let namespace_bound: BTreeSet<String> = kinds(objects, "RoleBinding")
        .into_iter()
        .filter(|b| bound_to_operator(b))
        .map(|b| {
            assert_eq!(
                b["roleRef"]["kind"], "Role",
                "a RoleBinding to a ClusterRole"
            );
            b["roleRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        cluster_bound.len(),
        1,
        "one ClusterRole bound to the operator"
    );
    assert_eq!(namespace_bound.len(), 1, "one Role bound to the operator");

    let mut cluster = BTreeSet::new();
    let mut seen_aggregated = BTreeSet::new();
    for role in kinds(objects, "ClusterRole") {
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        let granted = grants(&role["rules"]);
        let labels = &role["metadata"]["labels"];
        let aggregate_to: Vec<&str> = ["edit", "view"]
            .into_iter()
            .filter(|r| labels[format!("rbac.authorization.k8s.io/aggregate-to-{r}")] == "true")
            .collect();
        if cluster_bound.contains(name) {
            assert!(aggregate_to.is_empty(), "{name} is bound and aggregated");
            cluster.extend(granted);
        } else if let [to] = aggregate_to[..] {
            assert_eq!(
                granted, expected.aggregated[to],
                "ClusterRole {name} (aggregate-to-{to})"
            );
            seen_aggregated.insert(to.to_string());
        } else {
            panic!("ClusterRole {name} is neither the operator's nor an aggregated role");
        }
    }
    assert_eq!(
        seen_aggregated,
        expected.aggregated.keys().cloned().collect(),
        "the aggregated editor and viewer roles"
    );
    assert_eq!(
        cluster, expected.cluster,
        "the operator's cluster-wide grants"
    );

    let mut namespaced = BTreeSet::new();
    for role in kinds(objects, "Role") {
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        assert!(
            namespace_bound.contains(name),
            "Role {name} is not the operator's"
        );
        assert_eq!(
            role["metadata"]["namespace"], "apimcap-system",
            "Role {name}"
        );
        namespaced.extend(grants(&role["rules"]));
    }
    assert_eq!(
        namespaced, expected.namespace,
        "the operator's namespaced grants"
    );
}

#[test]
fn rbac_grants_exactly_the_expected_rules_with_defaults() {
    assert_rbac_is_exactly_expected(&render(&[]));
}

#[test]
fn rbac_grants_exactly_the_expected_rules_with_every_option() {
    assert_rbac_is_exactly_expected(&render(ALL_ON));
}

#[test]
fn deployment_is_locked_down_and_probed() {
    for (values, replicas) in [(&[][..], 1), (ALL_ON, 2)] {
        let objects = render(values);
        let deployment = one(&objects, "Deployment");
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["securityContext"]["runAsUser"], 65532);
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        assert!(pod["terminationGracePeriodSeconds"].is_u64());
        let c = &pod["containers"][0];
        let sc = &c["securityContext"];
        assert_eq!(sc["readOnlyRootFilesystem"], true);
        assert_eq!(sc["allowPrivilegeEscalation"], false);
        assert_eq!(sc["runAsNonRoot"], true);
        assert_eq!(sc["runAsUser"], 65532);
        assert_eq!(strings(&sc["capabilities"]["drop"]), ["ALL"]);
        assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/livez");
        assert_eq!(c["livenessProbe"]["httpGet"]["port"], "http-metrics");
        assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
        assert_eq!(c["readinessProbe"]["httpGet"]["port"], "http-metrics");
        assert_eq!(c["ports"][0]["name"], "http-metrics");
        for kind in ["requests", "limits"] {
            assert!(c["resources"][kind]["cpu"].is_string(), "{kind}");
            assert!(c["resources"][kind]["memory"].is_string(), "{kind}");
        }
        let env = c["env"].as_array().expect("env");
        assert!(env.iter().any(|e| e["name"] == "POD_NAMESPACE"
            && e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"));
        let args = strings(&c["args"]);
        assert_eq!(args[0], "run");
        assert_eq!(
            args.contains(&"--leader-elect".to_string()),
            replicas > 1,
            "{args:?}"
        );
        assert_eq!(
            kinds(&objects, "PodDisruptionBudget").len(),
            usize::from(replicas > 1)
        );
    }
}

#[test]
fn options_reach_the_operator_and_its_identity() {
    let objects = render(ALL_ON);
    let sa = one(&objects, "ServiceAccount");
    assert_eq!(
        sa["metadata"]["annotations"]["azure.workload.identity/client-id"],
        "11111111-2222-3333-4444-555555555555"
    );
    let deployment = one(&objects, "Deployment");
    let template = &deployment["spec"]["template"];
    assert_eq!(
        template["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    let c = &template["spec"]["containers"][0];
    let args = strings(&c["args"]);
    for expected in [
        "--leader-elect",
        "--lease-name=apim-capacity-operator",
        "--unit-limits=Premium=40,PremiumV2=35",
        "--ca-bundle=/etc/apimcap/ca/ca.crt",
        "--namespace-policy=/etc/apimcap/policy/namespace-policy.yaml",
        "--metrics-addr=0.0.0.0:8080",
    ] {
        assert!(
            args.iter().any(|a| a == expected),
            "{expected} not in {args:?}"
        );
    }
    let env = c["env"].as_array().expect("env");
    assert!(env.iter().any(|e| e["name"] == "AZURE_AUTHORITY_HOST"));
    let policy = one(&objects, "ConfigMap");
    let text = policy["data"]["namespace-policy.yaml"]
        .as_str()
        .expect("policy");
    let parsed: Value = serde_yaml::from_str(text).expect("policy parses");
    assert_eq!(
        parsed,
        serde_json::json!({"platform": ["/subscriptions/00000000-0000-0000-0000-000000000000"]})
    );
    let volumes = template["spec"]["volumes"].as_array().expect("volumes");
    assert!(
        volumes
            .iter()
            .any(|v| v["secret"]["secretName"] == "corp-ca")
    );
    let monitor = one(&objects, "ServiceMonitor");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "http-metrics");

    let defaults = render(&[]);
    let sa = one(&defaults, "ServiceAccount");
    assert!(sa["metadata"].get("annotations").is_none());
}

fn kubectl_ok(cp: &support::ControlPlane, args: &[&str]) -> String {
    let out = cp.kubectl(args);
    assert!(out.success, "kubectl {args:?}: {}", out.stderr);
    out.stdout
}

fn can_i(cp: &support::ControlPlane, sa: &str, args: &[&str]) -> bool {
    let mut all = vec!["auth", "can-i"];
    all.extend_from_slice(args);
    let as_user = format!("--as={sa}");
    all.push(&as_user);
    let out = cp.kubectl(&all);
    out.stdout.trim() == "yes"
}

#[test]
fn helm_install_on_a_real_apiserver_and_uninstall_keeps_the_crd() {
    let cp = support::shared();
    let ns = cp.namespace("helm-install");
    let kubeconfig: PathBuf = cp.kubeconfig.clone();
    let install = |extra: &[&str]| {
        let mut args = vec!["install", "apimcap", CHART, "--namespace", &ns];
        args.extend_from_slice(extra);
        let out = helm(&args, Some(&kubeconfig));
        assert!(out.ok, "helm install failed:\n{}", out.stderr);
    };
    install(&["--set", "replicaCount=2"]);

    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    kubectl_ok(
        cp,
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            &format!("crd/{CRD_NAME}"),
        ],
    );
    kubectl_ok(
        cp,
        &[
            "-n",
            &ns,
            "get",
            "serviceaccount",
            "apimcap-apim-capacity-operator",
        ],
    );
    kubectl_ok(
        cp,
        &["get", "clusterrole", "apimcap-apim-capacity-operator"],
    );
    kubectl_ok(
        cp,
        &[
            "get",
            "clusterrolebinding",
            "apimcap-apim-capacity-operator",
        ],
    );
    kubectl_ok(
        cp,
        &[
            "get",
            "clusterrole",
            "apimcap-apim-capacity-operator-editor",
        ],
    );
    kubectl_ok(
        cp,
        &[
            "get",
            "clusterrole",
            "apimcap-apim-capacity-operator-viewer",
        ],
    );
    kubectl_ok(
        cp,
        &[
            "-n",
            &ns,
            "get",
            "role,rolebinding",
            "apimcap-apim-capacity-operator-leader-election",
        ],
    );
    kubectl_ok(cp, &["-n", &ns, "get", "deployment,service,pdb"]);

    // The apiserver's own RBAC evaluation of the operator's ServiceAccount.
    let sa = format!("system:serviceaccount:{ns}:apimcap-apim-capacity-operator");
    assert!(can_i(
        cp,
        &sa,
        &["watch", "apimcapacities.capacity.apim.dev", "-A"]
    ));
    assert!(can_i(
        cp,
        &sa,
        &[
            "patch",
            "apimcapacities.capacity.apim.dev",
            "--subresource=status",
            "-n",
            "default"
        ]
    ));
    assert!(can_i(
        cp,
        &sa,
        &["create", "events.events.k8s.io", "-n", "default"]
    ));
    assert!(can_i(cp, &sa, &["get", "secrets", "-n", "default"]));
    assert!(can_i(
        cp,
        &sa,
        &["update", "leases.coordination.k8s.io", "-n", &ns]
    ));
    assert!(!can_i(cp, &sa, &["list", "secrets", "-n", "default"]));
    assert!(!can_i(
        cp,
        &sa,
        &[
            "update",
            "apimcapacities.capacity.apim.dev",
            "-n",
            "default"
        ]
    ));
    assert!(!can_i(
        cp,
        &sa,
        &["create", "leases.coordination.k8s.io", "-n", "default"]
    ));
    assert!(!can_i(cp, &sa, &["create", "events", "-n", "default"]));

    let out = helm(
        &["uninstall", "apimcap", "--namespace", &ns],
        Some(&kubeconfig),
    );
    assert!(out.ok, "helm uninstall failed:\n{}", out.stderr);
    assert!(
        out.stdout.contains("kept due to the resource policy") || out.stderr.contains("kept"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    support::eventually(std::time::Duration::from_secs(30), || {
        !cp.kubectl(&[
            "-n",
            &ns,
            "get",
            "serviceaccount",
            "apimcap-apim-capacity-operator",
        ])
        .success
    });
    assert!(
        !cp.kubectl(&["get", "clusterrole", "apimcap-apim-capacity-operator"])
            .success
    );

    // Installing the same release again adopts the kept CRD.
    install(&[]);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    let out = helm(
        &["uninstall", "apimcap", "--namespace", &ns],
        Some(&kubeconfig),
    );
    assert!(out.ok, "second helm uninstall failed:\n{}", out.stderr);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
}
