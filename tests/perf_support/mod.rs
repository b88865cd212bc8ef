//! What the operator benchmark (`benches/operator.rs`) and the soak test (`tests/soak.rs`)
//! share: a world of the real control plane, the HTTPS simulator in-process with any number
//! of services across subscriptions, and `apimcap run` as a separate process whose memory
//! and CPU can be read from `/proc`; a watch that notes the moment each ApimCapacity becomes
//! Ready; the simulator's request log with parsed times.
//!
//! Include it next to the e2e support module:
//! `#[path = "../tests/e2e/support/mod.rs"] mod support;` and
//! `#[path = "../tests/perf_support/mod.rs"] mod perf_support;`.
#![allow(dead_code)] // the bench and the soak test use different parts

pub mod analysis;
mod azure_side;
mod kube_side;

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apim_capacity::api::ApimCapacity;
use apimcap_sim::{self as sim, Seed, SimConfig, SimHandle};
use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{ControlPlane, shared};

pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const CLIENT: &str = "6b1f0e0e-0000-4000-8000-000000000001";
pub const SECRET: &str = "operator-secret";

/// A service in the simulator's seed; the first region is the primary.
#[derive(Clone, Debug)]
pub struct Svc {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub sku: String,
    pub regions: Vec<(String, u32)>,
}

impl Svc {
    pub fn new(subscription: &str, name: &str, sku: &str, regions: &[(&str, u32)]) -> Self {
        Svc {
            subscription: subscription.to_string(),
            resource_group: "rg-bench".to_string(),
            name: name.to_string(),
            sku: sku.to_string(),
            regions: regions.iter().map(|(l, u)| (l.to_string(), *u)).collect(),
        }
    }
}

/// The n-th of `count` subscription ids.
pub fn subscription(n: usize) -> String {
    format!("00000000-0000-0000-0000-{:012}", n + 1)
}

fn seed_yaml(services: &[Svc]) -> String {
    let mut out = String::from("services:\n");
    for s in services {
        let (primary, units) = &s.regions[0];
        out.push_str(&format!(
            "  - {{subscription: {}, resourceGroup: {}, name: {}, location: {primary}, sku: {}, capacity: {units}",
            s.subscription, s.resource_group, s.name, s.sku
        ));
        if s.regions.len() > 1 {
            out.push_str(", additionalLocations: [");
            let extra: Vec<String> = s.regions[1..]
                .iter()
                .map(|(l, u)| format!("{{location: {l}, capacity: {u}}}"))
                .collect();
            out.push_str(&extra.join(", "));
            out.push(']');
        }
        out.push_str("}\n");
    }
    out.push_str(&format!(
        "principals:\n  - {{tenant: {TENANT}, clientId: {CLIENT}, clientSecret: {SECRET}}}\n"
    ));
    out
}

/// An ApimCapacity manifest for `svc` with `sku`, `regions` and extra `spec:` lines.
pub fn manifest(
    name: &str,
    svc: &Svc,
    sku: &str,
    regions: &[(String, u32)],
    extra: &str,
) -> String {
    let mut yaml = format!(
        "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\nspec:\n  service:\n    subscriptionId: {}\n    resourceGroup: {}\n    name: {}\n  sku: {sku}\n  regions:\n",
        svc.subscription, svc.resource_group, svc.name
    );
    for (location, units) in regions {
        yaml.push_str(&format!("    - {{location: {location}, units: {units}}}\n"));
    }
    yaml.push_str(extra);
    yaml
}

/// What the watch last saw of one ApimCapacity.
#[derive(Clone, Debug)]
pub struct Seen {
    pub object: Value,
    /// When it was last seen turning Ready for its current generation.
    pub ready_at: Option<Instant>,
}

impl Seen {
    pub fn ready(&self) -> bool {
        is_ready(&self.object)
    }
}

/// Ready=True (Succeeded) with observedGeneration = generation.
pub fn is_ready(obj: &Value) -> bool {
    condition(obj, "Ready").is_some_and(|c| c["status"] == "True" && c["reason"] == "Succeeded")
        && obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
}

pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// One entry of the simulator's request log.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Req {
    pub time: String,
    pub kind: String,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub service: Option<String>,
    pub subscription: Option<String>,
    pub body: Option<Value>,
    pub fault: Option<String>,
    #[serde(skip)]
    pub at: Option<jiff::Timestamp>,
}

impl Req {
    pub fn is_arm(&self) -> bool {
        self.kind == "arm"
    }
    pub fn is_write(&self) -> bool {
        self.is_arm() && matches!(self.method.as_str(), "PATCH" | "PUT")
    }
    pub fn is_read(&self) -> bool {
        self.is_arm() && self.method == "GET"
    }
    /// A GET of an operation (`Location` or `Azure-AsyncOperation` URL).
    pub fn is_poll(&self) -> bool {
        let p = self.path.to_lowercase();
        self.is_read() && (p.contains("/operationresults/") || p.contains("/operationstatuses/"))
    }
    /// Whether the request concerns `service` (the resource or its operations).
    pub fn about(&self, service: &str) -> bool {
        let service = service.to_lowercase();
        let path = self.path.to_lowercase();
        let resource = format!("/service/{service}");
        self.service.as_deref().map(str::to_lowercase) == Some(service)
            || path.ends_with(&resource)
            || path.contains(&format!("{resource}/"))
    }
    pub fn at(&self) -> jiff::Timestamp {
        self.at.unwrap_or_default()
    }
}

/// An operation as `GET /_sim/operations` lists it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimOperation {
    pub id: String,
    pub service: String,
    pub kind: String,
    pub status: String,
    pub start_time: String,
    pub end_time: Option<String>,
}

/// How a world starts.
pub struct WorldConfig {
    pub name: String,
    pub services: Vec<Svc>,
    pub sim: SimConfig,
    /// `apimcap run` flags as (name, value); these replace the defaults of the same name.
    pub flags: Vec<(String, String)>,
}

impl WorldConfig {
    pub fn new(name: &str, services: Vec<Svc>) -> Self {
        WorldConfig {
            name: name.to_string(),
            services,
            sim: SimConfig {
                retry_after: 1,
                request_log_capacity: 400_000,
                ..SimConfig::default()
            },
            flags: Vec::new(),
        }
    }

    pub fn flag(mut self, name: &str, value: &str) -> Self {
        self.flags.push((name.to_string(), value.to_string()));
        self
    }
}

/// The control plane, the simulator, `apimcap run` and a watch of the namespace.
pub struct World {
    pub cp: &'static ControlPlane,
    pub ns: String,
    pub services: Vec<Svc>,
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    http: reqwest::Client,
    ca: PathBuf,
    pub log: PathBuf,
    flags: Vec<(String, String)>,
    pub metrics_port: u16,
    operator: Option<Child>,
    pub starts: u32,
    seen: Arc<Mutex<HashMap<String, Seen>>>,
    watch: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl World {
    /// Starts the simulator and the watch (not the operator: call [`World::start_operator`]).
    pub fn start(mut config: WorldConfig) -> World {
        let cp = shared();
        cp.install_crds();
        let ns = cp.namespace(&config.name);
        config.sim.seed = Seed::parse(&seed_yaml(&config.services)).expect("the seed parses");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let handle = rt
            .block_on(sim::start(config.sim))
            .expect("the simulator starts");
        let dir = cp.tempdir("perf-");
        let ca = dir.path().join("sim-ca.pem");
        std::fs::write(&ca, handle.ca_pem()).expect("writing the CA");
        let cert = reqwest::Certificate::from_pem(handle.ca_pem().as_bytes()).expect("CA parses");
        let http = reqwest::Client::builder()
            .tls_certs_only([cert])
            .timeout(Duration::from_secs(120))
            .build()
            .expect("an HTTP client");
        let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
        let watch = {
            let seen = seen.clone();
            let ns = ns.clone();
            rt.spawn(async move {
                let client = cp.client().await;
                let api: Api<ApimCapacity> = Api::namespaced(client, &ns);
                let mut stream = watcher(api, watcher::Config::default()).boxed();
                while let Some(event) = stream.next().await {
                    let objects = match event {
                        Ok(watcher::Event::Apply(o)) | Ok(watcher::Event::InitApply(o)) => vec![o],
                        _ => continue,
                    };
                    let now = Instant::now();
                    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                    for o in objects {
                        let Ok(object) = serde_json::to_value(&o) else {
                            continue;
                        };
                        let name = object["metadata"]["name"].as_str().unwrap_or_default();
                        let was_ready = seen.get(name).is_some_and(|s| {
                            s.ready()
                                && s.object["metadata"]["generation"]
                                    == object["metadata"]["generation"]
                        });
                        let ready_at = if is_ready(&object) {
                            if was_ready {
                                seen.get(name).and_then(|s| s.ready_at)
                            } else {
                                Some(now)
                            }
                        } else {
                            None
                        };
                        seen.insert(name.to_string(), Seen { object, ready_at });
                    }
                }
            })
        };
        World {
            cp,
            ns,
            services: config.services,
            rt,
            sim: Some(handle),
            http,
            ca,
            log: dir.path().join("apimcap.log"),
            flags: config.flags,
            metrics_port: free_port(),
            operator: None,
            starts: 0,
            seen,
            watch: Some(watch),
            _dir: dir,
        }
    }

    fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("the simulator runs")
    }

