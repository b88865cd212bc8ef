//! The Kubernetes side of a benchmark world: applying manifests, waiting for Ready, and the
//! apiserver's own request counters.

use super::*;

impl World {
    /// `kubectl apply` of (possibly many, `---`-separated) manifests in the namespace.
    pub fn apply(&self, yaml: &str) {
        let out = self
            .cp
            .kubectl_stdin(&["apply", "--server-side", "-n", &self.ns, "-f", "-"], yaml);
        assert!(out.success, "kubectl apply failed: {}", out.stderr);
    }

    pub fn kubectl(&self, args: &[&str]) -> crate::support::Kubectl {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        self.cp.kubectl(&all)
    }

    /// What the watch saw last of `name`.
    pub fn seen(&self, name: &str) -> Option<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Waits until every object of `names` became Ready for its current generation after
    /// `since` (the moment before the apply: an object still Ready for its previous
    /// generation, before the watch saw the new one, does not count), as the watch saw it,
    /// and returns the latest moment one of them became Ready (None on timeout).
    pub fn wait_ready(
        &mut self,
        names: &[String],
        since: Instant,
        timeout: Duration,
    ) -> Option<Instant> {
        self.wait_until(names, timeout, |s| {
            s.ready() && s.ready_at.is_some_and(|t| t >= since)
        })
        .then(|| {
            let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            names
                .iter()
                .filter_map(|n| seen.get(n).and_then(|s| s.ready_at))
                .max()
        })
        .flatten()
    }

    /// Waits until `check` holds for every object of `names`; false on timeout.
    pub fn wait_until(
        &mut self,
        names: &[String],
        timeout: Duration,
        check: impl Fn(&Seen) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_alive();
            {
                let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                if names.iter().all(|n| seen.get(n).is_some_and(&check)) {
                    return true;
                }
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Objects of `names` that are not Ready, with their conditions.
    pub fn not_ready(&self, names: &[String]) -> Vec<(String, Value)> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        names
            .iter()
            .filter(|n| !seen.get(*n).is_some_and(Seen::ready))
            .map(|n| {
                let status = seen
                    .get(n)
                    .map(|s| s.object["status"].clone())
                    .unwrap_or(Value::Null);
                (n.clone(), status)
            })
            .collect()
    }

    /// `apiserver_request_total` summed by (verb, resource, subresource).
    pub fn apiserver_requests(&self) -> HashMap<(String, String, String), f64> {
        let out = self.cp.kubectl(&["get", "--raw", "/metrics"]);
        assert!(out.success, "apiserver metrics: {}", out.stderr);
        analysis::parse_apiserver_requests(&out.stdout)
    }
}
