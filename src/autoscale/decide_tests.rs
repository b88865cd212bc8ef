//! The decision on the metric as a table: thresholds, the scale-in estimate, cooldowns, the
//! window and its data, bounds. One row per behaviour, named after it, on the scenario of
//! `test_support` (westeurope primary 3 units, eastus 2 units, both 2..8 at 50 %).

use jiff::SignedDuration;

use super::drift::{Bounds, RegionMemory, UnitsVerdict};
use super::test_support::*;
use crate::api::autoscale::AutoscaleAction::{Hold, ScaleIn, ScaleOut};
use crate::api::autoscale::AutoscaleReason::*;
use crate::api::autoscale::{AutoscaleDuration, AutoscaleMetric};
use crate::domain::{Location, Sku};

fn limited_in(s: &mut Scenario, location: &str, out: u32, inward: u32) {
    let rule = &mut s.region(location).rule;
    rule.scale_out_above = out;
    rule.scale_in_below = inward;
}

const ROWS: &[Row] = &[
    (
        "scale out above threshold",
        |s| {
            s.load("East US", 85.0);
        },
        &[(US, ScaleOut, AboveThreshold, 3), (WE, Hold, WithinBand, 3)],
    ),
    (
        "exactly at scaleOutAbove holds",
        |s| {
            s.load("East US", 70.0);
        },
        &[(US, Hold, WithinBand, 2)],
    ),
    (
        "scale in below threshold",
        |s| {
            s.load("West Europe", 20.0);
        },
        &[(WE, ScaleIn, BelowThreshold, 2)],
    ),
    (
        "held by cooldownOut after a recent scale",
        |s| {
            s.load("East US", 85.0);
            s.region(US).memory.last_scale_at = Some(minutes_ago(30));
        },
        &[(US, Hold, CoolingDown, 2)],
    ),
    (
        "scale out once cooldownOut has passed",
        |s| {
            s.load("East US", 85.0);
            s.region(US).memory.last_scale_at = Some(minutes_ago(61));
        },
        &[(US, ScaleOut, AboveThreshold, 3)],
    ),
    (
        "cooldownIn still holds a scale-in after cooldownOut passed",
        |s| {
            s.load("West Europe", 20.0);
            s.region(WE).memory.last_scale_at = Some(minutes_ago(70));
        },
        &[(WE, Hold, CoolingDown, 3)],
    ),
    (
        "scale-in refused because post-scale value would exceed scaleOutAbove",
        |s| {
            limited_in(s, WE, 60, 45);
            s.load("West Europe", 42.0);
        },
        &[(WE, Hold, ScaleInWouldOverflow, 3)],
    ),
    (
        "scale-in allowed while the post-scale estimate stays below scaleOutAbove",
        |s| {
            limited_in(s, WE, 60, 45);
            s.load("West Europe", 38.0);
        },
        &[(WE, ScaleIn, BelowThreshold, 2)],
    ),
    (
        "at maxUnits holds",
        |s| {
            s.units(US, 8).load("East US", 85.0);
        },
        &[(US, Hold, AtMaxUnits, 8)],
    ),
    (
        "a step is clamped to maxUnits",
        |s| {
            s.units(US, 6).load("East US", 85.0);
            s.region(US).rule.step = 3;
        },
        &[(US, ScaleOut, AboveThreshold, 8)],
    ),
    (
        "the tier's limit caps maxUnits",
        |s| {
            single_region(s, Sku::Standard, 4);
            s.load("West Europe", 85.0);
        },
        &[(WE, Hold, AtMaxUnits, 4)],
    ),
    (
        "at minUnits holds",
        |s| {
            s.load("East US", 10.0);
        },
        &[(US, Hold, AtMinUnits, 2)],
    ),
    (
        "below minUnits is brought back at once, without data or cooldown",
        |s| {
            s.units(US, 1)
                .feeds
                .retain(|f| f.location != Some("East US"));
            s.region(US).memory.last_scale_at = Some(minutes_ago(5));
        },
        &[(US, ScaleOut, BelowMinUnits, 2)],
    ),
    (
        "above maxUnits is brought back at once",
        |s| {
            s.units(US, 10);
        },
        &[(US, ScaleIn, AboveMaxUnits, 8)],
    ),
    (
        "a schedule's bounds replace the rule's",
        |s| {
            s.region(US).bounds = Some(Bounds::new(4, 8));
        },
        &[(US, ScaleOut, BelowMinUnits, 4)],
    ),
    (
        "no data for a region holds it",
        |s| {
            s.feeds.retain(|f| f.location != Some("East US"));
        },
        &[(US, Hold, NoData, 2), (WE, Hold, WithinBand, 3)],
    ),
    (
        "too little data in the window holds",
        |s| {
            s.load("East US", 85.0)
                .feeds
                .last_mut()
                .expect("feed")
                .minutes = 14;
        },
        &[(US, Hold, TooLittleData, 2)],
    ),
    (
        "half of the window's minutes is enough data",
        |s| {
            s.load("East US", 85.0)
                .feeds
                .last_mut()
                .expect("feed")
                .minutes = 15;
        },
        &[(US, ScaleOut, AboveThreshold, 3)],
    ),
    (
        "the window starts at the last scale",
        |s| {
            s.load("East US", 85.0)
                .feeds
                .last_mut()
                .expect("feed")
                .minutes = 60;
            let us = s.region(US);
            us.rule.window = AutoscaleDuration::from_minutes(60);
            us.rule.cooldown_out = AutoscaleDuration::from_minutes(30);
            us.memory.last_scale_at = Some(minutes_ago(40));
        },
        &[(US, ScaleOut, AboveThreshold, 3)],
    ),
    (
        "too little data since the last scale holds",
        |s| {
            s.load("East US", 85.0)
                .feeds
                .last_mut()
                .expect("feed")
                .minutes = 60;
            let us = s.region(US);
            us.rule.window = AutoscaleDuration::from_minutes(60);
            us.rule.cooldown_out = AutoscaleDuration::from_minutes(10);
            us.memory.last_scale_at = Some(minutes_ago(20));
        },
        &[(US, Hold, TooLittleData, 2)],
    ),
    (
        "a v2 service scales its one region on the gateway metric",
        |s| {
            single_region(s, Sku::StandardV2, 2);
            s.region(WE).rule.metric = AutoscaleMetric::CpuPercentGateway;
            s.feeds = vec![Feed {
                location: None,
                metric: AutoscaleMetric::CpuPercentGateway,
                average: 90.0,
                minutes: 30,
            }];
        },
        &[(WE, ScaleOut, AboveThreshold, 3)],
    ),
    (
        "a service-wide metric cannot steer one of several regions",
        |s| {
            s.region(US).rule.metric = AutoscaleMetric::CpuPercentGateway;
            s.feeds.push(Feed {
                location: None,
                metric: AutoscaleMetric::CpuPercentGateway,
                average: 90.0,
                minutes: 30,
            });
        },
        &[(US, Hold, NoRegionalValue, 2)],
    ),
];

