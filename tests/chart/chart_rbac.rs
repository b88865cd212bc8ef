//! The chart grants the operator exactly the Kubernetes API access listed in
//! charts/apim-capacity-operator/rbac-expected.yaml (Secrets only in the namespaces of the
//! policy), and people the editor and viewer roles: a rule too many or too few fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{ALL_ON, ALLOW_ALL, CHART, kinds, one, render, strings};
use serde_json::Value;

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
    credentials: BTreeSet<Grant>,
    aggregated: BTreeMap<String, BTreeSet<Grant>>,
}

fn expected_rbac() -> Expected {
    let text = std::fs::read_to_string(Path::new(CHART).join("rbac-expected.yaml"))
        .expect("rbac-expected.yaml readable");
    let v: Value = serde_saphyr::from_str(&text).expect("rbac-expected.yaml parses");
    let aggregated = v["aggregated"]
        .as_object()
        .expect("aggregated is a map")
        .iter()
        .map(|(role, rules)| (role.clone(), grants(rules)))
        .collect();
    Expected {
        cluster: grants(&v["clusterRules"]),
        namespace: grants(&v["namespaceRules"]),
        credentials: grants(&v["credentialRules"]),
        aggregated,
    }
}

/// Who may target Azure in a render: the namespaces of a policy, or every namespace.
enum Tenants<'a> {
    Policy(&'a [&'a str]),
    All,
}

/// The rendered RBAC grants the operator exactly the expected rules (the credential rules
/// per tenant namespace or cluster-wide), and people the editor and viewer roles, the editor
/// folded into `edit` only when `aggregate_edit`.
fn assert_rbac_is_exactly_expected(objects: &[Value], tenants: Tenants, aggregate_edit: bool) {
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
    // (namespace, Role name) of every RoleBinding to the operator.
    let namespace_bound: BTreeSet<(String, String)> = kinds(objects, "RoleBinding")
        .into_iter()
        .filter(|b| bound_to_operator(b))
        .map(|b| {
            assert_eq!(
                b["roleRef"]["kind"], "Role",
                "a RoleBinding to a ClusterRole"
            );
            let ns = b["metadata"]["namespace"].as_str().unwrap_or_default();
            let role = b["roleRef"]["name"].as_str().unwrap_or_default();
            (ns.to_string(), role.to_string())
        })
        .collect();
    assert_eq!(
        cluster_bound.len(),
        1,
        "one ClusterRole bound to the operator"
    );

    let mut cluster = BTreeSet::new();
    let mut seen_aggregated = BTreeSet::new();
    let mut unaggregated_editor = false;
    for role in kinds(objects, "ClusterRole") {
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        let granted = grants(&role["rules"]);
        let labels = &role["metadata"]["labels"];
        let aggregate_to: Vec<&str> = ["edit", "admin", "view"]
            .into_iter()
            .filter(|r| labels[format!("rbac.authorization.k8s.io/aggregate-to-{r}")] == "true")
            .collect();
        if cluster_bound.contains(name) {
            assert!(aggregate_to.is_empty(), "{name} is bound and aggregated");
            cluster.extend(granted);
        } else if aggregate_to == ["edit", "admin"] || aggregate_to == ["view"] {
            let to = aggregate_to[0];
            assert_eq!(
                granted, expected.aggregated[to],
                "ClusterRole {name} (aggregate-to-{to})"
            );
            seen_aggregated.insert(to.to_string());
        } else if aggregate_to.is_empty() && name.ends_with("-editor") {
            assert_eq!(granted, expected.aggregated["edit"], "ClusterRole {name}");
            unaggregated_editor = true;
        } else {
            panic!(
                "ClusterRole {name} is neither the operator's nor a role for people ({aggregate_to:?})"
            );
        }
    }
    let mut want_aggregated: BTreeSet<String> = BTreeSet::from(["view".to_string()]);
    if aggregate_edit {
        want_aggregated.insert("edit".to_string());
    }
    assert_eq!(seen_aggregated, want_aggregated, "the aggregated roles");
    assert_eq!(
        unaggregated_editor, !aggregate_edit,
        "the editor role exists, aggregated only on request"
    );
    let mut want_cluster = expected.cluster.clone();
    if let Tenants::All = tenants {
        want_cluster.extend(expected.credentials.clone());
    }
    assert_eq!(cluster, want_cluster, "the operator's cluster-wide grants");

    let mut in_release = BTreeSet::new();
    let mut credential_namespaces = BTreeSet::new();
    for role in kinds(objects, "Role") {
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        let ns = role["metadata"]["namespace"].as_str().unwrap_or_default();
        assert!(
            namespace_bound.contains(&(ns.to_string(), name.to_string())),
            "Role {ns}/{name} is not bound to the operator"
        );
        let granted = grants(&role["rules"]);
        if granted == expected.credentials && name.ends_with("-credentials") {
            credential_namespaces.insert(ns.to_string());
        } else {
            assert_eq!(ns, "apimcap-system", "Role {name}");
            in_release.extend(granted);
        }
    }
    assert_eq!(
        in_release, expected.namespace,
        "the operator's grants in its own namespace"
    );
    let want_namespaces: BTreeSet<String> = match tenants {
        Tenants::Policy(namespaces) => namespaces.iter().map(|n| n.to_string()).collect(),
        Tenants::All => BTreeSet::new(),
    };
    assert_eq!(
        credential_namespaces, want_namespaces,
        "Secrets readable per namespace of the policy, never cluster-wide with a policy"
    );
}

#[test]
fn rbac_grants_exactly_the_expected_rules_to_every_namespace() {
    assert_rbac_is_exactly_expected(&render(ALLOW_ALL), Tenants::All, false);
}

#[test]
fn rbac_grants_exactly_the_expected_rules_with_every_option() {
    assert_rbac_is_exactly_expected(&render(ALL_ON), Tenants::Policy(&["platform"]), true);
}

#[test]
fn rbac_with_a_policy_reads_secrets_only_in_its_namespaces() {
    let objects = render(&[
        "--set-json",
        r#"namespacePolicy={"team-b":["/subscriptions/*"],"team-a":["/subscriptions/*"]}"#,
    ]);
    assert_rbac_is_exactly_expected(&objects, Tenants::Policy(&["team-a", "team-b"]), false);
}
