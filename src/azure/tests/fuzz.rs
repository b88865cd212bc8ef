//! Property tests of the parsers of what Azure sends: service bodies, operation status
//! bodies and error envelopes. Arbitrary JSON of bounded depth (mixing the field names and
//! values the parsers look for with anything else) and arbitrary bytes: no panic, and a
//! clear error for what is not valid. The inputs the operator reads elsewhere (Retry-After,
//! operation URLs, Secrets, token expiries) are in `fuzz_inputs.rs`.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

use crate::azure::envelope::{AzureErrorBody, MAX_ERROR_TEXT};
use crate::azure::lro::{OperationHandle, OperationStatus, operation_status};
use crate::azure::model::{ParseError, ServiceResource};
use crate::azure::patch::{CapacityPatch, build_patch_body};
use crate::domain::{Location, RegionUnits, Sku};

/// Field names the parsers read.
const KEYS: &[&str] = &[
    "id",
    "location",
    "sku",
    "name",
    "capacity",
    "zones",
    "etag",
    "properties",
    "additionalLocations",
    "provisioningState",
    "targetProvisioningState",
    "status",
    "error",
    "code",
    "message",
    "target",
    "details",
    "additionalInfo",
    "url",
    "style",
    "retryAfterSeconds",
    "startedAt",
];

/// Values the parsers give a meaning to, and near misses.
const WORDS: &[&str] = &[
    "Premium",
    "standard",
    "Developer",
    "BasicV2",
    "PremiumV2",
    "Consumption",
    "Gold",
    "West Europe",
    "eastus",
    " ",
    "",
    "2",
    " 3 ",
    "-1",
    "4294967296",
    "InProgress",
    "Succeeded",
    " succeeded ",
    "Failed",
    "Canceled",
    "cancelled",
    "Updating",
    "Location",
    "AzureAsyncOperation",
    "2026-01-05T10:00:00Z",
    "é€💥",
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

/// Any JSON value, at most 4 levels deep.
pub(super) fn json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

/// Nearly always `plausible`, sometimes any JSON, sometimes absent.
fn field(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![12 => plausible.prop_map(Some), 1 => json().prop_map(Some), 1 => Just(None)].boxed()
}

fn object(entries: Vec<(&str, Option<Value>)>) -> Value {
    let map: Map<String, Value> = entries
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    Value::Object(map)
}

fn words(choices: &'static [&'static str]) -> BoxedStrategy<Value> {
    select(choices).prop_map(Value::from).boxed()
}

fn sku() -> BoxedStrategy<Value> {
    let name = field(words(&["Premium", "Standard", "basic", "Gold", " "]));
    let capacity = field(prop_oneof![(0u64..40).prop_map(Value::from), leaf()].boxed());
    (name, capacity)
        .prop_map(|(name, capacity)| object(vec![("name", name), ("capacity", capacity)]))
        .boxed()
}

fn zones() -> BoxedStrategy<Value> {
    prop::collection::vec(leaf(), 0..4)
        .prop_map(Value::Array)
        .boxed()
}

fn region() -> BoxedStrategy<Value> {
    let location = field(words(&["eastus", "North Europe", "westeurope", ""]));
    (location, field(sku()), field(zones()), field(json()))
        .prop_map(|(location, sku, zones, extra)| {
            object(vec![
                ("location", location),
                ("sku", sku),
                ("zones", zones),
                ("virtualNetworkConfiguration", extra),
            ])
        })
        .boxed()
}

/// A body shaped like a service, each field sometimes wrong or missing.
pub(super) fn service_like() -> BoxedStrategy<Value> {
    let regions = prop::collection::vec(region(), 0..4).prop_map(Value::Array);
    let states = words(&["Succeeded", "Updating", "", "Failed"]);
    let properties = (field(regions.boxed()), field(states.clone()), field(states)).prop_map(
        |(regions, state, target)| {
            object(vec![
                ("additionalLocations", regions),
                ("provisioningState", state),
                ("targetProvisioningState", target),
            ])
        },
    );
    let location = field(words(&["West Europe", "westeurope", " "]));
    (
        location,
        field(sku()),
        field(zones()),
        field(properties.boxed()),
        field(leaf()),
    )
        .prop_map(|(location, sku, zones, properties, etag)| {
            object(vec![
                ("location", location),
                ("sku", sku),
                ("zones", zones),
                ("properties", properties),
                ("etag", etag),
            ])
        })
        .boxed()
}

/// An error envelope (or a bare error object), each field sometimes wrong or missing.
fn envelope_like() -> BoxedStrategy<Value> {
    let text = || field(prop_oneof![leaf(), ".{0,40}".prop_map(Value::from).boxed()].boxed());
    let inner = (text(), text(), text(), field(json()), field(json())).prop_map(
        |(code, message, target, details, info)| {
            object(vec![
                ("code", code),
                ("message", message),
                ("target", target),
                ("details", details),
                ("additionalInfo", info),
            ])
        },
    );
    prop_oneof![
        inner.clone().prop_map(|e| object(vec![("error", Some(e))])),
        inner.boxed(),
        json(),
    ]
    .boxed()
}

fn target() -> impl Strategy<Value = CapacityPatch> {
    let region = (
        select(vec!["eastus", "westeurope", "North Europe", ""]),
        0u32..40,
    )
        .prop_map(|(location, units)| RegionUnits {
            location: Location::new(location),
            units,
        });
    (
        select(Sku::ALL.to_vec()),
        0u32..40,
        prop::collection::vec(region, 0..4),
    )
        .prop_map(|(sku, primary_units, additional)| CapacityPatch {
            zones: None,
            sku,
            primary_units,
            additional,
        })
}

