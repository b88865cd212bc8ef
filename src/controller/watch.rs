//! The watch of every ApimCapacity that feeds the store and the controller. Each object is
//! read behind kube's `DeserializeGuard`: one that cannot be read as an ApimCapacity (a
//! status or spec written past what this version understands) is reported and left out,
//! and every other resource is still watched and reconciled.

use std::sync::Arc;

use futures::{Stream, StreamExt, future};
use kube::core::{DeserializeGuard, error_boundary::InvalidObject};
use kube::runtime::{WatchStreamExt, predicates, reflector, watcher};
use kube::{Api, Client};

use super::shard::WatchScope;
use crate::api::ApimCapacity;
use crate::http::Health;
use crate::metrics::Metrics;

/// The annotation that asks for a reconcile now (any new value), like Flux's
/// `reconcile.fluxcd.io/requestedAt`, which is honoured too.
pub const RECONCILE_REQUESTED_AT: &str = "capacity.apim.dev/reconcile-requested-at";

/// The watch of every ApimCapacity in `scope` (namespaces, label selector), feeding the
/// store and the controller: a reconcile on a new generation or a reconcile request, never
/// on the operator's own status writes.
pub fn watch_resources(
    client: Client,
    writer: reflector::store::Writer<ApimCapacity>,
    health: &Health,
    metrics: &Arc<Metrics>,
    scope: &WatchScope,
) -> impl Stream<Item = Result<ApimCapacity, watcher::Error>> + use<> {
    scope.log();
    let (health, metrics) = (health.clone(), metrics.clone());
    let mut config = watcher::Config::default();
    if let Some(selector) = &scope.label_selector {
        config = config.labels(selector);
    }
    let readable_of = move |api: Api<DeserializeGuard<ApimCapacity>>| {
        let metrics = metrics.clone();
        watcher(api, config.clone())
            .filter_map(move |event| {
                let event = event.map(|event| {
                    let (readable, invalid) = readable_event(event);
                    if let Some(invalid) = invalid {
                        report_unreadable(&invalid, &metrics);
                    }
                    readable
                });
                future::ready(event.transpose())
            })
            // Kept in the store without what no reconcile reads (managedFields, last-applied).
            .modify(super::slim::slim)
    };
    let readable = match scope.namespaces.as_slice() {
        [] => readable_of(Api::all(client)).boxed(),
        [one] => readable_of(Api::namespaced(client, one)).boxed(),
        many => {
            let reader = writer.as_reader();
            let watches = many
                .iter()
                .map(|ns| (ns.clone(), readable_of(Api::namespaced(client.clone(), ns))))
                .collect();
            let known = move |ns: &str| {
                let in_ns = |o: &&Arc<ApimCapacity>| o.metadata.namespace.as_deref() == Some(ns);
                let state = reader.state();
                state.iter().filter(in_ns).map(|o| (**o).clone()).collect()
            };
            let healthy = health.clone();
            super::shard_watch::merged(watches, known, move || healthy.set_problem(None)).boxed()
        }
    };
    reflector(writer, readable)
        .inspect(move |event| match event {
            Ok(watcher::Event::InitDone) => {
                health.set_problem(None);
                health.set_ready(true);
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot watch ApimCapacity resources: check the CRD is installed and the operator's RBAC (apimcapacities get, list, watch)");
                health.set_problem(Some(format!("cannot watch ApimCapacity resources: {e}")));
            }
            Ok(_) => {}
        })
        .applied_objects()
        .predicate_filter(spec_or_requested_reconcile, Default::default())
}