    /// Starts `apimcap run` (the binary of this build profile) as a child process.
    pub fn start_operator(&mut self) {
        assert!(self.operator.is_none(), "the operator already runs");
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the operator log opens");
        writeln!(log, "===== apimcap run, start #{} =====", self.starts).expect("log write");
        let base = self.sim().base_url().to_string();
        let mut flags: Vec<(String, String)> = vec![
            (
                "kubeconfig".into(),
                self.cp.kubeconfig.display().to_string(),
            ),
            ("arm-endpoint".into(), base.clone()),
            ("authority-host".into(), base),
            ("ca-bundle".into(), self.ca.display().to_string()),
            ("min-retry-after".into(), "1s".into()),
            (
                "metrics-addr".into(),
                format!("127.0.0.1:{}", self.metrics_port),
            ),
            ("log-format".into(), "json".into()),
            ("allow-all-namespaces".into(), "true".into()),
        ];
        for (name, value) in &self.flags {
            flags.retain(|(n, _)| n != name);
            flags.push((name.clone(), value.clone()));
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_apimcap"));
        command.arg("run");
        for (name, value) in &flags {
            command.arg(format!("--{name}={value}"));
        }
        command
            .env("AZURE_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_ID", CLIENT)
            .env("AZURE_CLIENT_SECRET", SECRET)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        crate::support::die_with_parent(&mut command);
        self.operator = Some(command.spawn().expect("apimcap starts"));
    }

    pub fn operator_pid(&self) -> Option<u32> {
        self.operator.as_ref().map(Child::id)
    }

    /// SIGKILL and reap.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.operator.take() {
            // SAFETY: kill(2) on the pid of a child not yet reaped.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGKILL);
            }
            let _ = child.wait();
        }
    }

    /// Panics when the operator exited by itself.
    pub fn check_alive(&mut self) {
        if let Some(child) = self.operator.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!(
                "apimcap exited early ({status}); log tail:\n{}",
                self.log_tail(80)
            );
        }
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Peak resident memory (VmHWM) and CPU seconds (user + system) of the operator.
    pub fn operator_usage(&self) -> Option<ProcessUsage> {
        ProcessUsage::of(self.operator_pid()?)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.kill_9();
        if let Some(watch) = self.watch.take() {
            watch.abort();
        }
        let _ = self.kubectl(&["delete", "apimcap", "--all", "--wait=false"]);
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

/// Memory and CPU of a process, from `/proc`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessUsage {
    /// VmHWM: peak resident set, KiB.
    pub peak_rss_kib: u64,
    /// VmRSS: resident set now, KiB.
    pub rss_kib: u64,
    /// utime + stime, seconds.
    pub cpu_seconds: f64,
}

impl ProcessUsage {
    pub fn of(pid: u32) -> Option<ProcessUsage> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name (which may contain spaces) start at field 3.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        Some(ProcessUsage {
            peak_rss_kib: kib("VmHWM:"),
            rss_kib: kib("VmRSS:"),
            cpu_seconds: ticks / hz.max(1.0),
        })
    }
}
