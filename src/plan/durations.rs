//! How long each kind of step takes on each tier: the median, the 90th percentile and the
//! longest of what this operator has observed, or Azure's documented 15–45 minutes when it
//! has seen none.
//!
//! Observations are kept per tier and kind ([`DurationKey`]; the tier of a step is the tier
//! it moves the service to). A question about a tier that has no observation of that kind
//! is answered from the observations of that kind on every tier, then from the documented
//! range. [`super::durations_codec`] writes them as text (the operator keeps them in a
//! ConfigMap) and reads them back.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::StepKind;
use crate::domain::Sku;

/// The point estimate when nothing was observed: the middle of the documented 15–45 minutes.
pub const DEFAULT_EXPECTED: Duration = Duration::from_secs(30 * 60);

/// The upper bound when nothing was observed: the top of the documented 15–45 minutes.
pub const DEFAULT_UPPER_BOUND: Duration = Duration::from_secs(45 * 60);

/// How many recent observations are kept per tier and kind.
pub const SAMPLES_KEPT: usize = 25;

/// What observations are kept by: the kind of step and the tier it moved the service to
/// (`None`: recorded without a tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DurationKey {
    pub tier: Option<Sku>,
    pub kind: StepKind,
}

/// Observed durations per tier and [`StepKind`] (the most recent [`SAMPLES_KEPT`] of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationEstimates {
    observed: BTreeMap<DurationKey, VecDeque<Duration>>,
}

fn median(mut samples: Vec<Duration>) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let middle = samples.len() / 2;
    Some(if samples.len() % 2 == 1 {
        samples[middle]
    } else {
        (samples[middle - 1] + samples[middle]) / 2
    })
}

/// Nearest rank: the smallest observation that at least 90 % of the observations do not
/// exceed.
fn nearest_rank_p90(mut samples: Vec<Duration>) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = (samples.len() * 9).div_ceil(10);
    Some(samples[rank.saturating_sub(1)])
}

impl DurationEstimates {
    /// Records that a step of `kind` took `took`, without a tier.
    pub fn record(&mut self, kind: StepKind, took: Duration) {
        self.record_key(DurationKey { tier: None, kind }, took);
    }

    /// Records that a step of `kind` that moved the service to `tier` took `took`.
    pub fn record_for(&mut self, tier: Sku, kind: StepKind, took: Duration) {
        self.record_key(
            DurationKey {
                tier: Some(tier),
                kind,
            },
            took,
        );
    }

    /// Records one observation under `key`; the oldest of that key is dropped once
    /// [`SAMPLES_KEPT`] are held.
    pub fn record_key(&mut self, key: DurationKey, took: Duration) {
        let samples = self.observed.entry(key).or_default();
        if samples.len() == SAMPLES_KEPT {
            samples.pop_front();
        }
        samples.push_back(took);
    }

