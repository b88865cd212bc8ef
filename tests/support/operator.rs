//! The operator under test, end to end: the Azure simulator in-process (HTTPS, a seed made
//! for the test), `apimcap run` as a child process against the shared control plane, and
//! helpers that read what users read (`kubectl get`, Events) and what Azure saw (the
//! simulator's request log).
//!
//! The operator watches every namespace, so the tests of one binary run one at a time
//! (a process-wide lock held by [`E2e`]); each test binary has its own control plane, so
//! the binaries run in parallel. Dropping an [`E2e`] stops its operator and deletes its
//! resources; when the test failed, the operator's log and the Azure requests are printed.

use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use apim_capacity::sim::{self, Seed, SimConfig, SimHandle};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ControlPlane, shared};

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

static SERIAL: Mutex<()> = Mutex::new(());

/// A service in the simulator's seed; the first region is the primary.
#[derive(Clone, Debug)]
pub struct SeedSvc {
    pub name: String,
    pub sku: String,
    pub regions: Vec<(String, u32)>,
}

impl SeedSvc {
    fn yaml(&self) -> String {
        let (primary, units) = &self.regions[0];
        let mut out = format!(
            "  - subscription: {SUB}\n    resourceGroup: {RG}\n    name: {}\n    location: {primary}\n    sku: {}\n    capacity: {units}\n    publisherEmail: platform@contoso.com\n    publisherName: Contoso\n",
            self.name, self.sku
        );
        if self.regions.len() > 1 {
            out.push_str("    additionalLocations:\n");
            for (location, units) in &self.regions[1..] {
                out.push_str(&format!(
                    "      - {{location: {location}, capacity: {units}}}\n"
                ));
            }
        }
        out
    }
}

fn seed_yaml(services: &[SeedSvc]) -> String {
    let mut out = String::from("services:\n");
    for s in services {
        out.push_str(&s.yaml());
    }
    out.push_str(&format!(
        "principals:\n  - {{tenant: {TENANT}, clientId: {OPERATOR_CLIENT}, clientSecret: {OPERATOR_SECRET}}}\n  - {{tenant: {TENANT}, clientId: {TEAM_CLIENT}, clientSecret: {TEAM_SECRET}}}\n  - tenant: {TENANT}\n    clientId: {READER_CLIENT}\n    clientSecret: {READER_SECRET}\n    roles: [{{scope: /subscriptions/{SUB}, access: read}}]\n  - tenant: {TENANT}\n    clientId: {NOBODY_CLIENT}\n    clientSecret: {NOBODY_SECRET}\n    roles: []\n"
    ));
    out
}

/// How an [`E2e`] starts.
pub struct Builder {
    test: String,
    services: Vec<SeedSvc>,
    config: SimConfig,
    args: Vec<String>,
    start_operator: bool,
}

impl Builder {
    /// Adds a service to the seed, named after the test (`-2`, `-3`... for more).
    pub fn service(mut self, sku: &str, regions: &[(&str, u32)]) -> Self {
        let slug: String = self
            .test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(36)
            .collect();
        let slug = slug.trim_matches('-');
        let name = match self.services.len() {
            0 => format!("{slug}-apim"),
            n => format!("{slug}-apim-{}", n + 1),
        };
        self.services.push(SeedSvc {
            name,
            sku: sku.to_string(),
            regions: regions.iter().map(|(l, u)| (l.to_string(), *u)).collect(),
        });
        self
    }