#[test]
fn metric_decisions() {
    run(ROWS);
}

#[test]
fn a_cooldown_says_when_the_next_scale_is_allowed() {
    let mut s = Scenario::default();
    s.load("East US", 85.0).region(US).memory.last_scale_at = Some(minutes_ago(30));
    let decision = s.decide();
    let us = decision.region(&Location::new(US)).expect("eastus");
    assert_eq!(
        us.next_scale_allowed_at,
        Some(minutes_ago(30) + SignedDuration::from_mins(60))
    );
    assert!(us.message.contains("cooldown of 1h"), "{}", us.message);
    assert_eq!(us.window_average, Some(85.0));
    assert_eq!(us.minutes_with_data, 30);
}

#[test]
fn first_sight_records_the_live_units_without_a_cooldown() {
    let mut s = Scenario::default();
    s.region(WE).memory = RegionMemory::default();
    let decision = s.decide();
    let we = decision.region(&Location::new(WE)).expect("westeurope");
    assert_eq!(we.units_verdict, Some(UnitsVerdict::FirstSeen { live: 3 }));
    assert_eq!(
        we.memory,
        RegionMemory {
            own_units: Some(3),
            last_scale_at: None
        }
    );
    assert_eq!(we.next_scale_allowed_at, None);
}

#[test]
fn messages_carry_the_numbers() {
    let mut s = Scenario::default();
    s.load("East US", 85.0).load("West Europe", 20.0);
    let decision = s.decide();
    let us = &decision.region(&Location::new(US)).expect("eastus").message;
    assert!(
        us.contains("Capacity averaged 85.0 %") && us.contains("from 2 to 3"),
        "{us}"
    );
    let we = &decision
        .region(&Location::new(WE))
        .expect("westeurope")
        .message;
    assert!(we.contains("about 30.0 % afterwards"), "{we}");
}
