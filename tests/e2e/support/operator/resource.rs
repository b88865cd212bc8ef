//! The Kubernetes side of an end-to-end test: ApimCapacity manifests, `kubectl get` polled
//! until a condition holds, conditions and Events as users read them.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{E2e, RG, SUB};

impl E2e {
    /// Applies an ApimCapacity `name` for the first service with `sku`, `regions` and
    /// `extra` YAML lines under `spec:` (two-space indented).
    pub fn apply_capacity(&self, name: &str, sku: &str, regions: &[(&str, u32)], extra: &str) {
        let yaml = self.manifest(name, self.service(), sku, regions, extra);
        self.apply(&yaml);
    }

    /// Applies `{prefix}{i}` for the i-th service of the seed with `sku` and `regions`;
    /// returns the services' names.
    pub fn apply_per_service(
        &self,
        prefix: &str,
        sku: &str,
        regions: &[(&str, u32)],
    ) -> Vec<String> {
        let names: Vec<String> = self.services.iter().map(|s| s.name.clone()).collect();
        for (i, service) in names.iter().enumerate() {
            let yaml = self.manifest(&format!("{prefix}{i}"), service, sku, regions, "");
            self.apply(&yaml);
        }
        names
    }

    pub fn manifest(
        &self,
        name: &str,
        service: &str,
        sku: &str,
        regions: &[(&str, u32)],
        extra: &str,
    ) -> String {
        let mut yaml = format!(
            "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\nspec:\n  service:\n    subscriptionId: {SUB}\n    resourceGroup: {RG}\n    name: {service}\n  sku: {sku}\n  regions:\n"
        );
        for (location, units) in regions {
            yaml.push_str(&format!("    - {{location: {location}, units: {units}}}\n"));
        }
        yaml.push_str(extra);
        yaml
    }

    pub fn apply(&self, yaml: &str) {
        let out = self.cp.apply(&self.ns, yaml);
        assert!(out.success, "kubectl apply failed: {}\n{yaml}", out.stderr);
    }

    /// `kubectl patch apimcap NAME --type merge -p PATCH`.
    pub fn patch(&self, name: &str, patch: &str) {
        let out = self.kubectl(&["patch", "apimcap", name, "--type=merge", "-p", patch]);
        assert!(out.success, "kubectl patch failed: {}", out.stderr);
    }

    /// Asks for a reconcile now (the `capacity.apim.dev/reconcile-requested-at` annotation):
    /// one reconcile without a new generation.
    pub fn nudge(&self, name: &str) {
        let value = format!("{:?}", Instant::now());
        let out = self.kubectl(&[
            "annotate",
            "--overwrite",
            "apimcap",
            name,
            &format!(
                "capacity.apim.dev/reconcile-requested-at={}",
                value.replace([' ', '.', ':'], "")
            ),
        ]);
        assert!(out.success, "kubectl annotate failed: {}", out.stderr);
    }

    pub fn kubectl(&self, args: &[&str]) -> super::super::Kubectl {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        self.cp.kubectl(&all)
    }

    /// A Secret with `tenantId`, `clientId`, `clientSecret`.
    pub fn secret(&self, name: &str, entries: &[(&str, &str)]) {
        let mut args = vec!["create".to_string(), "secret".into(), "generic".into()];
        args.push(name.to_string());
        for (k, v) in entries {
            args.push(format!("--from-literal={k}={v}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.kubectl(&args);
        assert!(out.success, "creating Secret {name}: {}", out.stderr);
    }

    /// The object as `kubectl get -o json` shows it, if it exists.
    pub fn get(&self, name: &str) -> Option<Value> {
        let out = self.kubectl(&["get", "apimcap", name, "-o", "json"]);
        if !out.success {
            return None;
        }
        serde_json::from_str(&out.stdout).ok()
    }

    /// Polls the object until `check` holds; panics with its status and Events after
    /// `timeout`.
    pub fn wait_for(
        &mut self,
        name: &str,
        what: &str,
        timeout: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            self.check_alive();
            if let Some(obj) = self.get(name) {
                if check(&obj) {
                    return obj;
                }
                last = obj;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let status = serde_json::to_string_pretty(&last["status"]).unwrap_or_default();
        let events = self.events(name);
        self.fail(&format!(
            "{name}: not {what} within {timeout:?}\nlast status: {status}\nevents: {events:#?}"
        ));
    }

    /// Waits for Ready=True with observedGeneration equal to the generation.
    pub fn wait_ready(&mut self, name: &str, timeout: Duration) -> Value {
        self.wait_for(name, "Ready", timeout, is_ready)
    }

    /// Waits for condition `type_` with `status` and `reason`.
    pub fn wait_condition(
        &mut self,
        name: &str,
        type_: &str,
        status: &str,
        reason: &str,
        timeout: Duration,
    ) -> Value {
        let what = format!("{type_}={status} ({reason})");
        self.wait_for(name, &what, timeout, |obj| {
            has_condition(obj, type_, status, reason)
        })
    }

    /// Events about `name`: (type, reason, message), oldest first.
    pub fn events(&self, name: &str) -> Vec<Event> {
        let selector = format!("involvedObject.name={name},involvedObject.kind=ApimCapacity");
        let out = self.kubectl(&["get", "events", "--field-selector", &selector, "-o", "json"]);
        if !out.success {
            return Vec::new();
        }
        let list: Value = serde_json::from_str(&out.stdout).unwrap_or_default();
        let mut events: Vec<(String, Event)> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let time = [&e["lastTimestamp"], &e["eventTime"], &e["firstTimestamp"]]
                    .iter()
                    .find_map(|t| t.as_str())
                    .unwrap_or_default()
                    .to_string();
                let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (
                    time,
                    Event {
                        type_: text("type"),
                        reason: text("reason"),
                        message: text("message"),
                        count: e["count"].as_u64().unwrap_or(1),
                    },
                )
            })
            .collect();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// Waits for an Event with `reason` about `name` and returns it.
    pub fn wait_event(&mut self, name: &str, reason: &str, timeout: Duration) -> Event {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            self.check_alive();
            if let Some(e) = self.events(name).into_iter().find(|e| e.reason == reason) {
                return e;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let events = self.events(name);
        self.fail(&format!(
            "{name}: no {reason} Event within {timeout:?}; events: {events:#?}"
        ));
    }
}

/// A Kubernetes Event, as kubectl shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub count: u64,
}

/// The condition `type_` of an object, if present.
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

pub fn has_condition(obj: &Value, type_: &str, status: &str, reason: &str) -> bool {
    condition(obj, type_).is_some_and(|c| c["status"] == status && c["reason"] == reason)
}

/// Ready=True, no Reconciling/Stalled, observedGeneration = generation.
pub fn is_ready(obj: &Value) -> bool {
    has_condition(obj, "Ready", "True", "Succeeded")
        && obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
}

/// The message of condition `type_` ("" when absent).
pub fn message(obj: &Value, type_: &str) -> String {
    condition(obj, type_)
        .and_then(|c| c["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Asserts the in-sync shape of kstatus: Ready=True/Succeeded, no Reconciling or Stalled,
/// no operation in flight, an empty plan, observedGeneration = generation.
pub fn assert_in_sync(obj: &Value) {
    let status = &obj["status"];
    assert!(is_ready(obj), "not Ready: {status:#}");
    assert!(condition(obj, "Reconciling").is_none(), "{status:#}");
    assert!(condition(obj, "Stalled").is_none(), "{status:#}");
    assert!(status["operation"].is_null(), "{status:#}");
    assert!(
        status["plan"].as_array().is_none_or(|p| p.is_empty()),
        "{status:#}"
    );
}
