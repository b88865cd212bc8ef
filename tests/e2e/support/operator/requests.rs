//! The Azure side of an end-to-end test: the simulator's admin endpoint (request log,
//! drift, busy services, faults) and checks over the requests Azure saw.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{E2e, SUB};

impl E2e {
    /// One call of the simulator's admin endpoint (`/_sim` + `path`).
    pub fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        super::super::sim_admin(
            &self.rt,
            &self.http,
            &self.sim().admin_url(),
            method,
            path,
            body,
        )
    }

    /// Every ARM/token request the simulator saw, in order.
    pub fn requests(&self) -> Vec<SimRequest> {
        serde_json::from_value(self.admin(reqwest::Method::GET, "/requests", None))
            .expect("the request log parses")
    }

    pub fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "/requests", None);
    }

    /// The service as the simulator holds it (GET shape plus `_sim`).
    pub fn azure_service(&self, service: &str) -> Value {
        self.admin(reqwest::Method::GET, &format!("/services/{service}"), None)
    }

    /// Changes the service behind the operator's back (merge patch, no operation).
    pub fn drift(&self, service: &str, patch: Value) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/drift"),
            Some(patch),
        );
    }

    /// A foreign operation runs on the service for `seconds`.
    pub fn busy(&self, service: &str, seconds: f64) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/busy"),
            Some(json!({"seconds": seconds})),
        );
    }

    /// The next `operations` operations on the service succeed without changing it.
    pub fn hold(&self, service: &str, operations: u32) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/hold"),
            Some(json!({"operations": operations})),
        );
    }

    /// The next operation on the service fails with this error.
    pub fn fail_next_operation(&self, service: &str, code: &str, message: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/fail-next-operation"),
            Some(json!({"code": code, "message": message, "status": 400})),
        );
    }

    /// Every token issued so far is expired from now on (ARM answers 401).
    pub fn expire_tokens(&self) {
        self.admin(reqwest::Method::POST, "/tokens/expire", None);
    }

    /// Every operation the simulator knows: `id`, `service`, `kind`, `status`, ...
    pub fn operations(&self) -> Vec<Value> {
        match self.admin(reqwest::Method::GET, "/operations", None) {
            Value::Array(ops) => ops,
            other => other["value"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Ends a running operation as `Canceled`, the service unchanged.
    pub fn cancel_operation(&self, id: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/operations/{id}/cancel"),
            None,
        );
    }

    /// Ends a running operation now as `Succeeded` (the change applied).
    pub fn complete_operation(&self, id: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/operations/{id}/complete"),
            None,
        );
    }

    /// `POST /_sim/faults`.
    pub fn faults(&self, faults: Value) {
        self.admin(reqwest::Method::POST, "/faults", Some(faults));
    }

    pub fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "/faults", None);
    }

    /// `GET http://127.0.0.1:{metrics_port}{path}` (status, body).
    pub fn http_get(&self, path: &str) -> (u16, String) {
        let url = format!("http://127.0.0.1:{}{path}", self.metrics_port);
        self.rt.block_on(async {
            match self.http.get(&url).send().await {
                Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                Err(e) => (0, e.to_string()),
            }
        })
    }

    /// The live `(sku, [(location, units)])` the simulator holds, primary first.
    pub fn azure_capacity(&self, service: &str) -> (String, Vec<(String, u64)>) {
        let svc = self.azure_service(service);
        let mut regions = vec![(
            svc["location"].as_str().unwrap_or_default().to_string(),
            svc["sku"]["capacity"].as_u64().unwrap_or_default(),
        )];
        for r in svc["properties"]["additionalLocations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            regions.push((
                r["location"].as_str().unwrap_or_default().to_string(),
                r["sku"]["capacity"].as_u64().unwrap_or_default(),
            ));
        }
        (
            svc["sku"]["name"].as_str().unwrap_or_default().to_string(),
            regions,
        )
    }
}

/// One entry of the simulator's request log.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRequest {
    pub time: String,
    pub kind: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub query: String,
    pub status: Option<u16>,
    pub body: Option<Value>,
    pub fault: Option<String>,
    pub principal: Option<String>,
    /// The `x-ms-client-request-id` the client sent.
    #[serde(default)]
    pub client_request_id: Option<String>,
}

impl std::fmt::Display for SimRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.status.map_or("-".to_string(), |s| s.to_string());
        write!(
            f,
            "{} {} {} {}?{} -> {status}",
            self.time, self.kind, self.method, self.path, self.query
        )?;
        if let Some(fault) = &self.fault {
            write!(f, " [{fault}]")?;
        }
        if let Some(body) = &self.body {
            write!(f, " {body}")?;
        }
        Ok(())
    }
}

