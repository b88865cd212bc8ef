//! The load model the simulator and the benchmarks share: a realistic day of requests in
//! three regions (a morning peak in Europe, an evening one in the US, a spike) and the
//! `Capacity` a region shows for a load on a number of units.

use jiff::Timestamp;

use crate::domain::Location;

/// Minutes in a day.
pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// Requests per second one unit serves at 100 % `Capacity` in this model. A model
/// parameter for tests and benchmarks, not a figure Microsoft publishes.
pub const DEFAULT_RPS_PER_UNIT: f64 = 1_000.0;

/// The `Capacity` (percent) of a region serving `load_rps` on `units` units that serve
/// `rps_per_unit` each at 100 %: `load / (units × rps_per_unit) × 100`, clamped to 0–100.
/// No units (or no throughput) with load reads 100 %; anything not a number reads 0 %.
pub fn capacity_percent(load_rps: f64, units: u32, rps_per_unit: f64) -> f64 {
    let load = if load_rps.is_finite() {
        load_rps.max(0.0)
    } else {
        0.0
    };
    let throughput = f64::from(units) * rps_per_unit;
    if !(throughput.is_finite() && throughput > 0.0) {
        return if load > 0.0 { 100.0 } else { 0.0 };
    }
    (load / throughput * 100.0).clamp(0.0, 100.0)
}

/// The fewest units that keep `load_rps` at or below `target_percent` `Capacity`, at least
/// 1: the ideal count a benchmark compares autoscale with.
pub fn units_needed(load_rps: f64, rps_per_unit: f64, target_percent: f64) -> u32 {
    let per_unit = rps_per_unit * target_percent / 100.0;
    if !(load_rps.is_finite() && per_unit.is_finite() && per_unit > 0.0) || load_rps <= 0.0 {
        return 1;
    }
    let needed = (load_rps / per_unit).ceil();
    if needed >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        (needed as u32).max(1)
    }
}

/// A smooth daily peak: a raised cosine around `center_minute` (UTC), `width_minutes`
/// from foot to foot, adding up to `extra_rps` at its top. Wraps around midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    pub center_minute: u32,
    pub width_minutes: u32,
    pub extra_rps: f64,
}

/// A sudden burst: `extra_rps` for `minutes` from `start_minute` (UTC).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub start_minute: u32,
    pub minutes: u32,
    pub extra_rps: f64,
}

/// The load of one region over a day.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    pub location: Location,
    /// The load at the quietest time.
    pub base_rps: f64,
    pub peaks: Vec<Peak>,
    pub spikes: Vec<Spike>,
    /// Minute-to-minute jitter, as a fraction (0.03 = ±3 %); deterministic per minute.
    pub jitter: f64,
}

impl LoadProfile {
    /// The load at `minute` of the day (taken modulo a day).
    pub fn rps_at(&self, minute: u32) -> f64 {
        let minute = minute % MINUTES_PER_DAY;
        let peaks: f64 = self.peaks.iter().map(|p| peak_rps(p, minute)).sum();
        let spikes: f64 = self
            .spikes
            .iter()
            .filter(|s| {
                (minute + MINUTES_PER_DAY - s.start_minute % MINUTES_PER_DAY) % MINUTES_PER_DAY
                    < s.minutes
            })
            .map(|s| s.extra_rps)
            .sum();
        let smooth = self.base_rps + peaks + spikes;
        (smooth * (1.0 + self.jitter * noise(&self.location, minute))).max(0.0)
    }

    /// The load at a moment (UTC).
    pub fn rps_at_time(&self, at: Timestamp) -> f64 {
        self.rps_at(minute_of_day(at))
    }

    /// One value per minute of the day, from midnight UTC.
    pub fn day(&self) -> Vec<f64> {
        (0..MINUTES_PER_DAY).map(|m| self.rps_at(m)).collect()
    }
}

/// The minute of the day (UTC) of a moment.
pub fn minute_of_day(at: Timestamp) -> u32 {
    u32::try_from(at.as_second().rem_euclid(86_400) / 60).unwrap_or(0)
}

fn peak_rps(peak: &Peak, minute: u32) -> f64 {
    let half = f64::from(peak.width_minutes.max(1)) / 2.0;
    let apart = minute.abs_diff(peak.center_minute % MINUTES_PER_DAY);
    let distance = f64::from(apart.min(MINUTES_PER_DAY - apart));
    if distance >= half {
        return 0.0;
    }
    peak.extra_rps * (1.0 + (std::f64::consts::PI * distance / half).cos()) / 2.0
}

