//! Leader election as the chart deploys it: two operator pods started from the rendered
//! Deployment (see `support/pods.rs`), each PID 1 in its own PID namespace, against the real
//! apiserver and the Azure simulator. One pod leads and only it writes to Azure; a leader cut
//! off from the apiserver stops writing to Azure by its renew deadline and the other pod
//! finishes the operation without a second PATCH for the same step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::blackhole::BlackHole;
use crate::support::operator::{
    E2e, OPERATOR_CLIENT, OPERATOR_SECRET, SUB, SimRequest, TENANT, assert_no_overlap, secs, writes,
};
use crate::support::pods::{Pod, Pods};

/// The chart's leader election timings in these tests.
const LEASE: Duration = Duration::from_secs(6);
const RENEW_DEADLINE: Duration = Duration::from_secs(4);

/// The chart rendered with two replicas against the test's simulator; the test's namespace
/// may target the simulator's subscription.
fn chart(e2e: &E2e, dir: &Path) -> Pods {
    let sim = e2e.sim_url();
    let env = serde_json::json!([
        {"name": "AZURE_TENANT_ID", "value": TENANT},
        {"name": "AZURE_CLIENT_ID", "value": OPERATOR_CLIENT},
        {"name": "AZURE_CLIENT_SECRET", "value": OPERATOR_SECRET},
        // ARM requests with their x-ms-client-request-id, to tell which pod sent a PATCH.
        {"name": "RUST_LOG", "value": "info,apim_capacity::azure=debug"},
        {"name": "NO_COLOR", "value": "1"},
    ]);
    let values = [
        "replicaCount=2".to_string(),
        format!("azure.armEndpoint={sim}"),
        format!("azure.authorityHost={sim}"),
        "azure.caBundle.configMap.name=sim-ca".to_string(),
        "operator.logFormat=text".to_string(),
        "operator.minRetryAfter=1s".to_string(),
        "operator.resyncInterval=30s".to_string(),
        format!("leaderElection.leaseDuration={}s", LEASE.as_secs()),
        format!("leaderElection.renewDeadline={}s", RENEW_DEADLINE.as_secs()),
        "leaderElection.retryPeriod=1s".to_string(),
    ];
    let mut args: Vec<String> = values
        .iter()
        .flat_map(|v| ["--set".to_string(), v.clone()])
        .collect();
    let policy = serde_json::json!({ e2e.ns.clone(): [format!("/subscriptions/{SUB}")] });
    args.extend([
        "--set-json".to_string(),
        format!("operator.extraEnv={env}"),
        "--set-json".to_string(),
        format!("namespacePolicy={policy}"),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut pods = Pods::render(&e2e.ns, &args, dir);
    let ca = std::fs::read_to_string(e2e.ca_path()).expect("simulator CA");
    pods.provide("sim-ca", "ca.crt", &ca);
    pods
}

/// A copy of the admin kubeconfig that reaches the apiserver at `server`.
fn kubeconfig_via(e2e: &E2e, server: &str, path: PathBuf) -> PathBuf {
    let admin = std::fs::read_to_string(&e2e.cp.kubeconfig).expect("admin kubeconfig");
    std::fs::write(&path, admin.replace(&e2e.cp.server, server)).expect("kubeconfig");
    path
}

fn apiserver_addr(e2e: &E2e) -> SocketAddr {
    let host = e2e.cp.server.trim_start_matches("https://");
    host.parse().expect("the apiserver listens on an IP:port")
}

/// Waits until exactly one of `pods` logs that it leads; (leader, standby) indexes.
fn leader_of(pods: &[&Pod], timeout: Duration) -> (usize, usize) {
    let deadline = Instant::now() + timeout;
    loop {
        let leading: Vec<usize> = (0..pods.len())
            .filter(|&i| pods[i].log_text().contains("became the leader"))
            .collect();
        match leading[..] {
            [one] => return (one, 1 - one),
            [] if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => panic!(
                "expected one leader, {} pods say they lead: {:?}",
                leading.len(),
                leading.iter().map(|&i| &pods[i].name).collect::<Vec<_>>()
            ),
        }
    }
}

/// The pod whose log holds the request's client request id.
fn sender<'a>(request: &SimRequest, pods: &[&'a Pod]) -> Option<&'a str> {
    let id = request.client_request_id.as_deref()?;
    pods.iter()
        .find(|p| p.log_text().contains(id))
        .map(|p| p.name.as_str())
}

