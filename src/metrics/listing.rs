//! The series of the drift watch by listing: listings of a subscription's services by
//! result, the pages they read, and the reconciles the listing answered instead of a GET.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::ResultLabel;

/// The counters of the drift watch by listing.
pub(super) struct ListingSeries {
    listings: Family<ResultLabel, Counter>,
    pages: Counter,
    listed_reads: Counter,
}

impl ListingSeries {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let listings = Family::<ResultLabel, Counter>::default();
        registry.register(
            "service_listings",
            "Listings of a subscription's API Management services (drift watch) by result (Succeeded, Failed)",
            listings.clone(),
        );
        let pages = Counter::default();
        registry.register(
            "service_listing_pages",
            "Pages read by listings of a subscription's API Management services",
            pages.clone(),
        );
        let listed_reads = Counter::default();
        registry.register(
            "listed_reads",
            "Reconciles of in-sync resources answered from the subscription's listing instead of a GET",
            listed_reads.clone(),
        );
        Self {
            listings,
            pages,
            listed_reads,
        }
    }

    pub(super) fn listing(&self, succeeded: bool, pages: u32) {
        let result = if succeeded { "Succeeded" } else { "Failed" };
        self.listings
            .get_or_create(&ResultLabel {
                result: result.to_string(),
            })
            .inc();
        self.pages.inc_by(u64::from(pages));
    }

    pub(super) fn listed_read(&self) {
        self.listed_reads.inc();
    }
}