    /// Every key with its observations, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (DurationKey, &VecDeque<Duration>)> {
        self.observed.iter().map(|(key, samples)| (*key, samples))
    }

    /// The observations of `kind` on every tier.
    fn pooled(&self, kind: StepKind) -> Vec<Duration> {
        self.observed
            .iter()
            .filter(|(key, _)| key.kind == kind)
            .flat_map(|(_, samples)| samples.iter().copied())
            .collect()
    }

    /// The observations of `kind` on `tier`, or of `kind` on every tier when there are none.
    fn samples_for(&self, tier: Sku, kind: StepKind) -> Vec<Duration> {
        let key = DurationKey {
            tier: Some(tier),
            kind,
        };
        match self.observed.get(&key) {
            Some(samples) if !samples.is_empty() => samples.iter().copied().collect(),
            _ => self.pooled(kind),
        }
    }

    /// The median observed duration of `kind` on every tier, or [`DEFAULT_EXPECTED`]
    /// (30 minutes) when none was observed.
    pub fn expected(&self, kind: StepKind) -> Duration {
        median(self.pooled(kind)).unwrap_or(DEFAULT_EXPECTED)
    }

    /// The median observed duration of `kind` on `tier` (else on every tier, else 30
    /// minutes).
    pub fn expected_for(&self, tier: Sku, kind: StepKind) -> Duration {
        median(self.samples_for(tier, kind)).unwrap_or(DEFAULT_EXPECTED)
    }

    /// The longest observed duration of `kind` on every tier, or [`DEFAULT_UPPER_BOUND`]
    /// (45 minutes) when none was observed.
    pub fn upper_bound(&self, kind: StepKind) -> Duration {
        self.pooled(kind)
            .into_iter()
            .max()
            .unwrap_or(DEFAULT_UPPER_BOUND)
    }

    /// The 90th percentile of the observed durations of `kind` on every tier (nearest rank),
    /// or [`DEFAULT_UPPER_BOUND`] (45 minutes) when none was observed. Schedules use it to
    /// start a scale-up early enough: the median would make one in two late.
    pub fn p90(&self, kind: StepKind) -> Duration {
        nearest_rank_p90(self.pooled(kind)).unwrap_or(DEFAULT_UPPER_BOUND)
    }

    /// The 90th percentile of `kind` on `tier` (else on every tier, else 45 minutes).
    pub fn p90_for(&self, tier: Sku, kind: StepKind) -> Duration {
        nearest_rank_p90(self.samples_for(tier, kind)).unwrap_or(DEFAULT_UPPER_BOUND)
    }

    /// How many observations of `kind` are held, on every tier.
    pub fn observations(&self, kind: StepKind) -> usize {
        self.observed
            .iter()
            .filter(|(key, _)| key.kind == kind)
            .map(|(_, samples)| samples.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn nothing_observed_falls_back_to_documented_range() {
        let estimates = DurationEstimates::default();
        for kind in StepKind::ALL {
            assert_eq!(estimates.expected(kind), 30 * MIN);
            assert_eq!(estimates.upper_bound(kind), 45 * MIN);
            assert_eq!(estimates.observations(kind), 0);
        }
    }

    #[test]
    fn expected_is_the_median_per_kind() {
        let mut estimates = DurationEstimates::default();
        for minutes in [50, 10, 20] {
            estimates.record(StepKind::Scale, minutes * MIN);
        }
        estimates.record(StepKind::ChangeTier, 60 * MIN);
        estimates.record(StepKind::ChangeTier, 80 * MIN);
        assert_eq!(estimates.expected(StepKind::Scale), 20 * MIN);
        assert_eq!(estimates.upper_bound(StepKind::Scale), 50 * MIN);
        assert_eq!(estimates.expected(StepKind::ChangeTier), 70 * MIN);
        assert_eq!(estimates.expected(StepKind::AddRegion), 30 * MIN);
    }

    #[test]
    fn p90_is_the_documented_upper_bound_when_nothing_was_observed() {
        let estimates = DurationEstimates::default();
        for kind in StepKind::ALL {
            assert_eq!(estimates.p90(kind), 45 * MIN);
        }
    }

    #[test]
    fn p90_is_the_nearest_rank_per_kind() {
        let cases: [(&[u32], u32); 6] = [
            (&[30], 30),
            (&[10, 50], 50),
            (&[50, 10, 20], 50),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9),
            (&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 11], 10),
            (&[20; 7], 20),
        ];
        for (observed, p90) in cases {
            let mut estimates = DurationEstimates::default();
            for minutes in observed {
                estimates.record(StepKind::Scale, *minutes * MIN);
            }
            estimates.record(StepKind::ChangeTier, 99 * MIN);
            assert_eq!(estimates.p90(StepKind::Scale), p90 * MIN, "{observed:?}");
            assert_eq!(estimates.p90(StepKind::AddRegion), 45 * MIN);
        }
    }

    #[test]
    fn p90_ignores_one_outlier_among_twenty_five() {
        let mut estimates = DurationEstimates::default();
        for _ in 0..SAMPLES_KEPT - 1 {
            estimates.record(StepKind::Scale, 20 * MIN);
        }
        estimates.record(StepKind::Scale, 120 * MIN);
        assert_eq!(estimates.p90(StepKind::Scale), 20 * MIN);
        assert_eq!(estimates.upper_bound(StepKind::Scale), 120 * MIN);
    }

    #[test]
    fn only_recent_observations_are_kept() {
        let mut estimates = DurationEstimates::default();
        for _ in 0..SAMPLES_KEPT {
            estimates.record(StepKind::AddRegion, 90 * MIN);
        }
        for _ in 0..SAMPLES_KEPT {
            estimates.record(StepKind::AddRegion, 20 * MIN);
        }
        assert_eq!(estimates.observations(StepKind::AddRegion), SAMPLES_KEPT);
        assert_eq!(estimates.expected(StepKind::AddRegion), 20 * MIN);
        assert_eq!(estimates.upper_bound(StepKind::AddRegion), 20 * MIN);
    }

    #[test]
    fn each_tier_has_its_own_estimates_and_others_fall_back_to_every_tier() {
        let mut estimates = DurationEstimates::default();
        for minutes in [40, 50, 60] {
            estimates.record_for(Sku::Premium, StepKind::Scale, minutes * MIN);
        }
        estimates.record_for(Sku::Standard, StepKind::Scale, 10 * MIN);
        assert_eq!(
            estimates.expected_for(Sku::Premium, StepKind::Scale),
            50 * MIN
        );
        assert_eq!(estimates.p90_for(Sku::Premium, StepKind::Scale), 60 * MIN);
        assert_eq!(
            estimates.expected_for(Sku::Standard, StepKind::Scale),
            10 * MIN
        );
        assert_eq!(
            estimates.expected_for(Sku::Basic, StepKind::Scale),
            45 * MIN,
            "no Basic scale seen: the median of every tier"
        );
        assert_eq!(estimates.expected(StepKind::Scale), 45 * MIN);
        assert_eq!(estimates.observations(StepKind::Scale), 4);
        assert_eq!(
            estimates.expected_for(Sku::Premium, StepKind::AddRegion),
            DEFAULT_EXPECTED
        );
        assert_eq!(
            estimates.p90_for(Sku::Premium, StepKind::AddRegion),
            DEFAULT_UPPER_BOUND
        );
    }

    #[test]
    fn the_bound_on_samples_holds_per_tier() {
        let mut estimates = DurationEstimates::default();
        for _ in 0..2 * SAMPLES_KEPT {
            estimates.record_for(Sku::Premium, StepKind::Scale, 20 * MIN);
            estimates.record_for(Sku::Standard, StepKind::Scale, 20 * MIN);
        }
        assert_eq!(estimates.observations(StepKind::Scale), 2 * SAMPLES_KEPT);
        assert!(estimates.entries().all(|(_, s)| s.len() == SAMPLES_KEPT));
    }
}
