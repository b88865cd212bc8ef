//! The listing of a subscription's services: pages read leniently (odd entries skipped),
//! `nextLink` followed only on the ARM endpoint and the same listing; property tests that
//! no page and no link makes the parser or the check panic.

use proptest::prelude::*;
use serde_json::{Value, json};
use url::Url;

use super::fuzz::{json, service_like};
use super::premium_body;
use crate::azure::listing::{
    MAX_ENTRIES_PER_PAGE, listing_url, next_listing_url, parse_listing_page,
};
use crate::domain::{Location, Sku};

const SUB: &str = "00000000-0000-0000-0000-000000000001";

fn first() -> Url {
    let base = Url::parse("https://127.0.0.1:8443/").expect("a URL");
    listing_url(&base, SUB, "2024-05-01").expect("a listing URL")
}

fn entry(name: &str, units: u32) -> Value {
    let mut body = premium_body();
    body["id"] = json!(format!(
        "/subscriptions/{SUB}/resourceGroups/RG/providers/Microsoft.ApiManagement/service/{name}"
    ));
    body["sku"]["capacity"] = json!(units);
    body
}

#[test]
fn the_first_page_lists_the_subscription_with_the_client_api_version() {
    assert_eq!(
        first().as_str(),
        format!(
            "https://127.0.0.1:8443/subscriptions/{SUB}/providers/Microsoft.ApiManagement/service?api-version=2024-05-01"
        )
    );
    let base = Url::parse("https://127.0.0.1:8443/").expect("a URL");
    assert!(listing_url(&base, "a/b", "2024-05-01").is_err());
    assert!(listing_url(&base, " ", "2024-05-01").is_err());
}

#[test]
fn a_page_keeps_each_service_by_lower_case_id_with_the_units_of_every_region() {
    let body = json!({
        "value": [entry("One", 3), entry("two", 5)],
        "nextLink": "https://127.0.0.1:8443/next"
    });
    let page = parse_listing_page(body.to_string().as_bytes()).expect("a page");
    assert_eq!(page.skipped, 0);
    assert_eq!(
        page.next_link.as_deref(),
        Some("https://127.0.0.1:8443/next")
    );
    let (key, one) = &page.services[0];
    assert_eq!(
        key,
        &format!(
            "/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.apimanagement/service/one"
        )
    );
    assert_eq!(one.sku, Sku::Premium);
    let units: Vec<(Location, u32)> = one
        .regions
        .iter()
        .map(|r| (r.location.clone(), r.units))
        .collect();
    assert_eq!(
        units,
        vec![
            (Location::new("westeurope"), 3),
            (Location::new("eastus"), 2),
            (Location::new("northeurope"), 1),
        ]
    );
    assert_eq!(page.services[1].1.regions[0].units, 5);
}

#[test]
fn entries_that_cannot_be_read_are_skipped_not_fatal() {
    let mut no_id = entry("a", 1);
    no_id.as_object_mut().expect("an object").remove("id");
    let mut no_sku = entry("b", 1);
    no_sku.as_object_mut().expect("an object").remove("sku");
    let mut no_location = entry("c", 1);
    no_location["location"] = Value::Null;
    let mut bad_units = entry("d", 1);
    bad_units["sku"]["capacity"] = json!(-3);
    let body = json!({"value": [no_id, no_sku, no_location, bad_units, 7, entry("ok", 2)]});
    let page = parse_listing_page(body.to_string().as_bytes()).expect("a page");
    assert_eq!(page.skipped, 5);
    assert_eq!(page.services.len(), 1);
    assert!(page.services[0].0.ends_with("/service/ok"));
    assert_eq!(page.next_link, None);
}

#[test]
fn a_page_reads_at_most_a_thousand_entries() {
    let value: Vec<Value> = (0..MAX_ENTRIES_PER_PAGE + 3)
        .map(|i| entry(&format!("s{i}"), 1))
        .collect();
    let body = json!({ "value": value });
    let page = parse_listing_page(body.to_string().as_bytes()).expect("a page");
    assert_eq!(page.services.len(), MAX_ENTRIES_PER_PAGE);
    assert_eq!(page.skipped, 3);
}

