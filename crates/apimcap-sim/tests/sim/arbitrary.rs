//! Strategies for the property tests: JSON values of bounded depth that mix the field names
//! and values the simulator reads with arbitrary ones, arbitrary bytes and strings, seed
//! documents, ARM paths and query strings.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

use crate::support::SUB;

/// Field names the simulator reads somewhere (ARM bodies, admin bodies, seeds).
const KEYS: &[&str] = &[
    "sku",
    "name",
    "capacity",
    "properties",
    "additionalLocations",
    "location",
    "zones",
    "publisherEmail",
    "publisherName",
    "tags",
    "disableGateway",
    "virtualNetworkConfiguration",
    "customProperties",
    "provisioningState",
    "etag",
    "id",
    "seconds",
    "code",
    "message",
    "status",
    "metric",
    "value",
    "kind",
    "count",
    "rate",
    "retryAfterSeconds",
];

/// Values the simulator gives a meaning to.
const WORDS: &[&str] = &[
    "Premium",
    "Standard",
    "Developer",
    "Basic",
    "Consumption",
    "Isolated",
    "BasicV2",
    "StandardV2",
    "PremiumV2",
    "westeurope",
    "West Europe",
    "eastus",
    "northeurope",
    "1",
    "2",
    "3",
    "serverError",
    "throttle",
    "drop",
    "Capacity",
    "CpuPercent_Gateway",
];

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..40).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("JSON numbers are finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        select(WORDS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![4 => select(KEYS).prop_map(String::from), 1 => ".{0,8}"].boxed()
}

fn object_of(values: BoxedStrategy<Value>, size: std::ops::Range<usize>) -> BoxedStrategy<Value> {
    prop::collection::btree_map(key(), values, size)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
        .boxed()
}

/// Any JSON value, at most 4 levels deep.
pub fn json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                object_of(inner, 0..6),
            ]
        })
        .boxed()
}

/// A request body: mostly JSON objects, also any JSON value and arbitrary bytes.
pub fn body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => object_of(json(), 0..6).prop_map(|v| v.to_string().into_bytes()),
        1 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ]
    .boxed()
}

/// A field the seed requires: nearly always plausible, sometimes any JSON or absent.
fn required(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![40 => plausible.prop_map(Some), 1 => json().prop_map(Some), 1 => Just(None)].boxed()
}

/// An optional field: often absent, mostly plausible, sometimes any JSON.
fn optional(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![8 => plausible.prop_map(Some), 1 => json().prop_map(Some), 4 => Just(None)].boxed()
}

fn words(choices: &'static [&'static str]) -> BoxedStrategy<Value> {
    select(choices).prop_map(Value::from).boxed()
}

fn zones() -> BoxedStrategy<Value> {
    prop::collection::vec(words(&["1", "2", "3"]), 0..4)
        .prop_map(Value::Array)
        .boxed()
}

