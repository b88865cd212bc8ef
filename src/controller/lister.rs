//! The drift watch by listing: once per resync interval, each subscription that in-sync
//! resources target is listed with the operator's own identity (a few paginated reads per
//! subscription instead of one GET per service). What the listing found answers the
//! resync reconciles of those resources ([`super::listing::ListingCache`]); a resource whose
//! listed capacity differs from what its status last showed (or that is missing from the
//! listing) is reconciled at once. A failed listing is logged and counted, and the
//! resources of that subscription are read with their own GET again: drift is never left
//! unwatched.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use futures::{Stream, StreamExt};
use kube::ResourceExt;
use kube::runtime::reflector::ObjectRef;

use super::azure_log::log_failure;
use super::context::Context;
use super::decide::listed::may_answer;
use super::listing::{Capacity, ListingCache, differs};
use crate::api::{ApimCapacity, LiveStatus};
use crate::domain::{Location, ServiceRef};

/// A resource whose service the listing watches, and the capacity its status last showed.
struct Watched {
    object: ObjectRef<ApimCapacity>,
    service: ServiceRef,
    wanted: Capacity,
}

/// The resources to reconcile because their listed service changed: one listing round at
/// once, then one per resync interval; nothing when drift is not watched by listing. Runs
/// only while the controller consumes it (the leader).
pub fn drift_reconciles(ctx: Arc<Context>) -> impl Stream<Item = ObjectRef<ApimCapacity>> + Send {
    let Some(listing) = ctx.listing.clone() else {
        return futures::stream::empty().right_stream();
    };
    let interval = ctx.settings.resync_interval;
    futures::stream::unfold(false, move |waited| {
        let (ctx, listing) = (ctx.clone(), listing.clone());
        async move {
            if waited {
                tokio::time::sleep(interval).await;
            }
            let changed = list_round(&ctx, &listing).await;
            Some((futures::stream::iter(changed), true))
        }
    })
    .flatten()
    .left_stream()
}

/// Lists every subscription watched now; returns the resources to reconcile.
async fn list_round(ctx: &Context, listing: &ListingCache) -> Vec<ObjectRef<ApimCapacity>> {
    let by_subscription = watched(ctx);
    listing.retain(&by_subscription.keys().cloned().collect::<HashSet<_>>());
    if by_subscription.is_empty() {
        return Vec::new();
    }
    let azure = match ctx.credentials.own() {
        Ok(credential) => ctx.arm.with_credential(credential),
        Err(e) => {
            log_failure("getting the operator's identity to list services", &e);
            for subscription in by_subscription.keys() {
                ctx.metrics.service_listing(false, 0);
                listing.forget_subscription(subscription);
            }
            return Vec::new();
        }
    };
    let mut changed = Vec::new();
    for (subscription, resources) in by_subscription {
        match azure.list_services(&subscription).await {
            Ok(found) => {
                ctx.metrics.service_listing(true, found.pages);
                if found.skipped > 0 {
                    tracing::warn!(%subscription, skipped = found.skipped,
                        "entries of the service listing could not be read");
                }
                for resource in resources {
                    let listed = found.services.get(&resource.service.key());
                    if differs(listed, &resource.wanted) {
                        tracing::info!(resource = %resource.object, service = %resource.service,
                            "the listed service differs from its status: reconciling it");
                        changed.push(resource.object);
                    }
                }
                listing.remember(&subscription, found.services);
            }
            Err(e) => {
                ctx.metrics.service_listing(false, 0);
                log_failure(
                    "listing the subscription's services (each is read on its own)",
                    &e,
                );
                listing.forget_subscription(&subscription);
            }
        }
    }
    changed
}

/// The resources the listing may answer for, by lower-case subscription: in sync, on the
/// operator's own identity, and allowed by the namespace policy.
fn watched(ctx: &Context) -> BTreeMap<String, Vec<Watched>> {
    let mut by_subscription: BTreeMap<String, Vec<Watched>> = BTreeMap::new();
    for obj in ctx.store.state() {
        let object = ObjectRef::from_obj(obj.as_ref());
        let status = ctx.freshest_status(&object, &obj);
        let service = obj.spec.service.service_ref();
        let namespace = obj.namespace().unwrap_or_default();
        let allowed = ctx
            .policy
            .as_ref()
            .is_none_or(|policy| policy.allows(&namespace, &service));
        let Some(live) = status.live.as_ref() else {
            continue;
        };
        if !allowed || !may_answer(&obj, &status) || service.validate().is_err() {
            continue;
        }
        let subscription = service.subscription_id.to_ascii_lowercase();
        by_subscription
            .entry(subscription)
            .or_default()
            .push(Watched {
                object,
                wanted: status_capacity(live),
                service,
            });
    }
    by_subscription
}

/// The capacity `status.live` shows.
fn status_capacity(live: &LiveStatus) -> Capacity {
    let regions = live
        .regions
        .iter()
        .map(|r| (Location::new(&r.location), r.units))
        .collect();
    (live.sku, regions)
}
