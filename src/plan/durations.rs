//! How long each kind of step takes: the median of what this operator has observed, or
//! Azure's documented 15–45 minutes when it has seen none.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::StepKind;

/// The point estimate when nothing was observed: the middle of the documented 15–45 minutes.
pub const DEFAULT_EXPECTED: Duration = Duration::from_secs(30 * 60);

/// The upper bound when nothing was observed: the top of the documented 15–45 minutes.
pub const DEFAULT_UPPER_BOUND: Duration = Duration::from_secs(45 * 60);

/// How many recent observations are kept per step kind.
pub const SAMPLES_KEPT: usize = 25;

/// Observed durations per [`StepKind`] (the most recent [`SAMPLES_KEPT`] of each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationEstimates {
    observed: BTreeMap<StepKind, VecDeque<Duration>>,
}

impl DurationEstimates {
    /// Records that a step of `kind` took `took`; the oldest observation is dropped once
    /// [`SAMPLES_KEPT`] are held.
    pub fn record(&mut self, kind: StepKind, took: Duration) {
        let samples = self.observed.entry(kind).or_default();
        if samples.len() == SAMPLES_KEPT {
            samples.pop_front();
        }
        samples.push_back(took);
    }

    /// The median observed duration of `kind`, or [`DEFAULT_EXPECTED`] (30 minutes) when
    /// none was observed.
    pub fn expected(&self, kind: StepKind) -> Duration {
        let mut samples: Vec<Duration> = match self.observed.get(&kind) {
            Some(samples) if !samples.is_empty() => samples.iter().copied().collect(),
            _ => return DEFAULT_EXPECTED,
        };
        samples.sort_unstable();
        let middle = samples.len() / 2;
        if samples.len() % 2 == 1 {
            samples[middle]
        } else {
            (samples[middle - 1] + samples[middle]) / 2
        }
    }

    /// The longest observed duration of `kind`, or [`DEFAULT_UPPER_BOUND`] (45 minutes)
    /// when none was observed.
    pub fn upper_bound(&self, kind: StepKind) -> Duration {
        self.observed
            .get(&kind)
            .and_then(|samples| samples.iter().max().copied())
            .unwrap_or(DEFAULT_UPPER_BOUND)
    }

    /// The 90th percentile (nearest rank) of the observed durations of `kind`, or
    /// [`DEFAULT_UPPER_BOUND`] (45 minutes) when none was observed.
    pub fn p90(&self, kind: StepKind) -> Duration {
        let mut samples: Vec<Duration> = match self.observed.get(&kind) {
            Some(samples) if !samples.is_empty() => samples.iter().copied().collect(),
            _ => return DEFAULT_UPPER_BOUND,
        };
        samples.sort_unstable();
        let rank = (samples.len() * 9).div_ceil(10).max(1);
        samples[rank - 1]
    }

    /// How many observations of `kind` are held.
    pub fn observations(&self, kind: StepKind) -> usize {
        self.observed.get(&kind).map_or(0, VecDeque::len)
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
    fn p90_is_the_nearest_rank() {
        let mut estimates = DurationEstimates::default();
        assert_eq!(estimates.p90(StepKind::Scale), 45 * MIN);
        estimates.record(StepKind::Scale, 20 * MIN);
        assert_eq!(estimates.p90(StepKind::Scale), 20 * MIN);
        for minutes in [10, 30, 40, 50, 60, 70, 80, 90, 100] {
            estimates.record(StepKind::Scale, minutes * MIN);
        }
        assert_eq!(estimates.p90(StepKind::Scale), 90 * MIN);
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
}
