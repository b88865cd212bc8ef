//! The chart is safe by default: one leader identity per pod (POD_NAME from the pod's name)
//! and the leader election timings passed to the operator.

mod chart_support;

use chart_support::{ALL_ON, one, render, strings};
use serde_json::Value;

fn container(objects: &[Value]) -> &Value {
    &one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn every_pod_gets_its_own_name_as_pod_name() {
    for values in [&[][..], ALL_ON] {
        let objects = render(values);
        let env = container(&objects)["env"].as_array().cloned().expect("env");
        let pod_name: Vec<&Value> = env.iter().filter(|e| e["name"] == "POD_NAME").collect();
        assert_eq!(pod_name.len(), 1, "{env:?}");
        assert_eq!(
            pod_name[0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name",
            "{values:?}"
        );
    }
}

#[test]
fn leader_election_timings_reach_the_operator() {
    let objects = render(ALL_ON);
    let args = strings(&container(&objects)["args"]);
    for expected in [
        "--lease-duration=15s",
        "--renew-deadline=10s",
        "--retry-period=2s",
    ] {
        assert!(
            args.iter().any(|a| a == expected),
            "{expected} not in {args:?}"
        );
    }
}
