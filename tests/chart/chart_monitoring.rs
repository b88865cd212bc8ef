//! The chart's optional monitoring and hardening parts: the PrometheusRule holds exactly the
//! promtool-tested rules file, the Grafana dashboard ConfigMap carries the sidecar label and
//! the dashboard file, the NetworkPolicy lets only the metrics port in and DNS, the API server
//! and Azure out, replicas spread over nodes, and the pod requests ephemeral storage.

use serde_json::{Value, json};

use crate::support::{ALLOW_ALL, one, render};

const FILES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/charts/apim-capacity-operator/files"
);

fn with(extra: &[&str]) -> Vec<Value> {
    let mut args = ALLOW_ALL.to_vec();
    args.extend_from_slice(extra);
    render(&args)
}

fn pod_spec(objects: &[Value]) -> Value {
    one(objects, "Deployment")["spec"]["template"]["spec"].clone()
}

#[test]
fn monitoring_parts_are_off_by_default() {
    let objects = with(&[]);
    for kind in ["PrometheusRule", "NetworkPolicy", "ConfigMap"] {
        assert!(
            objects.iter().all(|o| o["kind"] != kind),
            "{kind} rendered by default"
        );
    }
}

#[test]
fn the_prometheus_rule_holds_the_tested_rules_file() {
    let objects = with(&[
        "--set",
        "prometheusRule.enabled=true",
        "--set",
        "prometheusRule.labels.release=kube-prometheus-stack",
    ]);
    let rule = one(&objects, "PrometheusRule");
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(
        rule["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    let text = std::fs::read_to_string(format!("{FILES}/prometheus-rules.yaml")).expect("rules");
    let file: Value = serde_saphyr::from_str(&text).expect("the rules parse");
    assert_eq!(rule["spec"], file, "the chart renders the file unchanged");
    let alerts: Vec<&str> = rule["spec"]["groups"][0]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["alert"].as_str())
        .collect();
    for alert in [
        "ApimCapacityStalled",
        "ApimCapacityOperationOverdue",
        "ApimCapacityAzureThrottled",
        "ApimCapacityNoLeader",
        "ApimCapacityReconcileErrors",
    ] {
        assert!(alerts.contains(&alert), "{alert} missing: {alerts:?}");
    }
}

#[test]
fn the_dashboard_is_a_config_map_for_the_grafana_sidecar() {
    let objects = with(&[
        "--set",
        "grafanaDashboard.enabled=true",
        "--set",
        "grafanaDashboard.namespace=monitoring",
        "--set",
        "grafanaDashboard.annotations.grafana_folder=Operators",
    ]);
    let map = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["labels"]["grafana_dashboard"] == "1")
        .expect("the dashboard ConfigMap");
    assert_eq!(map["metadata"]["namespace"], "monitoring");
    assert_eq!(map["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(
        map["metadata"]["annotations"]["grafana_folder"],
        "Operators"
    );
    let rendered: Value = serde_json::from_str(
        map["data"]["apim-capacity-operator.json"]
            .as_str()
            .expect("the dashboard"),
    )
    .expect("the rendered dashboard is JSON");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FILES}/grafana-dashboard.json")).expect("dashboard"),
    )
    .expect("the dashboard file is JSON");
    assert_eq!(rendered, file);
    assert_eq!(file["uid"], "apim-capacity-operator");
}

#[test]
fn the_network_policy_allows_only_metrics_in_and_dns_apiserver_azure_out() {
    let objects = with(&[
        "--set",
        "networkPolicy.enabled=true",
        "--set-json",
        r#"networkPolicy.apiServer.cidrs=["10.0.0.1/32"]"#,
        "--set-json",
        r#"networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]"#,
    ]);
    let policy = one(&objects, "NetworkPolicy");
    let spec = &policy["spec"];
    assert_eq!(spec["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(
        spec["podSelector"]["matchLabels"],
        pod_labels_selector(&objects)
    );
    let ingress = spec["ingress"].as_array().expect("ingress");
    assert_eq!(ingress.len(), 1);
    assert_eq!(
        ingress[0]["ports"],
        json!([{"port": "http-metrics", "protocol": "TCP"}])
    );
    assert_eq!(
        ingress[0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
    let egress = spec["egress"].as_array().expect("egress");
    let ports: Vec<Value> = egress.iter().map(|e| e["ports"].clone()).collect();
    assert_eq!(
        ports,
        [
            json!([{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]),
            json!([{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]),
            json!([{"port": 443, "protocol": "TCP"}]),
        ]
    );
    assert_eq!(
        egress[0]["to"][0]["podSelector"]["matchLabels"]["k8s-app"],
        "kube-dns"
    );
    assert_eq!(
        egress[1]["to"],
        json!([{"ipBlock": {"cidr": "10.0.0.1/32"}}])
    );
    assert!(egress[2].get("to").is_none(), "Azure: any address on 443");
}

fn pod_labels_selector(objects: &[Value]) -> Value {
    one(objects, "Deployment")["spec"]["selector"]["matchLabels"].clone()
}

#[test]
fn replicas_prefer_different_nodes() {
    assert!(
        pod_spec(&with(&[])).get("affinity").is_none(),
        "one replica: no affinity"
    );
    let objects = with(&["--set", "replicaCount=2"]);
    let preferred = &pod_spec(&objects)["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        [0];
    assert_eq!(preferred["weight"], 100);
    assert_eq!(
        preferred["podAffinityTerm"]["topologyKey"],
        "kubernetes.io/hostname"
    );
    assert_eq!(
        preferred["podAffinityTerm"]["labelSelector"]["matchLabels"],
        pod_labels_selector(&objects)
    );
    let hard = pod_spec(&with(&[
        "--set",
        "replicaCount=2",
        "--set",
        "podAntiAffinity=hard",
    ]));
    assert_eq!(
        hard["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"],
        "kubernetes.io/hostname"
    );
    let none = pod_spec(&with(&[
        "--set",
        "replicaCount=2",
        "--set",
        "podAntiAffinity=",
    ]));
    assert!(none.get("affinity").is_none());
    // A user's own affinity replaces the default.
    let own = pod_spec(&with(&[
        "--set",
        "replicaCount=2",
        "--set-json",
        r#"affinity={"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"pool","operator":"In","values":["system"]}]}]}}}"#,
    ]));
    assert!(own["affinity"].get("podAntiAffinity").is_none());
    assert!(own["affinity"].get("nodeAffinity").is_some());
}

#[test]
fn the_pod_requests_and_limits_ephemeral_storage() {
    let spec = pod_spec(&with(&[]));
    let resources = &spec["containers"][0]["resources"];
    assert_eq!(resources["requests"]["ephemeral-storage"], "64Mi");
    assert_eq!(resources["limits"]["ephemeral-storage"], "256Mi");
}