impl SimRequest {
    pub fn is_arm(&self) -> bool {
        self.kind == "arm"
    }

    /// A request on the service resource itself (not a child path).
    pub fn is_service(&self, service: &str) -> bool {
        self.is_arm()
            && self
                .path
                .to_lowercase()
                .ends_with(&format!("/service/{}", service.to_lowercase()))
    }

    pub fn is_write(&self, service: &str) -> bool {
        self.is_service(service) && matches!(self.method.as_str(), "PATCH" | "PUT")
    }

    pub fn is_get(&self, service: &str) -> bool {
        self.is_service(service) && self.method == "GET"
    }

    /// A GET of an operation's status (`Location` or `Azure-AsyncOperation` URL).
    pub fn is_poll(&self) -> bool {
        let p = self.path.to_lowercase();
        self.is_arm()
            && self.method == "GET"
            && (p.contains("/operationresults/") || p.contains("/operationstatuses/"))
    }
}

/// The PATCH/PUT requests on `service`.
pub fn writes<'a>(requests: &'a [SimRequest], service: &str) -> Vec<&'a SimRequest> {
    requests.iter().filter(|r| r.is_write(service)).collect()
}

/// Exactly one PATCH/PUT was sent to `service`, and it set the primary region's units to
/// `units`.
pub fn assert_one_write_of_units(requests: &[SimRequest], service: &str, units: u64) {
    let patches = writes(requests, service);
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let sent = patches[0]
        .body
        .as_ref()
        .map(|b| b["sku"]["capacity"].clone());
    assert_eq!(sent, Some(serde_json::json!(units)), "{}", patches[0]);
}

/// The GETs of `service` itself.
pub fn gets(requests: &[SimRequest], service: &str) -> usize {
    requests.iter().filter(|r| r.is_get(service)).count()
}

/// A listing page of the subscription's services (`GET /subscriptions/{sub}/providers/
/// Microsoft.ApiManagement/service`), the drift watch of in-sync resources.
pub fn is_listing(r: &SimRequest) -> bool {
    r.is_arm()
        && r.method == "GET"
        && r.path.to_lowercase().trim_end_matches('/')
            == format!("/subscriptions/{SUB}/providers/microsoft.apimanagement/service")
}

/// How many listing pages `requests` hold.
pub fn listings(requests: &[SimRequest]) -> usize {
    requests.iter().filter(|r| is_listing(r)).count()
}

pub fn polls(requests: &[SimRequest]) -> Vec<&SimRequest> {
    requests.iter().filter(|r| r.is_poll()).collect()
}

pub fn arm(requests: &[SimRequest]) -> Vec<&SimRequest> {
    requests.iter().filter(|r| r.is_arm()).collect()
}

/// No change was sent while an operation ran on `service`: no write was refused as busy,
/// and after a write was accepted (202) none followed before a poll reported its end.
pub fn assert_no_overlap(requests: &[SimRequest], service: &str) {
    let mut running = false;
    for r in requests {
        if r.is_write(service) {
            assert_ne!(
                r.status,
                Some(409),
                "a change was sent while the service was busy: {r}"
            );
            assert!(
                !running,
                "a change was sent while our own operation ran: {r}"
            );
            running = r.status == Some(202);
        } else if r.is_poll() && r.status.is_some_and(|s| s != 202 && s < 500 && s != 429) {
            running = false;
        }
    }
}

/// Polls the simulator's request log until `check` holds; returns the log.
pub fn wait_requests(
    e2e: &E2e,
    timeout: Duration,
    check: impl Fn(&[SimRequest]) -> bool,
) -> Vec<SimRequest> {
    let deadline = Instant::now() + timeout;
    loop {
        let requests = e2e.requests();
        if check(&requests) {
            return requests;
        }
        if Instant::now() > deadline {
            e2e.fail(&format!(
                "the Azure requests did not reach the expected state within {timeout:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Prints the request counts of a scenario (`--nocapture` shows them), for the report.
pub fn report(label: &str, requests: &[SimRequest], service: &str) {
    eprintln!(
        "E2E-COUNTS {label}: writes={} service_gets={} polls(all)={} arm(all)={} tokens={}",
        writes(requests, service).len(),
        gets(requests, service),
        polls(requests).len(),
        arm(requests).len(),
        requests.iter().filter(|r| r.kind == "token").count()
    );
}