    /// Changes the simulator's configuration.
    pub fn sim(mut self, change: impl FnOnce(&mut SimConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// An extra `apimcap run` argument (a later `--flag=value` wins over the defaults).
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// Starts the simulator only; call [`E2e::start_operator`] later.
    pub fn without_operator(mut self) -> Self {
        self.start_operator = false;
        self
    }

    pub fn start(mut self) -> E2e {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let cp = shared();
        cp.install_crds();
        let ns = cp.namespace(&self.test);
        self.config.seed = Seed::parse(&seed_yaml(&self.services)).expect("the test seed parses");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the simulator");
        let handle = rt
            .block_on(sim::start(self.config))
            .expect("the simulator starts");
        let dir = tempfile::Builder::new()
            .prefix("apimcap-e2e-")
            .tempdir()
            .expect("a temp dir");
        let ca = dir.path().join("sim-ca.pem");
        std::fs::write(&ca, handle.ca_pem()).expect("writing the simulator CA");
        let cert = reqwest::Certificate::from_pem(handle.ca_pem().as_bytes()).expect("CA parses");
        let http = reqwest::Client::builder()
            .tls_certs_only([cert])
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client");
        let log = dir.path().join("apimcap.log");
        let mut e2e = E2e {
            cp,
            ns,
            services: self.services,
            rt,
            sim: Some(handle),
            http,
            ca,
            log,
            args: self.args,
            metrics_port: 0,
            operator: None,
            starts: 0,
            _dir: dir,
            _serial: serial,
        };
        if self.start_operator {
            e2e.start_operator();
        }
        e2e
    }
}

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
    starts: u32,
    _dir: tempfile::TempDir,
    _serial: MutexGuard<'static, ()>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl E2e {
    pub fn builder(test: &str) -> Builder {
        Builder {
            test: test.to_string(),
            services: Vec::new(),
            config: SimConfig {
                retry_after: 1,
                time_scale: TIME_SCALE,
                ..SimConfig::default()
            },
            args: Vec::new(),
            start_operator: true,
        }
    }

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
        self.starts += 1;
        if self.metrics_port == 0 {
            self.metrics_port = free_port();
        }
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the operator log opens");
        writeln!(log, "===== apimcap run, start #{} =====", self.starts).expect("log write");
        let base = self.sim().base_url().to_string();
        let mut command = Command::new(env!("CARGO_BIN_EXE_apimcap"));
        command
            .arg("run")
            .arg(format!("--kubeconfig={}", self.cp.kubeconfig.display()))
            .arg(format!("--arm-endpoint={base}"))
            .arg(format!("--authority-host={base}"))
            .arg(format!("--ca-bundle={}", self.ca.display()))
            .arg("--min-retry-after=1s")
            .arg("--resync-interval=30s")
            .arg(format!("--metrics-addr=127.0.0.1:{}", self.metrics_port))
            .arg("--log-format=text")
            .args(&self.args)
            .env("AZURE_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_ID", OPERATOR_CLIENT)
            .env("AZURE_CLIENT_SECRET", OPERATOR_SECRET)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and only affects the child being created. The
        // child dies with the test thread that started it, which outlives this E2e.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self.operator = Some(command.spawn().expect("apimcap starts"));
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

    // ----- Kubernetes side -----

    /// Applies an ApimCapacity `name` for the first service with `sku`, `regions` and
    /// `extra` YAML lines under `spec:` (two-space indented).
    pub fn apply_capacity(&self, name: &str, sku: &str, regions: &[(&str, u32)], extra: &str) {
        let yaml = self.manifest(name, self.service(), sku, regions, extra);
        self.apply(&yaml);
    }

    pub fn manifest(
        &self,
        name: &str,
        service: &str,
        sku: &str,
        regions: &[(&str, u32)],
        extra: &str,
    ) -> String {
        let mut yaml = format!(
            "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\nspec:\n  service:\n    subscriptionId: {SUB}\n    resourceGroup: {RG}\n    name: {service}\n  sku: {sku}\n  regions:\n"
        );
        for (location, units) in regions {
            yaml.push_str(&format!("    - {{location: {location}, units: {units}}}\n"));
        }
        yaml.push_str(extra);
        yaml
    }

    pub fn apply(&self, yaml: &str) {
        let out = self.cp.apply(&self.ns, yaml);
        assert!(out.success, "kubectl apply failed: {}\n{yaml}", out.stderr);
    }

    /// `kubectl patch apimcap NAME --type merge -p PATCH`.
    pub fn patch(&self, name: &str, patch: &str) {
        let out = self.kubectl(&["patch", "apimcap", name, "--type=merge", "-p", patch]);
        assert!(out.success, "kubectl patch failed: {}", out.stderr);
    }

    /// Asks for a reconcile now (the `capacity.apim.dev/reconcile-requested-at` annotation):
    /// one reconcile without a new generation.
    pub fn nudge(&self, name: &str) {
        let value = format!("{:?}", Instant::now());
        let out = self.kubectl(&[
            "annotate",
            "--overwrite",
            "apimcap",
            name,
            &format!(
                "capacity.apim.dev/reconcile-requested-at={}",
                value.replace([' ', '.', ':'], "")
            ),
        ]);
        assert!(out.success, "kubectl annotate failed: {}", out.stderr);
    }

    pub fn kubectl(&self, args: &[&str]) -> super::Kubectl {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        self.cp.kubectl(&all)
    }

    /// A Secret with `tenantId`, `clientId`, `clientSecret`.
    pub fn secret(&self, name: &str, entries: &[(&str, &str)]) {
        let mut args = vec!["create".to_string(), "secret".into(), "generic".into()];
        args.push(name.to_string());
        for (k, v) in entries {
            args.push(format!("--from-literal={k}={v}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.kubectl(&args);
        assert!(out.success, "creating Secret {name}: {}", out.stderr);
    }

    /// The object as `kubectl get -o json` shows it, if it exists.
    pub fn get(&self, name: &str) -> Option<Value> {
        let out = self.kubectl(&["get", "apimcap", name, "-o", "json"]);
        if !out.success {
            return None;
        }
        serde_json::from_str(&out.stdout).ok()
    }

    /// Polls the object until `check` holds; panics with its status and Events after
    /// `timeout`.
    pub fn wait_for(
        &mut self,
        name: &str,
        what: &str,
        timeout: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            self.check_alive();
            if let Some(obj) = self.get(name) {
                if check(&obj) {
                    return obj;
                }
                last = obj;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let status = serde_json::to_string_pretty(&last["status"]).unwrap_or_default();
        let events = self.events(name);
        self.fail(&format!(
            "{name}: not {what} within {timeout:?}\nlast status: {status}\nevents: {events:#?}"
        ));
    }

    /// Waits for Ready=True with observedGeneration equal to the generation.
    pub fn wait_ready(&mut self, name: &str, timeout: Duration) -> Value {
        self.wait_for(name, "Ready", timeout, is_ready)
    }

    /// Waits for condition `type_` with `status` and `reason`.
    pub fn wait_condition(
        &mut self,
        name: &str,
        type_: &str,
        status: &str,
        reason: &str,
        timeout: Duration,
    ) -> Value {
        let what = format!("{type_}={status} ({reason})");
        self.wait_for(name, &what, timeout, |obj| {
            has_condition(obj, type_, status, reason)
        })
    }

    /// Events about `name`: (type, reason, message), oldest first.
    pub fn events(&self, name: &str) -> Vec<Event> {
        let selector = format!("involvedObject.name={name},involvedObject.kind=ApimCapacity");
        let out = self.kubectl(&["get", "events", "--field-selector", &selector, "-o", "json"]);
        if !out.success {
            return Vec::new();
        }
        let list: Value = serde_json::from_str(&out.stdout).unwrap_or_default();
        let mut events: Vec<(String, Event)> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let time = [&e["lastTimestamp"], &e["eventTime"], &e["firstTimestamp"]]
                    .iter()
                    .find_map(|t| t.as_str())
                    .unwrap_or_default()
                    .to_string();
                let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (
                    time,
                    Event {
                        type_: text("type"),
                        reason: text("reason"),
                        message: text("message"),
                        count: e["count"].as_u64().unwrap_or(1),
                    },
                )
            })
            .collect();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// Waits for an Event with `reason` about `name` and returns it.
    pub fn wait_event(&mut self, name: &str, reason: &str, timeout: Duration) -> Event {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            self.check_alive();
            if let Some(e) = self.events(name).into_iter().find(|e| e.reason == reason) {
                return e;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let events = self.events(name);
        self.fail(&format!(
            "{name}: no {reason} Event within {timeout:?}; events: {events:#?}"
        ));
    }

    // ----- Azure side -----

    fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.sim().admin_url());
        let request = self.http.request(method.clone(), &url);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        self.rt.block_on(async {
            let response = request.send().await.expect("the simulator answers");
            let status = response.status();
            let text = response.text().await.expect("an admin body");
            assert!(status.is_success(), "{method} {url}: {status} {text}");
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        })
    }

    /// Every ARM/token request the simulator saw, in order.
    pub fn requests(&self) -> Vec<SimRequest> {
        serde_json::from_value(self.admin(reqwest::Method::GET, "/requests", None))
            .expect("the request log parses")
    }

    pub fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "/requests", None);
    }

    /// The service as the simulator holds it (GET shape plus `_sim`).
    pub fn azure_service(&self, service: &str) -> Value {
        self.admin(reqwest::Method::GET, &format!("/services/{service}"), None)
    }

    /// Changes the service behind the operator's back (merge patch, no operation).
    pub fn drift(&self, service: &str, patch: Value) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/drift"),
            Some(patch),
        );
    }

    /// A foreign operation runs on the service for `seconds`.
    pub fn busy(&self, service: &str, seconds: f64) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/busy"),
            Some(json!({"seconds": seconds})),
        );
    }

    /// The next operation on the service fails with this error.
    pub fn fail_next_operation(&self, service: &str, code: &str, message: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/fail-next-operation"),
            Some(json!({"code": code, "message": message, "status": 400})),
        );
    }

    /// `POST /_sim/faults`.
    pub fn faults(&self, faults: Value) {
        self.admin(reqwest::Method::POST, "/faults", Some(faults));
    }

    pub fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "/faults", None);
    }

    /// `GET http://127.0.0.1:{metrics_port}{path}` (status, body).
    pub fn http_get(&self, path: &str) -> (u16, String) {
        let url = format!("http://127.0.0.1:{}{path}", self.metrics_port);
        self.rt.block_on(async {
            match self.http.get(&url).send().await {
                Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                Err(e) => (0, e.to_string()),
            }
        })
    }

    /// The live `(sku, [(location, units)])` the simulator holds, primary first.
    pub fn azure_capacity(&self, service: &str) -> (String, Vec<(String, u64)>) {
        let svc = self.azure_service(service);
        let mut regions = vec![(
            svc["location"].as_str().unwrap_or_default().to_string(),
            svc["sku"]["capacity"].as_u64().unwrap_or_default(),
        )];
        for r in svc["properties"]["additionalLocations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            regions.push((
                r["location"].as_str().unwrap_or_default().to_string(),
                r["sku"]["capacity"].as_u64().unwrap_or_default(),
            ));
        }
        (
            svc["sku"]["name"].as_str().unwrap_or_default().to_string(),
            regions,
        )
    }
}

