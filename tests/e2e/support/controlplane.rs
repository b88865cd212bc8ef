//! A real kube-apiserver and etcd on loopback, one per test binary.
//!
//! The binaries come from `make controlplane` (built from the official Go modules under
//! `tests/controlplane`). Both processes and their directory end with the test binary, also
//! when tests fail or the binary is killed ([`super::lifetime`]). The directory also holds
//! the scratch directories of the tests ([`ControlPlane::tempdir`]), so they go with it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::certs;
use super::lifetime::{self, Owned};

/// A running control plane.
pub struct ControlPlane {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub server: String,
    pub bin_dir: PathBuf,
    pub token: String,
    pub ca_pem: String,
    pub apiserver_log: PathBuf,
    owned: Owned,
}

static CONTROL_PLANE: OnceLock<Result<ControlPlane, String>> = OnceLock::new();

/// The control plane of this test binary, started on first use. When it cannot start,
/// every test that needs it fails with the same message (and the apiserver's log).
pub fn shared() -> &'static ControlPlane {
    let started = CONTROL_PLANE.get_or_init(|| {
        lifetime::at_exit(stop_at_exit)?;
        ControlPlane::start()
    });
    match started {
        Ok(cp) => cp,
        Err(message) => panic!("could not start the test control plane: {message}"),
    }
}

/// The exit handler: stops the control plane if one started.
extern "C" fn stop_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(Ok(cp)) = CONTROL_PLANE.get() {
            cp.owned.stop();
        }
    });
}

/// Where `make controlplane` puts the binaries.
pub fn bin_dir() -> PathBuf {
    std::env::var_os("APIMCAP_CONTROLPLANE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/controlplane"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

impl ControlPlane {
    fn start() -> Result<ControlPlane, String> {
        let bin_dir = bin_dir();
        for bin in ["etcd", "kube-apiserver", "kubectl"] {
            if !bin_dir.join(bin).is_file() {
                return Err(format!(
                    "{} is missing; run `make controlplane` first",
                    bin_dir.join(bin).display()
                ));
            }
        }
        let tempdir = tempfile::Builder::new()
            .prefix("apimcap-controlplane-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let dir = tempdir.path().to_path_buf();
        // From here on, dropping `owned` (an early return) ends what was started.
        let owned = Owned::new(tempdir);
        let certs = certs::write_all(&dir).map_err(|e| format!("certificates: {e}"))?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        std::fs::write(
            dir.join("tokens.csv"),
            format!("{token},apimcap-test-admin,apimcap-test-admin,\"system:masters\"\n"),
        )
        .map_err(|e| e.to_string())?;

        let etcd_port = free_port();
        let peer_port = free_port();
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let etcd_log = std::fs::File::create(dir.join("etcd.log")).map_err(|e| e.to_string())?;
        let mut etcd = Command::new(bin_dir.join("etcd"));
        etcd.args([
            "--name=default",
            &format!("--data-dir={}", dir.join("etcd").display()),
            &format!("--listen-client-urls={etcd_url}"),
            &format!("--advertise-client-urls={etcd_url}"),
            &format!("--listen-peer-urls=http://127.0.0.1:{peer_port}"),
            &format!("--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}"),
            &format!("--initial-cluster=default=http://127.0.0.1:{peer_port}"),
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ])
        .stdout(Stdio::null())
        .stderr(etcd_log);
        owned
            .spawn(etcd)
            .map_err(|e| format!("starting etcd: {e}"))?;

        let port = free_port();
        let server = format!("https://127.0.0.1:{port}");
        let apiserver_log = dir.join("kube-apiserver.log");
        let log = std::fs::File::create(&apiserver_log).map_err(|e| e.to_string())?;
        let mut apiserver = Command::new(bin_dir.join("kube-apiserver"));
        apiserver
            .args([
                &format!("--etcd-servers={etcd_url}"),
                &format!("--secure-port={port}"),
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                &format!("--cert-dir={}", dir.join("certs").display()),
                &format!("--tls-cert-file={}", certs.serving_cert.display()),
                &format!("--tls-private-key-file={}", certs.serving_key.display()),
                &format!("--token-auth-file={}", dir.join("tokens.csv").display()),
                "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.0.0.0/24",
                &format!("--service-account-issuer={server}"),
                &format!(
                    "--service-account-key-file={}",
                    certs.sa_public_key.display()
                ),
                &format!(
                    "--service-account-signing-key-file={}",
                    certs.sa_key.display()
                ),
                "--disable-admission-plugins=ServiceAccount",
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                "--event-ttl=1h",
            ])
            .stdout(Stdio::null())
            .stderr(log);
        owned
            .spawn(apiserver)
            .map_err(|e| format!("starting kube-apiserver: {e}"))?;
        owned
            .watch(&dir)
            .map_err(|e| format!("starting the watchdog of {}: {e}", dir.display()))?;

        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_yaml(&server, &certs.ca_pem, &token))
            .map_err(|e| e.to_string())?;
        let cp = ControlPlane {
            dir,
            kubeconfig,
            server,
            bin_dir,
            token,
            ca_pem: certs.ca_pem,
            apiserver_log,
            owned,
        };
        if let Err(e) = cp.wait_ready(Duration::from_secs(90)) {
            let log = std::fs::read_to_string(&cp.apiserver_log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            let etcd_log = std::fs::read_to_string(cp.dir.join("etcd.log")).unwrap_or_default();
            return Err(format!(
                "{e}\n--- kube-apiserver log (last lines) ---\n{}\n--- etcd log ---\n{etcd_log}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        Ok(cp)
    }

    fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Some(status) = self.owned.exited_early() {
                return Err(format!("a control-plane process exited early ({status})"));
            }
            let out = self.kubectl_output(&["get", "--raw=/readyz"]);
            match out {
                Ok(o) if o.status.success() => return Ok(()),
                Ok(o) => last = String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "kube-apiserver not ready after {timeout:?}: {last}"
        ))
    }

    /// A scratch directory of a test, inside the control plane's: removed when dropped, and
    /// with the control plane's directory at the latest.
    pub fn tempdir(&self, prefix: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(&self.dir)
            .expect("a scratch directory in the control plane's")
    }

    /// Runs kubectl against this control plane.
    pub fn kubectl_output(&self, args: &[&str]) -> std::io::Result<std::process::Output> {
        Command::new(self.bin_dir.join("kubectl"))
            .arg(format!("--kubeconfig={}", self.kubeconfig.display()))
            .args(args)
            .output()
    }

    /// A kube client for this control plane (bound to the calling test's runtime).
    pub async fn client(&self) -> kube::Client {
        let text = std::fs::read_to_string(&self.kubeconfig).expect("kubeconfig readable");
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&text).expect("kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("kubeconfig is usable");
        kube::Client::try_from(config).expect("client builds")
    }
}

fn kubeconfig_yaml(server: &str, ca_pem: &str, token: &str) -> String {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: admin\n  user:\n    token: {token}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: admin\ncurrent-context: test\n"
    )
}
