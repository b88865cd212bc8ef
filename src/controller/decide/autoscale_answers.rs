//! What the decision table's world answers to the autoscale reads (see `autoscale_world.rs`).

use crate::autoscale::AutoscaleSetting;

/// What Azure answers to the autoscale reads, and whether the driver remembers them.
pub struct AutoscaleAnswers {
    pub settings: Result<Vec<AutoscaleSetting>, String>,
    pub settings_remembered: bool,
    /// Capacity per region (display name) over the last 30 minutes.
    pub capacity: Vec<(&'static str, f64)>,
    pub metrics_error: Option<String>,
    pub metrics_remembered: bool,
}

impl Default for AutoscaleAnswers {
    fn default() -> Self {
        AutoscaleAnswers {
            settings: Ok(Vec::new()),
            settings_remembered: false,
            capacity: vec![("West Europe", 50.0), ("East US", 50.0)],
            metrics_error: None,
            metrics_remembered: false,
        }
    }
}
