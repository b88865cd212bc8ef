//! Property tests over random schedules, windows, zones and instants: nothing panics, the
//! next wake-up is in the future, units come from the spec or the schedule in force, and the
//! gate agrees with the starts and openings the windows offer.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::support::*;
use crate::api;
use crate::schedule::{
    Gate, Timeline, Timetable, UnitsSource, desired_units, effective_units, in_force,
    in_force_index, next_change, next_wakeup, schedule_status, upcoming_changes, window_gate,
};

const CRONS: [&str; 14] = [
    "0 8 * * 1-5",
    "0 19 * * 1-5",
    "30 2 * * *",
    "*/15 * * * *",
    "0 0 13 * 5",
    "0 */6 * * *",
    "30 1 * * 0",
    "0 22 * * *",
    "0 6 * * *",
    "15 3 1 * *",
    "0 0 29 2 *",
    "0 12 * * SAT,SUN",
    "45 23 31 12 *",
    "0 2 * 3,10 0",
];

const ZONES: [&str; 7] = [
    "UTC",
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
];

const REGIONS: [&str; 2] = ["westeurope", "eastus"];

fn arb_cron() -> impl Strategy<Value = String> {
    proptest::sample::select(CRONS.to_vec()).prop_map(String::from)
}

fn arb_zone() -> impl Strategy<Value = String> {
    proptest::sample::select(ZONES.to_vec()).prop_map(String::from)
}

fn arb_duration() -> impl Strategy<Value = String> {
    (1u32..=3000).prop_map(|m| format!("{m}m"))
}

fn arb_schedule(index: usize) -> impl Strategy<Value = api::Schedule> {
    let end = prop_oneof![
        arb_cron().prop_map(|c| (Some(c), None)),
        arb_duration().prop_map(|d| (None, Some(d))),
    ];
    let regions = proptest::sample::subsequence(REGIONS.to_vec(), 1..=2);
    let units = proptest::collection::vec(1u32..=31, 2);
    (arb_cron(), end, arb_zone(), regions, units).prop_map(
        move |(start, (end, duration), time_zone, regions, units)| {
            // Exactly one of end and duration, and an end other than the start.
            let (end, duration) = match end {
                Some(end) if end == start => (None, Some("90m".to_string())),
                end => (end, duration),
            };
            api::Schedule {
                name: format!("s{index}"),
                start,
                end,
                duration,
                time_zone,
                regions: regions
                    .iter()
                    .zip(units)
                    .map(|(location, units)| api::ScheduleRegion {
                        location: location.to_string(),
                        units: Some(units),
                        min_units: None,
                        max_units: None,
                    })
                    .collect(),
            }
        },
    )
}

fn arb_window() -> impl Strategy<Value = api::Window> {
    (arb_cron(), arb_duration()).prop_map(|(start, duration)| api::Window { start, duration })
}

fn arb_windows() -> impl Strategy<Value = Option<api::ChangeWindows>> {
    proptest::option::weighted(
        0.6,
        (
            arb_zone(),
            proptest::collection::vec(arb_window(), 0..=2),
            proptest::collection::vec(arb_window(), 0..=2),
            any::<bool>(),
        )
            .prop_map(
                |(time_zone, allow, deny, allow_overrun)| api::ChangeWindows {
                    time_zone,
                    allow,
                    deny,
                    allow_overrun,
                },
            ),
    )
}

fn arb_timetable() -> impl Strategy<Value = Timetable> {
    let schedules = (0usize..=3).prop_flat_map(|n| (0..n).map(arb_schedule).collect::<Vec<_>>());
    (schedules, arb_windows()).prop_map(|(schedules, change_windows)| {
        let mut spec = spec("");
        spec.schedules = schedules;
        spec.change_windows = change_windows;
        Timetable::from_spec(&spec).unwrap_or_else(|e| panic!("generated spec invalid: {e}"))
    })
}

