//! The Helm chart rendered: lint, the values schema, the CRD copy, the Deployment's
//! security settings and options. RBAC is in chart_rbac.rs, a real install in
//! the e2e binary (tests/e2e/chart_install.rs).

use std::path::Path;

use crate::support::{ALL_ON, ALLOW_ALL, CHART, CRD, helm, kinds, one, render, strings};
use serde_json::Value;

#[test]
fn helm_lint_is_clean() {
    let out = helm(
        &["lint", "--strict", CHART, ALLOW_ALL[0], ALLOW_ALL[1]],
        None,
    );
    assert!(out.ok, "helm lint failed:\n{}{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("[WARNING]") && !out.stdout.contains("[ERROR]"),
        "{}",
        out.stdout
    );
}

#[test]
fn helm_template_renders_defaults_and_every_option() {
    let defaults = render(ALLOW_ALL);
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
    let without_crd = render(&["--set", "crds.install=false", ALLOW_ALL[0], ALLOW_ALL[1]]);
    assert!(kinds(&without_crd, "CustomResourceDefinition").is_empty());
}

#[test]
fn values_typos_are_rejected_by_the_schema() {
    let two = [
        "template",
        "x",
        CHART,
        "--set",
        "replicaCount=2",
        ALLOW_ALL[0],
        ALLOW_ALL[1],
    ];
    assert!(helm(&two, None).ok);
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
            ALLOW_ALL[0],
            ALLOW_ALL[1],
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
    let rendered = render(ALLOW_ALL);
    let crd = one(&rendered, "CustomResourceDefinition");
    assert_eq!(
        crd["metadata"]["annotations"]["helm.sh/resource-policy"],
        "keep"
    );
    let mut expected: Value = serde_saphyr::from_slice(&committed).expect("CRD parses");
    expected["metadata"]["annotations"] = serde_json::json!({"helm.sh/resource-policy": "keep"});
    assert_eq!(crd, &expected);
}

#[test]
fn deployment_is_locked_down_and_probed() {
    for (values, replicas) in [(ALLOW_ALL, 1), (ALL_ON, 2)] {
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
        "--lease-name=apimcap-apim-capacity-operator",
        "--unit-limits=Premium=40,PremiumV2=35",
        "--ca-bundle=/etc/apimcap/ca/ca.crt",
        "--namespace-policy=/etc/apimcap/policy/namespace-policy.yaml",
        "--metrics-addr=0.0.0.0:8080",
        "--currency=EUR",
        "--prices-endpoint=https://prices.example.com/api/retail/prices",
        "--durations-configmap=apimcap-apim-capacity-operator-durations",
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
    let parsed: Value = serde_saphyr::from_str(text).expect("policy parses");
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

    let defaults = render(ALLOW_ALL);
    let sa = one(&defaults, "ServiceAccount");
    assert!(sa["metadata"].get("annotations").is_none());
}

#[test]
fn drift_is_watched_by_listing_unless_the_value_turns_it_off() {
    let args = |extra: &[&str]| {
        let mut values = ALLOW_ALL.to_vec();
        values.extend_from_slice(extra);
        let objects = render(&values);
        let deployment = one(&objects, "Deployment");
        strings(&deployment["spec"]["template"]["spec"]["containers"][0]["args"])
    };
    assert!(args(&[]).iter().any(|a| a == "--list-drift=true"));
    let off = args(&["--set", "operator.listDrift=false"]);
    assert!(off.iter().any(|a| a == "--list-drift=false"), "{off:?}");
    assert!(!off.iter().any(|a| a == "--list-drift=true"), "{off:?}");
    let typo = helm(
        &[
            "template",
            "x",
            CHART,
            ALLOW_ALL[0],
            ALLOW_ALL[1],
            "--set-string",
            "operator.listDrift=maybe",
        ],
        None,
    );
    assert!(
        !typo.ok,
        "the schema refuses a listDrift that is no boolean"
    );
}