fn fields(entries: Vec<(&'static str, Option<Value>)>) -> Value {
    let map: Map<String, Value> = entries
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    Value::Object(map)
}

const TIERS: &[&str] = &[
    "Developer",
    "Basic",
    "standard",
    "Premium",
    "Consumption",
    "Isolated",
    "BasicV2",
    "StandardV2",
    "PremiumV2",
    "Gold",
];

fn seed_service() -> BoxedStrategy<Value> {
    let units = || (0u32..40).prop_map(Value::from).boxed();
    let region = (
        required(words(&["eastus", "North Europe", "westeurope"])),
        required(units()),
        optional(zones()),
    )
        .prop_map(|(l, c, z)| fields(vec![("location", l), ("capacity", c), ("zones", z)]));
    let metric = prop_oneof![
        (0.0..100.0f64).prop_map(Value::from),
        object_of((0.0..100.0f64).prop_map(Value::from).boxed(), 0..3),
    ]
    .boxed();
    (
        required(words(&["rg-a", "RG-A", "rg-b"])),
        required(words(&["apim-a", "APIM-A", "apim-b"])),
        required(words(&["westeurope", "West Europe", "eastus", "Mars"])),
        required(words(TIERS)),
        required(units()),
        optional(zones()),
        optional(
            prop::collection::vec(region, 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
        optional(object_of(json(), 0..4)),
        optional(object_of(metric, 0..3)),
    )
        .prop_map(
            |(rg, name, location, sku, capacity, zones, regions, properties, metrics)| {
                fields(vec![
                    ("resourceGroup", rg),
                    ("name", name),
                    ("location", location),
                    ("sku", sku),
                    ("capacity", capacity),
                    ("zones", zones),
                    ("additionalLocations", regions),
                    ("properties", properties),
                    ("metrics", metrics),
                ])
            },
        )
        .boxed()
}

/// A document shaped like a seed, with plausible and arbitrary values.
pub fn seed_document() -> BoxedStrategy<Value> {
    let role = (
        required(words(&[
            "/subscriptions",
            "/subscriptions/x/resourceGroups/rg-a",
        ])),
        required(words(&["read", "write", "admin"])),
    )
        .prop_map(|(scope, access)| fields(vec![("scope", scope), ("access", access)]));
    let principal = (
        optional(words(&["servicePrincipal", "managedIdentity", "robot"])),
        required(words(&["client-a", "client-b"])),
        optional(
            prop::collection::vec(role, 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
    )
        .prop_map(|(kind, id, roles)| {
            fields(vec![("kind", kind), ("clientId", id), ("roles", roles)])
        });
    let group = required(words(&["rg-a", "rg-c"])).prop_map(|name| fields(vec![("name", name)]));
    (
        required(
            prop::collection::vec(seed_service(), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
        optional(
            prop::collection::vec(principal, 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
        optional(
            prop::collection::vec(group, 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
    )
        .prop_map(|(services, principals, groups)| {
            fields(vec![
                ("services", services),
                ("principals", principals),
                ("resourceGroups", groups),
            ])
        })
        .boxed()
}

/// Path segments the simulator routes on, the test seed's names, and arbitrary text.
pub fn path() -> BoxedStrategy<String> {
    const SEGMENTS: &[&str] = &[
        "subscriptions",
        SUB,
        "resourceGroups",
        "rg-payments",
        "providers",
        "Microsoft.ApiManagement",
        "service",
        "payments-apim",
        "skus",
        "operationresults",
        "locations",
        "westeurope",
        "operationStatuses",
        "microsoft.insights",
        "metrics",
        "_sim",
        "services",
        "operations",
        "faults",
        "requests",
        "complete",
        "cancel",
        "drift",
        "busy",
        "oauth2",
        "v2.0",
        "token",
        "",
    ];
    let segment = prop_oneof![4 => select(SEGMENTS).prop_map(String::from), 1 => ".{0,10}"];
    prop::collection::vec(segment, 0..12)
        .prop_map(|segments| {
            let encoded: Vec<String> = segments
                .iter()
                .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect())
                .collect();
            format!("/{}", encoded.join("/"))
        })
        .boxed()
}

/// A query string of metrics and ARM parameters with plausible and arbitrary values.
pub fn query() -> BoxedStrategy<String> {
    const NAMES: &[&str] = &[
        "api-version",
        "metricnames",
        "interval",
        "timespan",
        "aggregation",
        "$filter",
        "resource",
        "client_id",
    ];
    const VALUES: &[&str] = &[
        "2024-05-01",
        "2023-10-01",
        "Capacity",
        "Capacity,CpuPercent_Gateway",
        "PT1M",
        "PT1H",
        "PT0M",
        "PT99999999999999999999M",
        "PT153722867280912931M",
        "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
        "2024-01-01T01:00:00Z/2024-01-01T00:00:00Z",
        "-009999-01-01T00:00:00Z/9999-12-31T00:00:00Z",
        "Average,Maximum,Count",
        "Location eq '*'",
    ];
    let name = prop_oneof![4 => select(NAMES).prop_map(String::from), 1 => ".{0,8}"];
    let value = prop_oneof![4 => select(VALUES).prop_map(String::from), 1 => ".{0,24}"];
    prop::collection::vec((name, value), 0..7)
        .prop_map(|pairs| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        })
        .boxed()
}