/// Mostly 2025–2028, sometimes the edges of the calendar.
fn arb_now() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        20 => (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)),
        1 => Just(Timestamp::MAX),
        1 => Just(Timestamp::MIN),
        1 => Just(Timestamp::MAX.checked_sub(SignedDuration::from_hours(1)).unwrap_or(Timestamp::MAX)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_input_makes_the_evaluators_panic(
        timetable in arb_timetable(),
        now in arb_now(),
        lead in 0u64..=240,
        step in 0u64..=600,
        override_allowed in any::<bool>(),
    ) {
        let durations = takes(lead);
        let _ = in_force(&timetable.schedules, now);
        let _ = desired_units(&timetable, now, &durations);
        let _ = next_change(&timetable, now, &durations);
        let _ = schedule_status(&timetable, now, &durations);
        let _ = upcoming_changes(&timetable, now, 2, &durations);
        let _ = next_wakeup(&timetable, now, &durations);
        let _ = window_gate(timetable.windows.as_ref(), now, Duration::from_secs(step * 60), override_allowed);
    }

    #[test]
    fn the_next_wakeup_is_always_in_the_future(
        timetable in arb_timetable(),
        now in arb_now(),
        lead in 0u64..=240,
    ) {
        if let Some(wakeup) = next_wakeup(&timetable, now, &takes(lead)) {
            prop_assert!(wakeup > now, "{wakeup} <= {now}");
        }
    }

    #[test]
    fn units_come_from_the_spec_or_the_one_schedule_in_force(
        timetable in arb_timetable(),
        now in arb_now(),
        lead in 0u64..=240,
    ) {
        let schedule = in_force(&timetable.schedules, now);
        for (region, spec_region) in effective_units(&timetable.regions, schedule).iter().zip(&timetable.regions) {
            match &region.source {
                UnitsSource::Spec => prop_assert_eq!(region.units, spec_region.units),
                UnitsSource::Schedule(name) => {
                    let schedule = schedule.expect("a schedule is in force");
                    prop_assert_eq!(name, &schedule.name);
                    let scheduled = schedule.regions.iter().find(|r| r.location == region.location);
                    prop_assert_eq!(Some(region.units), scheduled.map(|r| r.units));
                }
                UnitsSource::Preparing(_) | UnitsSource::Autoscale => {
                    prop_assert!(false, "effective units are never preparing or autoscaled")
                }
            }
        }
        // What the planner aims at: never below the units in force, each from the spec or
        // one schedule.
        let in_force_now = effective_units(&timetable.regions, schedule);
        for (aimed, current) in desired_units(&timetable, now, &takes(lead)).iter().zip(&in_force_now) {
            prop_assert!(aimed.units >= current.units);
            let from_some_schedule = timetable.schedules.iter().any(|s| {
                s.regions.iter().any(|r| r.location == aimed.location && r.units == aimed.units)
            });
            let from_spec = timetable.regions.iter().any(|r| r.location == aimed.location && r.units == aimed.units);
            prop_assert!(from_spec || from_some_schedule);
        }
    }

    #[test]
    fn the_timeline_agrees_with_the_schedule_in_force_on_both_sides_of_each_change(
        timetable in arb_timetable(),
        now in (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)),
    ) {
        let until = now.checked_add(SignedDuration::from_hours(72)).unwrap_or(now);
        let mut previous = in_force_index(&timetable.schedules, now);
        for transition in Timeline::new(&timetable.schedules, now, until).take(40) {
            prop_assert_eq!(transition.before, previous);
            prop_assert_eq!(in_force_index(&timetable.schedules, transition.at), transition.after, "at {}", transition.at);
            let just_before = transition.at.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(transition.at);
            prop_assert_eq!(in_force_index(&timetable.schedules, just_before), transition.before, "before {}", transition.at);
            previous = transition.after;
        }
    }

    #[test]
    fn the_gate_opens_where_the_windows_say_a_step_may_start(
        timetable in arb_timetable(),
        now in (1_735_689_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)),
        step in 1i64..=300,
    ) {
        let Some(windows) = timetable.windows.as_ref() else { return Ok(()) };
        let step_duration = Duration::from_secs(step as u64 * 60);
        let step = SignedDuration::from_mins(step);
        let earliest = now.checked_sub(SignedDuration::from_hours(8 * 24)).unwrap_or(now);
        if let Some(start) = windows.last_allowed_start(now, step, earliest) {
            prop_assert!(start <= now && start >= earliest);
            prop_assert_eq!(window_gate(Some(windows), start, step_duration, false), Gate::Open, "at {}", start);
        }
        let gate = window_gate(Some(windows), now, step_duration, false);
        if let Some(opening) = gate.next_opening() {
            prop_assert!(opening > now);
            prop_assert_eq!(window_gate(Some(windows), opening, step_duration, false), Gate::Open, "at {}", opening);
        }
    }
}
