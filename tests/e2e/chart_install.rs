//! The chart installed with `helm install` on the real test apiserver (no scheduler or
//! kubelet, so the Deployment gets no pods), as a user would: the objects exist, the
//! apiserver's RBAC lets the operator's ServiceAccount do what it needs and no more, an
//! upgrade with changed values changes the cluster, an uninstall keeps the CRD and every
//! ApimCapacity, and a reinstall adopts them.
//!
//! The chart installs the CRD, which the other tests of this binary install with kubectl:
//! the test holds the control plane alone, starts without the CRD, and leaves it installed.

use crate::support;

use std::path::PathBuf;

use crate::chart_support::{CHART, CRD_NAME, helm, try_helm};

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

/// Ends the test with the release uninstalled and the CRD installed, also when it failed.
struct Restore {
    cp: &'static support::ControlPlane,
    ns: String,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let kubeconfig = self.cp.kubeconfig.clone();
        let _ = try_helm(
            &["uninstall", "apimcap", "--namespace", &self.ns],
            Some(&kubeconfig),
        );
        let _ = self
            .cp
            .kubectl(&["-n", &self.ns, "delete", "apimcap", "--all", "--wait=false"]);
        if let Err(e) = self.cp.try_apply_crds() {
            if std::thread::panicking() {
                eprintln!("{e}");
            } else {
                panic!("{e}");
            }
        }
    }
}

#[test]
fn helm_install_on_a_real_apiserver_and_uninstall_keeps_the_crd() {
    let _access = support::access::exclusive();
    let cp = support::shared();
    let ns = cp.namespace("helm-install");
    let _restore = Restore { cp, ns: ns.clone() };
    // A cluster without the CRD, as the chart expects on a first install.
    kubectl_ok(
        cp,
        &[
            "delete",
            "crd",
            CRD_NAME,
            "--ignore-not-found",
            "--timeout=120s",
        ],
    );
    let kubeconfig: PathBuf = cp.kubeconfig.clone();
    let install = |extra: &[&str]| {
        let mut args = vec!["install", "apimcap", CHART, "--namespace", &ns];
        args.extend_from_slice(extra);
        let out = helm(&args, Some(&kubeconfig));
        assert!(out.ok, "helm install failed:\n{}", out.stderr);
    };
    // Secrets readable in the policy's namespaces only (both exist before the install).
    let policy = format!(
        r#"namespacePolicy={{"{ns}":["/subscriptions/*"],"default":["/subscriptions/*"]}}"#
    );
    install(&["--set", "replicaCount=2", "--set-json", &policy]);

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
    // Each named Secret is watched alone (a metadata.name field selector): list and watch.
    for verb in ["list", "watch"] {
        assert!(can_i(cp, &sa, &[verb, "secrets", "-n", "default"]));
        assert!(can_i(cp, &sa, &[verb, "secrets", "-n", &ns]));
        assert!(!can_i(cp, &sa, &[verb, "secrets", "-n", "kube-system"]));
        assert!(!can_i(cp, &sa, &[verb, "secrets", "-A"]));
    }
    assert!(can_i(
        cp,
        &sa,
        &["update", "leases.coordination.k8s.io", "-n", &ns]
    ));
    assert!(!can_i(cp, &sa, &["get", "secrets", "-n", "default"]));
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

    // Teams create ApimCapacity objects while the release runs.
    let uids = create_capacities(cp, &ns);

    // An upgrade with changed values: one replica, another resync, the optional parts on.
    upgrade_with_changed_values(cp, &kubeconfig, &ns, &policy);

    let out = helm(
        &["uninstall", "apimcap", "--namespace", &ns],
        Some(&kubeconfig),
    );
    assert!(out.ok, "helm uninstall failed:\n{}", out.stderr);
    assert_eq!(capacity_uids(cp, &ns), uids, "every ApimCapacity stays");
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

    // Installing the same release again adopts the kept CRD; allowAllNamespaces reads a named
    // Secret in any namespace.
    install(&["--set", "allowAllNamespaces=true"]);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    let owner = kubectl_ok(
        cp,
        &[
            "get",
            "crd",
            CRD_NAME,
            "-o",
            "jsonpath={.metadata.annotations.meta\\.helm\\.sh/release-namespace}",
        ],
    );
    assert_eq!(owner, ns, "the reinstalled release owns the kept CRD");
    assert_eq!(capacity_uids(cp, &ns), uids, "the same objects, adopted");
    assert!(can_i(cp, &sa, &["watch", "secrets", "-n", "kube-system"]));
    let out = helm(
        &["uninstall", "apimcap", "--namespace", &ns],
        Some(&kubeconfig),
    );
    assert!(out.ok, "second helm uninstall failed:\n{}", out.stderr);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    assert_eq!(capacity_uids(cp, &ns), uids);
}

