//! The operator run from the container image instead of the cargo-built binary: `podman run`
//! of the test image (`make image-test`) with the settings this machine needs, the files the
//! operator reads mounted read-only, and the host's network (the control plane and the
//! simulator listen on loopback).
//!
//! Settings: `--runtime runc` (crun refuses this machine's hybrid cgroup hierarchy) and
//! explicit `--ulimit nofile` and `nproc` no higher than this process's hard limits (podman's
//! defaults are higher, and raising a hard limit needs CAP_SYS_RESOURCE, which a sandboxed
//! root lacks: `setrlimit RLIMIT_NOFILE: Operation not permitted`). Everything else is as a
//! kubelet runs the chart's pod: the image's own user, a read-only root file system, no
//! capabilities, no new privileges.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The image `make image-test` built, or `None` when the tests run without it.
pub fn test_image() -> Option<String> {
    std::env::var("APIMCAP_TEST_IMAGE")
        .ok()
        .filter(|i| !i.trim().is_empty())
}

/// Where the operator finds the kubeconfig and the simulator's CA inside the container.
pub const KUBECONFIG: &str = "/var/run/apimcap/kubeconfig";
pub const CA_BUNDLE: &str = "/var/run/apimcap/ca.crt";

fn hard_limit(resource: libc::__rlimit_resource_t, at_most: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let ok = unsafe { libc::getrlimit(resource, &mut limit) } == 0;
    if ok {
        limit.rlim_max.min(at_most)
    } else {
        1024
    }
}

/// A copy of `file` in `dir` that the image's non-root user may read (the originals are the
/// test user's, mode 0600).
pub fn readable_copy(file: &Path, dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let copy = dir.join(name);
    std::fs::copy(file, &copy).expect("copying a file for the container");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644))
        .expect("making the copy readable");
    copy
}

/// `podman run` of `image` as container `name`, with `mounts` (host file, container path),
/// `env` and the operator's `args`; TMPDIR for podman's own files is `tmp`.
pub fn command(
    image: &str,
    name: &str,
    mounts: &[(PathBuf, &str)],
    env: &[(String, String)],
    args: &[String],
    tmp: &Path,
) -> Command {
    let mut command = Command::new("podman");
    command.env("TMPDIR", tmp).args([
        "run",
        "--rm",
        "--name",
        name,
        "--label",
        "apimcap-e2e=1",
        "--runtime",
        "runc",
        "--network",
        "host",
        "--read-only",
        "--read-only-tmpfs=false",
        // As the chart's pod: /tmp is a 16 MiB emptyDir, nothing else is writable.
        "--tmpfs=/tmp:rw,size=16m,mode=1777",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
    ]);
    let nofile = hard_limit(libc::RLIMIT_NOFILE, 65536);
    let nproc = hard_limit(libc::RLIMIT_NPROC, 4096);
    command.arg(format!("--ulimit=nofile={nofile}:{nofile}"));
    command.arg(format!("--ulimit=nproc={nproc}:{nproc}"));
    for (host, inside) in mounts {
        command.arg(format!("--volume={}:{inside}:ro", host.display()));
    }
    for (key, value) in env {
        command.arg(format!("--env={key}={value}"));
    }
    command.arg(image).args(args);
    command
}

/// Removes container `name` (running or not), for a test that ends without stopping it.
pub fn remove(name: &str) {
    let _ = Command::new("podman")
        .args(["rm", "--force", "--time", "0", "--ignore", name])
        .output();
}

/// `podman inspect` of container `name` with a Go template.
pub fn inspect(name: &str, format: &str) -> String {
    let out = Command::new("podman")
        .args(["inspect", "--format", format, name])
        .output()
        .expect("podman runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
