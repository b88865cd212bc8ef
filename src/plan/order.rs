//! Step building: the fewest PATCHes that reach the goal, ordered so that every state on
//! the way is one Azure accepts.
//!
//! Azure takes any set of unit, region and primary changes in one PATCH as long as the tier
//! stays; a tier change carries the primary's units but never adds or removes a region. So:
//! - same tier: one step, split by the scale-in guardrail (`scale_in`) when it cuts too
//!   much, plus a step of its own for zone changes;
//! - tier change to a tier without additional regions: the primary's zones are removed
//!   first (only Premium has zones), then the additional regions, with the primary cut to
//!   where the tier change may finish the cut, then the tier changes with the primary's
//!   target units;
//! - tier change to Premium: change the tier first (with the primary's units and the units of
//!   regions that stay), then add and remove regions, scale them and change zones.
//!
//! A zone change is its own step, placed where the units divide evenly across the zones on
//! both sides of it: first when the units already fit the new zones, else last; a region
//! whose target units do not fit its old zones then carries its units through the zone
//! step, from a count that fits the old zones to one that fits the new (as Azure's own
//! example sends `zones` with `sku.capacity`).

use std::collections::BTreeMap;

use crate::domain::{DesiredCapacity, Location, RegionUnits};

use super::scale_in::{GUARDED_ABOVE, cut_allowed, cut_path, step_allowed};
use super::zone_rules::goal_zones;
use super::{Change, Policy, State, Step};

/// The steps from `current` to `desired`. `desired` has passed every rule in `rules`, so it
/// lists the primary region and every state built here is valid.
pub(super) fn steps(current: &State, desired: &DesiredCapacity, policy: &Policy) -> Vec<Step> {
    let goal = goal_state(current, desired);
    let mut builder = Builder {
        state: current.clone(),
        steps: Vec::new(),
        divide: policy.zones_must_divide_units,
    };
    if current.sku == goal.sku {
        builder.same_tier(&goal);
    } else if !goal.sku.supports_multiple_regions() {
        builder.move_to_single_region_tier(&goal);
    } else {
        builder.move_to_multi_region_tier(&goal);
    }
    builder.steps
}

/// The desired capacity as a state: the live primary with its desired units, every other
/// desired region as additional, in the order the user listed them, and the zones each
/// region ends with.
pub(super) fn goal_state(current: &State, desired: &DesiredCapacity) -> State {
    let primary = &current.primary.location;
    State {
        sku: desired.sku,
        primary: RegionUnits {
            location: primary.clone(),
            units: desired.units_in(primary).unwrap_or(current.primary.units),
        },
        additional: desired
            .regions
            .iter()
            .filter(|r| &r.location != primary)
            .cloned()
            .collect(),
        zones: goal_zones(desired, current),
    }
}

/// The steps built so far and the state they lead to.
struct Builder {
    state: State,
    steps: Vec<Step>,
    /// Units of a zone-pinned region stay a multiple of its zone count.
    divide: bool,
}

impl Builder {
    fn push(&mut self, next: State) {
        if next != self.state {
            self.steps.push(step(&self.state, &next));
            self.state = next;
        }
    }

    /// Reaches `target` (same zones for the regions in both; same regions if the tier
    /// changes) in as few steps as the scale-in rule allows. Removing regions in a step of
    /// their own is preferred when it costs no extra step.
    fn reach(&mut self, target: &State) {
        if self.state == *target {
            return;
        }
        let alone = cut_path(&self.state, target, true, self.divide);
        let together = cut_path(&self.state, target, false, self.divide);
        let path = if together.len() < alone.len() {
            together
        } else {
            alone
        };
        for next in path {
            self.push(next);
        }
    }

    fn fits(&self, units: u32, zones: &[String]) -> bool {
        !self.divide || zones.is_empty() || units.is_multiple_of(zones.len() as u32)
    }

    fn same_tier(&mut self, goal: &State) {
        let changing: Vec<Location> = self
            .state
            .regions()
            .filter(|r| goal.units_of(&r.location).is_some())
            .filter(|r| self.state.zones_of(&r.location) != goal.zones_of(&r.location))
            .map(|r| r.location.clone())
            .collect();
        if changing.is_empty() {
            self.reach(goal);
            return;
        }
        let now_fits = changing.iter().all(|l| {
            let units = self.state.units_of(l).unwrap_or(0);
            self.fits(units, goal.zones_of(l))
        });
        if now_fits {
            let mut next = self.state.clone();
            for location in &changing {
                set_zones(&mut next, location, goal.zones_of(location));
            }
            self.push(next);
            self.reach(goal);
            return;
        }
        // The zone step comes last. A region whose target units do not fit its old zones
        // carries its units through the zone step, from a count that fits the old zones.
        let mut before = goal.clone();
        for location in &changing {
            set_zones(&mut before, location, self.state.zones_of(location));
        }
        let carried: Vec<Location> = changing
            .iter()
            .filter(|l| {
                let units = goal.units_of(l).unwrap_or(0);
                !self.fits(units, self.state.zones_of(l))
            })
            .cloned()
            .collect();
        if !carried.is_empty() {
            self.carry_units(&mut before, goal, &carried);
        }
        self.reach(&before);
        self.push(goal.clone());
    }

