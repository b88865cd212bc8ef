//! `status.autoscale`: the decisions as people read them, and the memory (own units, last
//! scale) the next evaluation starts from, so a restarted operator knows which count it set.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::drift::RegionMemory;
use super::evaluation::{RegionDecision, ServiceDecision};
use crate::api::autoscale::{LastAutoscaleDecision, RegionAutoscaleStatus};
use crate::domain::{Location, RegionUnits};

/// The `status.autoscale` list after `decision`, evaluated at `now`. A region's
/// `lastDecision.at` stays as it was while the action, reason and wanted units stay the
/// same, so it says since when the decision holds.
pub fn next_autoscale_status(
    previous: &[RegionAutoscaleStatus],
    decision: &ServiceDecision,
    now: Timestamp,
) -> Vec<RegionAutoscaleStatus> {
    decision
        .regions
        .iter()
        .map(|region| region_status(find(previous, &region.location), region, now))
        .collect()
}

fn find<'a>(
    list: &'a [RegionAutoscaleStatus],
    location: &Location,
) -> Option<&'a RegionAutoscaleStatus> {
    list.iter()
        .find(|entry| &Location::new(&entry.location) == location)
}

fn region_status(
    previous: Option<&RegionAutoscaleStatus>,
    decision: &RegionDecision,
    now: Timestamp,
) -> RegionAutoscaleStatus {
    let unchanged = previous.filter(|p| {
        p.last_decision.action == decision.action
            && p.last_decision.reason == decision.reason
            && p.wanted_units == decision.wanted_units
    });
    let at = unchanged.map_or(Time(now), |p| p.last_decision.at.clone());
    RegionAutoscaleStatus {
        location: decision.location.to_string(),
        metric: decision.metric,
        window_average: decision.window_average.map(|v| (v * 10.0).round() / 10.0),
        minutes_with_data: decision.minutes_with_data,
        units: decision.units,
        wanted_units: decision.wanted_units,
        last_decision: LastAutoscaleDecision {
            at,
            action: decision.action,
            reason: decision.reason,
            message: truncate(&decision.message, 1024),
        },
        next_scale_allowed_at: decision.next_scale_allowed_at.map(Time),
        own_units: decision.memory.own_units,
        last_scale_at: decision.memory.last_scale_at.map(Time),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

/// The memory recorded per region, as [`super::evaluation::AutoscaledRegion::memory`] takes it.
pub fn memory_from_status(status: &[RegionAutoscaleStatus]) -> BTreeMap<Location, RegionMemory> {
    status
        .iter()
        .map(|entry| {
            (
                Location::new(&entry.location),
                RegionMemory {
                    own_units: entry.own_units,
                    last_scale_at: entry.last_scale_at.as_ref().map(|t| t.0),
                },
            )
        })
        .collect()
}

/// The list after an Azure operation that left the regions at `target` succeeded at
/// `finished_at`: every autoscaled region's count becomes the operator's own, and those
/// whose count changed start their cooldowns. Call it for every operation this operator
/// finishes (autoscale's, a schedule's, a spec change's), before the next decision.
pub fn record_operation(
    status: &[RegionAutoscaleStatus],
    target: &[RegionUnits],
    finished_at: Timestamp,
) -> Vec<RegionAutoscaleStatus> {
    status
        .iter()
        .map(|entry| {
            let location = Location::new(&entry.location);
            let Some(units) = target
                .iter()
                .find(|r| r.location == location)
                .map(|r| r.units)
            else {
                return entry.clone();
            };
            let memory = RegionMemory {
                own_units: entry.own_units,
                last_scale_at: entry.last_scale_at.as_ref().map(|t| t.0),
            }
            .after_operation(units, finished_at);
            RegionAutoscaleStatus {
                own_units: memory.own_units,
                last_scale_at: memory.last_scale_at.map(Time),
                ..entry.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::autoscale::{AutoscaleAction, AutoscaleMetric, AutoscaleReason};
    use crate::autoscale::drift::UnitsVerdict;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn decision(action: AutoscaleAction, reason: AutoscaleReason, wanted: u32) -> ServiceDecision {
        ServiceDecision {
            regions: vec![RegionDecision {
                location: Location::new("eastus"),
                metric: AutoscaleMetric::Capacity,
                window_average: Some(85.04),
                minutes_with_data: 30,
                units: Some(3),
                wanted_units: wanted,
                action,
                reason,
                message: "x".repeat(2000),
                next_scale_allowed_at: None,
                units_verdict: Some(UnitsVerdict::AsRecorded),
                memory: RegionMemory {
                    own_units: Some(3),
                    last_scale_at: None,
                },
            }],
            conflict: None,
        }
    }

    #[test]
    fn status_reports_average_decision_and_memory() {
        let now = at("2026-12-01T10:30:00Z");
        let list = next_autoscale_status(
            &[],
            &decision(
                AutoscaleAction::ScaleOut,
                AutoscaleReason::AboveThreshold,
                4,
            ),
            now,
        );
        let entry = &list[0];
        assert_eq!(entry.location, "eastus");
        assert_eq!(entry.window_average, Some(85.0));
        assert_eq!(entry.wanted_units, 4);
        assert_eq!(entry.last_decision.at, Time(now));
        assert_eq!(entry.last_decision.message.chars().count(), 1024);
        assert_eq!(entry.own_units, Some(3));
        assert_eq!(
            memory_from_status(&list)[&Location::new("eastus")].own_units,
            Some(3)
        );
    }

    #[test]
    fn the_decision_time_stays_while_the_decision_does() {
        let first = at("2026-12-01T10:00:00Z");
        let hold = decision(AutoscaleAction::Hold, AutoscaleReason::WithinBand, 3);
        let before = next_autoscale_status(&[], &hold, first);
        let again = next_autoscale_status(&before, &hold, at("2026-12-01T10:05:00Z"));
        assert_eq!(again[0].last_decision.at, Time(first));
        let out = decision(
            AutoscaleAction::ScaleOut,
            AutoscaleReason::AboveThreshold,
            4,
        );
        let later = at("2026-12-01T10:10:00Z");
        let changed = next_autoscale_status(&again, &out, later);
        assert_eq!(changed[0].last_decision.at, Time(later));
    }

    #[test]
    fn a_finished_operation_records_the_new_count_and_starts_the_cooldown() {
        let hold = decision(AutoscaleAction::Hold, AutoscaleReason::WithinBand, 3);
        let list = next_autoscale_status(&[], &hold, at("2026-12-01T10:00:00Z"));
        let done = at("2026-12-01T10:40:00Z");
        let target = [
            RegionUnits {
                location: Location::new("West Europe"),
                units: 2,
            },
            RegionUnits {
                location: Location::new("East US"),
                units: 4,
            },
        ];
        let recorded = record_operation(&list, &target, done);
        assert_eq!(recorded[0].own_units, Some(4));
        assert_eq!(recorded[0].last_scale_at, Some(Time(done)));
        let same = record_operation(&recorded, &target, at("2026-12-01T12:00:00Z"));
        assert_eq!(same[0].last_scale_at, Some(Time(done)), "unchanged count");
    }
}
