//! The watch of several namespaces (`--watch-namespaces`) as one stream of watcher events for
//! one store: one watch per namespace, their events merged so that the store sees a single
//! initial list (given once every namespace listed, with what each holds then) and, when one
//! namespace lists again after its watch broke, applies for what it lists and deletes for
//! what it no longer has.
//! [`Merge`] is pure; [`merged`] wires it to the watches.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::{Stream, StreamExt, stream};
use kube::Resource;
use kube::runtime::watcher::{self, Event};

/// Merges the events of `namespaces` watches (numbered from 0) into one stream.
#[derive(Debug)]
pub struct Merge<K> {
    /// Per namespace: its first list is done.
    listed: Vec<bool>,
    /// Every namespace listed, and the store was given the merged initial list.
    done: bool,
    /// Until then: what each namespace holds, by name.
    pending: Vec<BTreeMap<String, K>>,
    /// Per namespace listing (again): the names it listed so far.
    relisting: HashMap<usize, HashSet<String>>,
    /// Namespaces whose watch failed and has not listed again since.
    failing: HashSet<usize>,
    /// Every failed watch listed again (taken by [`Merge::take_recovered`]).
    recovered: bool,
}

fn name_of<K: Resource>(obj: &K) -> String {
    obj.meta().name.clone().unwrap_or_default()
}

impl<K: Resource + Clone> Merge<K> {
    pub fn new(namespaces: usize) -> Self {
        Self {
            listed: vec![false; namespaces],
            done: namespaces == 0,
            pending: (0..namespaces).map(|_| BTreeMap::new()).collect(),
            relisting: HashMap::new(),
            failing: HashSet::new(),
            recovered: false,
        }
    }

    /// Records an error of namespace `index`'s watch (it lists again when it recovers).
    pub fn failed(&mut self, index: usize) {
        self.failing.insert(index);
    }

    /// Whether every watch that failed has listed again since the last call: the merged
    /// watch is healthy again (a relist after the first round gives the store no `InitDone`).
    pub fn take_recovered(&mut self) -> bool {
        std::mem::take(&mut self.recovered)
    }

    /// The events for the store after `event` of namespace `index`; `known` gives the
    /// objects the store holds in that namespace (to delete what a new list lacks).
    pub fn step(
        &mut self,
        index: usize,
        event: Event<K>,
        known: impl FnOnce() -> Vec<K>,
    ) -> Vec<Event<K>> {
        if matches!(event, Event::InitDone) && self.failing.remove(&index) {
            self.recovered = self.failing.is_empty();
        }
        if !self.done {
            return self.first_round(index, event);
        }
        match event {
            Event::Init => {
                self.relisting.insert(index, HashSet::new());
                Vec::new()
            }
            Event::InitApply(obj) => {
                if let Some(seen) = self.relisting.get_mut(&index) {
                    seen.insert(name_of(&obj));
                }
                vec![Event::Apply(obj)]
            }
            Event::InitDone => {
                let seen = self.relisting.remove(&index).unwrap_or_default();
                known()
                    .into_iter()
                    .filter(|obj| !seen.contains(&name_of(obj)))
                    .map(Event::Delete)
                    .collect()
            }
            event => vec![event],
        }
    }

    /// Until every namespace listed, their objects are kept here; then the store gets them
    /// as one initial list.
    fn first_round(&mut self, index: usize, event: Event<K>) -> Vec<Event<K>> {
        let Some(objects) = self.pending.get_mut(index) else {
            return Vec::new();
        };
        match event {
            Event::Init => {
                self.relisting.insert(index, HashSet::new());
            }
            Event::InitApply(obj) => {
                if let Some(seen) = self.relisting.get_mut(&index) {
                    seen.insert(name_of(&obj));
                }
                objects.insert(name_of(&obj), obj);
            }
            Event::Apply(obj) => {
                objects.insert(name_of(&obj), obj);
            }
            Event::Delete(obj) => {
                objects.remove(&name_of(&obj));
            }
            Event::InitDone => {
                let seen = self.relisting.remove(&index).unwrap_or_default();
                objects.retain(|name, _| seen.contains(name));
                if let Some(listed) = self.listed.get_mut(index) {
                    *listed = true;
                }
            }
        }
        if !self.listed.iter().all(|l| *l) {
            return Vec::new();
        }
        self.done = true;
        let objects = std::mem::take(&mut self.pending)
            .into_iter()
            .flat_map(BTreeMap::into_values);
        std::iter::once(Event::Init)
            .chain(objects.map(Event::InitApply))
            .chain([Event::InitDone])
            .collect()
    }
}

/// One stream for the watches of `namespaces`, in the store's terms; `known(namespace)` lists
/// what the store holds there; `recovered()` is called when every watch that failed has
/// listed again.
pub fn merged<K, S>(
    watches: Vec<(String, S)>,
    known: impl Fn(&str) -> Vec<K> + Send + 'static,
    recovered: impl Fn() + Send + 'static,
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
            Err(e) => {
                merge.failed(index);
                vec![Err(e)]
            }
            Ok(event) => {
                let namespace = names.get(index).map(String::as_str).unwrap_or_default();
                let out = merge.step(index, event, || known(namespace));
                if merge.take_recovered() {
                    recovered();
                }
                out.into_iter().map(Ok).collect()
            }
        };
        stream::iter(out)
    })
}

#[cfg(test)]
#[path = "shard_watch_tests.rs"]
mod tests;
