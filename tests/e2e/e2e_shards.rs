//! Sharding as Flux does it: two shards (`sharding.capacity.apim.dev/key in (shardN)`) and a
//! default one (`!sharding.capacity.apim.dev/key`), each with its own Lease and its own Azure
//! identity. Every resource is reconciled by exactly one of them: every Azure request for its
//! service carries that shard's principal, and none another's. The default shard also
//! watches a second namespace (`--watch-namespaces`), where one more resource lives.

use crate::support::ControlPlane;
use crate::support::operator::*;
use crate::support::replicas::Replica;

/// Each shard: its name (also its Lease), its label selector, the label its resource
/// carries, and its Azure principal.
const SHARDS: [(&str, &str, Option<&str>, &str); 3] = [
    (
        "shard1",
        "sharding.capacity.apim.dev/key in (shard1)",
        Some("shard1"),
        "6b1f0e0e-0000-4000-8000-000000000151",
    ),
    (
        "shard2",
        "sharding.capacity.apim.dev/key in (shard2)",
        Some("shard2"),
        "6b1f0e0e-0000-4000-8000-000000000152",
    ),
    (
        "default",
        "!sharding.capacity.apim.dev/key",
        None,
        "6b1f0e0e-0000-4000-8000-000000000150",
    ),
];

/// The resource in the second namespace, deleted when the test ends (other tests' operators
/// watch every namespace).
struct Other {
    cp: &'static ControlPlane,
    ns: String,
}

impl Drop for Other {
    fn drop(&mut self) {
        let delete = ["delete", "apimcap", "--all", "-n", &self.ns, "--wait=false"];
        let _ = self.cp.kubectl(&delete);
    }
}

#[test]
fn two_shards_and_a_default_one_each_reconcile_only_their_resources() {
    let principals: String = SHARDS
        .iter()
        .map(|(name, _, _, client)| {
            format!("  - {{tenant: {TENANT}, clientId: {client}, clientSecret: {name}-secret}}\n")
        })
        .collect();
    let mut builder = E2e::builder("shards").principals(&principals);
    for _ in 0..=SHARDS.len() {
        builder = builder.service("Standard", &[("westeurope", 1)]);
    }
    let mut e2e = builder.without_operator().start();
    let services: Vec<String> = e2e.services.iter().map(|s| s.name.clone()).collect();
    let dir = e2e.cp.tempdir("shards-");
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let lease_ns = format!("--lease-namespace={}", e2e.ns);
    let other_ns = e2e.cp.namespace("shards-other");
    let shards: Vec<Replica> = SHARDS
        .iter()
        .map(|(name, selector, label, client)| {
            let selector = format!("--watch-label-selector={selector}");
            let lease = format!("--lease-name=apimcap-{name}");
            let namespaces = match label {
                Some(_) => format!("--watch-namespaces={}", e2e.ns),
                None => format!("--watch-namespaces={},{other_ns}", e2e.ns),
            };
            let flags = ["--leader-elect", &lease_ns, &lease, &selector, &namespaces];
            let secret = format!("{name}-secret");
            Replica::start_as(
                &e2e,
                name,
                &kubeconfig,
                &flags,
                dir.path(),
                (client, &secret),
            )
        })
        .collect();
    for shard in &shards {
        shard.wait_log("became the leader", secs(30));
    }
    for ((name, _, label, _), service) in SHARDS.iter().zip(&services) {
        let labels = label
            .map(|l| format!("  labels: {{sharding.capacity.apim.dev/key: {l}}}\n"))
            .unwrap_or_default();
        let manifest = e2e.manifest(name, service, "Standard", &[("westeurope", 2)], "");
        e2e.apply(&manifest.replacen("spec:\n", &format!("{labels}spec:\n"), 1));
    }
    let other = Other {
        cp: e2e.cp,
        ns: other_ns.clone(),
    };
    let manifest = e2e.manifest(
        "elsewhere",
        &services[3],
        "Standard",
        &[("westeurope", 2)],
        "",
    );
    let applied = e2e.cp.apply(&other_ns, &manifest);
    assert!(applied.success, "{}", applied.stderr);
    for (name, ..) in SHARDS {
        e2e.wait_ready(name, secs(90));
    }
    wait_requests(&e2e, secs(60), |r| writes(r, &services[3]).len() == 1);
    drop(other);

    let requests = e2e.requests();
    let owners = SHARDS.iter().map(|s| (s.0, s.3));
    // The resource of the second namespace: the default shard's.
    let owners = owners.chain([("elsewhere", SHARDS[2].3)]);
    for ((name, client), service) in owners.zip(&services) {
        report(name, &requests, service);
        // The service itself and everything under it (its /skus, its operations).
        let path = format!("/service/{}", service.to_lowercase());
        let calls: Vec<_> = requests
            .iter()
            .filter(|r| {
                let p = r.path.to_lowercase();
                r.is_arm() && (p.ends_with(&path) || p.contains(&format!("{path}/")))
            })
            .collect();
        assert!(calls.len() >= 3, "{name}: {calls:#?}");
        assert_eq!(writes(&requests, service).len(), 1, "{name}: one PATCH");
        assert!(
            calls.iter().all(|r| r.principal.as_deref() == Some(client)),
            "{name}: a request from another shard: {calls:#?}"
        );
    }
    // Each shard holds a Lease of its own.
    for (name, ..) in SHARDS {
        let holder = e2e.kubectl(&[
            "get",
            "lease",
            &format!("apimcap-{name}"),
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ]);
        let holder = holder.stdout.trim();
        assert!(
            holder.starts_with(name),
            "Lease apimcap-{name} held by {holder:?}"
        );
    }
    for shard in &shards {
        let log = shard.log_text();
        assert!(log.contains("watching ApimCapacity resources"), "{log}");
    }
}
