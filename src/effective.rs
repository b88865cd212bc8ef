//! The effective capacity (DESIGN §9, step 2): what the planner is asked to reach at an
//! instant, region by region, and where each number comes from. Pure: the spec, its parsed
//! schedules, the instant and the expected durations in; no I/O, no clock reads.
//!
//! 1. `spec.regions[]` give every region's units (source `spec`).
//! 2. The schedule in force replaces the units of the regions it lists (source `schedule
//!    NAME`; the later entry wins). A scale-up a schedule will make is aimed at from its
//!    preparation on (source `schedule NAME (preparing)`): the p90 of a Scale step before
//!    the schedule starts, or the last moment before that the change windows allow, so that
//!    it is finished on time. A scale-down waits for the change itself (never early).
//! 3. An autoscaled region's units come from the autoscale decision inside the range in
//!    force ([`autoscale`]: the region's `minUnits`/`maxUnits`, or a schedule's), starting
//!    from its live units clamped into that range (source `autoscale`);
//!    [`EffectiveCapacity::desired`] is always built from [`EffectiveCapacity::regions`].
//!
//! The tier and the set of regions always come from the spec: a schedule changes units only.

mod autoscale;

pub use autoscale::{AutoscaleRange, autoscale_ranges};

use jiff::Timestamp;

use crate::api::{ApimCapacitySpec, ApimCapacityStatus, EffectiveRegionStatus, ScheduleStatus};
use crate::domain::{DesiredCapacity, Location};
use crate::schedule::{
    EffectiveRegion, ExpectedDuration, Timetable, UnitsSource, desired_units,
    keep_started_preparation,
};

/// The units of every region of the spec that the operator aims at, with their sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveCapacity {
    /// One entry per region of `spec.regions`, in spec order.
    pub regions: Vec<EffectiveRegion>,
}

/// What status shows of the capacity aimed at: `status.effective` and `status.schedule`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aim {
    /// `status.effective`.
    pub effective: Vec<EffectiveRegionStatus>,
    /// `status.schedule` (`None` without schedules).
    pub schedule: Option<ScheduleStatus>,
}

/// The capacity to aim at `now`: the spec's units, replaced by the schedule in force, raised
/// for every scale-up whose preparation has started.
pub fn effective_capacity(
    timetable: &Timetable,
    now: Timestamp,
    durations: &impl ExpectedDuration,
) -> EffectiveCapacity {
    EffectiveCapacity {
        regions: desired_units(timetable, now, durations),
    }
}

impl EffectiveCapacity {
    /// The planner's input: the spec's tier, regions and zones with these units.
    pub fn desired(&self, spec: &ApimCapacitySpec) -> DesiredCapacity {
        let mut desired = spec.desired();
        for region in &mut desired.regions {
            if let Some(effective) = self.regions.iter().find(|e| e.location == region.location) {
                region.units = effective.units;
            }
        }
        desired
    }

    /// A scale-up the previous reconcile was already preparing (its `status.effective`
    /// names `schedule NAME (preparing)` and its `status.schedule` the change) stays aimed
    /// at until that change, even when durations learned since would start it later.
    pub fn keep_preparation_of(
        &mut self,
        timetable: &Timetable,
        previous: &ApimCapacityStatus,
        now: Timestamp,
    ) {
        let Some(next) = previous
            .schedule
            .as_ref()
            .and_then(|s| s.next_change.as_ref())
        else {
            return;
        };
        let preparing = format!("schedule {} (preparing)", next.schedule);
        if previous.effective.iter().any(|r| r.source == preparing) {
            keep_started_preparation(timetable, now, &mut self.regions, &next.schedule, next.at.0);
        }
    }

    /// `status.schedule` as worked out now, except that while a started preparation is kept
    /// (see [`Self::keep_preparation_of`]) its change keeps the earlier preparation start
    /// status showed, not the later one the durations learned since would give.
    pub fn schedule_status(
        &self,
        now: Option<ScheduleStatus>,
        previous: &ApimCapacityStatus,
    ) -> Option<ScheduleStatus> {
        let mut status = now?;
        let before = previous
            .schedule
            .as_ref()
            .and_then(|s| s.next_change.as_ref());
        if let (Some(next), Some(before)) = (status.next_change.as_mut(), before) {
            let same = next.at == before.at && next.schedule == before.schedule;
            let preparing = self.regions.iter().any(
                |r| matches!(&r.source, UnitsSource::Preparing(name) if *name == next.schedule),
            );
            if same && preparing && before.preparation_starts_at.0 < next.preparation_starts_at.0 {
                next.preparation_starts_at = before.preparation_starts_at.clone();
            }
        }
        Some(status)
    }

