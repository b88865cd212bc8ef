//! Step building: the fewest PATCHes that reach the goal, ordered so that every state on
//! the way is one Azure accepts.
//!
//! Azure takes any set of unit, region and primary changes in one PATCH as long as the tier
//! stays; a tier change carries the primary's units but never adds or removes a region. So:
//! - same tier: one step;
//! - tier change to a tier without additional regions: remove the additional regions first
//!   (still on the old tier), then change the tier with the primary's target units;
//! - tier change to Premium: change the tier first (with the primary's units and the units of
//!   regions that stay), then add and remove regions and scale them.

use crate::domain::{DesiredCapacity, RegionUnits};

use super::{Change, State, Step};

/// The steps from `current` to `desired`. `desired` has passed every rule in `rules`, so it
/// lists the primary region and every state built here is valid.
pub(super) fn steps(current: &State, desired: &DesiredCapacity) -> Vec<Step> {
    let goal = goal_state(current, desired);
    if current.sku == goal.sku {
        return vec![step(current, &goal)];
    }
    let mut steps = Vec::with_capacity(2);
    let mut state = current.clone();
    if !goal.sku.supports_multiple_regions() && !state.additional.is_empty() {
        let next = State {
            additional: Vec::new(),
            ..state.clone()
        };
        steps.push(step(&state, &next));
        state = next;
    }
    let next = State {
        sku: goal.sku,
        primary: goal.primary.clone(),
        additional: additional_through_tier_change(&state, &goal),
    };
    steps.push(step(&state, &next));
    if next != goal {
        steps.push(step(&next, &goal));
    }
    steps
}

/// The desired capacity as a state: the live primary with its desired units, every other
/// desired region as additional, in the order the user listed them.
fn goal_state(current: &State, desired: &DesiredCapacity) -> State {
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
    }
}

/// The additional regions during a tier change: the same set as before it. On a tier with
/// additional regions, the ones that stay get their goal units (in goal order), the ones
/// that go keep theirs until the next step removes them.
fn additional_through_tier_change(state: &State, goal: &State) -> Vec<RegionUnits> {
    if !goal.sku.supports_multiple_regions() {
        return state.additional.clone();
    }
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

/// One step from `from` to `to`, its changes in the order: tier, removals, additions,
/// primary scaling, additional scaling.
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