/// A watch event with the object read, or `None` and the object that could not be read
/// (an unreadable object is left out: the store keeps what it last read of it, if anything).
pub fn readable_event(
    event: watcher::Event<DeserializeGuard<ApimCapacity>>,
) -> (Option<watcher::Event<ApimCapacity>>, Option<InvalidObject>) {
    use watcher::Event::{Apply, Delete, Init, InitApply, InitDone};
    let (wrap, guard): (fn(ApimCapacity) -> watcher::Event<ApimCapacity>, _) = match event {
        Init => return (Some(Init), None),
        InitDone => return (Some(InitDone), None),
        Apply(guard) => (Apply, guard),
        InitApply(guard) => (InitApply, guard),
        Delete(guard) => (Delete, guard),
    };
    match guard.0 {
        Ok(obj) => (Some(wrap(obj)), None),
        Err(invalid) => (None, Some(invalid)),
    }
}

fn report_unreadable(invalid: &InvalidObject, metrics: &Metrics) {
    let namespace = invalid.metadata.namespace.as_deref().unwrap_or_default();
    let name = invalid.metadata.name.as_deref().unwrap_or_default();
    tracing::error!(
        resource = %format!("{namespace}/{name}"),
        error = %invalid.error,
        "this ApimCapacity cannot be read and is not reconciled; fix or delete it (the others go on)"
    );
    metrics.unreadable_resource();
}

/// Reconcile on a new generation (a spec change), a new reconcile request, a new approval
/// (`capacity.apim.dev/approve`) or a new change-window override; status and other metadata
/// changes (including this operator's own status writes) do not cost an Azure read.
fn spec_or_requested_reconcile(obj: &ApimCapacity) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let annotations = obj.metadata.annotations.as_ref();
    let requested = |key: &str| annotations.and_then(|a| a.get(key)).cloned();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    predicates::generation(obj).hash(&mut hasher);
    requested(RECONCILE_REQUESTED_AT).hash(&mut hasher);
    requested("reconcile.fluxcd.io/requestedAt").hash(&mut hasher);
    // A change-window override is acted on when it is set, not at the next resync.
    requested(crate::schedule::CHANGE_WINDOW_OVERRIDE).hash(&mut hasher);
    requested(crate::api::APPROVE_ANNOTATION).hash(&mut hasher);
    Some(hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(value: serde_json::Value) -> DeserializeGuard<ApimCapacity> {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("a guard always reads: {e}"))
    }

    fn object(units: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "capacity.apim.dev/v1alpha1",
            "kind": "ApimCapacity",
            "metadata": {"name": "payments", "namespace": "platform"},
            "spec": {
                "service": {"subscriptionId": "00000000-0000-0000-0000-000000000000",
                            "resourceGroup": "rg", "name": "svc"},
                "sku": "Premium",
                "regions": [{"location": "westeurope", "units": units}]
            }
        })
    }

    #[test]
    fn a_readable_object_passes_through_every_kind_of_event() {
        for (event, kind) in [
            (watcher::Event::Apply(guard(object(2.into()))), "apply"),
            (watcher::Event::InitApply(guard(object(2.into()))), "init"),
            (watcher::Event::Delete(guard(object(2.into()))), "delete"),
        ] {
            let (readable, invalid) = readable_event(event);
            assert!(invalid.is_none(), "{kind}");
            let name = match readable {
                Some(watcher::Event::Apply(o)) if kind == "apply" => o.metadata.name,
                Some(watcher::Event::InitApply(o)) if kind == "init" => o.metadata.name,
                Some(watcher::Event::Delete(o)) if kind == "delete" => o.metadata.name,
                other => panic!("{kind}: {other:?}"),
            };
            assert_eq!(name.as_deref(), Some("payments"));
        }
        assert!(matches!(
            readable_event(watcher::Event::InitDone),
            (Some(watcher::Event::InitDone), None)
        ));
    }

    #[test]
    fn an_unreadable_object_is_left_out_with_its_name_and_why() {
        let (readable, invalid) = readable_event(watcher::Event::Apply(guard(object(
            5_000_000_000u64.into(),
        ))));
        assert!(readable.is_none());
        let invalid = invalid.expect("reported");
        assert_eq!(invalid.metadata.name.as_deref(), Some("payments"));
        assert!(!invalid.error.is_empty());
    }
}