impl Drop for E2e {
    fn drop(&mut self) {
        if let Some(mut child) = self.signal(libc::SIGKILL) {
            let _ = child.wait();
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

/// A Kubernetes Event, as kubectl shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub count: u64,
}

/// One entry of the simulator's request log.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRequest {
    pub time: String,
    pub kind: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub query: String,
    pub status: Option<u16>,
    pub body: Option<Value>,
    pub fault: Option<String>,
    pub principal: Option<String>,
}

impl std::fmt::Display for SimRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.status.map_or("-".to_string(), |s| s.to_string());
        write!(
            f,
            "{} {} {} {}?{} -> {status}",
            self.time, self.kind, self.method, self.path, self.query
        )?;
        if let Some(fault) = &self.fault {
            write!(f, " [{fault}]")?;
        }
        if let Some(body) = &self.body {
            write!(f, " {body}")?;
        }
        Ok(())
    }
}

impl SimRequest {
    pub fn is_arm(&self) -> bool {
        self.kind == "arm"
    }

    /// A request on the service resource itself (not a child path).
    pub fn is_service(&self, service: &str) -> bool {
        self.is_arm()
            && self
                .path
                .to_lowercase()
                .ends_with(&format!("/service/{}", service.to_lowercase()))
    }

    pub fn is_write(&self, service: &str) -> bool {
        self.is_service(service) && matches!(self.method.as_str(), "PATCH" | "PUT")
    }