/// Up to 8000 characters of one to four bytes, often multi-byte: a random run, repeated.
fn long_text() -> impl Strategy<Value = String> {
    let char = prop_oneof![any::<char>(), Just('é'), Just('€'), Just('💥')];
    (prop::collection::vec(char, 0..40), 1usize..200)
        .prop_map(|(run, times)| String::from_iter(run).repeat(times))
}

/// Checks an error body and every nested detail: a code and a message, each bounded.
fn assert_bounded(error: &AzureErrorBody) -> Result<(), TestCaseError> {
    for text in [&error.code, &error.message] {
        prop_assert!(text.len() <= MAX_ERROR_TEXT, "{} bytes", text.len());
    }
    let target = error.target.as_deref().unwrap_or_default();
    prop_assert!(target.len() <= MAX_ERROR_TEXT);
    for detail in &error.details {
        assert_bounded(detail)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_as_a_service_body_parse_or_give_a_clear_error(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        match ServiceResource::from_slice(&bytes) {
            Ok(service) => prop_assert!(!service.live.regions.is_empty()),
            Err(ParseError::Malformed(message)) => prop_assert!(!message.is_empty()),
            Err(ParseError::UnknownSku(sku)) => prop_assert!(!sku.trim().is_empty()),
        }
    }

    #[test]
    fn any_json_as_a_service_is_a_service_or_a_clear_error(
        value in prop_oneof![service_like(), json()],
        target in target(),
    ) {
        // The bytes as they would come from Azure, and the value serde_json reads from them
        // (floats may not survive the round trip exactly).
        let bytes = value.to_string().into_bytes();
        let reread: Value = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_bytes = ServiceResource::from_slice(&bytes);
        prop_assert_eq!(&from_bytes, &ServiceResource::from_value(reread));
        match ServiceResource::from_value(value.clone()) {
            Ok(service) => {
                prop_assert_eq!(service.raw(), &value, "the JSON is kept as sent");
                let live = &service.live;
                prop_assert!(live.regions[0].primary);
                prop_assert!(live.regions.iter().skip(1).all(|r| !r.primary));
                prop_assert!(live.regions.iter().all(|r| !r.location.is_empty()));
                for region in &live.regions[1..] {
                    prop_assert!(service.additional_location_raw(&region.location).is_some());
                }
                // A patch can be built from whatever Azure sent, or is refused cleanly.
                match build_patch_body(&service, &target) {
                    Ok(Some(body)) => prop_assert!(body.is_object()),
                    Ok(None) => {}
                    Err(error) => prop_assert!(!error.to_string().is_empty()),
                }
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }

    #[test]
    fn any_json_as_an_operation_status_is_read_or_ignored(
        value in prop_oneof![
            json(),
            (select(WORDS), field(envelope_like())).prop_map(|(status, error)| {
                object(vec![("status", Some(Value::from(status))), ("error", error)])
            }),
        ],
    ) {
        let status = operation_status(&value);
        let text = value.get("status").and_then(Value::as_str);
        prop_assert_eq!(status.is_some(), text.is_some(), "{}", value);
        let word = text.map(|t| t.trim().to_ascii_lowercase()).unwrap_or_default();
        match status {
            None => {}
            Some(OperationStatus::Succeeded) => prop_assert_eq!(word, "succeeded"),
            Some(OperationStatus::Canceled) => {
                prop_assert!(word == "canceled" || word == "cancelled");
            }
            Some(OperationStatus::Failed(error)) => {
                prop_assert_eq!(word, "failed");
                prop_assert!(!error.code.is_empty() && !error.message.is_empty());
                assert_bounded(&error)?;
            }
            Some(OperationStatus::Running) => {
                prop_assert!(!["succeeded", "failed", "canceled", "cancelled"].contains(&word.as_str()));
            }
        }
    }

    #[test]
    fn any_error_body_gives_a_code_and_a_bounded_message(
        status in any::<u16>(),
        body in prop_oneof![
            envelope_like().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..300),
            ".{0,6000}".prop_map(String::into_bytes),
        ],
    ) {
        let error = AzureErrorBody::from_response(status, &body);
        prop_assert!(!error.code.is_empty());
        prop_assert!(!error.message.is_empty());
        assert_bounded(&error)?;
    }

    #[test]
    fn long_error_texts_are_cut_on_a_char_boundary(
        message in long_text(),
        target in long_text(),
    ) {
        let body = serde_json::json!({"error": {"code": "C", "message": message, "target": target}});
        let error = AzureErrorBody::from_response(400, body.to_string().as_bytes());
        assert_bounded(&error)?;
        let kept = |text: &str, original: &str| {
            let kept = text.strip_suffix('…').unwrap_or(text);
            original.starts_with(kept) && (text == original || kept.len() >= MAX_ERROR_TEXT - 6)
        };
        if !message.is_empty() {
            prop_assert!(kept(&error.message, &message));
        }
        if !target.is_empty() {
            prop_assert!(kept(error.target.as_deref().unwrap_or_default(), &target));
        }
    }

    #[test]
    fn an_operation_handle_in_status_is_read_or_refused(value in json()) {
        // Stored in the resource's status, which people with status rights can edit.
        let _ = serde_json::from_value::<OperationHandle>(value);
    }
}
