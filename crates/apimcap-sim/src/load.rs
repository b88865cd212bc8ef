//! Load per region (requests per second, constant or a daily curve) and the metrics it
//! makes: `Capacity` = load / (units × rpsPerUnit) × 100, clamped to 0–100, the same model
//! as the operator's `autoscale::model`. Curves are read at the simulator's clock, which
//! runs `1 / --time-scale` times as fast as the wall clock, like its operations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::location::Location;

/// Minutes in the simulator's day; curves wrap here.
pub const MINUTES_PER_DAY: f64 = 1440.0;
/// The default requests per second one unit serves at 100 % `Capacity`.
pub const DEFAULT_RPS_PER_UNIT: f64 = 1_000.0;
/// The highest load and throughput per unit accepted, in requests per second.
pub const MAX_RPS: f64 = 1e9;
/// The most points a curve may have.
pub const MAX_CURVE_POINTS: usize = 10_000;

/// The load of one region: `{"rps": 1500.0}` or `{"curve": [[minuteOfDay, rps], ...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Load {
    /// The same load all day.
    Rps(f64),
    /// Piecewise linear between the points, by minute of the simulator's day; wraps at 1440.
    Curve(Vec<(f64, f64)>),
}

fn check_rps(what: &str, rps: f64) -> Result<(), String> {
    if rps.is_finite() && (0.0..=MAX_RPS).contains(&rps) {
        Ok(())
    } else {
        Err(format!(
            "{what} {rps} must be a number between 0 and {MAX_RPS}"
        ))
    }
}

impl Load {
    /// Refuses loads that are not numbers, negative or absurd, and curves that are empty,
    /// too long or have minutes outside 0–1440.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Load::Rps(rps) => check_rps("rps", *rps),
            Load::Curve(points) => {
                if points.is_empty() || points.len() > MAX_CURVE_POINTS {
                    return Err(format!(
                        "a curve needs 1 to {MAX_CURVE_POINTS} points, not {}",
                        points.len()
                    ));
                }
                for (minute, rps) in points {
                    if !(minute.is_finite() && (0.0..MINUTES_PER_DAY).contains(minute)) {
                        return Err(format!(
                            "curve minute {minute} must be between 0 and {MINUTES_PER_DAY} (exclusive)"
                        ));
                    }
                    check_rps("curve rps", *rps)?;
                }
                Ok(())
            }
        }
    }

    /// The same load with a curve's points in minute order, as [`Load::rps_at`] needs them.
    pub fn sorted(&self) -> Load {
        match self {
            Load::Rps(rps) => Load::Rps(*rps),
            Load::Curve(points) => {
                let mut sorted = points.clone();
                sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                Load::Curve(sorted)
            }
        }
    }

    /// The load at `minute` of the day (any number; taken modulo a day), of a curve whose
    /// points are in minute order ([`Load::sorted`]).
    pub fn rps_at(&self, minute: f64) -> f64 {
        let sorted = match self {
            Load::Rps(rps) => return *rps,
            Load::Curve(points) => points,
        };
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
            return 0.0;
        };
        let m = minute.rem_euclid(MINUTES_PER_DAY);
        // The segment around `m`: between neighbours, or across midnight.
        let (a, b) = match sorted.partition_point(|p| p.0 <= m) {
            0 => ((last.0 - MINUTES_PER_DAY, last.1), first),
            i if i == sorted.len() => (last, (first.0 + MINUTES_PER_DAY, first.1)),
            i => (sorted[i - 1], sorted[i]),
        };
        let span = b.0 - a.0;
        if span <= 0.0 {
            return a.1;
        }
        let m = if m < a.0 { m + MINUTES_PER_DAY } else { m };
        a.1 + (b.1 - a.1) * (m - a.0) / span
    }
}

/// The load of a service: per normalised location, and what one unit serves.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLoad {
    pub regions: BTreeMap<Location, Load>,
    pub rps_per_unit: f64,
}

impl Default for ServiceLoad {
    fn default() -> Self {
        ServiceLoad {
            regions: BTreeMap::new(),
            rps_per_unit: DEFAULT_RPS_PER_UNIT,
        }
    }
}

impl ServiceLoad {
    /// Replaces the load of the regions in `loads` (names or display names, which must be
    /// regions of the service) and, when given, the throughput per unit. Nothing changes
    /// when anything is refused.
    pub fn apply(
        &mut self,
        loads: &BTreeMap<String, Load>,
        rps_per_unit: Option<f64>,
        service_regions: &[Location],
    ) -> Result<(), String> {
        if let Some(per_unit) = rps_per_unit
            && !(per_unit.is_finite() && per_unit > 0.0 && per_unit <= MAX_RPS)
        {
            return Err(format!(
                "rpsPerUnit {per_unit} must be a number above 0 and at most {MAX_RPS}"
            ));
        }
        let mut checked = Vec::new();
        for (name, load) in loads {
            let location = Location::new(name);
            if !service_regions.contains(&location) {
                return Err(format!("load for {name}: the service has no region there"));
            }
            load.validate()
                .map_err(|e| format!("load for {name}: {e}"))?;
            checked.push((location, load.sorted()));
        }
        self.regions.extend(checked);
        if let Some(per_unit) = rps_per_unit {
            self.rps_per_unit = per_unit;
        }
        Ok(())
    }