    pub fn is_get(&self, service: &str) -> bool {
        self.is_service(service) && self.method == "GET"
    }

    /// A GET of an operation's status (`Location` or `Azure-AsyncOperation` URL).
    pub fn is_poll(&self) -> bool {
        let p = self.path.to_lowercase();
        self.is_arm()
            && self.method == "GET"
            && (p.contains("/operationresults/") || p.contains("/operationstatuses/"))
    }
}

/// The PATCH/PUT requests on `service`.
pub fn writes<'a>(requests: &'a [SimRequest], service: &str) -> Vec<&'a SimRequest> {
    requests.iter().filter(|r| r.is_write(service)).collect()
}

/// The GETs of `service` itself.
pub fn gets(requests: &[SimRequest], service: &str) -> usize {
    requests.iter().filter(|r| r.is_get(service)).count()
}

pub fn polls(requests: &[SimRequest]) -> Vec<&SimRequest> {
    requests.iter().filter(|r| r.is_poll()).collect()
}

pub fn arm(requests: &[SimRequest]) -> Vec<&SimRequest> {
    requests.iter().filter(|r| r.is_arm()).collect()
}

/// No change was sent while an operation ran on `service`: no write was refused as busy,
/// and after a write was accepted (202) none followed before a poll reported its end.
pub fn assert_no_overlap(requests: &[SimRequest], service: &str) {
    let mut running = false;
    for r in requests {
        if r.is_write(service) {
            assert_ne!(
                r.status,
                Some(409),
                "a change was sent while the service was busy: {r}"
            );
            assert!(
                !running,
                "a change was sent while our own operation ran: {r}"
            );
            running = r.status == Some(202);
        } else if r.is_poll() && r.status.is_some_and(|s| s != 202 && s < 500 && s != 429) {
            running = false;
        }
    }
}

