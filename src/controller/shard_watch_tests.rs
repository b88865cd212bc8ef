//! The merge of several namespaces' watches: one initial list, relists that delete what a
//! namespace lost, recovery after failures, and a property test of the merged store.

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
