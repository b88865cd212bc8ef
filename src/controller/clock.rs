//! What the clock means for the glue around a decision, as pure functions: the Events of a
//! schedule starting or ending, and when to look at a resource again (the earliest of the
//! verdict's requeue and the next instant a schedule or change window changes anything,
//! never later than the resync).

use std::time::Duration;

use jiff::Timestamp;

use super::events::{EventReason, Note};
use crate::api::ApimCapacityStatus;

/// `ScheduleStarted` / `ScheduleEnded` Events when the schedule in force changes between
/// `previous` and `next`.
pub fn schedule_transitions(previous: &ApimCapacityStatus, next: &ApimCapacityStatus) -> Vec<Note> {
    let in_force = |s: &ApimCapacityStatus| s.schedule.as_ref().and_then(|s| s.in_force.clone());
    let (before, after) = (in_force(previous), in_force(next));
    if before == after {
        return Vec::new();
    }
    let mut notes = Vec::new();
    if let Some(ended) = &before {
        let now = match &after {
            Some(name) => format!("schedule {name} is in force"),
            None => "spec.regions apply".to_string(),
        };
        notes.push(Note::normal(
            EventReason::ScheduleEnded,
            format!("Schedule {ended} is no longer in force; {now}"),
        ));
    }
    if let Some(started) = &after {
        let source = format!("schedule {started}");
        let units: Vec<String> = next
            .effective
            .iter()
            .filter(|r| r.source == source)
            .map(|r| format!("{} {} units", r.location, r.units))
            .collect();
        let units = match units.is_empty() {
            true => String::new(),
            false => format!(": {}", units.join(", ")),
        };
        notes.push(Note::normal(
            EventReason::ScheduleStarted,
            format!("Schedule {started} is in force{units}"),
        ));
    }
    notes
}

/// How long until the resource is looked at again: `base` (from the verdict's requeue;
/// `None` = only when it changes), brought forward to `wake_at` when that comes sooner, and
/// never later than `resync`.
pub fn next_look(
    base: Option<Duration>,
    wake_at: Option<Timestamp>,
    now: Timestamp,
    resync: Duration,
) -> Option<Duration> {
    let wake = wake_at.map(|at| {
        let until = Duration::try_from(now.duration_until(at)).unwrap_or(Duration::ZERO);
        until.min(resync)
    });
    match (base, wake) {
        (Some(base), Some(wake)) => Some(base.min(wake)),
        (base, wake) => base.or(wake),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{EffectiveRegionStatus, ScheduleStatus};

    fn with_schedule(in_force: Option<&str>) -> ApimCapacityStatus {
        ApimCapacityStatus {
            schedule: Some(Box::new(ScheduleStatus {
                in_force: in_force.map(String::from),
                next_change: None,
            })),
            effective: vec![
                EffectiveRegionStatus {
                    location: "westeurope".into(),
                    units: 6,
                    source: in_force.map_or("spec".into(), |n| format!("schedule {n}")),
                },
                EffectiveRegionStatus {
                    location: "eastus".into(),
                    units: 1,
                    source: "spec".into(),
                },
            ],
            ..ApimCapacityStatus::default()
        }
    }

    fn notes(previous: Option<&str>, next: Option<&str>) -> Vec<(&'static str, String)> {
        schedule_transitions(&with_schedule(previous), &with_schedule(next))
            .into_iter()
            .map(|n| (n.reason.as_str(), n.note))
            .collect()
    }

    #[test]
    fn a_schedule_starting_and_ending_is_announced_once() {
        assert_eq!(
            notes(None, Some("business-hours")),
            [(
                "ScheduleStarted",
                "Schedule business-hours is in force: westeurope 6 units".to_string()
            )]
        );
        assert_eq!(
            notes(Some("business-hours"), None),
            [(
                "ScheduleEnded",
                "Schedule business-hours is no longer in force; spec.regions apply".to_string()
            )]
        );
        assert!(notes(Some("business-hours"), Some("business-hours")).is_empty());
        assert!(notes(None, None).is_empty());
        let reasons: Vec<_> = notes(Some("business-hours"), Some("month-end"))
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(reasons, ["ScheduleEnded", "ScheduleStarted"]);
    }

    #[test]
    fn the_earliest_look_wins_and_never_after_the_resync() {
        let now: Timestamp = "2027-01-15T08:00Z".parse().expect("instant");
        let resync = Duration::from_secs(600);
        let at = |secs: i64| now.checked_add(jiff::SignedDuration::from_secs(secs)).ok();
        let secs = |s: u64| Some(Duration::from_secs(s));
        assert_eq!(next_look(secs(600), at(90), now, resync), secs(90));
        assert_eq!(next_look(secs(10), at(90), now, resync), secs(10));
        assert_eq!(next_look(secs(600), None, now, resync), secs(600));
        assert_eq!(next_look(None, at(3_600), now, resync), secs(600));
        assert_eq!(next_look(None, None, now, resync), None);
        assert_eq!(
            next_look(secs(600), at(-5), now, resync),
            secs(0),
            "a wake-up already due looks again at once"
        );
    }
}