#[test]
fn a_body_that_is_no_page_is_an_error() {
    for body in [&b"not json"[..], b"[]", b"{\"value\": 3}", b"\"x\""] {
        assert!(
            parse_listing_page(body).is_err(),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    // No `value` at all: an empty page (Azure's answer for a subscription without services).
    let page = parse_listing_page(b"{}").expect("an empty page");
    assert!(page.services.is_empty());
}

#[test]
fn next_links_on_the_same_listing_are_followed() {
    let first = first();
    let link = format!(
        "https://127.0.0.1:8443/subscriptions/{SUB}/providers/microsoft.apimanagement/service?api-version=2024-05-01&$skiptoken=2"
    );
    let next = next_listing_url(&first, &link).expect("followed");
    assert_eq!(next.as_str(), link);
    // A link without an api-version gets the first page's.
    let bare = format!(
        "https://127.0.0.1:8443/subscriptions/{SUB}/providers/Microsoft.ApiManagement/service?$skiptoken=4"
    );
    let next = next_listing_url(&first, &bare).expect("followed");
    assert!(
        next.query_pairs()
            .any(|(k, v)| k == "api-version" && v == "2024-05-01")
    );
}

#[test]
fn next_links_elsewhere_are_refused() {
    let first = first();
    let path =
        format!("/subscriptions/{SUB}/providers/Microsoft.ApiManagement/service?$skiptoken=2");
    for link in [
        format!("https://evil.example{path}"),
        format!("https://127.0.0.1:9443{path}"),
        format!("http://127.0.0.1:8443{path}"),
        format!("https://user:pw@127.0.0.1:8443{path}"),
        "https://127.0.0.1:8443/subscriptions/other/providers/Microsoft.ApiManagement/service"
            .to_string(),
        format!(
            "https://127.0.0.1:8443/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ApiManagement/service"
        ),
        format!(
            "https://127.0.0.1:8443/subscriptions/{SUB}/providers/Microsoft.ApiManagement/service/../../x"
        ),
        "/relative".to_string(),
        "not a url".to_string(),
        format!("https://127.0.0.1:8443{path}&pad={}", "a".repeat(5000)),
    ] {
        assert!(next_listing_url(&first, &link).is_none(), "{link}");
    }
}

fn page_like() -> BoxedStrategy<Value> {
    let entries = prop::collection::vec(
        prop_oneof![
            3 => (service_like(), "[a-zA-Z0-9/]{0,30}").prop_map(|(mut service, id)| {
                if let Some(object) = service.as_object_mut() {
                    object.insert("id".to_string(), Value::from(id));
                }
                service
            }),
            1 => service_like(),
            1 => json(),
        ],
        0..5,
    );
    let link = prop_oneof![
        Just(Value::Null),
        ".{0,30}".prop_map(Value::from),
        Just(Value::from("https://127.0.0.1:8443/x")),
        json(),
    ];
    (entries, link, any::<bool>())
        .prop_map(|(entries, link, with_link)| {
            let mut page = json!({ "value": entries });
            if with_link {
                page["nextLink"] = link;
            }
            page
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_as_a_listing_page_parse_or_give_a_clear_error(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Err(message) = parse_listing_page(&bytes) {
            prop_assert!(!message.is_empty());
        }
    }

    #[test]
    fn any_json_as_a_listing_page_parses_or_gives_a_clear_error(value in json()) {
        if let Err(message) = parse_listing_page(value.to_string().as_bytes()) {
            prop_assert!(!message.is_empty());
        }
    }

    #[test]
    fn page_like_bodies_keep_every_entry_read_or_skipped(page in page_like()) {
        let count = page["value"].as_array().map_or(0, Vec::len);
        let parsed = parse_listing_page(page.to_string().as_bytes()).expect("a page");
        prop_assert_eq!(parsed.services.len() + parsed.skipped as usize, count);
        for (key, service) in &parsed.services {
            prop_assert_eq!(key, &service.id.trim().to_ascii_lowercase());
            prop_assert!(!service.regions.is_empty());
        }
    }

    #[test]
    fn next_links_to_other_hosts_paths_or_schemes_are_refused(
        scheme in prop::sample::select(vec!["https", "http", "ftp"]),
        host in prop::sample::select(vec!["127.0.0.1:8443", "127.0.0.1:8444", "evil.example", "127.0.0.1"]),
        path in prop::sample::select(vec![
            "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.ApiManagement/service",
            "/subscriptions/00000000-0000-0000-0000-000000000002/providers/Microsoft.ApiManagement/service",
            "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Network/virtualNetworks",
            "/",
        ]),
        query in "[a-z=&$0-9]{0,20}",
    ) {
        let link = format!("{scheme}://{host}{path}?{query}");
        let same = scheme == "https" && host == "127.0.0.1:8443"
            && path.contains("0001/providers/Microsoft.ApiManagement/service");
        prop_assert_eq!(next_listing_url(&first(), &link).is_some(), same, "{}", link);
    }

    #[test]
    fn any_text_as_a_next_link_never_panics(link in ".{0,200}") {
        let _ = next_listing_url(&first(), &link);
    }
}
