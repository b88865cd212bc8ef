//! The chart installed with `helm install` on the real test apiserver (no scheduler or
//! kubelet, so the Deployment gets no pods): the objects exist, the apiserver's RBAC lets the
//! operator's ServiceAccount do what it needs and no more, and an uninstall keeps the CRD.
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
    assert!(can_i(cp, &sa, &["get", "secrets", "-n", "default"]));
    assert!(can_i(cp, &sa, &["get", "secrets", "-n", &ns]));
    assert!(!can_i(cp, &sa, &["get", "secrets", "-n", "kube-system"]));
    assert!(!can_i(cp, &sa, &["get", "secrets", "-A"]));
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

    // Installing the same release again adopts the kept CRD; allowAllNamespaces reads a named
    // Secret in any namespace.
    install(&["--set", "allowAllNamespaces=true"]);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
    assert!(can_i(cp, &sa, &["get", "secrets", "-n", "kube-system"]));
    let out = helm(
        &["uninstall", "apimcap", "--namespace", &ns],
        Some(&kubeconfig),
    );
    assert!(out.ok, "second helm uninstall failed:\n{}", out.stderr);
    kubectl_ok(cp, &["get", "crd", CRD_NAME]);
}
