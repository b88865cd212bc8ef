//! What the autoscale reads remember: the Azure autoscale settings per resource group and
//! the metrics per service, each with the instant it was read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::autoscale::{AutoscaleSetting, MetricReadings};

/// How long the autoscale settings of a resource group are kept.
pub const SETTINGS_TTL: Duration = Duration::from_secs(600);

/// Answers by key, each with the instant it was read.
pub type Kept<T> = Mutex<HashMap<String, (Instant, T)>>;

/// What the autoscale reads remember: settings per resource group, metrics per service.
#[derive(Default)]
pub struct AutoscaleReads {
    pub settings: Kept<Vec<AutoscaleSetting>>,
    pub metrics: Kept<MetricReadings>,
}

/// The answer kept under `key` when younger than `ttl` (older ones are dropped).
pub fn kept<T: Clone>(map: &Kept<T>, key: &str, ttl: Duration) -> Option<T> {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, (at, _)| at.elapsed() < ttl);
    map.get(key).map(|(_, value)| value.clone())
}

/// Keeps `value` under `key` from now.
pub fn keep<T>(map: &Kept<T>, key: String, value: T) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.insert(key, (Instant::now(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_kept_for_its_time_only() {
        let reads = AutoscaleReads::default();
        keep(&reads.settings, "sub/rg".into(), Vec::new());
        assert_eq!(
            kept(&reads.settings, "sub/rg", SETTINGS_TTL),
            Some(Vec::new())
        );
        assert_eq!(kept(&reads.settings, "sub/other", SETTINGS_TTL), None);
        assert_eq!(kept(&reads.settings, "sub/rg", Duration::ZERO), None);
        assert_eq!(SETTINGS_TTL, Duration::from_secs(600));
    }
}
