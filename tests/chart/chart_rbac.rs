//! The chart grants the operator exactly the Kubernetes API access listed in
//! charts/apim-capacity-operator/rbac-expected.yaml, and people the aggregated editor and
//! viewer roles: a rule too many or too few fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{ALL_ON, CHART, kinds, one, render, strings};
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
