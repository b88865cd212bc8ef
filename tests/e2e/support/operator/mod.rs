//! The operator under test, end to end: the Azure simulator in-process (HTTPS, a seed made
//! for the test), `apimcap run` as a child process against the shared control plane, and
//! helpers that read what users read (`kubectl get`, Events) and what Azure saw (the
//! simulator's request log).
//!
//! The operator watches every namespace, so an [`E2e`] holds exclusive access to the control
//! plane ([`super::access`]): e2e tests run one at a time, and tests that only create objects
//! wait. Dropping an [`E2e`] stops its operator and deletes its resources; when the test
//! failed, the operator's log and the Azure requests are printed.

use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use apimcap_sim::SimHandle;

use super::{ControlPlane, shared};

mod builder;
pub mod container;
mod requests;
mod resource;

// Each test binary uses a different part of the helpers.
#[allow(unused_imports)]
pub use builder::*;
#[allow(unused_imports)]
pub use requests::*;
#[allow(unused_imports)]
pub use resource::*;

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const RG: &str = "rg-e2e";
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The operator's own identity (full access).
pub const OPERATOR_CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000001";
pub const OPERATOR_SECRET: &str = "operator-secret";
/// A team's principal with full access, for `spec.credentials`.
pub const TEAM_CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000002";
pub const TEAM_SECRET: &str = "team-secret";
/// A principal that may only read.
pub const READER_CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000003";
pub const READER_SECRET: &str = "reader-secret";
/// A principal without any role.
pub const NOBODY_CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000004";
pub const NOBODY_SECRET: &str = "nobody-secret";

/// Nominal 30-minute scale takes 2 s, a 45-minute tier or region change 3 s.
pub const TIME_SCALE: f64 = 2.0 / 1800.0;

/// One end-to-end test's world.
pub struct E2e {
    pub cp: &'static ControlPlane,
    pub ns: String,
    pub services: Vec<SeedSvc>,
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    http: reqwest::Client,
    ca: PathBuf,
    log: PathBuf,
    args: Vec<String>,
    pub metrics_port: u16,
    operator: Option<Child>,
    standby: Option<Child>,
    starts: u32,
    /// The instance name (`POD_NAME`) of each process started, by PID.
    names: std::collections::HashMap<u32, String>,
    /// Run the operator from this container image instead of the cargo-built binary.
    image: Option<String>,
    _dir: tempfile::TempDir,
    _access: super::access::Access,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl E2e {
    fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("the simulator runs")
    }

    /// The first seeded service's name.
    pub fn service(&self) -> &str {
        &self.services[0].name
    }

    /// Starts `apimcap run` (again); its stderr is appended to one log file.
    pub fn start_operator(&mut self) {
        assert!(self.operator.is_none(), "the operator already runs");
        if self.metrics_port == 0 {
            self.metrics_port = free_port();
        }
        self.operator = Some(self.spawn(self.metrics_port));
    }

    /// Starts a second `apimcap run` (a standby replica, with its own metrics port) that
    /// logs to the same file; [`E2e::promote_standby`] makes it the operator.
    pub fn start_standby(&mut self) {
        assert!(self.standby.is_none(), "a standby already runs");
        self.standby = Some(self.spawn(free_port()));
    }

    /// After the operator was stopped, the standby becomes the process the helpers watch.
    pub fn promote_standby(&mut self) {
        assert!(self.operator.is_none(), "stop the operator first");
        self.operator = Some(self.standby.take().expect("a standby runs"));
    }

    pub fn operator_pid(&self) -> Option<u32> {
        self.operator.as_ref().map(Child::id)
    }

    pub fn standby_pid(&self) -> Option<u32> {
        self.standby.as_ref().map(Child::id)
    }

    /// The name of the container of the latest start (unique per test binary and start).
    pub fn container_name(&self) -> String {
        format!("apimcap-e2e-{}-{}", std::process::id(), self.starts)
    }

    /// The name the process `pid` has in the Lease and in Events.
    pub fn instance_of(&self, pid: u32) -> String {
        self.names.get(&pid).cloned().unwrap_or_default()
    }

