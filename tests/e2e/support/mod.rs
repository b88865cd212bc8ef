//! Shared helpers of the e2e tests (also used by the soak test and the operator benchmark):
//! the real control plane, who may use it when, namespaces, kubectl.
#![allow(dead_code)] // the soak test and the benchmark use parts of this module

pub mod access;
pub mod blackhole;
pub mod certs;
pub mod controlplane;
pub mod lifetime;
pub mod operator;
pub mod pods;
pub mod replicas;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use controlplane::{ControlPlane, shared};

/// The result of a kubectl run.
pub struct Kubectl {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Kubectl {
    fn from(o: Output) -> Self {
        Kubectl {
            success: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl ControlPlane {
    /// Runs kubectl with `args`.
    pub fn kubectl(&self, args: &[&str]) -> Kubectl {
        self.kubectl_output(args).expect("kubectl runs").into()
    }

    /// Runs kubectl with `args`, feeding `stdin`.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Kubectl {
        let mut child = Command::new(self.bin_dir.join("kubectl"))
            .arg(format!("--kubeconfig={}", self.kubeconfig.display()))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(stdin.as_bytes())
            .expect("kubectl reads stdin");
        child.wait_with_output().expect("kubectl finishes").into()
    }

    /// `kubectl apply -f -` of `yaml` in `namespace`.
    pub fn apply(&self, namespace: &str, yaml: &str) -> Kubectl {
        self.kubectl_stdin(&["apply", "-n", namespace, "-f", "-"], yaml)
    }

    /// Creates a namespace for one test, named after it.
    pub fn namespace(&self, test: &str) -> String {
        let name: String = test
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let name = format!("t-{}", name.trim_matches('-'));
        let name = name[..name.len().min(63)].trim_end_matches('-').to_string();
        let out = self.kubectl(&["create", "namespace", &name]);
        assert!(
            out.success || out.stderr.contains("AlreadyExists"),
            "creating namespace {name}: {}",
            out.stderr
        );
        name
    }

    /// Installs the committed CRD once per test binary and waits until it is served.
    pub fn install_crds(&self) {
        static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
        INSTALLED.get_or_init(|| self.apply_crds());
    }

    /// Applies the committed CRD and waits until it is served; panics when it cannot.
    pub fn apply_crds(&self) {
        if let Err(e) = self.try_apply_crds() {
            panic!("{e}");
        }
    }

    /// Applies the committed CRD (server-side, so a copy installed by the chart with the same
    /// content is no conflict) and waits until it is served.
    pub fn try_apply_crds(&self) -> Result<(), String> {
        let crd = concat!(env!("CARGO_MANIFEST_DIR"), "/crds");
        let out = self.kubectl(&["apply", "--server-side", "-f", crd]);
        if !out.success {
            return Err(format!("installing the CRD: {}", out.stderr));
        }
        let out = self.kubectl(&[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/apimcapacities.capacity.apim.dev",
        ]);
        if !out.success {
            return Err(format!("waiting for the CRD: {}", out.stderr));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.kubectl(&["get", "apimcap", "-A"]).success {
            if Instant::now() > deadline {
                return Err("the apimcap resource is not served 30 s after the CRD".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
}

/// Polls `check` until it returns true or `timeout` passes; panics on timeout.
pub fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("condition not met within {timeout:?}");
}

/// Runs kubectl until its output contains `expect` (the OpenAPI document the apiserver
/// serves is published a moment after a CRD is established).
pub fn retry_kubectl(cp: &ControlPlane, args: &[&str], expect: &str) -> Kubectl {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = cp.kubectl(args);
        if (out.success && out.stdout.contains(expect)) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Makes the process `command` starts die (SIGKILL) when the thread that started it exits,
/// so no test leaves processes behind.
pub fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and only affects the child being created.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// One call of the simulator's admin endpoint (`admin_url` + `path`): its JSON answer, or
/// the text as a JSON string. Panics when the simulator refuses.
pub fn sim_admin(
    rt: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    admin_url: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let url = format!("{admin_url}{path}");
    let request = http.request(method.clone(), &url);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    rt.block_on(async {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status();
        let text = response.text().await.expect("an admin body");
        assert!(status.is_success(), "{method} {url}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    })
}