    /// `status.effective`.
    pub fn status(&self) -> Vec<EffectiveRegionStatus> {
        self.regions
            .iter()
            .map(|r| EffectiveRegionStatus {
                location: r.location.to_string(),
                units: r.units,
                source: r.source.to_string(),
            })
            .collect()
    }

    /// Whether the units aimed at differ from those the previous reconcile aimed at (its
    /// `status.effective`, or the spec's units when it recorded none): the clock moved the
    /// target, so a service that no longer matches it has not drifted.
    pub fn moved_since(&self, previous: &ApimCapacityStatus, spec: &ApimCapacitySpec) -> bool {
        let before: Vec<(Location, u32)> = if previous.effective.is_empty() {
            spec.regions
                .iter()
                .map(|r| (Location::new(&r.location), r.fixed_or_min_units()))
                .collect()
        } else {
            previous
                .effective
                .iter()
                .map(|r| (Location::new(&r.location), r.units))
                .collect()
        };
        // An autoscaled region moves with the autoscale decision, which says so itself.
        let fixed = self
            .regions
            .iter()
            .filter(|r| r.source != UnitsSource::Autoscale);
        fixed.clone().any(|region| {
            before
                .iter()
                .find(|(location, _)| *location == region.location)
                .is_none_or(|(_, units)| *units != region.units)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::UnitsSource;
    use std::time::Duration;

    fn spec(extra: &str) -> ApimCapacitySpec {
        let yaml = format!(
            "service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg, name: apim}}\n\
             sku: Premium\n\
             regions:\n  - {{location: West Europe, units: 2, zones: ['1', '2']}}\n  - {{location: eastus, units: 1}}\n{extra}"
        );
        serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("bad test spec: {e}\n{yaml}"))
    }

    const BUSINESS_HOURS: &str = "\
schedules:
  - name: business-hours
    start: \"0 8 * * 1-5\"
    end: \"0 19 * * 1-5\"
    timeZone: Europe/Amsterdam
    regions: [{location: westeurope, units: 6}]
";

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an instant")
    }

    fn p90_45m(_: crate::plan::StepKind) -> Duration {
        Duration::from_secs(45 * 60)
    }

    fn aimed(spec: &ApimCapacitySpec, now: &str) -> EffectiveCapacity {
        let timetable = Timetable::from_spec(spec).expect("valid");
        effective_capacity(&timetable, at(now), &p90_45m)
    }

    #[test]
    fn without_schedules_the_spec_is_the_target() {
        let spec = spec("");
        let effective = aimed(&spec, "2027-01-15T12:00Z");
        assert_eq!(effective.desired(&spec), spec.desired());
        let sources: Vec<_> = effective.status().into_iter().map(|r| r.source).collect();
        assert_eq!(sources, ["spec", "spec"]);
    }

    #[test]
    fn a_schedule_replaces_the_units_it_lists_and_keeps_tier_and_zones() {
        let spec = spec(BUSINESS_HOURS);
        // Friday 15 January 2027, 10:00 in Amsterdam (CET).
        let effective = aimed(&spec, "2027-01-15T09:00Z");
        let desired = effective.desired(&spec);
        assert_eq!(desired.sku, spec.sku);
        assert_eq!(desired.zones, spec.desired().zones);
        assert_eq!(desired.units_summary(), "westeurope=6,eastus=1");
        let status = effective.status();
        assert_eq!(
            (status[0].units, status[0].source.as_str()),
            (6, "schedule business-hours")
        );
        assert_eq!((status[1].units, status[1].source.as_str()), (1, "spec"));
    }

    #[test]
    fn a_scale_up_is_aimed_at_from_its_preparation_on() {
        let spec = spec(BUSINESS_HOURS);
        // 08:00 CET is 07:00 UTC; the p90 of 45 minutes starts it at 06:15 UTC.
        let before = aimed(&spec, "2027-01-15T06:14Z");
        assert_eq!(before.regions[0].units, 2);
        let preparing = aimed(&spec, "2027-01-15T06:15Z");
        assert_eq!(preparing.regions[0].units, 6);
        assert_eq!(
            preparing.regions[0].source,
            UnitsSource::Preparing("business-hours".into())
        );
        assert_eq!(
            preparing.status()[0].source,
            "schedule business-hours (preparing)"
        );
        // The scale-down waits for 19:00 CET (18:00 UTC).
        assert_eq!(aimed(&spec, "2027-01-15T17:59Z").regions[0].units, 6);
        assert_eq!(aimed(&spec, "2027-01-15T18:00Z").regions[0].units, 2);
    }

    #[test]
    fn a_started_preparation_is_kept_when_learned_durations_shorten_it() {
        let spec = spec(BUSINESS_HOURS);
        let timetable = Timetable::from_spec(&spec).expect("valid");
        let quick = |_: crate::plan::StepKind| Duration::from_secs(120);
        // Prepared at 06:30 UTC with the default 45 minutes, for 07:00 UTC (08:00 CET).
        let mut previous = ApimCapacityStatus {
            effective: aimed(&spec, "2027-01-15T06:30Z").status(),
            schedule: crate::schedule::schedule_status(
                &timetable,
                at("2027-01-15T06:30Z"),
                &p90_45m,
            )
            .map(Box::new),
            ..ApimCapacityStatus::default()
        };
        // A step then took 2 minutes: from scratch, 06:40 would aim at the spec again.
        let now = at("2027-01-15T06:40Z");
        let mut kept = effective_capacity(&timetable, now, &quick);
        assert_eq!(kept.regions[0].units, 2, "from scratch: not yet prepared");
        kept.keep_preparation_of(&timetable, &previous, now);
        assert_eq!(kept.status()[0].units, 6);
        assert_eq!(
            kept.status()[0].source,
            "schedule business-hours (preparing)"
        );
        assert_eq!(kept.status()[1].units, 1);
        // Status keeps the preparation start it showed (06:15), not 06:58 from scratch.
        let now_status = crate::schedule::schedule_status(&timetable, now, &quick);
        let next = |s: Option<ScheduleStatus>| {
            s.and_then(|s| s.next_change)
                .map(|n| n.preparation_starts_at.0)
        };
        assert_eq!(next(now_status.clone()), Some(at("2027-01-15T06:58Z")));
        let shown = kept.schedule_status(now_status.clone(), &previous);
        assert_eq!(next(shown), Some(at("2027-01-15T06:15Z")));
        let fresh = effective_capacity(&timetable, now, &quick);
        assert_eq!(
            next(fresh.schedule_status(now_status, &previous)),
            Some(at("2027-01-15T06:58Z")),
            "not preparing: as worked out now"
        );
        // A preparation for a change that is not ahead any more, or that the schedules no
        // longer make, is not kept.
        let mut late = effective_capacity(&timetable, at("2027-01-15T07:00Z"), &quick);
        late.keep_preparation_of(&timetable, &previous, at("2027-01-15T07:00Z"));
        assert_eq!(late.status()[0].source, "schedule business-hours");
        if let Some(next) = previous
            .schedule
            .as_mut()
            .and_then(|s| s.next_change.as_mut())
        {
            next.schedule = "gone".into();
        }
        let mut renamed = effective_capacity(&timetable, now, &quick);
        renamed.keep_preparation_of(&timetable, &previous, now);
        assert_eq!(renamed.regions[0].units, 2);
    }

    #[test]
    fn the_target_moves_when_the_units_aimed_at_change() {
        let spec = spec(BUSINESS_HOURS);
        let mut previous = ApimCapacityStatus::default();
        let off_hours = aimed(&spec, "2027-01-15T05:00Z");
        assert!(
            !off_hours.moved_since(&previous, &spec),
            "nothing recorded: the spec's units were aimed at"
        );
        let preparing = aimed(&spec, "2027-01-15T06:30Z");
        assert!(preparing.moved_since(&previous, &spec));
        previous.effective = preparing.status();
        assert!(!aimed(&spec, "2027-01-15T07:30Z").moved_since(&previous, &spec));
        assert!(aimed(&spec, "2027-01-15T18:30Z").moved_since(&previous, &spec));
    }
}