/// A repeatable value in [-1, 1] per region and minute (SplitMix64 of both).
fn noise(location: &Location, minute: u32) -> f64 {
    let seed = location
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    let mut z = seed.wrapping_add(u64::from(minute).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// A realistic day for a three-region Premium service, in UTC:
/// - westeurope: office hours, peaking at 09:00 (and a smaller one at 14:00), with a
///   15-minute spike at 11:00 (a campaign going out);
/// - eastus: an evening peak around 23:00 UTC (18:00 in New York);
/// - southeastasia: a modest day peak around 05:00 UTC.
///
/// With [`DEFAULT_RPS_PER_UNIT`], westeurope needs about 2 units at night and 6 at its
/// peak at 70 %, eastus 1 and 5, southeastasia 1 and 2.
pub fn realistic_day() -> Vec<LoadProfile> {
    let minute = |h: u32, m: u32| h * 60 + m;
    vec![
        LoadProfile {
            location: Location::new("westeurope"),
            base_rps: 900.0,
            peaks: vec![
                Peak {
                    center_minute: minute(9, 0),
                    width_minutes: 300,
                    extra_rps: 3_000.0,
                },
                Peak {
                    center_minute: minute(14, 0),
                    width_minutes: 240,
                    extra_rps: 1_800.0,
                },
            ],
            spikes: vec![Spike {
                start_minute: minute(11, 0),
                minutes: 15,
                extra_rps: 2_500.0,
            }],
            jitter: 0.03,
        },
        LoadProfile {
            location: Location::new("eastus"),
            base_rps: 500.0,
            peaks: vec![Peak {
                center_minute: minute(23, 0),
                width_minutes: 360,
                extra_rps: 2_800.0,
            }],
            spikes: Vec::new(),
            jitter: 0.03,
        },
        LoadProfile {
            location: Location::new("southeastasia"),
            base_rps: 300.0,
            peaks: vec![Peak {
                center_minute: minute(5, 0),
                width_minutes: 300,
                extra_rps: 900.0,
            }],
            spikes: Vec::new(),
            jitter: 0.03,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_load_over_throughput_clamped() {
        assert_eq!(capacity_percent(1_400.0, 2, 1_000.0), 70.0);
        assert_eq!(capacity_percent(5_000.0, 2, 1_000.0), 100.0);
        assert_eq!(capacity_percent(-3.0, 2, 1_000.0), 0.0);
        assert_eq!(capacity_percent(f64::NAN, 2, 1_000.0), 0.0);
        assert_eq!(capacity_percent(10.0, 0, 1_000.0), 100.0);
        assert_eq!(capacity_percent(0.0, 0, 1_000.0), 0.0);
        assert_eq!(capacity_percent(10.0, 3, f64::INFINITY), 100.0);
    }

    #[test]
    fn units_needed_keeps_capacity_at_or_below_the_target() {
        assert_eq!(units_needed(1_400.0, 1_000.0, 70.0), 2);
        assert_eq!(units_needed(1_401.0, 1_000.0, 70.0), 3);
        assert_eq!(units_needed(0.0, 1_000.0, 70.0), 1);
        assert_eq!(units_needed(1e300, 1e-300, 70.0), u32::MAX);
        for load in [10.0, 999.0, 4_321.0, 12_000.0] {
            let units = units_needed(load, 1_000.0, 70.0);
            assert!(capacity_percent(load, units, 1_000.0) <= 70.0 + 1e-9);
        }
    }

    #[test]
    fn the_day_has_its_peaks_where_the_users_are() {
        let day = realistic_day();
        let names: Vec<&str> = day.iter().map(|p| p.location.as_str()).collect();
        assert_eq!(names, ["westeurope", "eastus", "southeastasia"]);
        let europe = &day[0];
        let us = &day[1];
        assert!(
            europe.rps_at(9 * 60) > 3.0 * europe.rps_at(2 * 60),
            "European morning"
        );
        assert!(
            us.rps_at(23 * 60) > 3.0 * us.rps_at(12 * 60),
            "American evening"
        );
        assert!(
            us.rps_at(30) > us.rps_at(12 * 60),
            "the evening peak wraps past midnight"
        );
        let before = europe.rps_at(11 * 60 - 1);
        assert!(europe.rps_at(11 * 60) > before + 2_000.0, "the spike");
        assert!(europe.rps_at(11 * 60 + 15) < europe.rps_at(11 * 60 + 14) - 2_000.0);
    }

    #[test]
    fn the_day_is_repeatable_and_sane() {
        let a = realistic_day();
        let b = realistic_day();
        for (x, y) in a.iter().zip(&b) {
            let (dx, dy) = (x.day(), y.day());
            assert_eq!(dx, dy);
            assert_eq!(dx.len(), MINUTES_PER_DAY as usize);
            assert!(dx.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
        let peak_units = a[0]
            .day()
            .iter()
            .map(|&rps| units_needed(rps, DEFAULT_RPS_PER_UNIT, 70.0))
            .max();
        assert!(matches!(peak_units, Some(6..=9)), "{peak_units:?}");
    }

    #[test]
    fn minutes_of_the_day_are_utc() {
        let at: Timestamp = "2026-12-01T09:30:59Z".parse().expect("valid");
        assert_eq!(minute_of_day(at), 9 * 60 + 30);
        let before_epoch: Timestamp = "1969-12-31T23:59:00Z".parse().expect("valid");
        assert_eq!(minute_of_day(before_epoch), MINUTES_PER_DAY - 1);
        let europe = &realistic_day()[0];
        assert_eq!(europe.rps_at_time(at), europe.rps_at(570));
    }
}
