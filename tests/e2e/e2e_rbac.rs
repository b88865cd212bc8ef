//! The chart's RBAC is enough, and only just: the chart is installed with helm, a token is
//! minted for its ServiceAccount (TokenRequest), and `apimcap run` with exactly that
//! identity carries out a scale with the credentials Secret the resource names (watched).
//! With one permission removed it fails visibly: a clear log line and a not-ready `/readyz`.

use std::path::{Path, PathBuf};

use crate::chart_support::{CHART, helm, try_helm};
use crate::support::operator::{E2e, TEAM_CLIENT, TEAM_SECRET, TENANT, secs, writes};
use crate::support::replicas::Replica;

const RELEASE: &str = "apimcap";
const SERVICE_ACCOUNT: &str = "apimcap-apim-capacity-operator";

/// The release, uninstalled when the test ends: its ClusterRoles are cluster-wide, and
/// `chart_install` installs a release of the same name on the same control plane.
struct Release {
    ns: String,
    kubeconfig: PathBuf,
}

impl Drop for Release {
    fn drop(&mut self) {
        let out = try_helm(
            &["uninstall", RELEASE, "--namespace", &self.ns],
            Some(&self.kubeconfig),
        );
        let failure = match out {
            Ok(out) if out.ok => return,
            Ok(out) => out.stderr,
            Err(e) => e,
        };
        if !std::thread::panicking() {
            panic!("helm uninstall: {failure}");
        }
    }
}

/// Installs the chart into the test's namespace and returns a kubeconfig for its
/// ServiceAccount.
fn install_and_mint(e2e: &E2e, dir: &Path) -> PathBuf {
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let out = helm(
        &[
            "install",
            RELEASE,
            CHART,
            "--namespace",
            &e2e.ns,
            "--set",
            "crds.install=false",
            "--set",
            "leaderElection.enabled=true",
            "--set",
            "allowAllNamespaces=true",
        ],
        Some(&kubeconfig),
    );
    assert!(out.ok, "helm install: {}", out.stderr);
    let token = e2e.kubectl(&["create", "token", SERVICE_ACCOUNT, "--duration=1h"]);
    assert!(token.success, "TokenRequest: {}", token.stderr);
    let admin = std::fs::read_to_string(&kubeconfig).expect("admin kubeconfig");
    let ca_line = admin
        .lines()
        .find(|l| l.trim_start().starts_with("certificate-authority-data:"))
        .expect("the admin kubeconfig has the CA");
    let path = dir.join("operator-kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n{ca_line}\nusers:\n- name: operator\n  user:\n    token: {}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: operator\ncurrent-context: test\n",
            e2e.cp.server,
            token.stdout.trim()
        ),
    )
    .expect("operator kubeconfig");
    path
}

#[test]
fn the_charts_service_account_carries_out_a_scale_and_no_permission_is_spare() {
    let mut e2e = E2e::builder("chart-rbac")
        .service("Standard", &[("westeurope", 1)])
        .without_operator()
        .start();
    let dir = e2e.cp.tempdir("replicas-");
    let _release = Release {
        ns: e2e.ns.clone(),
        kubeconfig: e2e.cp.kubeconfig.clone(),
    };
    let kubeconfig = install_and_mint(&e2e, dir.path());
    let lease_ns = format!("--lease-namespace={}", e2e.ns);
    let operator = Replica::start(
        &e2e,
        "chart-identity",
        &kubeconfig,
        &["--leader-elect", &lease_ns],
        dir.path(),
    );
    operator.wait_log("became the leader", secs(30));
    // The resource names a credentials Secret: the chart lets the operator watch it.
    e2e.secret(
        "team-sp",
        &[
            ("tenantId", TENANT),
            ("clientId", TEAM_CLIENT),
            ("clientSecret", TEAM_SECRET),
        ],
    );
    let creds = "  credentials:\n    secretRef: {name: team-sp}\n";
    e2e.apply_capacity("payments", "Standard", &[("westeurope", 2)], creds);
    e2e.wait_ready("payments", secs(60));
    let requests = e2e.requests();
    let patches = writes(&requests, e2e.service());
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].principal.as_deref(), Some(TEAM_CLIENT));
    let events = e2e.events("payments");
    assert!(
        events.iter().any(|e| e.reason == "OperationSucceeded"),
        "Events are published with the chart's rights: {events:?}"
    );
    let log = operator.log_text();
    assert!(
        !log.contains("Forbidden") && !log.contains("forbidden"),
        "the chart's identity was refused something:\n{log}"
    );
    drop(operator);

    // Take away `list` on apimcapacities: the operator cannot watch and must say so.
    let out = e2e.cp.kubectl(&[
        "patch",
        "clusterrole",
        SERVICE_ACCOUNT,
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/rules/0/verbs","value":["get","watch"]}]"#,
    ]);
    assert!(out.success, "patching the ClusterRole: {}", out.stderr);
    let crippled = Replica::start(
        &e2e,
        "without-list",
        &kubeconfig,
        &["--leader-elect", &lease_ns, "--lease-name=crippled"],
        dir.path(),
    );
    crippled.wait_log("cannot watch ApimCapacity resources", secs(30));
    assert!(
        crippled.log_text().contains("RBAC"),
        "the log line points at RBAC:\n{}",
        crippled.log_text()
    );
    let (code, body) = crippled.http_get("/readyz");
    assert_eq!(code, 503, "/readyz must fail: {body}");
    assert!(body.contains("cannot watch ApimCapacity"), "{body}");
}