    /// What the admin endpoint answers: `{"regions": {"<display name>": <Load>}, "rpsPerUnit"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let regions: BTreeMap<&str, &Load> = self
            .regions
            .iter()
            .map(|(l, load)| (l.display_name(), load))
            .collect();
        serde_json::json!({"regions": regions, "rpsPerUnit": self.rps_per_unit})
    }
}

/// `Capacity` (percent) of `load_rps` on `units` units serving `rps_per_unit` each; no
/// units with load reads 100 %.
pub fn capacity_percent(load_rps: f64, units: u64, rps_per_unit: f64) -> f64 {
    let throughput = units as f64 * rps_per_unit;
    if !(throughput.is_finite() && throughput > 0.0) {
        return if load_rps > 0.0 { 100.0 } else { 0.0 };
    }
    (load_rps / throughput * 100.0).clamp(0.0, 100.0)
}

/// Gateway memory of a v2 service at a CPU of `cpu` percent: a floor of 25 % plus half the
/// CPU (a model, like the rest).
pub fn memory_percent(cpu: f64) -> f64 {
    (25.0 + cpu / 2.0).clamp(0.0, 100.0)
}

/// The simulator's clock: the wall clock at start, then `1 / scale` times as fast; optionally
/// starting at a chosen minute of the day (`--load-day-start`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub started: jiff::Timestamp,
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    /// The minute of the simulator's day at `started`.
    pub start_minute: f64,
}

impl Clock {
    /// A clock from the time scale (0 and below, which make operations instant, run the
    /// curves at wall-clock speed) and an optional start minute.
    pub fn new(started: jiff::Timestamp, time_scale: f64, start_minute: Option<f64>) -> Self {
        let speed = if time_scale.is_finite() && time_scale > 0.0 {
            1.0 / time_scale
        } else {
            1.0
        };
        let wall_minute = started.as_second().rem_euclid(86_400) as f64 / 60.0;
        Clock {
            started,
            speed,
            start_minute: start_minute.unwrap_or(wall_minute),
        }
    }

    /// The minute of the simulator's day at wall-clock time `at`.
    pub fn minute_of_day(&self, at: jiff::Timestamp) -> f64 {
        let elapsed = (at.as_second() - self.started.as_second()) as f64 / 60.0;
        (self.start_minute + elapsed * self.speed).rem_euclid(MINUTES_PER_DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_are_piecewise_linear_and_wrap_at_midnight() {
        let curve = Load::Curve(vec![(600.0, 3000.0), (0.0, 1000.0), (1200.0, 1000.0)]).sorted();
        assert_eq!(curve.rps_at(0.0), 1000.0);
        assert_eq!(curve.rps_at(300.0), 2000.0);
        assert_eq!(curve.rps_at(600.0), 3000.0);
        assert_eq!(curve.rps_at(1200.0 + 1440.0), 1000.0);
        let night = Load::Curve(vec![(60.0, 100.0), (1380.0, 300.0)]);
        assert_eq!(night.rps_at(0.0), 200.0, "between 23:00 and 01:00");
        assert_eq!(night.rps_at(-60.0), 300.0);
        assert_eq!(Load::Curve(vec![(5.0, 7.0)]).rps_at(900.0), 7.0);
        assert_eq!(Load::Rps(12.5).rps_at(77.0), 12.5);
    }

    #[test]
    fn bad_loads_are_refused() {
        for bad in [
            Load::Rps(-1.0),
            Load::Rps(f64::NAN),
            Load::Rps(1e300),
            Load::Curve(vec![]),
            Load::Curve(vec![(1440.0, 1.0)]),
            Load::Curve(vec![(-0.5, 1.0)]),
            Load::Curve(vec![(3.0, f64::INFINITY)]),
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let mut load = ServiceLoad::default();
        let regions = [Location::new("westeurope")];
        let one = |l: Load| BTreeMap::from([("West Europe".to_string(), l)]);
        assert!(
            load.apply(&one(Load::Rps(5.0)), Some(0.0), &regions)
                .is_err()
        );
        let unknown = BTreeMap::from([("eastus".to_string(), Load::Rps(1.0))]);
        assert!(load.apply(&unknown, None, &regions).is_err());
        assert_eq!(load, ServiceLoad::default());
        assert!(
            load.apply(&one(Load::Rps(5.0)), Some(10.0), &regions)
                .is_ok()
        );
        assert_eq!(load.rps_per_unit, 10.0);
    }

    #[test]
    fn capacity_and_clock() {
        assert_eq!(capacity_percent(1400.0, 2, 1000.0), 70.0);
        assert_eq!(capacity_percent(9000.0, 2, 1000.0), 100.0);
        assert_eq!(capacity_percent(1.0, 0, 1000.0), 100.0);
        assert_eq!(capacity_percent(0.0, 0, 1000.0), 0.0);
        let start: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().expect("valid");
        let clock = Clock::new(start, 0.01, Some(0.0));
        let later = start + jiff::SignedDuration::from_secs(60);
        assert!((clock.minute_of_day(later) - 100.0).abs() < 1e-9);
        let wall = Clock::new(start, 0.0, None);
        assert!((wall.minute_of_day(later) - 601.0).abs() < 1e-9);
    }
}
