//! The chart is safe by default: one leader identity per pod (POD_NAME from the pod's name),
//! no render without a namespace policy or an explicit allowAllNamespaces, no ApimCapacity
//! rights folded into `edit` unless asked, and Secrets readable only in the namespaces of the
//! policy.

use crate::support::{ALL_ON, ALLOW_ALL, CHART, helm, kinds, one, render, strings};
use serde_json::Value;

const POLICY: &[&str] = &[
    "--set-json",
    r#"namespacePolicy={"team-a":["/subscriptions/*"],"team-b":["/subscriptions/*"]}"#,
];

fn container(objects: &[Value]) -> &Value {
    &one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
}

fn grants_secrets(role: &Value) -> bool {
    role["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| strings(&r["resources"]).iter().any(|x| x == "secrets"))
}

#[test]
fn every_pod_gets_its_own_name_as_pod_name() {
    for values in [ALLOW_ALL, ALL_ON, POLICY] {
        let objects = render(values);
        let env = container(&objects)["env"].as_array().cloned().expect("env");
        let pod_name: Vec<&Value> = env.iter().filter(|e| e["name"] == "POD_NAME").collect();
        assert_eq!(pod_name.len(), 1, "{env:?}");
        assert_eq!(
            pod_name[0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name",
            "{values:?}"
        );
    }
}

#[test]
fn the_default_values_do_not_render() {
    let out = helm(&["template", "x", CHART], None);
    assert!(!out.ok, "the defaults rendered:\n{}", out.stdout);
    assert!(
        out.stderr
            .contains("namespacePolicy is empty and allowAllNamespaces is false"),
        "{}",
        out.stderr
    );
    let mut both = vec!["template", "x", CHART, "--set", "allowAllNamespaces=true"];
    both.extend_from_slice(POLICY);
    let out = helm(&both, None);
    assert!(!out.ok, "namespacePolicy with allowAllNamespaces rendered");
    assert!(out.stderr.contains("contradict"), "{}", out.stderr);
}

#[test]
fn the_operator_is_told_who_may_target_azure() {
    let open = strings(&container(&render(ALLOW_ALL))["args"]);
    assert!(
        open.iter().any(|a| a == "--allow-all-namespaces"),
        "{open:?}"
    );
    assert!(
        !open.iter().any(|a| a.starts_with("--namespace-policy")),
        "{open:?}"
    );
    let policed = strings(&container(&render(POLICY))["args"]);
    assert!(
        !policed.iter().any(|a| a.starts_with("--allow-all")),
        "{policed:?}"
    );
    assert!(
        policed
            .iter()
            .any(|a| a == "--namespace-policy=/etc/apimcap/policy/namespace-policy.yaml"),
        "{policed:?}"
    );
}

#[test]
fn capacity_rights_are_folded_into_edit_only_on_request() {
    let editor = |objects: &[Value]| -> Value {
        kinds(objects, "ClusterRole")
            .into_iter()
            .find(|r| {
                r["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with("-editor"))
            })
            .cloned()
            .expect("the editor ClusterRole")
    };
    for values in [ALLOW_ALL, POLICY] {
        let role = editor(&render(values));
        let labels = &role["metadata"]["labels"];
        for to in ["edit", "admin"] {
            assert!(
                labels[format!("rbac.authorization.k8s.io/aggregate-to-{to}")].is_null(),
                "aggregated to {to} by default: {labels}"
            );
        }
    }
    let mut on = ALLOW_ALL.to_vec();
    on.extend(["--set", "rbac.aggregateToEdit=true"]);
    let labels = editor(&render(&on))["metadata"]["labels"].clone();
    assert_eq!(
        labels["rbac.authorization.k8s.io/aggregate-to-edit"],
        "true"
    );
    assert_eq!(
        labels["rbac.authorization.k8s.io/aggregate-to-admin"],
        "true"
    );
}

#[test]
fn secrets_are_readable_per_namespace_of_the_policy_and_cluster_wide_only_for_all() {
    let objects = render(POLICY);
    for role in kinds(&objects, "ClusterRole") {
        assert!(!grants_secrets(role), "a cluster-wide Secret rule: {role}");
    }
    let mut namespaces: Vec<&str> = kinds(&objects, "Role")
        .into_iter()
        .filter(|r| grants_secrets(r))
        .map(|r| {
            assert_eq!(
                r["rules"],
                serde_json::json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list", "watch"]}])
            );
            r["metadata"]["namespace"].as_str().unwrap_or_default()
        })
        .collect();
    namespaces.sort();
    assert_eq!(namespaces, ["team-a", "team-b"]);
    let bound: Vec<&str> = kinds(&objects, "RoleBinding")
        .into_iter()
        .filter(|b| {
            b["roleRef"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("-credentials"))
        })
        .map(|b| {
            assert_eq!(b["subjects"][0]["namespace"], "apimcap-system", "{b}");
            b["metadata"]["namespace"].as_str().unwrap_or_default()
        })
        .collect();
    assert_eq!(bound.len(), 2, "{bound:?}");

    let open = render(ALLOW_ALL);
    let operator = kinds(&open, "ClusterRole")
        .into_iter()
        .filter(|r| grants_secrets(r))
        .count();
    assert_eq!(
        operator, 1,
        "allowAllNamespaces reads Secrets in every namespace"
    );
    assert!(kinds(&open, "Role").iter().all(|r| !grants_secrets(r)));
}

#[test]
fn leader_election_timings_reach_the_operator() {
    let objects = render(ALL_ON);
    let args = strings(&container(&objects)["args"]);
    for expected in [
        "--lease-duration=15s",
        "--renew-deadline=10s",
        "--retry-period=2s",
    ] {
        assert!(
            args.iter().any(|a| a == expected),
            "{expected} not in {args:?}"
        );
    }
}

#[test]
fn the_example_values_render_with_a_policy() {
    let values = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/helm/values.yaml");
    let objects = render(&["-f", values]);
    let args = strings(&container(&objects)["args"]);
    assert!(
        args.iter().any(|a| a.starts_with("--namespace-policy=")),
        "{args:?}"
    );
    assert!(args.iter().any(|a| a == "--leader-elect"), "{args:?}");
}
