//! The shard flags: the selectors Flux's sharding uses are read, anything else is refused
//! with a reason, and two shards plus the default one split any set of labels exactly.

use std::collections::BTreeMap;

use kube::core::SelectorExt;
use proptest::prelude::*;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_selectors_of_flux_sharding_are_read() {
    for (text, canonical) in [
        (
            "sharding.capacity.apim.dev/key in (shard1)",
            "sharding.capacity.apim.dev/key in (shard1)",
        ),
        (
            "sharding.capacity.apim.dev/key in (shard1, shard2)",
            "sharding.capacity.apim.dev/key in (shard1,shard2)",
        ),
        (
            "!sharding.capacity.apim.dev/key",
            "!sharding.capacity.apim.dev/key",
        ),
        ("team=payments,tier!=dev", "team=payments,tier!=dev"),
        ("team==payments", "team=payments"),
        ("app notin (a,b),env", "app notin (a,b),env"),
        ("key=", "key="),
    ] {
        let scope = WatchScope::new(Some(text), &[]).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(scope.label_selector.as_deref(), Some(canonical), "{text}");
    }
    assert_eq!(WatchScope::new(Some("  "), &[]), Ok(WatchScope::default()));
}

#[test]
fn a_bad_selector_is_refused_naming_the_flag_and_why() {
    for (text, why) in [
        ("key in shard1", "parentheses"),
        ("key in ()", "empty set"),
        ("key in (a", "without ')'"),
        ("a,,b", "empty requirement"),
        ("key > 3", "not supported"),
        ("-bad-", "not a label key"),
        ("key=a b", "not a label value"),
        ("key = (x)", "not a label value"),
        ("key ~ x", "expected ="),
        ("Example.com/key", "not a label key"),
    ] {
        let error = WatchScope::new(Some(text), &[]).unwrap_err().to_string();
        assert!(
            error.starts_with("--watch-label-selector") && error.contains(why),
            "{text}: {error}"
        );
    }
}

#[test]
fn namespaces_are_a_checked_sorted_list() {
    let scope = WatchScope::new(None, &["team-b, team-a".into(), "team-b".into()]).unwrap();
    assert_eq!(scope.namespaces, ["team-a", "team-b"]);
    let error = WatchScope::new(None, &["Team_A".into()]).unwrap_err();
    assert!(error.to_string().contains("\"Team_A\""), "{error}");
}

#[test]
fn two_shards_and_the_default_one_take_every_object_exactly_once() {
    let shards: Vec<_> = [
        "sharding.capacity.apim.dev/key in (shard1)",
        "sharding.capacity.apim.dev/key in (shard2)",
        "!sharding.capacity.apim.dev/key",
    ]
    .iter()
    .map(|text| parse_label_selector(text).unwrap())
    .collect();
    for (pairs, owner) in [
        (vec![(SHARD_LABEL, "shard1")], Some(0)),
        (vec![(SHARD_LABEL, "shard2"), ("team", "x")], Some(1)),
        (vec![("team", "x")], Some(2)),
        (vec![], Some(2)),
        // A key no shard serves is reconciled by none: the documentation says so.
        (vec![(SHARD_LABEL, "shard3")], None),
    ] {
        let matching: Vec<usize> = (0..shards.len())
            .filter(|i| shards[*i].matches(&labels(&pairs)))
            .collect();
        assert_eq!(matching, owner.into_iter().collect::<Vec<_>>(), "{pairs:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_read_or_refused_and_a_read_one_reads_back_the_same(text in ".{0,60}") {
        if let Ok(selector) = parse_label_selector(&text) {
            let again = parse_label_selector(&selector.to_string());
            prop_assert_eq!(again.map(|s| s.to_string()), Ok(selector.to_string()));
        }
    }

    #[test]
    fn generated_selectors_read_back(
        key in "[a-z]([a-z0-9.-]{0,10}[a-z0-9])?/[A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?",
        values in proptest::collection::btree_set("[a-z0-9]{1,6}", 1..4),
        negate in any::<bool>(),
    ) {
        prop_assume!(key.split('/').next().is_some_and(|p| p.split('.').all(is_dns_label)));
        let set = values.iter().cloned().collect::<Vec<_>>().join(", ");
        let op = if negate { "notin" } else { "in" };
        let text = format!("{key} {op} ({set}),!{key}x");
        let selector = parse_label_selector(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(selector.to_string(), format!("{key} {op} ({}),!{key}x", values.iter().cloned().collect::<Vec<_>>().join(",")));
    }
}
