//! Learned durations as text, so they survive restarts (the operator keeps the text in a
//! ConfigMap), and read back from text that anybody with access could have edited.
//!
//! ```json
//! {"version": 1, "seconds": {"Premium/Scale": [1712, 1803], "Standard/ChangeTier": [2650]}}
//! ```
//!
//! Keys are `Tier/Kind` (or `Kind` for observations without a tier), values whole seconds,
//! oldest first. Reading is lenient and bounded: text longer than [`MAX_TEXT_BYTES`] is
//! refused, unknown keys and values that are not whole seconds up to [`MAX_SAMPLE`] are
//! skipped, and only the newest [`SAMPLES_KEPT`] of a key are kept. The output is
//! deterministic (keys sorted), so an unchanged set of observations gives the same text.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::StepKind;
use super::durations::{DurationEstimates, DurationKey, SAMPLES_KEPT};
use crate::domain::Sku;

/// The version of the text this module writes.
pub const VERSION: u64 = 1;

/// Longest text read: far more than every tier and kind with [`SAMPLES_KEPT`] samples.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Longest duration kept: no Azure operation takes a week.
pub const MAX_SAMPLE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why a text was not read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("the learned durations are longer than {MAX_TEXT_BYTES} bytes; ignored")]
    TooLong,
    #[error("the learned durations are not JSON: {0}")]
    NotJson(String),
    #[error("the learned durations have version {0:?}; this operator reads version {VERSION}")]
    Version(String),
}

fn key_text(key: DurationKey) -> String {
    match key.tier {
        Some(tier) => format!("{}/{}", tier.as_str(), key.kind.as_str()),
        None => key.kind.as_str().to_string(),
    }
}

fn kind_of(text: &str) -> Option<StepKind> {
    StepKind::ALL.into_iter().find(|k| k.as_str() == text)
}

fn key_of(text: &str) -> Option<DurationKey> {
    match text.split_once('/') {
        Some((tier, kind)) => Some(DurationKey {
            tier: Some(tier.parse::<Sku>().ok()?),
            kind: kind_of(kind)?,
        }),
        None => Some(DurationKey {
            tier: None,
            kind: kind_of(text)?,
        }),
    }
}

/// The text of `estimates`.
pub fn encode(estimates: &DurationEstimates) -> String {
    let seconds: BTreeMap<String, Vec<u64>> = estimates
        .entries()
        .filter(|(_, samples)| !samples.is_empty())
        .map(|(key, samples)| {
            let values = samples.iter().map(Duration::as_secs).collect();
            (key_text(key), values)
        })
        .collect();
    json!({"version": VERSION, "seconds": seconds}).to_string()
}

/// Reads a text [`encode`] wrote (or one edited by hand): what can be read of it.
pub fn decode(text: &str) -> Result<DurationEstimates, CodecError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(CodecError::TooLong);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| CodecError::NotJson(e.to_string()))?;
    match value.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(VERSION) => {}
        other => {
            let shown = other.map(Value::to_string).unwrap_or_default();
            return Err(CodecError::Version(shown.chars().take(40).collect()));
        }
    }
    let mut estimates = DurationEstimates::default();
    let empty = Map::new();
    let seconds = value
        .get("seconds")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, samples) in seconds {
        let (Some(key), Some(samples)) = (key_of(name), samples.as_array()) else {
            continue;
        };
        let valid: Vec<Duration> = samples
            .iter()
            .filter_map(Value::as_u64)
            .map(Duration::from_secs)
            .filter(|d| *d <= MAX_SAMPLE)
            .collect();
        let newest = valid.len().saturating_sub(SAMPLES_KEPT);
        for took in &valid[newest..] {
            estimates.record_key(key, *took);
        }
    }
    Ok(estimates)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn what_is_written_reads_back_the_same() {
        let mut estimates = DurationEstimates::default();
        estimates.record_for(Sku::Premium, StepKind::Scale, 28 * MIN);
        estimates.record_for(Sku::Premium, StepKind::Scale, 31 * MIN);
        estimates.record_for(Sku::Standard, StepKind::ChangeTier, 44 * MIN);
        estimates.record(StepKind::AddRegion, 40 * MIN);
        let text = encode(&estimates);
        assert_eq!(
            text,
            r#"{"seconds":{"AddRegion":[2400],"Premium/Scale":[1680,1860],"Standard/ChangeTier":[2640]},"version":1}"#
        );
        assert_eq!(decode(&text), Ok(estimates.clone()));
        assert_eq!(encode(&decode(&text).expect("reads")), text);
        assert_eq!(
            decode(&encode(&DurationEstimates::default())),
            Ok(DurationEstimates::default())
        );
    }

    #[test]
    fn edited_text_is_read_as_far_as_it_makes_sense() {
        let many: Vec<String> = (1..=40).map(|n| (n * 60).to_string()).collect();
        let text = format!(
            r#"{{"version": 1, "seconds": {{
                "Premium/Scale": [60, "x", -5, 1.5, 99999999999, 120],
                "Gold/Scale": [60], "Premium/Teleport": [60], "Scale": "often",
                "Basic/AddRegion": [{}]
            }}, "extra": true}}"#,
            many.join(",")
        );
        let estimates = decode(&text).expect("readable");
        assert_eq!(
            estimates.observations(StepKind::Scale),
            2,
            "60 and 120 only"
        );
        assert_eq!(estimates.observations(StepKind::AddRegion), SAMPLES_KEPT);
        assert_eq!(
            estimates.expected_for(Sku::Basic, StepKind::AddRegion),
            28 * MIN,
            "the newest 25 of 40 minutes-samples: 16..=40, median 28"
        );
        assert_eq!(estimates.entries().count(), 2);
    }

    #[test]
    fn unreadable_text_is_refused_with_a_reason() {
        assert!(matches!(decode("{"), Err(CodecError::NotJson(_))));
        assert_eq!(
            decode(r#"{"version": 2, "seconds": {}}"#),
            Err(CodecError::Version("2".into()))
        );
        assert_eq!(
            decode(r#"{"seconds": {}}"#),
            Err(CodecError::Version(String::new()))
        );
        let long = format!(
            "{{\"version\":1,\"pad\":\"{}\"}}",
            "x".repeat(MAX_TEXT_BYTES)
        );
        assert_eq!(decode(&long), Err(CodecError::TooLong));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_reads_or_fails_without_panicking(text in ".{0,300}") {
            let _ = decode(&text);
        }

        #[test]
        fn recorded_samples_round_trip(
            samples in proptest::collection::vec((0usize..7, 0usize..5, 0u64..200_000), 0..80)
        ) {
            let mut estimates = DurationEstimates::default();
            for (tier, kind, seconds) in samples {
                estimates.record_for(Sku::ALL[tier], StepKind::ALL[kind], Duration::from_secs(seconds));
            }
            prop_assert_eq!(decode(&encode(&estimates)), Ok(estimates));
        }
    }
}