/// The condition `type_` of an object, if present.
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

pub fn has_condition(obj: &Value, type_: &str, status: &str, reason: &str) -> bool {
    condition(obj, type_).is_some_and(|c| c["status"] == status && c["reason"] == reason)
}

/// Ready=True, no Reconciling/Stalled, observedGeneration = generation.
pub fn is_ready(obj: &Value) -> bool {
    has_condition(obj, "Ready", "True", "Succeeded")
        && obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
}

/// The message of condition `type_` ("" when absent).
pub fn message(obj: &Value, type_: &str) -> String {
    condition(obj, type_)
        .and_then(|c| c["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Asserts the in-sync shape of kstatus: Ready=True/Succeeded, no Reconciling or Stalled,
/// no operation in flight, an empty plan, observedGeneration = generation.
pub fn assert_in_sync(obj: &Value) {
    let status = &obj["status"];
    assert!(is_ready(obj), "not Ready: {status:#}");
    assert!(condition(obj, "Reconciling").is_none(), "{status:#}");
    assert!(condition(obj, "Stalled").is_none(), "{status:#}");
    assert!(status["operation"].is_null(), "{status:#}");
    assert!(
        status["plan"].as_array().is_none_or(|p| p.is_empty()),
        "{status:#}"
    );
}

/// Polls the simulator's request log until `check` holds; returns the log.
pub fn wait_requests(
    e2e: &E2e,
    timeout: Duration,
    check: impl Fn(&[SimRequest]) -> bool,
) -> Vec<SimRequest> {
    let deadline = Instant::now() + timeout;
    loop {
        let requests = e2e.requests();
        if check(&requests) {
            return requests;
        }
        if Instant::now() > deadline {
            e2e.fail(&format!(
                "the Azure requests did not reach the expected state within {timeout:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Prints the request counts of a scenario (`--nocapture` shows them), for the report.
pub fn report(label: &str, requests: &[SimRequest], service: &str) {
    eprintln!(
        "E2E-COUNTS {label}: writes={} service_gets={} polls={} arm_total={} tokens={}",
        writes(requests, service).len(),
        gets(requests, service),
        polls(requests).len(),
        arm(requests).len(),
        requests.iter().filter(|r| r.kind == "token").count()
    );
}

/// `Duration::from_secs`, short.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
