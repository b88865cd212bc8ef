//! Operator pods started the way the kubelet starts the chart's Deployment: `helm template`
//! with the test's values, then per pod the container's command, args and env from the
//! rendered Deployment, with `fieldRef`s resolved for that pod (`metadata.name` distinct per
//! replica, `metadata.namespace`). Each pod's process runs as PID 1 in a PID namespace of its
//! own (`unshare --pid --fork --mount-proc`), as `/apimcap` does in the image, with an
//! environment holding only what the pod spec sets.
//!
//! What this environment adds beyond the chart, because it has no kubelet and no pod network:
//! - `KUBECONFIG`: there is no in-cluster service account, so each pod gets a kubeconfig
//!   (for the admin user), possibly through its own [`super::blackhole::BlackHole`] proxy;
//! - `--metrics-addr=127.0.0.1:<free port>` after the chart's args: the pods share the
//!   host's network, so the chart's fixed port would clash;
//! - volumes: each mounted volume is a directory of the test, filled from the rendered
//!   ConfigMap or from files the test provides for objects the chart only references (the
//!   simulator's CA), and paths under a mount in args and env are mapped to it.
//!
//! The image's entrypoint (`/apimcap`) is the binary cargo built.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::replicas::{free_port, http_get};

/// The chart rendered for one release, ready to start pods from.
pub struct Pods {
    pub objects: Vec<Value>,
    pub namespace: String,
    deployment: String,
    container: Value,
    volumes: Vec<Value>,
    provided: HashMap<String, Vec<(String, String)>>,
    dir: PathBuf,
}

/// One running pod.
pub struct Pod {
    pub name: String,
    pub log: PathBuf,
    pub metrics_port: u16,
    child: Option<Child>,
}

/// `helm template` of the chart with `values` (`--set ...` arguments).
pub fn helm_template(release: &str, namespace: &str, values: &[&str]) -> Vec<Value> {
    let chart = concat!(env!("CARGO_MANIFEST_DIR"), "/charts/apim-capacity-operator");
    let home = std::env::temp_dir().join("apimcap-pods-helm");
    let out = Command::new(super::controlplane::bin_dir().join("helm"))
        .args(["template", release, chart, "--namespace", namespace])
        .args(values)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "helm template {values:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let documents: Vec<Value> = serde_saphyr::from_multiple(&text).expect("rendered YAML parses");
    documents.into_iter().filter(|v| !v.is_null()).collect()
}

impl Pods {
    /// Renders the chart as release `apimcap` in `namespace`; pods keep their files in `dir`.
    pub fn render(namespace: &str, values: &[&str], dir: &Path) -> Pods {
        let objects = helm_template("apimcap", namespace, values);
        let deployment = objects
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .expect("the chart renders a Deployment")
            .clone();
        let spec = &deployment["spec"]["template"]["spec"];
        let containers = spec["containers"].as_array().expect("containers");
        assert_eq!(containers.len(), 1, "one container");
        Pods {
            namespace: namespace.to_string(),
            deployment: deployment["metadata"]["name"]
                .as_str()
                .expect("name")
                .to_string(),
            container: containers[0].clone(),
            volumes: spec["volumes"].as_array().cloned().unwrap_or_default(),
            objects,
            provided: HashMap::new(),
            dir: dir.to_path_buf(),
        }
    }

    /// Provides `key` of the ConfigMap or Secret `name` that the chart references but does
    /// not render.
    pub fn provide(&mut self, name: &str, key: &str, content: &str) {
        self.provided
            .entry(name.to_string())
            .or_default()
            .push((key.to_string(), content.to_string()));
    }

    /// The container's args as rendered.
    pub fn args(&self) -> Vec<String> {
        strings(&self.container["args"])
    }

