//! More `apimcap run` processes beside an [`E2e`]'s own: replicas for leader election, or an
//! operator with another identity or kubeconfig. Each writes its own log; dropping one kills
//! it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::operator::{E2e, OPERATOR_CLIENT, OPERATOR_SECRET, TENANT};

/// One `apimcap run` process.
pub struct Replica {
    pub name: String,
    pub log: PathBuf,
    pub metrics_port: u16,
    child: Option<Child>,
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Replica {
    /// Starts `apimcap run` against `e2e`'s simulator with `kubeconfig` and `extra` flags.
    pub fn start(e2e: &E2e, name: &str, kubeconfig: &Path, extra: &[&str], dir: &Path) -> Replica {
        let identity = (OPERATOR_CLIENT, OPERATOR_SECRET);
        Self::start_as(e2e, name, kubeconfig, extra, dir, identity)
    }

    /// [`Replica::start`] with an Azure identity of its own: (client id, client secret).
    pub fn start_as(
        e2e: &E2e,
        name: &str,
        kubeconfig: &Path,
        extra: &[&str],
        dir: &Path,
        (client, secret): (&str, &str),
    ) -> Replica {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("replica log");
        let metrics_port = free_port();
        let url = e2e.sim_url();
        let mut command = Command::new(env!("CARGO_BIN_EXE_apimcap"));
        command
            .arg("run")
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .arg(format!("--arm-endpoint={url}"))
            .arg(format!("--authority-host={url}"))
            .arg(format!("--ca-bundle={}", e2e.ca_path().display()))
            .arg("--min-retry-after=1s")
            .arg("--resync-interval=30s")
            .arg(format!("--metrics-addr=127.0.0.1:{metrics_port}"))
            .arg("--log-format=text")
            .args(
                (!extra.iter().any(|a| {
                    a.starts_with("--namespace-policy") || a.starts_with("--allow-all-namespaces")
                }))
                .then_some("--allow-all-namespaces"),
            )
            .args(extra)
            .env("AZURE_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_ID", client)
            .env("AZURE_CLIENT_SECRET", secret)
            .env("POD_NAME", name)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log handle"))
            .stderr(file);
        // Also when the test binary is killed.
        super::die_with_parent(&mut command);
        Replica {
            name: name.to_string(),
            log,
            metrics_port,
            child: Some(command.spawn().expect("apimcap starts")),
        }
    }

    /// The process's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log contains `text`.
    pub fn wait_log(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log_text().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{}: {text:?} not logged within {timeout:?}:\n{}",
            self.name,
            self.log_text()
        );
    }

    /// Sends `signal` and waits up to `timeout` for the exit.
    pub fn signal_and_wait(&mut self, signal: i32, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("the replica runs");
        // SAFETY: kill(2) on the pid of a child we have not reaped yet.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("waiting for apimcap") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} did not exit within {timeout:?}:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// HTTP GET of `path` on the metrics port: (status code, body).
    pub fn http_get(&self, path: &str) -> (u16, String) {
        http_get(self.metrics_port, path)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A plain HTTP/1.0 GET on loopback: (status code, body); (0, error) when unreachable.
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut stream = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => return (0, e.to_string()),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return (0, "write failed".into());
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let code = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// The value of the metric line that starts with `series` (name and labels), if any.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
