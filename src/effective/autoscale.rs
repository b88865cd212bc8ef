//! Step 3 of the effective capacity (DESIGN §9): an autoscaled region's units come from the
//! autoscale decision, inside the range in force (its `minUnits`/`maxUnits`, or those of the
//! schedule in force), starting from its live units clamped into that range.

use jiff::Timestamp;

use super::EffectiveCapacity;
use crate::api::ApimCapacitySpec;
use crate::api::autoscale::RegionAutoscale;
use crate::autoscale::Bounds;
use crate::domain::{Location, RegionUnits};
use crate::schedule::{EffectiveRegion, Timetable, UnitsSource, in_force_index};

/// An autoscaled region of the spec and the unit range in force for it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscaleRange<'a> {
    /// The region (normalised).
    pub location: Location,
    /// Its `autoscale` block.
    pub rule: &'a RegionAutoscale,
    /// `minUnits`/`maxUnits` in force: the rule's, or the schedule in force's where it gives
    /// them.
    pub bounds: Bounds,
    /// The schedule whose bounds are in force, if any.
    pub schedule: Option<String>,
}

impl AutoscaleRange<'_> {
    /// `units` brought into the range (`minUnits` wins over an inverted range).
    pub fn clamp(&self, units: u32) -> u32 {
        units.min(self.bounds.max).max(self.bounds.min)
    }
}

/// The autoscaled regions of `spec`, in spec order, with the range in force at `now`.
pub fn autoscale_ranges<'a>(
    spec: &'a ApimCapacitySpec,
    timetable: &Timetable,
    now: Timestamp,
) -> Vec<AutoscaleRange<'a>> {
    let in_force = in_force_index(&timetable.schedules, now).and_then(|i| spec.schedules.get(i));
    spec.regions
        .iter()
        .filter_map(|region| {
            let rule = region.autoscale.as_ref()?;
            let location = Location::new(&region.location);
            let scheduled = in_force.and_then(|schedule| {
                schedule
                    .regions
                    .iter()
                    .find(|r| Location::new(&r.location) == location)
                    .filter(|r| r.min_units.is_some() || r.max_units.is_some())
                    .map(|r| (schedule.name.clone(), r.min_units, r.max_units))
            });
            let (schedule, min, max) = match scheduled {
                Some((name, min, max)) => (Some(name), min, max),
                None => (None, None, None),
            };
            Some(AutoscaleRange {
                location,
                rule,
                bounds: Bounds::new(min.unwrap_or(rule.min_units), max.unwrap_or(rule.max_units)),
                schedule,
            })
        })
        .collect()
}

impl EffectiveCapacity {
    /// Puts the autoscaled regions in place, keeping the spec's order: the units the
    /// decision wants (`wanted`) where it gave them, otherwise `start` (the live units, or
    /// those last seen) clamped into the range, otherwise `minUnits`. Source `autoscale`.
    pub fn with_autoscale(
        &mut self,
        spec: &ApimCapacitySpec,
        ranges: &[AutoscaleRange<'_>],
        start: impl Fn(&Location) -> Option<u32>,
        wanted: &[RegionUnits],
    ) {
        let mut regions = Vec::with_capacity(spec.regions.len());
        for region in &spec.regions {
            let location = Location::new(&region.location);
            if let Some(range) = ranges.iter().find(|r| r.location == location) {
                let decided = wanted.iter().find(|w| w.location == location);
                let units = match decided {
                    Some(w) => range.clamp(w.units),
                    None => start(&location).map_or(range.bounds.min, |u| range.clamp(u)),
                };
                regions.push(EffectiveRegion {
                    location,
                    units,
                    source: UnitsSource::Autoscale,
                });
            } else if let Some(fixed) = self.regions.iter().find(|r| r.location == location) {
                regions.push(fixed.clone());
            }
        }
        self.regions = regions;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effective::effective_capacity;
    use std::time::Duration;

    fn spec() -> ApimCapacitySpec {
        let yaml = "service: {subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg, name: apim}\n\
             sku: Premium\n\
             regions:\n  - {location: westeurope, units: 2}\n  - {location: East US, autoscale: {minUnits: 2, maxUnits: 8}}\n\
             schedules:\n  - {name: peak, start: '0 8 * * *', duration: 2h, regions: [{location: eastus, minUnits: 4}]}\n";
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("bad test spec: {e}"))
    }

    fn p90(_: crate::plan::StepKind) -> Duration {
        Duration::from_secs(45 * 60)
    }

    fn aimed(now: &str, live: Option<u32>, wanted: Option<u32>) -> (EffectiveCapacity, String) {
        let spec = spec();
        let now: Timestamp = now.parse().expect("an instant");
        let timetable = Timetable::from_spec(&spec).expect("valid");
        let ranges = autoscale_ranges(&spec, &timetable, now);
        let mut effective = effective_capacity(&timetable, now, &p90);
        let wanted: Vec<RegionUnits> = wanted
            .map(|units| RegionUnits {
                location: Location::new("eastus"),
                units,
            })
            .into_iter()
            .collect();
        effective.with_autoscale(&spec, &ranges, |_| live, &wanted);
        let summary = effective.desired(&spec).units_summary();
        (effective, summary)
    }

    #[test]
    fn an_autoscaled_region_starts_from_its_live_units_clamped_into_the_range() {
        let (effective, summary) = aimed("2027-01-15T12:00Z", Some(5), None);
        assert_eq!(summary, "westeurope=2,eastus=5");
        let status = effective.status();
        assert_eq!(
            (status[0].source.as_str(), status[1].source.as_str()),
            ("spec", "autoscale")
        );
        assert_eq!(
            aimed("2027-01-15T12:00Z", Some(12), None).1,
            "westeurope=2,eastus=8"
        );
        assert_eq!(
            aimed("2027-01-15T12:00Z", Some(1), None).1,
            "westeurope=2,eastus=2"
        );
        assert_eq!(
            aimed("2027-01-15T12:00Z", None, None).1,
            "westeurope=2,eastus=2",
            "not live: minUnits"
        );
    }

    #[test]
    fn the_decision_picks_the_units_inside_the_range_in_force() {
        assert_eq!(
            aimed("2027-01-15T12:00Z", Some(5), Some(6)).1,
            "westeurope=2,eastus=6"
        );
        assert_eq!(
            aimed("2027-01-15T12:00Z", Some(8), Some(9)).1,
            "westeurope=2,eastus=8"
        );
        // 08:00 to 10:00 UTC the schedule raises minUnits to 4.
        assert_eq!(
            aimed("2027-01-15T09:00Z", Some(2), None).1,
            "westeurope=2,eastus=4"
        );
        assert_eq!(
            aimed("2027-01-15T09:00Z", Some(2), Some(3)).1,
            "westeurope=2,eastus=4"
        );
    }

    #[test]
    fn a_schedule_replaces_only_the_bounds_it_gives() {
        let spec = spec();
        let timetable = Timetable::from_spec(&spec).expect("valid");
        let off: Timestamp = "2027-01-15T12:00Z".parse().expect("an instant");
        let peak: Timestamp = "2027-01-15T09:00Z".parse().expect("an instant");
        let ranges = autoscale_ranges(&spec, &timetable, off);
        assert_eq!(
            (ranges[0].bounds, ranges[0].schedule.clone()),
            (Bounds::new(2, 8), None)
        );
        let ranges = autoscale_ranges(&spec, &timetable, peak);
        assert_eq!(
            (ranges[0].bounds, ranges[0].schedule.clone()),
            (Bounds::new(4, 8), Some("peak".to_string()))
        );
    }
}