const CAPACITY: &str = "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: NAME\nspec:\n  service:\n    subscriptionId: 00000000-0000-0000-0000-000000000000\n    resourceGroup: rg-chart\n    name: NAME-apim\n  sku: Standard\n  regions:\n    - {location: westeurope, units: 2}\n";

/// Creates two ApimCapacity objects in `ns`; returns their uids.
fn create_capacities(cp: &support::ControlPlane, ns: &str) -> Vec<String> {
    for name in ["payments", "orders"] {
        let out = cp.apply(ns, &CAPACITY.replace("NAME", name));
        assert!(out.success, "creating {name}: {}", out.stderr);
    }
    let uids = capacity_uids(cp, ns);
    assert_eq!(uids.len(), 2);
    uids
}

/// The uids of the ApimCapacity objects in `ns`, by name.
fn capacity_uids(cp: &support::ControlPlane, ns: &str) -> Vec<String> {
    let out = kubectl_ok(
        cp,
        &[
            "-n",
            ns,
            "get",
            "apimcap",
            "--sort-by=.metadata.name",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.uid} {end}",
        ],
    );
    out.split_whitespace().map(String::from).collect()
}

/// `helm upgrade` with other values than the install's, and the cluster follows them.
fn upgrade_with_changed_values(
    cp: &support::ControlPlane,
    kubeconfig: &std::path::Path,
    ns: &str,
    policy: &str,
) {
    let out = helm(
        &[
            "upgrade",
            "apimcap",
            CHART,
            "--namespace",
            ns,
            "--set-json",
            policy,
            "--set",
            "replicaCount=1",
            "--set",
            "operator.resyncInterval=5m",
            "--set",
            "networkPolicy.enabled=true",
            "--set",
            "grafanaDashboard.enabled=true",
        ],
        Some(kubeconfig),
    );
    assert!(out.ok, "helm upgrade failed:\n{}", out.stderr);
    let name = "apimcap-apim-capacity-operator";
    let deployment = kubectl_ok(cp, &["-n", ns, "get", "deployment", name, "-o", "json"]);
    let deployment: serde_json::Value = serde_json::from_str(&deployment).expect("JSON");
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");
    let args = deployment["spec"]["template"]["spec"]["containers"][0]["args"].to_string();
    assert!(args.contains("--resync-interval=5m"), "{args}");
    assert!(!args.contains("--leader-elect"), "{args}");
    kubectl_ok(cp, &["-n", ns, "get", "networkpolicy", name]);
    let dashboard = kubectl_ok(
        cp,
        &[
            "-n",
            ns,
            "get",
            "configmap",
            "-l",
            "grafana_dashboard=1",
            "-o",
            "name",
        ],
    );
    assert_eq!(dashboard.trim(), format!("configmap/{name}-dashboard"));
    // One replica: the PodDisruptionBudget of the install is gone.
    assert!(!cp.kubectl(&["-n", ns, "get", "pdb", name]).success);
}
