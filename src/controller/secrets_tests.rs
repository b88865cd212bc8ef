//! The pure parts of the Secret watches: what counts as a change, what an error leaves, and
//! which resources a Secret's change reconciles.

use super::*;

fn present(version: &str) -> Seen {
    Seen::Present {
        version: Some(version.into()),
        data: None,
    }
}

fn resource(namespace: &str, name: &str, secret: Option<&str>) -> ApimCapacity {
    let credentials = secret
        .map(|s| format!(r#","credentials":{{"secretRef":{{"name":"{s}"}}}}"#))
        .unwrap_or_default();
    let json = format!(
        r#"{{"apiVersion":"capacity.apim.dev/v1alpha1","kind":"ApimCapacity",
        "metadata":{{"name":"{name}","namespace":"{namespace}"}},
        "spec":{{"service":{{"subscriptionId":"00000000-0000-0000-0000-000000000000",
        "resourceGroup":"rg","name":"svc"}},"sku":"Premium",
        "regions":[{{"location":"westeurope","units":1}}]{credentials}}}}}"#
    );
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn a_new_version_a_deletion_and_a_creation_are_changes_a_first_read_or_relist_is_not() {
    for (previous, next, change) in [
        (Seen::Loading, present("1"), false),
        (Seen::Loading, Seen::Missing, false),
        (present("1"), present("1"), false),
        (present("1"), present("2"), true),
        (present("1"), Seen::Missing, true),
        (Seen::Missing, present("3"), true),
        (Seen::Missing, Seen::Missing, false),
        (Seen::Unreadable("403".into()), present("1"), true),
        (
            Seen::Unreadable("403".into()),
            Seen::Unreadable("503".into()),
            false,
        ),
    ] {
        assert_eq!(
            is_change(&previous, &next),
            change,
            "{:?} -> {:?}",
            previous.version(),
            next.version()
        );
    }
}

#[test]
fn a_watch_error_keeps_a_secret_already_read_and_is_reported_otherwise() {
    assert!(after_error(&present("1"), "gone".into()).is_none());
    for previous in [Seen::Loading, Seen::Missing] {
        assert!(matches!(
            after_error(&previous, "forbidden".into()),
            Some(Seen::Unreadable(m)) if m == "forbidden"
        ));
    }
}

#[test]
fn a_secret_change_reconciles_exactly_the_resources_in_its_namespace_that_name_it() {
    let resources = [
        resource("team-a", "payments", Some("sp")),
        resource("team-a", "orders", Some("sp")),
        resource("team-a", "search", Some("other")),
        resource("team-b", "payments", Some("sp")),
        resource("team-a", "own-identity", None),
    ];
    let key = ("team-a".to_string(), "sp".to_string());
    let names: Vec<String> = naming(&resources, &key)
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["payments", "orders"]);
    let named = named_secrets(&resources);
    assert_eq!(named.len(), 3, "team-a/sp, team-a/other, team-b/sp");
    assert!(named.contains(&key));
}
