//! Property tests of the other outside data the Azure side reads: `Retry-After` headers,
//! operation URLs (from Azure's headers, or from status that people can edit), the
//! credentials Secret, and token expiries. Entra's token answers themselves are parsed by
//! `azure_identity`, not here; the operator only reads the expiry it gives.

use std::collections::BTreeMap;
use std::time::Duration;

use azure_core::credentials::AccessToken;
use azure_core::time::OffsetDateTime;
use k8s_openapi::ByteString;
use proptest::prelude::*;
use proptest::sample::select;
use url::Url;

use crate::azure::credentials::{
    CLIENT_ID_KEYS, CLIENT_SECRET_KEYS, ClientSecretParts, TENANT_ID_KEYS,
};
use crate::azure::error::AzureError;
use crate::azure::lro::{MAX_OPERATION_URL_LEN, subscription_of, validate_operation_url};
use crate::azure::retry::{MAX_RETRY_AFTER, parse_retry_after};
use crate::azure::token::needs_refresh;

/// The last whole second a token expiry can be (9999-12-31T23:59:59Z).
const LAST_SECOND: i64 = 253_402_300_799;

/// Any instant jiff can represent.
fn timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    let (min, max) = (
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    (min..=max).prop_filter_map("in range", |s| jiff::Timestamp::from_second(s).ok())
}

fn arm() -> Url {
    Url::parse("https://management.azure.com").expect("a URL")
}

/// A path of characters that keep their meaning in a URL path (`.` and `..` segments too).
fn path() -> impl Strategy<Value = String> {
    "(/[A-Za-z0-9._~-]{0,12}){0,8}"
}

/// A path without dot segments, which the URL parser would resolve.
fn plain_path() -> impl Strategy<Value = String> {
    "(/[A-Za-z0-9_~-]{0,12}){0,8}"
}

/// Secret keys: the ones read, near misses, and anything.
fn secret_key() -> BoxedStrategy<String> {
    let known: Vec<&'static str> = [TENANT_ID_KEYS, CLIENT_ID_KEYS, CLIENT_SECRET_KEYS]
        .concat()
        .into_iter()
        .chain(["tenantid", "clientSecret ", ""])
        .collect();
    prop_oneof![4 => select(known).prop_map(String::from), 1 => ".{0,12}"].boxed()
}

/// Secret values: valid text (marked, so a leak can be found), blanks, invalid UTF-8.
fn secret_value() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => "[A-Za-z0-9~._-]{1,16}".prop_map(|v| format!("SECRET-{v}").into_bytes()),
        1 => "[ \t\n]{0,3}SECRET-[a-z]{1,4}[ \t\n]{0,3}".prop_map(String::into_bytes),
        1 => "[ \t\n]{0,4}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ]
    .boxed()
}

