//! Prometheus metrics. Label values come from closed sets (results, step kinds); no error
//! strings or other unbounded values.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use kube::runtime::reflector::ObjectRef;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::api::ApimCapacity;

mod autoscale;
mod listing;
mod resources;
use autoscale::AutoscaleSeries;
use listing::ListingSeries;
use resources::ResourceGauges;
pub use resources::ResourceView;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The HTTP status code, or `none` when no answer came.
    code: String,
}

/// The operator's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    reconciles: Family<ResultLabel, Counter>,
    reconcile_duration: Histogram,
    operations_in_flight: Gauge,
    operation_duration: Family<KindLabel, Histogram>,
    drift_detected: Counter,
    unreadable_resources: Counter,
    leader: Gauge,
    azure_requests: Family<RequestLabels, Counter>,
    azure_throttled: Counter,
    secret_reads: Counter,
    secret_watches: Gauge,
    in_flight: Mutex<HashSet<ObjectRef<ApimCapacity>>>,
    resources: Mutex<ResourceGauges>,
    autoscale: Mutex<AutoscaleSeries>,
    listing: ListingSeries,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("apimcap");
        let reconciles = Family::<ResultLabel, Counter>::default();
        registry.register(
            "reconciles",
            "Reconciles by result (InSync, InProgress, WaitingForAzure, Stalled, Retrying, ...)",
            reconciles.clone(),
        );
        let reconcile_duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "reconcile_duration_seconds",
            "Time spent in one reconcile",
            reconcile_duration.clone(),
        );
        let operations_in_flight = Gauge::default();
        registry.register(
            "operations_in_flight",
            "Azure operations started by this operator and not yet finished",
            operations_in_flight.clone(),
        );
        let operation_duration = Family::<KindLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(1.0, 2.0, 14))
        });
        registry.register(
            "operation_duration_seconds",
            "Duration of finished Azure operations by kind (Scale, ChangeTier, AddRegion, RemoveRegion)",
            operation_duration.clone(),
        );
        let drift_detected = Counter::default();
        registry.register(
            "drift_detected",
            "Times a service was found changed outside its ApimCapacity",
            drift_detected.clone(),
        );
        let unreadable_resources = Counter::default();
        registry.register(
            "unreadable_resources",
            "Watch events of ApimCapacity objects that could not be read (left out, not reconciled)",
            unreadable_resources.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this process is the leader that reconciles, else 0",
            leader.clone(),
        );
        let azure_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "azure_requests",
            "Azure Resource Manager requests by HTTP method and status code",
            azure_requests.clone(),
        );
        let azure_throttled = Counter::default();
        registry.register(
            "azure_throttled",
            "Azure Resource Manager answers 429 (throttled)",
            azure_throttled.clone(),
        );
        let secret_reads = Counter::default();
        registry.register(
            "secret_reads",
            "Credentials Secrets read from the apiserver (each first read and each change a watch delivers)",
            secret_reads.clone(),
        );
        let secret_watches = Gauge::default();
        registry.register(
            "secret_watches",
            "Credentials Secrets watched now (those some resource names)",
            secret_watches.clone(),
        );
        let resources = Mutex::new(ResourceGauges::register(&mut registry));
        let autoscale = Mutex::new(AutoscaleSeries::register(&mut registry));
        let listing = ListingSeries::register(&mut registry);
        Metrics {
            listing,
            autoscale,
            resources,
            registry,
            azure_requests,
            azure_throttled,
            secret_reads,
            secret_watches,
            reconciles,
            reconcile_duration,
            operations_in_flight,
            operation_duration,
            drift_detected,
            unreadable_resources,
            leader,
            in_flight: Mutex::new(HashSet::new()),
        }
    }
}

impl Metrics {
    /// Records one reconcile of `object` and whether an operation is in flight for it.
    pub fn reconciled(
        &self,
        result: &str,
        took: Duration,
        operation_in_flight: bool,
        object: &ObjectRef<ApimCapacity>,
    ) {
        self.reconciles
            .get_or_create(&ResultLabel {
                result: result.to_string(),
            })
            .inc();
        self.reconcile_duration.observe(took.as_secs_f64());
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if operation_in_flight {
            in_flight.insert(object.clone());
        } else {
            in_flight.remove(object);
        }
        self.operations_in_flight.set(in_flight.len() as i64);
    }

