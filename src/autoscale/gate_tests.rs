//! Azure's rules and the gates as a table: Azure autoscale settings, operations in flight,
//! one PATCH for several regions, the 25 % scale-in rule, zones, the tier's limit, changes
//! made elsewhere. One row per behaviour, on the scenario of `test_support`.

use jiff::SignedDuration;

use super::decide::rules_needing_metrics;
use super::drift::{Bounds, RegionMemory, UnitsVerdict};
use super::guardrail::GuardrailScope;
use super::settings::SettingsVerdict;
use super::test_support::*;
use crate::api::autoscale::AutoscaleAction::{Hold, ScaleIn, ScaleOut};
use crate::api::autoscale::AutoscaleReason::*;
use crate::api::autoscale::{AzureAutoscaleMode, RegionAutoscale};
use crate::domain::{Location, RegionUnits, Sku};

const ROWS: &[Row] = &[
    (
        "unreadable metrics hold every region",
        |s| {
            s.metrics_error = Some("HTTP 429");
        },
        &[
            (US, Hold, MetricsUnavailable, 2),
            (WE, Hold, MetricsUnavailable, 3),
        ],
    ),
    (
        "an operation running holds every region",
        |s| {
            s.operation_running = true;
            s.units(US, 10).load("East US", 85.0);
        },
        &[
            (US, Hold, OperationRunning, 10),
            (WE, Hold, OperationRunning, 3),
        ],
    ),
    (
        "conflict with an Azure setting stalls every autoscaled region",
        |s| {
            s.settings = SettingsVerdict::Targets(azure_setting());
            s.load("East US", 85.0);
        },
        &[
            (US, Hold, AutoscaleConflict, 2),
            (WE, Hold, AutoscaleConflict, 3),
        ],
    ),
    (
        "unreadable settings hold rather than risk a fight",
        |s| {
            s.settings = SettingsVerdict::Unknown("HTTP 403 AuthorizationFailed".into());
        },
        &[(US, Hold, AutoscaleSettingsUnknown, 2)],
    ),
    (
        "PrimaryOnly leaves the primary alone",
        |s| {
            s.mode = AzureAutoscaleMode::PrimaryOnly;
            s.settings = SettingsVerdict::Targets(azure_setting());
            s.load("West Europe", 85.0).load("East US", 85.0);
        },
        &[
            (WE, Hold, LeftToAzureAutoscale, 3),
            (US, ScaleOut, AboveThreshold, 3),
        ],
    ),
    (
        "PrimaryOnly needs no settings read",
        |s| {
            s.mode = AzureAutoscaleMode::PrimaryOnly;
            s.settings = SettingsVerdict::Unknown("HTTP 403".into());
            s.load("East US", 85.0);
        },
        &[(US, ScaleOut, AboveThreshold, 3)],
    ),
    (
        "two regions in one PATCH",
        |s| {
            s.units(US, 4)
                .load("West Europe", 85.0)
                .load("East US", 20.0);
        },
        &[
            (WE, ScaleOut, AboveThreshold, 4),
            (US, ScaleIn, BelowThreshold, 3),
        ],
    ),
    (
        "25 % rule respected at 20 units",
        |s| {
            s.units(US, 20);
        },
        &[(US, ScaleIn, AboveMaxUnits, 15)],
    ),
    (
        "25 % rule limits a large metric step",
        |s| {
            s.units(US, 20).load("East US", 10.0);
            s.region(US).rule = RegionAutoscale {
                step: 8,
                ..RegionAutoscale::with_bounds(2, 31)
            };
        },
        &[(US, ScaleIn, BelowThreshold, 15)],
    ),
    (
        "service-wide 25 % rule shares one allowance",
        |s| {
            for location in [WE, US] {
                s.units(location, 10).region(location).rule = RegionAutoscale {
                    step: 3,
                    ..RegionAutoscale::with_bounds(2, 12)
                };
            }
            s.load("West Europe", 10.0).load("East US", 10.0);
        },
        &[
            (WE, ScaleIn, BelowThreshold, 7),
            (US, ScaleIn, BelowThreshold, 8),
        ],
    ),
    (
        "region-scoped 25 % rule lets both regions scale in fully",
        |s| {
            for location in [WE, US] {
                s.units(location, 10).region(location).rule = RegionAutoscale {
                    step: 3,
                    ..RegionAutoscale::with_bounds(2, 12)
                };
            }
            s.guardrail.scope = GuardrailScope::Region;
            s.load("West Europe", 10.0).load("East US", 10.0);
        },
        &[
            (WE, ScaleIn, BelowThreshold, 7),
            (US, ScaleIn, BelowThreshold, 7),
        ],
    ),
    (
        "a count changed elsewhere within bounds is adopted, not undone",
        |s| {
            s.live[1].1 = 5;
            s.load("East US", 85.0);
        },
        &[(US, Hold, ChangedElsewhere, 5)],
    ),
    (
        "a count changed elsewhere outside bounds is undone",
        |s| {
            s.live[1].1 = 10;
        },
        &[(US, ScaleIn, AboveMaxUnits, 8)],
    ),
    (
        "zone-pinned units move in multiples of the zones",
        |s| {
            s.live[1] = (US, 3, 3);
            s.units(US, 3).load("East US", 85.0);
        },
        &[(US, ScaleOut, AboveThreshold, 6)],
    ),
    (
        "zones that leave no valid count hold",
        |s| {
            s.live[1] = (US, 4, 3);
            s.units(US, 4).region(US).bounds = Some(Bounds::new(4, 5));
        },
        &[(US, Hold, ZonesLeaveNoValidCount, 4)],
    ),
    (
        "a region not live yet starts at minUnits",
        |s| {
            s.regions.push(Scaled {
                location: "northeurope",
                rule: RegionAutoscale::with_bounds(3, 8),
                bounds: None,
                memory: RegionMemory::default(),
            });
        },
        &[("northeurope", Hold, RegionNotLive, 3)],
    ),
    (
        "invalid bounds hold",
        |s| {
            s.region(US).bounds = Some(Bounds::new(5, 3));
        },
        &[(US, Hold, InvalidBounds, 2)],
    ),
    (
        "minUnits above the tier's limit holds",
        |s| {
            single_region(s, Sku::Standard, 2);
            s.region(WE).rule = RegionAutoscale::with_bounds(5, 8);
        },
        &[(WE, Hold, BoundsBeyondTierLimit, 2)],
    ),
];

