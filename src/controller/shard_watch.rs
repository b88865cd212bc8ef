//! The watch of several namespaces (`--watch-namespaces`) as one stream of watcher events for
//! one store: one watch per namespace, their events merged so that the store sees a single
//! initial list (done when every namespace listed) and, when one namespace lists again after
//! its watch broke, applies for what it lists and deletes for what it no longer has.
//! [`Merge`] is pure; [`merged`] wires it to the watches.

use std::collections::{HashMap, HashSet};

use futures::{Stream, StreamExt, stream};
use kube::Resource;
use kube::runtime::watcher::{self, Event};

/// Merges the events of `namespaces` watches (numbered from 0) into one stream.
#[derive(Debug)]
pub struct Merge<K> {
    /// Per namespace: its first list is done.
    listed: Vec<bool>,
    /// Whether the merged initial list was announced (`Init`) and finished (`InitDone`).
    started: bool,
    done: bool,
    /// Events of namespaces that listed, held until every namespace has.
    held: Vec<Event<K>>,
    /// Per namespace listing again: the names it listed so far.
    relisting: HashMap<usize, HashSet<String>>,
}

impl<K: Resource + Clone> Merge<K> {
    pub fn new(namespaces: usize) -> Self {
        Self {
            listed: vec![false; namespaces],
            started: false,
            done: namespaces == 0,
            held: Vec::new(),
            relisting: HashMap::new(),
        }
    }

    /// The events for the store after `event` of namespace `index`; `known` gives the
    /// objects the store holds in that namespace (to delete what a new list lacks).
    pub fn step(
        &mut self,
        index: usize,
        event: Event<K>,
        known: impl FnOnce() -> Vec<K>,
    ) -> Vec<Event<K>> {
        let first_list = !self.listed.get(index).copied().unwrap_or(true);
        if first_list {
            return self.first_list(index, event);
        }
        let out = match event {
            Event::Init => {
                self.relisting.insert(index, HashSet::new());
                Vec::new()
            }
            Event::InitApply(obj) => {
                if let Some(seen) = self.relisting.get_mut(&index) {
                    seen.insert(obj.meta().name.clone().unwrap_or_default());
                }
                vec![Event::Apply(obj)]
            }
            Event::InitDone => {
                let seen = self.relisting.remove(&index).unwrap_or_default();
                known()
                    .into_iter()
                    .filter(|obj| !seen.contains(obj.meta().name.as_deref().unwrap_or_default()))
                    .map(Event::Delete)
                    .collect()
            }
            event => vec![event],
        };
        if self.done {
            out
        } else {
            self.held.extend(out);
            Vec::new()
        }
    }

    fn first_list(&mut self, index: usize, event: Event<K>) -> Vec<Event<K>> {
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            out.push(Event::Init);
        }
        match event {
            // A namespace that lists again before its first list ended: its objects are
            // inserted again (the store's buffer keeps the last of each).
            Event::Init => {}
            Event::InitApply(obj) | Event::Apply(obj) => out.push(Event::InitApply(obj)),
            Event::Delete(_) => {}
            Event::InitDone => {
                if let Some(listed) = self.listed.get_mut(index) {
                    *listed = true;
                }
                if self.listed.iter().all(|l| *l) {
                    self.done = true;
                    out.push(Event::InitDone);
                    out.append(&mut self.held);
                }
            }
        }
        out
    }
}

/// One stream for the watches of `namespaces`, in the store's terms; `known(namespace)` lists
/// what the store holds there.
pub fn merged<K, S>(
    watches: Vec<(String, S)>,
    known: impl Fn(&str) -> Vec<K> + Send + 'static,
) -> impl Stream<Item = Result<Event<K>, watcher::Error>> + Send
where
    K: Resource + Clone + Send + 'static,
    S: Stream<Item = Result<Event<K>, watcher::Error>> + Send + 'static,
{
    let mut merge = Merge::<K>::new(watches.len());
    let (names, streams): (Vec<String>, Vec<_>) = watches
        .into_iter()
        .enumerate()
        .map(|(index, (namespace, watch))| (namespace, watch.map(move |e| (index, e)).boxed()))
        .unzip();
    stream::select_all(streams).flat_map(move |(index, event)| {
        let out: Vec<Result<Event<K>, watcher::Error>> = match event {
            Err(e) => vec![Err(e)],
            Ok(event) => {
                let namespace = names.get(index).map(String::as_str).unwrap_or_default();
                merge
                    .step(index, event, || known(namespace))
                    .into_iter()
                    .map(Ok)
                    .collect()
            }
        };
        stream::iter(out)
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::ObjectMeta;

    use super::*;

    fn cm(ns: &str, name: &str) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(ns.into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn show(events: &[Event<ConfigMap>]) -> Vec<String> {
        let name = |o: &ConfigMap| o.metadata.name.clone().unwrap_or_default();
        events
            .iter()
            .map(|e| match e {
                Event::Init => "init".into(),
                Event::InitApply(o) => format!("init-apply {}", name(o)),
                Event::InitDone => "init-done".into(),
                Event::Apply(o) => format!("apply {}", name(o)),
                Event::Delete(o) => format!("delete {}", name(o)),
            })
            .collect()
    }

    #[test]
    fn the_store_sees_one_initial_list_ended_when_every_namespace_listed() {
        let mut merge = Merge::new(2);
        let mut out = Vec::new();
        let none = Vec::new;
        out.extend(merge.step(0, Event::Init, none));
        out.extend(merge.step(0, Event::InitApply(cm("a", "a1")), none));
        out.extend(merge.step(1, Event::Init, none));
        out.extend(merge.step(0, Event::InitDone, none));
        // Namespace a is listed and changes while b still lists: held until b is done.
        out.extend(merge.step(0, Event::Apply(cm("a", "a2")), none));
        out.extend(merge.step(1, Event::InitApply(cm("b", "b1")), none));
        out.extend(merge.step(1, Event::InitDone, none));
        out.extend(merge.step(1, Event::Delete(cm("b", "b1")), none));
        assert_eq!(
            show(&out),
            [
                "init",
                "init-apply a1",
                "init-apply b1",
                "init-done",
                "apply a2",
                "delete b1"
            ]
        );
    }

    #[test]
    fn a_namespace_listing_again_applies_what_it_has_and_deletes_what_it_lost() {
        let mut merge = Merge::new(2);
        for index in [0, 1] {
            merge.step(index, Event::Init, Vec::new);
            merge.step(index, Event::InitDone, Vec::new);
        }
        let mut out = Vec::new();
        out.extend(merge.step(1, Event::Init, Vec::new));
        out.extend(merge.step(1, Event::InitApply(cm("b", "kept")), Vec::new));
        out.extend(merge.step(1, Event::InitDone, || {
            vec![cm("b", "kept"), cm("b", "gone")]
        }));
        assert_eq!(show(&out), ["apply kept", "delete gone"]);
    }

    #[test]
    fn no_namespace_is_never_waited_for() {
        let mut merge = Merge::<ConfigMap>::new(1);
        assert_eq!(show(&merge.step(0, Event::Init, Vec::new)), ["init"]);
        assert_eq!(
            show(&merge.step(0, Event::InitDone, Vec::new)),
            ["init-done"]
        );
        let applied = merge.step(0, Event::Apply(cm("a", "x")), Vec::new);
        assert_eq!(show(&applied), ["apply x"]);
    }
}
