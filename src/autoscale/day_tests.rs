//! The simulated day's loop counts honestly: static unit-hours are units × 24, every unit
//! change is an operation's end, pressure minutes follow from load and units, and the
//! benchmark's claim holds.

use super::day::{DayPlan, DayResult, PRESSURE_PERCENT, Way, benchmark_rule, peak_units, simulate};
use super::model::{MINUTES_PER_DAY, capacity_percent};

fn plan() -> DayPlan {
    DayPlan::realistic(benchmark_rule())
}

/// Recounts a result from its per-minute units and loads.
fn recount(plan: &DayPlan, day: &DayResult) -> (u64, u32) {
    let mut unit_minutes = 0;
    let mut over = 0;
    for minute in 0..MINUTES_PER_DAY as usize {
        let mut any = false;
        for (units, load) in day.units.iter().zip(&day.load) {
            unit_minutes += u64::from(units[minute]);
            any |=
                capacity_percent(load[minute], units[minute], plan.rps_per_unit) > PRESSURE_PERCENT;
        }
        over += u32::from(any);
    }
    (unit_minutes, over)
}

/// Minutes at which some region's units differ from the minute before.
fn unit_changes(day: &DayResult) -> u32 {
    (1..MINUTES_PER_DAY as usize)
        .filter(|&m| day.units.iter().any(|u| u[m] != u[m - 1]))
        .count() as u32
}

#[test]
fn the_static_way_is_peak_units_around_the_clock_without_operations() {
    let plan = plan();
    let day = simulate(&plan, Way::StaticPeak);
    let peak = peak_units(&plan);
    assert_eq!(peak, [6, 5, 2], "the model's documented peaks at 70 %");
    let total: u32 = peak.iter().sum();
    assert_eq!(day.unit_minutes, u64::from(total) * 24 * 60);
    assert_eq!(day.unit_hours(), f64::from(total) * 24.0);
    assert_eq!(day.operations, 0);
    assert_eq!(unit_changes(&day), 0);
    assert_eq!(recount(&plan, &day), (day.unit_minutes, day.minutes_over));
}

#[test]
fn autoscaling_ways_count_every_operation_and_unit_minute() {
    let plan = plan();
    for way in [Way::PrimaryOnly, Way::EveryRegion] {
        let day = simulate(&plan, way);
        assert_eq!(
            recount(&plan, &day),
            (day.unit_minutes, day.minutes_over),
            "{way:?}"
        );
        assert!(day.operations > 0, "{way:?}");
        // Each change of units is the end of one operation; one started late on the day
        // before may end on this one, one started late on this day may end on the next.
        let changes = unit_changes(&day);
        assert!(
            changes.abs_diff(day.operations) <= 1,
            "{way:?}: {changes} changes, {} operations",
            day.operations
        );
        if way == Way::PrimaryOnly {
            let fixed = &day.units[1..];
            assert!(
                fixed
                    .iter()
                    .zip(&peak_units(&plan)[1..])
                    .all(|(u, p)| u.iter().all(|x| x == p))
            );
        }
        for units in &day.units {
            assert!(
                units
                    .iter()
                    .all(|u| (plan.rule.min_units..=plan.rule.max_units).contains(u))
            );
        }
    }
}

#[test]
fn apimcap_saves_a_third_of_the_unit_hours_without_more_pressure() {
    let plan = plan();
    let [fixed, primary, every] = Way::ALL.map(|w| simulate(&plan, w));
    assert!(every.unit_hours() <= 0.7 * fixed.unit_hours());
    assert!(every.minutes_over <= primary.minutes_over);
    assert_eq!(simulate(&plan, Way::EveryRegion), every, "deterministic");
}