#[test]
fn rule_and_gate_decisions() {
    run(ROWS);
}

#[test]
fn two_regions_that_change_go_into_one_combined_target() {
    let mut s = Scenario::default();
    s.units(US, 4)
        .load("West Europe", 85.0)
        .load("East US", 20.0);
    let decision = s.decide();
    let unit = |location: &str, units| RegionUnits {
        location: Location::new(location),
        units,
    };
    assert_eq!(decision.changes(), vec![unit(WE, 4), unit(US, 3)]);
    assert_eq!(decision.wanted_units(), vec![unit(WE, 4), unit(US, 3)]);
    s.load("East US", 50.0);
    let one = s.decide();
    assert_eq!(one.changes(), vec![unit(WE, 4)]);
    assert_eq!(
        one.wanted_units(),
        vec![unit(WE, 4), unit(US, 4)],
        "held regions keep their units"
    );
}

#[test]
fn a_conflict_names_the_setting_for_the_stalled_condition() {
    let mut s = Scenario {
        settings: SettingsVerdict::Targets(azure_setting()),
        ..Scenario::default()
    };
    let decision = s.decide();
    assert_eq!(decision.conflict, Some(azure_setting()));
    assert!(decision.changes().is_empty());
    let message = &decision.regions[0].message;
    assert!(
        message.contains("apim-scale") && message.contains("PrimaryOnly"),
        "{message}"
    );
    s.mode = AzureAutoscaleMode::PrimaryOnly;
    assert_eq!(s.decide().conflict, None);
}

