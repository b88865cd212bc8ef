//! The Azure side of a benchmark world: the simulator's admin endpoint and request log.

use super::*;

impl World {
    fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        crate::support::sim_admin(
            &self.rt,
            &self.http,
            &self.sim().admin_url(),
            method,
            path,
            body,
        )
    }

    /// The request log, with times parsed.
    pub fn requests(&self) -> Vec<Req> {
        let mut all: Vec<Req> =
            serde_json::from_value(self.admin(reqwest::Method::GET, "/requests", None))
                .expect("the request log parses");
        for r in &mut all {
            r.at = r.time.parse().ok();
        }
        all
    }

    pub fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "/requests", None);
    }

    pub fn operations(&self) -> Vec<SimOperation> {
        serde_json::from_value(self.admin(reqwest::Method::GET, "/operations", None))
            .expect("the operation list parses")
    }

    pub fn azure_service(&self, service: &str) -> Value {
        self.admin(reqwest::Method::GET, &format!("/services/{service}"), None)
    }

    pub fn drift(&self, service: &str, patch: Value) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/drift"),
            Some(patch),
        );
    }

    /// A foreign operation keeps the service busy for `seconds`; false when the simulator
    /// refused because an operation already runs on it.
    pub fn busy(&self, service: &str, seconds: f64) -> bool {
        let url = format!("{}/services/{service}/busy", self.sim().admin_url());
        let request = self.http.post(&url).json(&json!({"seconds": seconds}));
        self.rt.block_on(async {
            let response = request.send().await.expect("the simulator answers");
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(
                status.is_success() || status == reqwest::StatusCode::CONFLICT,
                "POST {url}: {status} {text}"
            );
            status.is_success()
        })
    }

    pub fn fail_next_operation(&self, service: &str, code: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/services/{service}/fail-next-operation"),
            Some(json!({"code": code, "message": "injected by the soak test", "status": 400})),
        );
    }

    pub fn faults(&self, faults: Value) {
        self.admin(reqwest::Method::POST, "/faults", Some(faults));
    }

    pub fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "/faults", None);
    }

    /// The live `(sku, [(location, units)])`, primary first, locations normalised.
    pub fn azure_capacity(&self, service: &str) -> (String, Vec<(String, u32)>) {
        let svc = self.azure_service(service);
        let norm = |l: &str| l.to_lowercase().replace(' ', "");
        let mut regions = vec![(
            norm(svc["location"].as_str().unwrap_or_default()),
            svc["sku"]["capacity"].as_u64().unwrap_or_default() as u32,
        )];
        for r in svc["properties"]["additionalLocations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            regions.push((
                norm(r["location"].as_str().unwrap_or_default()),
                r["sku"]["capacity"].as_u64().unwrap_or_default() as u32,
            ));
        }
        (
            svc["sku"]["name"].as_str().unwrap_or_default().to_string(),
            regions,
        )
    }

    /// `GET /metrics` of the operator.
    pub fn operator_metrics(&self) -> String {
        let url = format!("http://127.0.0.1:{}/metrics", self.metrics_port);
        self.rt.block_on(async {
            match self.http.get(&url).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
        })
    }
}