    /// Sets, in `before`, the units the `carried` regions have just before the zone step: a
    /// multiple of their old zone count from which the zone step may take them to their goal
    /// under both readings of the scale-in rule.
    fn carry_units(&self, before: &mut State, goal: &State, carried: &[Location]) {
        for location in carried {
            let units = self.state.units_of(location).unwrap_or(0);
            let target = goal.units_of(location).unwrap_or(0);
            let multiple = (self.state.zones_of(location).len() as u32).max(1);
            let mut carried = units - units % multiple;
            while carried > multiple && !cut_allowed(carried.into(), target.into()) {
                carried -= multiple;
            }
            set_units(before, location, carried.max(multiple));
        }
        for _ in 0..carried.len() * 200 {
            if step_allowed(before, goal) {
                return;
            }
            let biggest = carried
                .iter()
                .filter_map(|l| {
                    let carried = before.units_of(l)?;
                    let multiple = (self.state.zones_of(l).len() as u32).max(1);
                    let target = goal.units_of(l)?;
                    (carried > target && carried > multiple)
                        .then(|| (l.clone(), carried, multiple, carried - target))
                })
                .max_by_key(|(_, _, _, excess)| *excess);
            let Some((location, carried, multiple, _)) = biggest else {
                return;
            };
            set_units(before, &location, carried - multiple);
        }
    }

    fn move_to_single_region_tier(&mut self, goal: &State) {
        let primary = self.state.primary.location.clone();
        if !self.state.zones_of(&primary).is_empty() {
            let mut next = self.state.clone();
            next.zones.remove(&primary);
            self.push(next);
        }
        let bridge = State {
            sku: self.state.sku,
            primary: RegionUnits {
                location: primary,
                units: bridge_units(self.state.primary.units, goal.primary.units),
            },
            additional: Vec::new(),
            zones: BTreeMap::new(),
        };
        self.reach(&bridge);
        self.reach(goal);
    }

    fn move_to_multi_region_tier(&mut self, goal: &State) {
        let through = State {
            sku: goal.sku,
            primary: goal.primary.clone(),
            additional: additional_through_tier_change(&self.state, goal),
            zones: self.state.zones.clone(),
        };
        self.reach(&through);
        self.same_tier(goal);
    }
}

/// The most primary units from which a tier change may also cut to `goal` units in one
/// step (the scale-in rule holds the tier change as it holds any other operation).
fn bridge_units(units: u32, goal: u32) -> u32 {
    if goal >= units || units <= GUARDED_ABOVE {
        return units;
    }
    let most = GUARDED_ABOVE.max(u32::try_from(u64::from(goal) * 4 / 3).unwrap_or(u32::MAX));
    units.min(most)
}

fn set_zones(state: &mut State, location: &Location, zones: &[String]) {
    if zones.is_empty() {
        state.zones.remove(location);
    } else {
        state.zones.insert(location.clone(), zones.to_vec());
    }
}

fn set_units(state: &mut State, location: &Location, units: u32) {
    for region in std::iter::once(&mut state.primary).chain(state.additional.iter_mut()) {
        if &region.location == location {
            region.units = units;
        }
    }
}

/// The additional regions during a tier change: the same set as before it. On a tier with
/// additional regions, the ones that stay get their goal units (in goal order), the ones
/// that go keep theirs until the next step removes them.
fn additional_through_tier_change(state: &State, goal: &State) -> Vec<RegionUnits> {
    let staying = goal
        .additional
        .iter()
        .filter(|r| contains(&state.additional, r))
        .cloned();
    let leaving = state
        .additional
        .iter()
        .filter(|r| !contains(&goal.additional, r))
        .cloned();
    staying.chain(leaving).collect()
}

fn contains(regions: &[RegionUnits], region: &RegionUnits) -> bool {
    regions.iter().any(|r| r.location == region.location)
}

fn units_of(regions: &[RegionUnits], region: &RegionUnits) -> Option<u32> {
    regions
        .iter()
        .find(|r| r.location == region.location)
        .map(|r| r.units)
}

/// One step from `from` to `to`, its changes in the order: tier, removals, additions, zone
/// changes, primary scaling, additional scaling.
fn step(from: &State, to: &State) -> Step {
    let mut changes = Vec::new();
    if from.sku != to.sku {
        changes.push(Change::ChangeTier {
            from: from.sku,
            to: to.sku,
        });
    }
    changes.extend(
        from.additional
            .iter()
            .filter(|r| !contains(&to.additional, r))
            .map(|r| Change::RemoveRegion {
                location: r.location.clone(),
                units: r.units,
            }),
    );
    changes.extend(
        to.additional
            .iter()
            .filter(|r| !contains(&from.additional, r))
            .map(|r| Change::AddRegion {
                location: r.location.clone(),
                units: r.units,
            }),
    );
    changes.extend(to.regions().filter_map(|r| {
        from.units_of(&r.location)?;
        let (before, after) = (from.zones_of(&r.location), to.zones_of(&r.location));
        (before != after).then(|| Change::ChangeZones {
            location: r.location.clone(),
            from: before.to_vec(),
            to: after.to_vec(),
        })
    }));
    if from.primary.units != to.primary.units {
        changes.push(Change::Scale {
            location: to.primary.location.clone(),
            from: from.primary.units,
            to: to.primary.units,
        });
    }
    changes.extend(to.additional.iter().filter_map(|r| {
        units_of(&from.additional, r)
            .filter(|units| *units != r.units)
            .map(|units| Change::Scale {
                location: r.location.clone(),
                from: units,
                to: r.units,
            })
    }));
    Step {
        changes,
        target: to.target(),
    }
}
