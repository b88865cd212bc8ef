//! Sharding in the chart: the watch selector and namespaces reach the operator, and each
//! release (shard) has a Lease of its own unless one is named.

use crate::support::{ALLOW_ALL, CHART, helm, one, strings};

/// The operator's arguments in release `release` rendered with `extra` values.
fn args(release: &str, extra: &[&str]) -> Vec<String> {
    let mut command = vec!["template", release, CHART, "--namespace", "apimcap-system"];
    command.extend_from_slice(ALLOW_ALL);
    command.extend_from_slice(&["--set", "leaderElection.enabled=true"]);
    command.extend_from_slice(extra);
    let out = helm(&command, None);
    assert!(out.ok, "helm template {extra:?}: {}", out.stderr);
    let objects: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&out.stdout).expect("rendered YAML parses");
    let deployment = one(&objects, "Deployment");
    strings(&deployment["spec"]["template"]["spec"]["containers"][0]["args"])
}

#[test]
fn a_shard_watches_its_selector_and_namespaces_under_its_own_lease() {
    let shard1 = args(
        "shard1",
        &[
            "--set-string",
            "watch.labelSelector=sharding.capacity.apim.dev/key in (shard1)",
            "--set-json",
            r#"watch.namespaces=["team-a","team-b"]"#,
        ],
    );
    for expected in [
        "--watch-label-selector=sharding.capacity.apim.dev/key in (shard1)",
        "--watch-namespaces=team-a,team-b",
        "--lease-name=shard1-apim-capacity-operator",
    ] {
        assert!(
            shard1.iter().any(|a| a == expected),
            "{expected} not in {shard1:?}"
        );
    }
    let default = args(
        "main",
        &[
            "--set-string",
            "watch.labelSelector=!sharding.capacity.apim.dev/key",
        ],
    );
    assert!(default.contains(&"--watch-label-selector=!sharding.capacity.apim.dev/key".into()));
    assert!(default.contains(&"--lease-name=main-apim-capacity-operator".into()));
    assert!(!default.iter().any(|a| a.starts_with("--watch-namespaces")));

    let unsharded = args("apimcap", &[]);
    assert!(
        !unsharded.iter().any(|a| a.starts_with("--watch-")),
        "{unsharded:?}"
    );
    let named = args("apimcap", &["--set", "leaderElection.leaseName=shared"]);
    assert!(named.contains(&"--lease-name=shared".into()));
}

#[test]
fn a_namespace_that_is_not_a_name_is_refused_by_the_schema() {
    for bad in [
        r#"watch.namespaces=["Team_A"]"#,
        r#"watch.namespaces="team-a""#,
    ] {
        let out = helm(
            &[
                "template",
                "x",
                CHART,
                ALLOW_ALL[0],
                ALLOW_ALL[1],
                "--set-json",
                bad,
            ],
            None,
        );
        assert!(!out.ok, "{bad} was accepted");
    }
}