    /// Records a finished operation of `kind`.
    pub fn operation_finished(&self, kind: &str, took: Duration) {
        self.operation_duration
            .get_or_create(&KindLabel {
                kind: kind.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// Shows what `view` says of `object` in the per-resource gauges (Stalled since,
    /// operation start and deadline).
    pub fn show_resource(&self, object: &ObjectRef<ApimCapacity>, view: &ResourceView) {
        self.resources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .show(object, view);
    }

    /// Shows the autoscale state of `object` (`status.autoscale` before and after this
    /// reconcile): the metric per region, and the decisions reached now.
    pub fn show_autoscale(
        &self,
        object: &ObjectRef<ApimCapacity>,
        previous: &[crate::api::autoscale::RegionAutoscaleStatus],
        next: &[crate::api::autoscale::RegionAutoscaleStatus],
    ) {
        self.autoscale
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .show(object, previous, next);
    }

    /// Drops every per-object series of objects `exists` says are gone (deleted objects are
    /// not reconciled again).
    pub fn forget_missing(&self, exists: impl Fn(&ObjectRef<ApimCapacity>) -> bool) {
        self.resources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forget_missing(&exists);
        self.autoscale
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forget_missing(&exists);
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        in_flight.retain(|o| exists(o));
        self.operations_in_flight.set(in_flight.len() as i64);
    }

    /// One listing of a subscription's services, and the pages it read.
    pub fn service_listing(&self, succeeded: bool, pages: u32) {
        self.listing.listing(succeeded, pages);
    }

    /// One reconcile answered from the subscription's listing instead of a GET.
    pub fn listed_read(&self) {
        self.listing.listed_read();
    }

    pub fn drift_detected(&self) {
        self.drift_detected.inc();
    }

    /// One credentials Secret read from the apiserver.
    pub fn secret_read(&self) {
        self.secret_reads.inc();
    }

    /// How many credentials Secrets are watched now.
    pub fn set_secret_watches(&self, count: usize) {
        self.secret_watches
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub fn unreadable_resource(&self) {
        self.unreadable_resources.inc();
    }

    pub fn set_leader(&self, leader: bool) {
        self.leader.set(i64::from(leader));
    }

    /// The metrics in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl crate::azure::RequestObserver for Metrics {
    fn observe(&self, method: &str, status: Option<u16>) {
        let method = match method {
            "GET" | "PATCH" | "PUT" | "POST" | "DELETE" => method,
            _ => "OTHER",
        };
        let code = status.map_or_else(|| "none".to_string(), |c| c.to_string());
        self.azure_requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                code,
            })
            .inc();
        if status == Some(429) {
            self.azure_throttled.inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconciles_and_operations_are_counted() {
        let metrics = Metrics::default();
        let object = ObjectRef::<ApimCapacity>::new("payments").within("platform");
        metrics.reconciled("InProgress", Duration::from_millis(20), true, &object);
        let text = metrics.encode();
        assert!(
            text.contains("apimcap_reconciles_total{result=\"InProgress\"} 1"),
            "{text}"
        );
        assert!(text.contains("apimcap_operations_in_flight 1"), "{text}");
        metrics.reconciled("InSync", Duration::from_millis(5), false, &object);
        metrics.operation_finished("Scale", Duration::from_secs(30));
        let text = metrics.encode();
        assert!(text.contains("apimcap_operations_in_flight 0"), "{text}");
        assert!(
            text.contains("apimcap_operation_duration_seconds_count{kind=\"Scale\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn azure_requests_are_counted_by_method_and_code() {
        use crate::azure::RequestObserver;
        let metrics = Metrics::default();
        metrics.observe("GET", Some(200));
        metrics.observe("PATCH", Some(429));
        metrics.observe("GET", None);
        let text = metrics.encode();
        assert!(
            text.contains("apimcap_azure_requests_total{method=\"GET\",code=\"200\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("apimcap_azure_requests_total{method=\"GET\",code=\"none\"} 1"),
            "{text}"
        );
        assert!(text.contains("apimcap_azure_throttled_total 1"), "{text}");
    }

    #[test]
    fn listings_their_pages_and_listed_reads_are_counted() {
        let metrics = Metrics::default();
        metrics.service_listing(true, 3);
        metrics.service_listing(false, 0);
        metrics.listed_read();
        let text = metrics.encode();
        for line in [
            "apimcap_service_listings_total{result=\"Succeeded\"} 1",
            "apimcap_service_listings_total{result=\"Failed\"} 1",
            "apimcap_service_listing_pages_total 3",
            "apimcap_listed_reads_total 1",
        ] {
            assert!(text.contains(line), "{line}: {text}");
        }
    }
}