/// What `from_data` should find for one value: the first key whose value is UTF-8 and not
/// blank, trimmed.
fn expected(data: &BTreeMap<String, ByteString>, keys: [&str; 2]) -> Option<String> {
    keys.iter()
        .filter_map(|key| data.get(*key))
        .filter_map(|bytes| std::str::from_utf8(&bytes.0).ok())
        .map(str::trim)
        .find(|text| !text.is_empty())
        .map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_retry_after_text_is_bounded_or_refused(value in ".{0,40}", now in timestamp()) {
        if let Some(wait) = parse_retry_after(&value, now) {
            prop_assert!(wait <= MAX_RETRY_AFTER, "{value:?}: {wait:?}");
        }
    }

    #[test]
    fn integer_seconds_are_kept_up_to_an_hour(seconds in any::<u64>(), now in timestamp()) {
        let expected = Duration::from_secs(seconds).min(MAX_RETRY_AFTER);
        prop_assert_eq!(parse_retry_after(&seconds.to_string(), now), Some(expected));
        prop_assert_eq!(parse_retry_after(&format!(" {seconds}\t"), now), Some(expected));
    }

    #[test]
    fn decimal_seconds_are_kept_up_to_an_hour_and_nonsense_is_refused(
        seconds in any::<f64>(),
        scientific in any::<bool>(),
    ) {
        let text = if scientific { format!("{seconds:e}") } else { format!("{seconds}") };
        let parsed = parse_retry_after(&text, jiff::Timestamp::UNIX_EPOCH);
        if seconds.is_finite() && seconds >= 0.0 {
            let expected = Duration::try_from_secs_f64(seconds)
                .map_or(MAX_RETRY_AFTER, |d| d.min(MAX_RETRY_AFTER));
            prop_assert_eq!(parsed, Some(expected), "{}", text);
        } else {
            prop_assert_eq!(parsed, None, "{}", text);
        }
    }

    #[test]
    fn http_dates_wait_until_then_within_an_hour(at in timestamp(), now in timestamp()) {
        let printer = jiff::fmt::rfc2822::DateTimePrinter::new();
        let Ok(text) = printer.timestamp_to_rfc9110_string(&at) else {
            return Ok(()); // not every instant has an HTTP date (years before 1)
        };
        let until = Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO);
        prop_assert_eq!(parse_retry_after(&text, now), Some(until.min(MAX_RETRY_AFTER)), "{}", text);
    }

    #[test]
    fn any_operation_url_is_accepted_only_on_the_arm_origin(
        url in prop_oneof![
            ".{0,60}",
            path().prop_map(|p| format!("https://management.azure.com{p}")),
            (select(vec!["http", "https", "ftp"]), select(vec![
                "management.azure.com", "MANAGEMENT.azure.com", "management.azure.com.",
                "evil.com", "management.azure.com@evil.com", "evil.com@management.azure.com",
                "management.azure.com:443", "management.azure.com:8443", "[::1]", "127.0.0.1",
            ]), path(), "[?#\\\\%@ ]{0,2}")
                .prop_map(|(s, h, p, tail)| format!("{s}://{h}{p}{tail}")),
        ],
    ) {
        match validate_operation_url(&url, &arm()) {
            Ok(parsed) => {
                prop_assert!(url.len() <= MAX_OPERATION_URL_LEN);
                prop_assert_eq!(parsed.scheme(), "https");
                prop_assert_eq!(parsed.host_str(), Some("management.azure.com"), "{}", url);
                prop_assert_eq!(parsed.port_or_known_default(), Some(443));
                let _ = subscription_of(&parsed);
            }
            Err(error) => prop_assert!(matches!(error, AzureError::InvalidOperationUrl(ref m) if !m.is_empty())),
        }
    }

    #[test]
    fn urls_on_the_arm_origin_are_accepted_up_to_4_kib(path in path(), padding in 0usize..5000) {
        let url = format!("https://management.azure.com{path}?p={}", "x".repeat(padding));
        let result = validate_operation_url(&url, &arm());
        prop_assert_eq!(result.is_ok(), url.len() <= MAX_OPERATION_URL_LEN, "{} bytes", url.len());
    }

    #[test]
    fn the_subscription_is_read_from_any_arm_path(
        before in plain_path(),
        subscription in "[A-Za-z0-9-]{1,36}",
        after in plain_path(),
    ) {
        prop_assume!(!before.to_ascii_lowercase().split('/').any(|s| s == "subscriptions"));
        let url = Url::parse(&format!(
            "https://management.azure.com{before}/SUBSCRIPTIONS/{subscription}{after}"
        )).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(subscription_of(&url), Some(subscription));
    }

    #[test]
    fn any_secret_gives_its_three_values_or_names_the_missing_key(
        data in prop::option::of(prop::collection::btree_map(
            secret_key(),
            secret_value().prop_map(ByteString),
            0..8,
        )),
    ) {
        let result = ClientSecretParts::from_data("team-a", "azure-sp", data.as_ref());
        let empty = BTreeMap::new();
        let all = data.as_ref().unwrap_or(&empty);
        let want = (
            expected(all, TENANT_ID_KEYS),
            expected(all, CLIENT_ID_KEYS),
            expected(all, CLIENT_SECRET_KEYS),
        );
        match (result, want) {
            (Ok(parts), (Some(tenant), Some(client), Some(secret))) => {
                prop_assert_eq!(&parts.tenant_id, &tenant);
                prop_assert_eq!(&parts.client_id, &client);
                prop_assert_eq!(&parts.client_secret, &secret);
                // The Debug output does not depend on the secret at all (a short secret may
                // well be a substring of the other fields, so look for it by difference).
                let other = ClientSecretParts {
                    client_secret: format!("{secret}-other"),
                    ..parts.clone()
                };
                prop_assert_eq!(format!("{parts:?}"), format!("{other:?}"), "Debug shows the secret");
            }
            (Err(AzureError::SecretKeyMissing { namespace, name, key }), want) => {
                prop_assert!(want.0.is_none() || want.1.is_none() || want.2.is_none());
                prop_assert_eq!((namespace.as_str(), name.as_str()), ("team-a", "azure-sp"));
                let first_missing = match want {
                    (None, _, _) => TENANT_ID_KEYS,
                    (_, None, _) => CLIENT_ID_KEYS,
                    _ => CLIENT_SECRET_KEYS,
                };
                prop_assert!(key.starts_with(first_missing[0]), "{}", key);
                prop_assert!(!key.contains("SECRET-"), "the error shows a value: {}", key);
            }
            (other, want) => prop_assert!(false, "{other:?} for {want:?}"),
        }
    }

    #[test]
    fn any_token_expiry_is_compared_without_overflow(
        expires in prop_oneof![Just(LAST_SECOND), -377_705_116_800i64..=LAST_SECOND],
        now in prop_oneof![Just(LAST_SECOND), Just(LAST_SECOND - 300), 0i64..=LAST_SECOND],
    ) {
        // The expiry azure_identity computed from Entra's answer, anywhere in its range, and
        // any clock, the end of time included.
        let at = |s| OffsetDateTime::from_unix_timestamp(s).map_err(|e| TestCaseError::fail(e.to_string()));
        let refresh = needs_refresh(&AccessToken::new("t", at(expires)?), at(now)?);
        prop_assert_eq!(refresh, expires <= now + 300);
    }
}
