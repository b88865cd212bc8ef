//! The container image, run: the test image `make image-test` builds from the Dockerfile
//! (the static binary on `scratch` instead of distroless) runs under podman as the image's
//! user 65532, with a read-only root file system and no shell, reaches the test apiserver and
//! the simulator, and completes a scale. Skipped (with a note) when `APIMCAP_TEST_IMAGE` is
//! unset, i.e. outside `make test`.

use std::process::Command;

use crate::support::operator::container::{self, test_image};
use crate::support::operator::*;

fn podman(args: &[&str]) -> (bool, String) {
    // podman's own temporary files go to cargo's scratch directory, not the tests' TMPDIR.
    let out = Command::new("podman")
        .args(args)
        .env("TMPDIR", env!("CARGO_TARGET_TMPDIR"))
        .output()
        .expect("podman runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The image holds nothing but `/apimcap`, runs as 65532 and has no shell.
fn check_image(image: &str) {
    let (ok, user) = podman(&["image", "inspect", "--format", "{{.Config.User}}", image]);
    assert!(ok, "{user}");
    assert_eq!(user.trim(), "65532:65532");
    let (ok, entrypoint) = podman(&[
        "image",
        "inspect",
        "--format",
        "{{.Config.Entrypoint}}",
        image,
    ]);
    assert!(ok && entrypoint.trim() == "[/apimcap]", "{entrypoint}");
    let (ok, out) = podman(&[
        "run",
        "--rm",
        "--runtime",
        "runc",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        "true",
    ]);
    assert!(!ok, "the image has a shell: {out}");
    assert!(out.contains("/bin/sh"), "{out}");
}

#[test]
fn the_image_runs_as_65532_read_only_and_completes_a_scale() {
    let Some(image) = test_image() else {
        eprintln!("APIMCAP_TEST_IMAGE is unset: `make image-test` builds the image (skipped)");
        return;
    };
    check_image(&image);
    let mut t = E2e::builder("image")
        .service("Standard", &[("westeurope", 1)])
        .image(&image)
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    let done = t.wait_ready("cap", secs(90));
    assert_in_sync(&done);
    assert_eq!(
        t.azure_capacity(&service),
        ("Standard".to_string(), vec![("West Europe".to_string(), 2)])
    );

    // The running container: its process as the image's user, its root file system read-only.
    let name = t.container_name();
    let pid = container::inspect(&name, "{{.State.Pid}}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process runs");
    let uid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap_or_default();
    assert_eq!(
        uid.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["65532"; 4],
        "{uid}"
    );
    let gid = status
        .lines()
        .find(|l| l.starts_with("Gid:"))
        .unwrap_or_default();
    assert_eq!(
        gid.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["65532"; 4],
        "{gid}"
    );
    let capabilities = status
        .lines()
        .find(|l| l.starts_with("CapEff:"))
        .unwrap_or_default();
    assert!(capabilities.ends_with("0000000000000000"), "{capabilities}");
    assert_eq!(
        container::inspect(&name, "{{.HostConfig.ReadonlyRootfs}}"),
        "true"
    );
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).expect("mountinfo");
    let root = mounts
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
        .expect("a root mount");
    assert!(
        root.split_whitespace()
            .nth(5)
            .is_some_and(|o| o.split(',').any(|o| o == "ro")),
        "{root}"
    );

    // Its metrics and health endpoints answer on the host network.
    let (code, metrics) = t.http_get("/metrics");
    assert_eq!(code, 200, "{metrics}");
    assert!(
        metrics.contains("apimcap_reconciles_total{result=\"InSync\"}"),
        "{metrics}"
    );
    assert_eq!(t.http_get("/readyz").0, 200);
    let exit = t.terminate();
    assert!(exit.success(), "SIGTERM ends the container cleanly: {exit}");
}