#[test]
fn adopting_a_change_records_it_and_restarts_the_cooldowns() {
    let mut s = Scenario::default();
    s.live[1].1 = 5;
    let decision = s.decide();
    let us = decision.region(&Location::new(US)).expect("eastus");
    assert_eq!(
        us.units_verdict,
        Some(UnitsVerdict::ChangedElsewhere {
            recorded: 2,
            live: 5
        })
    );
    assert_eq!(
        us.memory,
        RegionMemory {
            own_units: Some(5),
            last_scale_at: Some(now())
        }
    );
    assert_eq!(
        us.next_scale_allowed_at,
        Some(now() + SignedDuration::from_mins(60))
    );
    assert!(us.message.contains("from 2 to 5"), "{}", us.message);
    let mut later = s.clone();
    later.region(US).memory = us.memory;
    let next = later.decide();
    let us = next.region(&Location::new(US)).expect("eastus");
    assert_eq!(us.units_verdict, Some(UnitsVerdict::AsRecorded));
}

#[test]
fn drift_outside_the_bounds_is_reported_while_undone() {
    let mut s = Scenario::default();
    s.live[1].1 = 10;
    let decision = s.decide();
    let us = decision.region(&Location::new(US)).expect("eastus");
    assert_eq!(
        us.units_verdict,
        Some(UnitsVerdict::OutOfBounds {
            live: 10,
            target: 8,
            changed_elsewhere: true
        })
    );
    assert!(us.message.contains("changed elsewhere"), "{}", us.message);
}

/// The units eastus passes through from 20 to maxUnits 4, one decision per operation.
fn scale_in_path(scope: GuardrailScope) -> Vec<u32> {
    let mut s = Scenario::default();
    s.guardrail.scope = scope;
    s.region(US).bounds = Some(Bounds::new(2, 4));
    s.units(US, 20);
    let mut path = vec![20];
    for _ in 0..10 {
        let decision = s.decide();
        let us = decision.region(&Location::new(US)).expect("eastus");
        if us.action == Hold {
            break;
        }
        path.push(us.wanted_units);
        s.units(US, us.wanted_units);
    }
    path
}

#[test]
fn a_big_scale_in_goes_in_steps_azure_accepts() {
    assert_eq!(scale_in_path(GuardrailScope::Region), vec![20, 15, 4]);
    // westeurope's 3 units count too when the rule is read for the whole service:
    // 23 units lose at most 5, 18 at most 4, 14 any number.
    assert_eq!(scale_in_path(GuardrailScope::Service), vec![20, 15, 11, 4]);
    assert_eq!(scale_in_path(GuardrailScope::Both), vec![20, 15, 11, 4]);
}

#[test]
fn metrics_are_read_only_for_regions_that_can_scale() {
    let s = Scenario::default();
    let live = s.live_service();
    let regions = s.autoscaled();
    let rules = |mode, settings: &SettingsVerdict| {
        rules_needing_metrics(&regions, &live, mode, settings).len()
    };
    let conflict = SettingsVerdict::Targets(azure_setting());
    let unknown = SettingsVerdict::Unknown("HTTP 403".into());
    assert_eq!(
        rules(AzureAutoscaleMode::Conflict, &SettingsVerdict::NoneFound),
        2
    );
    assert_eq!(rules(AzureAutoscaleMode::Conflict, &conflict), 0);
    assert_eq!(rules(AzureAutoscaleMode::Conflict, &unknown), 0);
    assert_eq!(
        rules(AzureAutoscaleMode::PrimaryOnly, &conflict),
        1,
        "not the primary"
    );
    assert_eq!(rules(AzureAutoscaleMode::PrimaryOnly, &unknown), 1);
}
