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
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::ObjectMeta;
    use proptest::prelude::*;

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
    fn the_store_sees_one_initial_list_once_every_namespace_listed() {
        let mut merge = Merge::new(2);
        let mut out = Vec::new();
        let none = Vec::new;
        out.extend(merge.step(0, Event::Init, none));
        out.extend(merge.step(0, Event::InitApply(cm("a", "a1")), none));
        out.extend(merge.step(1, Event::Init, none));
        out.extend(merge.step(0, Event::InitDone, none));
        // Namespace a is listed and changes while b still lists: kept until b is done.
        out.extend(merge.step(0, Event::Apply(cm("a", "a2")), none));
        out.extend(merge.step(0, Event::Delete(cm("a", "a1")), none));
        out.extend(merge.step(1, Event::InitApply(cm("b", "b1")), none));
        assert!(out.is_empty(), "{:?}", show(&out));
        out.extend(merge.step(1, Event::InitDone, none));
        out.extend(merge.step(1, Event::Delete(cm("b", "b1")), none));
        assert_eq!(
            show(&out),
            [
                "init",
                "init-apply a2",
                "init-apply b1",
                "init-done",
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

    /// What a namespace's world does between watch events.
    #[derive(Debug, Clone)]
    enum Step {
        Create(u8),
        Delete(u8),
        /// Deleted while the watch was broken: no event, the next list lacks it.
        Lose(u8),
        Relist,
    }

    /// The store as kube's reflector writer keeps it.
    #[derive(Default)]
    struct Store {
        objects: BTreeMap<(String, String), ConfigMap>,
        buffer: Option<BTreeMap<(String, String), ConfigMap>>,
    }

    impl Store {
        fn key(o: &ConfigMap) -> (String, String) {
            let m = &o.metadata;
            (
                m.namespace.clone().unwrap_or_default(),
                m.name.clone().unwrap_or_default(),
            )
        }

        fn apply(&mut self, event: Event<ConfigMap>) {
            match event {
                Event::Init => self.buffer = Some(BTreeMap::new()),
                Event::InitApply(o) => {
                    if let Some(buffer) = &mut self.buffer {
                        buffer.insert(Self::key(&o), o);
                    }
                }
                Event::InitDone => self.objects = self.buffer.take().unwrap_or_default(),
                Event::Apply(o) => {
                    self.objects.insert(Self::key(&o), o);
                }
                Event::Delete(o) => {
                    self.objects.remove(&Self::key(&o));
                }
            }
        }

        fn in_namespace(&self, ns: &str) -> Vec<ConfigMap> {
            let of = |(k, _): &(&(String, String), &ConfigMap)| k.0 == ns;
            self.objects
                .iter()
                .filter(of)
                .map(|(_, o)| o.clone())
                .collect()
        }
    }

    /// The watch events of one namespace for its steps, and the names it holds at the end.
    fn watch_of(ns: &str, steps: &[Step]) -> (Vec<Event<ConfigMap>>, BTreeSet<String>) {
        let mut world = BTreeSet::new();
        let list = |world: &BTreeSet<String>| {
            let applies = world.iter().map(|n| Event::InitApply(cm(ns, n)));
            std::iter::once(Event::Init)
                .chain(applies)
                .chain([Event::InitDone])
                .collect::<Vec<_>>()
        };
        let mut events = list(&world);
        for step in steps {
            match step {
                Step::Create(n) => {
                    world.insert(n.to_string());
                    events.push(Event::Apply(cm(ns, &n.to_string())));
                }
                Step::Delete(n) if world.remove(&n.to_string()) => {
                    events.push(Event::Delete(cm(ns, &n.to_string())));
                }
                Step::Lose(n) => {
                    world.remove(&n.to_string());
                }
                Step::Relist => events.extend(list(&world)),
                Step::Delete(_) => {}
            }
        }
        // A watch that broke (Lose) lists again before it carries on.
        if steps.iter().any(|s| matches!(s, Step::Lose(_))) {
            events.extend(list(&world));
        }
        (events, world)
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0u8..4).prop_map(Step::Create),
            1 => (0u8..4).prop_map(Step::Delete),
            1 => (0u8..4).prop_map(Step::Lose),
            1 => Just(Step::Relist),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_merged_store_holds_what_every_namespace_holds(
            worlds in proptest::collection::vec(proptest::collection::vec(step(), 0..12), 1..4),
            order in proptest::collection::vec(any::<proptest::sample::Index>(), 0..120),
        ) {
            let namespaces: Vec<String> = (0..worlds.len()).map(|i| format!("ns{i}")).collect();
            let mut queues: Vec<std::collections::VecDeque<Event<ConfigMap>>> = Vec::new();
            let mut expected = BTreeSet::new();
            for (ns, steps) in namespaces.iter().zip(&worlds) {
                let (events, world) = watch_of(ns, steps);
                queues.push(events.into());
                expected.extend(world.into_iter().map(|n| (ns.clone(), n)));
            }
            let mut merge = Merge::new(namespaces.len());
            let mut store = Store::default();
            // Interleave the namespaces' events in a random order, then drain them all.
            let picks = order.iter().map(|i| i.index(namespaces.len()));
            let picks = picks.chain((0..namespaces.len()).flat_map(|i| std::iter::repeat_n(i, 200)));
            for index in picks {
                let Some(event) = queues[index].pop_front() else { continue };
                let known = store.in_namespace(&namespaces[index]);
                for out in merge.step(index, event, || known) {
                    store.apply(out);
                }
            }
            let held: BTreeSet<(String, String)> = store.objects.keys().cloned().collect();
            prop_assert_eq!(held, expected);
        }
    }

    #[test]
    fn the_merged_watch_recovers_when_every_failed_namespace_listed_again() {
        let mut merge = Merge::<ConfigMap>::new(2);
        for index in [0, 1] {
            merge.step(index, Event::Init, Vec::new);
            merge.step(index, Event::InitDone, Vec::new);
        }
        merge.failed(0);
        merge.failed(1);
        merge.step(0, Event::Init, Vec::new);
        merge.step(0, Event::InitDone, Vec::new);
        assert!(!merge.take_recovered(), "namespace 1 still fails");
        merge.step(1, Event::Init, Vec::new);
        merge.step(1, Event::InitDone, Vec::new);
        assert!(merge.take_recovered());
        assert!(!merge.take_recovered(), "taken once");
    }

    #[test]
    fn one_namespace_gives_its_list_when_it_is_done() {
        let mut merge = Merge::<ConfigMap>::new(1);
        assert!(merge.step(0, Event::Init, Vec::new).is_empty());
        let listed = merge.step(0, Event::InitApply(cm("a", "x")), Vec::new);
        assert!(listed.is_empty());
        let done = merge.step(0, Event::InitDone, Vec::new);
        assert_eq!(show(&done), ["init", "init-apply x", "init-done"]);
        let applied = merge.step(0, Event::Apply(cm("a", "x")), Vec::new);
        assert_eq!(show(&applied), ["apply x"]);
    }
}