#[test]
fn two_pods_of_the_chart_elect_one_leader_and_only_it_writes_to_azure() {
    let mut e2e = E2e::builder("pods-one-leader")
        .service("Standard", &[("westeurope", 1)])
        .without_operator()
        .start();
    let dir = tempfile::tempdir().expect("temp dir");
    let pods = chart(&e2e, dir.path());
    let kubeconfig = e2e.cp.kubeconfig.clone();
    let a = pods.start(&kubeconfig);
    let b = pods.start(&kubeconfig);
    assert_eq!(
        (a.pid_inside(), b.pid_inside()),
        (1, 1),
        "PID 1 in each pod, as in the image"
    );
    assert_ne!(a.name, b.name);

    let both = [&a, &b];
    let (leader, standby) = leader_of(&both, secs(30));
    let (leader, standby) = (both[leader], both[standby]);
    // Two lease durations later the other pod still stands by.
    std::thread::sleep(LEASE * 2);
    leader_of(&both, secs(1));
    for pod in both {
        assert_eq!(
            pod.http_get("/livez").0,
            200,
            "{} is live while idle",
            pod.name
        );
    }
    assert_eq!(standby.http_get("/readyz").0, 200, "a standby is ready");
    assert!(
        standby.log_text().contains("standing by"),
        "{}",
        standby.log_text()
    );
    let lease = e2e.kubectl(&[
        "get",
        "lease",
        "apimcap-apim-capacity-operator",
        "-o",
        "json",
    ]);
    let lease: serde_json::Value = serde_json::from_str(&lease.stdout).expect("Lease JSON");
    assert_eq!(lease["spec"]["holderIdentity"], leader.name.as_str());

    e2e.apply_capacity("payments", "Standard", &[("westeurope", 3)], "");
    e2e.wait_ready("payments", secs(60));
    let requests = e2e.requests();
    let patches = writes(&requests, e2e.service());
    assert_eq!(patches.len(), 1, "one PATCH: {patches:#?}");
    for patch in &patches {
        assert_eq!(sender(patch, &both), Some(leader.name.as_str()), "{patch}");
    }
    let arm_from_standby: Vec<_> = requests
        .iter()
        .filter(|r| r.is_arm() && sender(r, &[standby]).is_some())
        .collect();
    assert!(
        arm_from_standby.is_empty(),
        "the standby called ARM: {arm_from_standby:#?}"
    );
    let events = e2e.kubectl(&["get", "events", "-o", "json"]);
    let events: serde_json::Value = serde_json::from_str(&events.stdout).expect("Events JSON");
    let instances: Vec<&str> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["involvedObject"]["kind"] == "ApimCapacity")
        .filter_map(|e| e["reportingInstance"].as_str())
        .collect();
    assert!(!instances.is_empty(), "the operator published Events");
    assert!(
        instances.iter().all(|i| *i == leader.name),
        "Events from {instances:?}, the leader is {}",
        leader.name
    );
}

#[test]
fn a_leader_cut_off_from_the_apiserver_stops_writing_and_the_standby_finishes() {
    // A tier change and a region each take about 10 s in the simulator.
    let mut e2e = E2e::builder("pods-cut-off")
        .service("Standard", &[("westeurope", 1)])
        .sim(|c| c.time_scale = 10.0 / 2700.0)
        .without_operator()
        .start();
    let dir = tempfile::tempdir().expect("temp dir");
    let pods = chart(&e2e, dir.path());
    let upstream = apiserver_addr(&e2e);
    let proxies = [BlackHole::start(upstream), BlackHole::start(upstream)];
    let a = pods.start(&kubeconfig_via(
        &e2e,
        &proxies[0].url(),
        dir.path().join("a"),
    ));
    let b = pods.start(&kubeconfig_via(
        &e2e,
        &proxies[1].url(),
        dir.path().join("b"),
    ));
    let mut both = [a, b];
    let (leader, standby) = leader_of(&[&both[0], &both[1]], secs(30));

    // Two steps: the tier first, then the region.
    e2e.apply_capacity(
        "payments",
        "Premium",
        &[("westeurope", 1), ("eastus", 1)],
        "",
    );
    e2e.wait_for("payments", "step 1 in flight", secs(30), |o| {
        o["status"]["operation"]["step"] == 1 && o["status"]["operation"]["pollUrl"].is_string()
    });
    proxies[leader].cut();
    let cut = jiff::Timestamp::now();
    let cut_at = Instant::now();
    // The cut-off leader steps down and exits on its own.
    let exited = loop {
        if let Some(status) = both[leader].exited() {
            break Some((status, cut_at.elapsed()));
        }
        if cut_at.elapsed() > RENEW_DEADLINE + secs(5) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };

    e2e.wait_ready("payments", secs(120));
    let requests = e2e.requests();
    let service = e2e.service().to_string();
    let patches = writes(&requests, &service);
    let names = [both[0].name.clone(), both[1].name.clone()];
    let from = |r: &SimRequest| sender(r, &[&both[0], &both[1]]).map(str::to_string);
    let deadline = cut + jiff::SignedDuration::try_from(RENEW_DEADLINE).expect("a duration");
    for patch in &patches {
        let at: jiff::Timestamp = patch.time.parse().expect("a request time");
        let by = from(patch);
        assert!(
            at <= deadline || by.as_deref() != Some(names[leader].as_str()),
            "the cut-off leader wrote to Azure {} after the cut: {patch}",
            at.duration_since(cut)
        );
    }
    assert_eq!(patches.len(), 2, "one PATCH per step: {patches:#?}");
    assert_ne!(patches[0].body, patches[1].body, "no step was sent twice");
    assert_no_overlap(&requests, &service);
    assert_eq!(from(patches[0]).as_deref(), Some(names[leader].as_str()));
    assert_eq!(from(patches[1]).as_deref(), Some(names[standby].as_str()));

    let Some((status, after)) = exited else {
        panic!("the cut-off leader still ran {RENEW_DEADLINE:?} + 5 s after the cut");
    };
    assert!(
        !status.success(),
        "it exits with an error after losing the Lease"
    );
    assert!(
        after <= RENEW_DEADLINE + secs(3),
        "it exited {after:?} after the cut"
    );
    let log = both[leader].log_text();
    assert!(log.contains("renew deadline"), "{log}");
    assert!(both[standby].log_text().contains("became the leader"));
}