    /// The container's env as rendered.
    pub fn env(&self) -> Vec<Value> {
        self.container["env"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Starts one pod, its API server reached through `kubeconfig`.
    pub fn start(&self, kubeconfig: &Path) -> Pod {
        let name = format!(
            "{}-{}-{}",
            self.deployment,
            &uuid::Uuid::new_v4().simple().to_string()[..10],
            &uuid::Uuid::new_v4().simple().to_string()[..5]
        );
        let root = self.dir.join(&name);
        let mounts = self.mount(&root);
        // A path under a mount, alone or as a flag's value, moves to the mount's directory.
        let map = |text: &str| -> String {
            let (flag, value) = match text.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (format!("{flag}="), value),
                _ => (String::new(), text),
            };
            for (at, host) in &mounts {
                if let Some(rest) = value.strip_prefix(&format!("{at}/")) {
                    return format!("{flag}{}", host.join(rest).display());
                }
            }
            text.to_string()
        };
        let command = strings(&self.container["command"]);
        assert!(
            command.is_empty() || command == ["/apimcap"],
            "the image's entrypoint is /apimcap: {command:?}"
        );
        let metrics_port = free_port();
        let mut args: Vec<String> = self.args().iter().map(|a| map(a)).collect();
        args.push(format!("--metrics-addr=127.0.0.1:{metrics_port}"));
        let log = root.join("pod.log");
        let file = std::fs::File::create(&log).expect("pod log");
        let mut cmd = Command::new("unshare");
        cmd.args(["--pid", "--fork", "--mount-proc", "--kill-child"])
            .arg(env!("CARGO_BIN_EXE_apimcap"))
            .args(&args)
            .env_clear()
            .env("KUBECONFIG", kubeconfig)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log handle"))
            .stderr(file);
        for var in self.env() {
            let key = var["name"].as_str().expect("env name");
            let value = if let Some(value) = var["value"].as_str() {
                map(value)
            } else {
                match var["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
                    Some("metadata.name") => name.clone(),
                    Some("metadata.namespace") => self.namespace.clone(),
                    other => panic!("env {key}: unsupported source {other:?} in {var}"),
                }
            };
            cmd.env(key, value);
        }
        super::die_with_parent(&mut cmd);
        Pod {
            name,
            log,
            metrics_port,
            child: Some(cmd.spawn().expect("unshare starts")),
        }
    }

    /// Makes a directory for each volume the container mounts: (mountPath, directory).
    fn mount(&self, root: &Path) -> Vec<(String, PathBuf)> {
        let mut mounts = Vec::new();
        for mount in self.container["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let at = mount["mountPath"].as_str().expect("mountPath").to_string();
            let name = mount["name"].as_str().expect("mount name");
            let host = root.join(format!("volume-{name}"));
            std::fs::create_dir_all(&host).expect("volume directory");
            let volume = self
                .volumes
                .iter()
                .find(|v| v["name"] == name)
                .unwrap_or_else(|| panic!("no volume {name}"));
            let (source, object) = if volume["configMap"].is_object() {
                (&volume["configMap"], volume["configMap"]["name"].as_str())
            } else if volume["secret"].is_object() {
                (&volume["secret"], volume["secret"]["secretName"].as_str())
            } else {
                assert!(
                    volume["emptyDir"].is_object(),
                    "unsupported volume {volume}"
                );
                mounts.push((at, host));
                continue;
            };
            let data = self.data_of(object.expect("object name"));
            let items: Vec<(String, String)> = match source["items"].as_array() {
                Some(items) => items
                    .iter()
                    .map(|i| (strings_of(&i["key"]), strings_of(&i["path"])))
                    .collect(),
                None => data.keys().map(|k| (k.clone(), k.clone())).collect(),
            };
            for (key, path) in items {
                let content = data
                    .get(&key)
                    .unwrap_or_else(|| panic!("{key} missing in {object:?}"));
                std::fs::write(host.join(path), content).expect("volume file");
            }
            mounts.push((at, host));
        }
        mounts
    }

    /// The data of a ConfigMap the chart renders, or of one the test provides.
    fn data_of(&self, name: &str) -> HashMap<String, String> {
        if let Some(provided) = self.provided.get(name) {
            return provided.iter().cloned().collect();
        }
        let object = self
            .objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == name)
            .unwrap_or_else(|| {
                panic!("the chart references {name} but neither renders nor was given it")
            });
        object["data"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), strings_of(v)))
            .collect()
    }
}

impl Pod {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The operator process (the child of `unshare`) and its PID inside its namespace.
    pub fn pids(&self) -> Option<(u32, u32)> {
        let unshare = self.child.as_ref()?.id();
        let children =
            std::fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children")).ok()?;
        let pid: u32 = children.split_whitespace().next()?.parse().ok()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let inner = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))?
            .split_whitespace()
            .last()?
            .parse()
            .ok()?;
        Some((pid, inner))
    }

    /// Waits until the process inside runs, and returns its PID in its own namespace.
    pub fn pid_inside(&self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some((_, inner)) = self.pids() {
                return inner;
            }
            assert!(Instant::now() < deadline, "{} did not start", self.name);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the pod's process has exited; its exit status then.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    pub fn http_get(&self, path: &str) -> (u16, String) {
        http_get(self.metrics_port, path)
    }
}

impl Drop for Pod {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log_text();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(120)..];
            eprintln!(
                "----- pod {} (last {} lines) -----\n{}",
                self.name,
                tail.len(),
                tail.join("\n")
            );
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn strings_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}