    /// The arguments of `apimcap run`: the world's endpoints, the defaults and the test's own.
    fn run_args(&self, metrics_port: u16) -> Vec<String> {
        let base = self.sim().base_url().to_string();
        // Overridable by `Builder::arg` (clap refuses a flag given twice).
        let defaults = [
            "--min-retry-after=1s".to_string(),
            "--resync-interval=30s".to_string(),
            format!("--metrics-addr=127.0.0.1:{metrics_port}"),
            "--log-format=text".to_string(),
            // The simulator's Retail Prices API, not Azure's.
            format!("--prices-endpoint={base}/api/retail/prices"),
            // Every test namespace may target the simulator, unless a test gives a policy.
            "--allow-all-namespaces".to_string(),
        ];
        let policed = self
            .args
            .iter()
            .any(|a| a.starts_with("--namespace-policy"));
        let (kubeconfig, ca) = match self.image {
            None => (
                self.cp.kubeconfig.display().to_string(),
                self.ca.display().to_string(),
            ),
            Some(_) => (
                container::KUBECONFIG.to_string(),
                container::CA_BUNDLE.to_string(),
            ),
        };
        let mut args = vec![
            "run".to_string(),
            format!("--kubeconfig={kubeconfig}"),
            format!("--arm-endpoint={base}"),
            format!("--authority-host={base}"),
            format!("--ca-bundle={ca}"),
        ];
        args.extend(
            defaults
                .iter()
                .filter(|d| {
                    let flag = d.split('=').next().unwrap_or_default();
                    let given = self.args.iter().any(|a| a.split('=').next() == Some(flag));
                    let policy_instead = policed && flag == "--allow-all-namespaces";
                    !given && !policy_instead
                })
                .cloned(),
        );
        args.extend(self.args.iter().map(|a| a.replace("{ns}", &self.ns)));
        args
    }

    fn spawn(&mut self, metrics_port: u16) -> Child {
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the operator log opens");
        writeln!(log, "===== apimcap run, start #{} =====", self.starts).expect("log write");
        let args = self.run_args(metrics_port);
        // One name per process, as the chart gives one per pod.
        let name = format!("apimcap-e2e-{}", self.starts);
        let env = run_env(&name);
        let mut command = match &self.image {
            None => {
                let mut command = Command::new(env!("CARGO_BIN_EXE_apimcap"));
                command.args(&args).envs(env.iter().cloned());
                command
            }
            Some(image) => {
                let dir = self._dir.path();
                let mounts = [
                    (
                        container::readable_copy(&self.cp.kubeconfig, dir, "kubeconfig"),
                        container::KUBECONFIG,
                    ),
                    (
                        container::readable_copy(&self.ca, dir, "ca.crt"),
                        container::CA_BUNDLE,
                    ),
                ];
                container::command(image, &self.container_name(), &mounts, &env, &args, dir)
            }
        };
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        super::die_with_parent(&mut command);
        let child = command.spawn().expect("apimcap starts");
        self.names.insert(child.id(), name);
        child
    }

    fn signal(&mut self, signal: i32) -> Option<Child> {
        let child = self.operator.take()?;
        // SAFETY: kill(2) on the pid of a child we have not reaped yet.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        Some(child)
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.signal(libc::SIGKILL) {
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits up to 20 s for the exit; returns how it exited.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.signal(libc::SIGTERM).expect("the operator runs");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("waiting for apimcap") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.fail("apimcap did not exit within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM and a fresh process.
    pub fn restart(&mut self) {
        self.terminate();
        self.start_operator();
    }

    /// The simulator's base URL (ARM and Entra endpoints).
    pub fn sim_url(&self) -> String {
        self.sim().base_url().to_string()
    }

    /// The file holding the simulator's CA certificate.
    pub fn ca_path(&self) -> &std::path::Path {
        &self.ca
    }

    /// The operator's log so far.
    pub fn operator_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with `message`, the operator's log and the Azure requests.
    pub fn fail(&self, message: &str) -> ! {
        panic!("{message}");
    }

    fn check_alive(&mut self) {
        if let Some(child) = self.operator.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            self.operator = None;
            self.fail(&format!("apimcap exited early ({status})"));
        }
    }
}

impl Drop for E2e {
    fn drop(&mut self) {
        if let Some(mut child) = self.signal(libc::SIGKILL) {
            let _ = child.wait();
        }
        if let Some(mut child) = self.standby.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if self.image.is_some() {
            // Killing `podman run` leaves the container running.
            for start in 1..=self.starts {
                container::remove(&format!("apimcap-e2e-{}-{start}", std::process::id()));
            }
        }
        if std::thread::panicking() {
            let log = self.operator_log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(300)..];
            eprintln!(
                "----- apimcap log (last {} lines) -----\n{}",
                tail.len(),
                tail.join("\n")
            );
            if self.sim.is_some() {
                let requests = self.requests();
                eprintln!("----- Azure requests ({}) -----", requests.len());
                for r in requests.iter().rev().take(150).rev() {
                    eprintln!("{r}");
                }
            }
        }
        let _ = self.kubectl(&["delete", "apimcap", "--all", "--wait=false"]);
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

/// The environment of `apimcap run` (the operator's Azure identity) for instance `name`.
fn run_env(name: &str) -> Vec<(String, String)> {
    [
        ("AZURE_TENANT_ID", TENANT.to_string()),
        ("AZURE_CLIENT_ID", OPERATOR_CLIENT.to_string()),
        ("AZURE_CLIENT_SECRET", OPERATOR_SECRET.to_string()),
        ("NO_COLOR", "1".to_string()),
        (
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string()),
        ),
        ("POD_NAME", name.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `Duration::from_secs`, short.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
