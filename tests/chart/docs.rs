//! The documentation under docs/ against what it describes: every reason a resource can be
//! stuck with has a runbook section (so a reason added later fails here until it is
//! documented), the runbook sections the alerts link to exist, and every command in the docs
//! is either run here or a plain kubectl/helm call; the documented `helm install` and
//! `helm upgrade` commands render with the chart's schema.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use apim_capacity::api::Reason;

use crate::support::{CHART, helm};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Reasons of progress, not of a stuck resource: no runbook section needed. Every other
/// variant of `Reason`, including any added later, must have one.
const PROGRESS: &[&str] = &[
    "Pending",
    "Succeeded",
    "Scaling",
    "ChangingTier",
    "AddingRegion",
    "RemovingRegion",
    "ChangingZones",
    "Suspended",
];

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every variant of `Reason`, from its JSON schema (the CRD's enum).
fn all_reasons() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(Reason)).expect("a schema");
    let mut names = Vec::new();
    collect_enum(&schema, &mut names);
    assert!(names.len() >= 20, "{schema}");
    names
}

fn collect_enum(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("enum", serde_json::Value::Array(items)) => {
                        out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
                    }
                    ("const", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => collect_enum(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_enum(i, out)),
        _ => {}
    }
}

/// The runbook's sections: heading text → body.
fn sections(markdown: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in markdown.lines() {
        if let Some(title) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            out.push((title.trim().to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The anchor GitHub gives a heading.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_reason_a_resource_can_be_stuck_with_has_a_runbook_section() {
    let runbook = sections(&read("docs/runbook.md"));
    let mut missing = Vec::new();
    for reason in all_reasons() {
        if PROGRESS.contains(&reason.as_str()) {
            continue;
        }
        match runbook.iter().find(|(title, _)| *title == reason) {
            None => missing.push(reason),
            Some((_, body)) => {
                for part in ["**Means**", "**Check**", "**Fix**"] {
                    assert!(body.contains(part), "runbook section {reason} lacks {part}");
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/runbook.md has no section for {missing:?}: say what it means, what to check and how to fix it"
    );
    for progress in PROGRESS {
        assert!(
            all_reasons().iter().any(|r| r == progress),
            "{progress} is no longer a Reason"
        );
    }
}

#[test]
fn the_runbook_sections_the_alerts_link_to_exist() {
    let anchors: BTreeSet<String> = sections(&read("docs/runbook.md"))
        .iter()
        .map(|(t, _)| anchor(t))
        .collect();
    let rules = read("charts/apim-capacity-operator/files/prometheus-rules.yaml");
    let mut links = 0;
    for line in rules.lines() {
        let Some(at) = line.find("docs/runbook.md#") else {
            continue;
        };
        let target = line[at + "docs/runbook.md#".len()..].trim_end_matches('"');
        links += 1;
        if target.contains("{{") {
            continue; // the reason label: every reason has a section (above)
        }
        assert!(
            anchors.contains(target),
            "no runbook section #{target}: {anchors:?}"
        );
    }
    assert!(links >= 6, "every alert links to the runbook");
}

/// The shell commands of ```sh blocks in `markdown`, continuation lines joined.
fn commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut current = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = trimmed == "```sh";
            continue;
        }
        if !in_block || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        current.push_str(trimmed.trim_end_matches('\\').trim_end());
        current.push(' ');
        if !trimmed.ends_with('\\') {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    out
}

/// Commands a test runs, by their start; the test named after each runs it.
const RUN_BY_TESTS: &[(&str, &str)] = &[
    (
        "APIMCAP=./apimcap examples/ci/plan-against-sim.sh",
        "docs::the_ci_script_of_the_docs_passes_good_manifests_and_fails_blocked_ones",
    ),
    (
        "apimcap sim --listen",
        "docs::the_documented_simulator_command_starts",
    ),
    // The Dockerfile is built by `make image-test` (podman, local base images) and run by the
    // e2e test image::; `docker push` is the registry's own command.
    ("docker build -t", "make image-test"),
    ("docker push", "(a registry push)"),
];

/// Plain commands: kubectl and helm, and `diff` of two files.
const PLAIN: &[&str] = &["kubectl ", "helm ", "diff -u "];

#[test]
fn every_command_in_the_docs_is_tested_or_a_plain_kubectl_or_helm_call() {
    let mut seen = 0;
    for entry in std::fs::read_dir(Path::new(ROOT).join("docs")).expect("docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        for command in commands(&text) {
            seen += 1;
            let known = PLAIN.iter().any(|p| command.starts_with(p))
                || RUN_BY_TESTS.iter().any(|(c, _)| command.starts_with(c));
            assert!(
                known,
                "{}: `{command}` is neither run by a test nor a plain kubectl/helm call",
                path.display()
            );
        }
    }
    assert!(seen >= 15, "found {seen} commands");
}

/// `helm install|upgrade [--install] RELEASE CHART ARGS` → `helm template RELEASE CHART ARGS`
/// without the flags that only matter to a cluster.
fn as_template(command: &str) -> Option<Vec<String>> {
    let words = shell_words(command);
    let rest: Vec<&String> = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["helm", "install", ..] => words[2..].iter().collect(),
        ["helm", "upgrade", "--install", ..] => words[3..].iter().collect(),
        ["helm", "upgrade", ..] => words[2..].iter().collect(),
        _ => return None,
    };
    if rest.get(1).map(|c| c.as_str()) != Some("charts/apim-capacity-operator") {
        return None;
    }
    let mut args = vec!["template".to_string(), rest[0].clone(), CHART.to_string()];
    let mut i = 2;
    while i < rest.len() {
        match rest[i].as_str() {
            "--create-namespace" | "--wait" | "--atomic" => i += 1,
            "-f" => {
                args.push("-f".into());
                args.push(format!("{ROOT}/{}", rest[i + 1]));
                i += 2;
            }
            other => {
                args.push(other.to_string());
                i += 1;
            }
        }
    }
    Some(args)
}

/// Splits a command line on spaces, with single quotes grouping (enough for the docs).
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn the_documented_helm_installs_render_with_the_chart() {
    let mut rendered = 0;
    for page in ["docs/install.md", "docs/upgrading.md"] {
        for command in commands(&read(page)) {
            let Some(args) = as_template(&command) else {
                continue;
            };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = helm(&args, None);
            assert!(
                out.ok,
                "{page}: `{command}` does not render:\n{}",
                out.stderr
            );
            rendered += 1;
        }
    }
    assert!(rendered >= 4, "rendered {rendered} documented installs");
}

#[test]
fn the_ci_script_of_the_docs_passes_good_manifests_and_fails_blocked_ones() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a scratch directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let run = |manifests: &[&str]| {
        Command::new(format!("{ROOT}/examples/ci/plan-against-sim.sh"))
            .current_dir(ROOT)
            .arg("examples/simulator/seed.yaml")
            .args(manifests)
            .env("APIMCAP", env!("CARGO_BIN_EXE_apimcap"))
            .env("SIM_PORT", port.to_string())
            .env("TMPDIR", dir.path())
            .output()
            .expect("the script runs")
    };
    let good = run(&["examples/standard.yaml"]);
    let text = String::from_utf8_lossy(&good.stdout);
    assert!(
        good.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        text.contains("Live: Standard westeurope=1 (Succeeded)"),
        "{text}"
    );
    assert!(
        text.contains("  1. Scale westeurope from 1 to 2 units"),
        "{text}"
    );
    // A downgrade to Basic is refused by the planner: the script fails.
    let downgrade = dir.path().join("downgrade.yaml");
    let manifest = read("examples/standard.yaml").replace("sku: Standard", "sku: Basic");
    std::fs::write(&downgrade, manifest).expect("a manifest");
    let blocked = run(&[downgrade.to_str().expect("a UTF-8 path")]);
    let text = String::from_utf8_lossy(&blocked.stdout);
    assert!(!blocked.status.success(), "{text}");
    assert!(text.contains("Blocked ("), "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "the script cleans up"
    );
}

#[test]
fn the_documented_simulator_command_starts() {
    let documented = commands(&read("docs/simulator.md"))
        .into_iter()
        .find(|c| c.starts_with("apimcap sim"))
        .expect("docs/simulator.md shows how to run the simulator");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a scratch directory");
    let ca = dir.path().join("sim-ca.pem");
    // As documented, on a free port and with the CA in the test's directory.
    let args: Vec<String> = shell_words(&documented)[1..]
        .iter()
        .map(|a| match a.as_str() {
            "127.0.0.1:8443" => "127.0.0.1:0".to_string(),
            "/tmp/sim-ca.pem" => ca.display().to_string(),
            other => other.to_string(),
        })
        .collect();
    let mut sim = Command::new(env!("CARGO_BIN_EXE_apimcap"))
        .current_dir(ROOT)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("apimcap sim starts");
    let started = std::time::Instant::now();
    let written = || std::fs::metadata(&ca).is_ok_and(|m| m.len() > 0);
    while !written() && started.elapsed() < std::time::Duration::from_secs(20) {
        assert!(
            sim.try_wait().expect("waiting").is_none(),
            "apimcap sim {args:?} exited"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = sim.kill();
    let _ = sim.wait();
    let pem = std::fs::read_to_string(&ca).expect("the simulator wrote its CA");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}
