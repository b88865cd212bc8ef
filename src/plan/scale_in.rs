//! Azure's scale-in guardrail (changelog, June 2026): a service with more than 15 units may
//! not scale in by more than 25 % in one operation.
//!
//! Whether "units" are a region's or the whole service's is not documented, so every step
//! the planner builds obeys both readings at once: each region that stays, on its own, and
//! the service's total. Removing a region counts as a scale-in of the total by all its
//! units (it is not a scale-in of the region, which is gone). Increases never count.
//!
//! A change the rule forbids in one step is reached through intermediate steps that only
//! cut (see [`cut_path`]): each step makes the largest cut both readings allow; regions
//! that grow or are added wait for the last step, where their units offset the cuts.

use std::cmp::Reverse;

use crate::domain::Location;

use super::State;

/// Services (or regions) with at most this many units may scale in by any amount.
pub const GUARDED_ABOVE: u32 = 15;

/// The most steps one cut path may take; far above what any real service needs (31 units
/// take 4 steps to reach 1), it only bounds the loop against absurd input.
const MAX_STEPS: usize = 1000;

/// Whether going from `before` to `after` units in one operation respects the rule:
/// increases always do; cuts do when `before` is at most 15 or the cut is at most a
/// quarter of `before`.
pub fn cut_allowed(before: u64, after: u64) -> bool {
    after >= before || before <= u64::from(GUARDED_ABOVE) || 4 * (before - after) <= before
}

/// The most units one operation may remove from `units` (all of them at 15 or less).
fn max_cut(units: u64) -> u64 {
    if units <= u64::from(GUARDED_ABOVE) {
        units
    } else {
        units / 4
    }
}

/// Whether one step from `before` to `after` respects the rule under both readings: every
/// region present in both, and the total.
pub(super) fn step_allowed(before: &State, after: &State) -> bool {
    let regions_ok = after.regions().all(|r| {
        before
            .units_of(&r.location)
            .is_none_or(|units| cut_allowed(units.into(), r.units.into()))
    });
    regions_ok && cut_allowed(before.total(), after.total())
}

/// The states after each step from `from` to `target`, the last one being `target`: one step
/// when the rule allows it, else cuts first. `from` and `target` have the same zones for
/// every region in both, and the same regions when their tiers differ (the tier changes in
/// the last step). With `divide`, the units of a region pinned to zones stay a multiple of
/// its zone count in every step.
///
/// With `removals_alone`, a step that can remove regions does nothing else (the order
/// people expect: remove, then scale); otherwise removals share a step with cuts.
pub(super) fn cut_path(
    from: &State,
    target: &State,
    removals_alone: bool,
    divide: bool,
) -> Vec<State> {
    let mut path = Vec::new();
    let mut state = from.clone();
    for _ in 0..MAX_STEPS {
        if step_allowed(&state, target) {
            break;
        }
        let next = next_cut(&state, target, removals_alone, divide);
        if next == state {
            break;
        }
        path.push(next.clone());
        state = next;
    }
    path.push(target.clone());
    path
}

/// One step that only cuts: leaving regions are removed while the total's budget allows
/// (the biggest first), else cut toward removal; regions that shrink are cut (the biggest
/// first) to the lowest their own reading allows, within what is left of the budget.
fn next_cut(state: &State, target: &State, removals_alone: bool, divide: bool) -> State {
    let mut next = state.clone();
    let mut budget = max_cut(state.total());
    let mut leaving: Vec<(Location, u32)> = state
        .additional
        .iter()
        .filter(|r| target.units_of(&r.location).is_none())
        .map(|r| (r.location.clone(), r.units))
        .collect();
    leaving.sort_by_key(|(_, units)| Reverse(*units));
    let mut removed_any = false;
    for (location, units) in &leaving {
        if u64::from(*units) <= budget {
            next.additional.retain(|r| &r.location != location);
            next.zones.remove(location);
            budget -= u64::from(*units);
            removed_any = true;
        }
    }
    if removals_alone && removed_any {
        return next;
    }
    // Regions to cut: the leaving ones still there (toward 1 unit) and the shrinking ones
    // (toward their goal), the biggest first.
    let mut cuts: Vec<(Location, u32, u32)> = next
        .regions()
        .filter_map(|r| match target.units_of(&r.location) {
            None => Some((r.location.clone(), r.units, 1)),
            Some(goal) if goal < r.units => Some((r.location.clone(), r.units, goal)),
            Some(_) => None,
        })
        .collect();
    cuts.sort_by_key(|(_, units, _)| Reverse(*units));
    for (location, units, goal) in cuts {
        let zones = state.zones_of(&location).len() as u64;
        let multiple = if divide { zones.max(1) } else { 1 };
        let lowest = (u64::from(units) - max_cut(units.into())).max(goal.into());
        let floor = lowest.div_ceil(multiple) * multiple;
        let cut = u64::from(units)
            .saturating_sub(floor)
            .min(budget / multiple * multiple);
        if cut == 0 {
            continue;
        }
        budget -= cut;
        let after = u32::try_from(u64::from(units) - cut).unwrap_or(units);
        for region in std::iter::once(&mut next.primary).chain(next.additional.iter_mut()) {
            if region.location == location {
                region.units = after;
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_reads_as_azure_states_it() {
        let cases = [
            (20, 15, true),
            (20, 14, false),
            (16, 12, true),
            (16, 11, false),
            (15, 1, true),
            (31, 24, true),
            (31, 23, false),
            (4, 40, true),
            (100, 75, true),
            (100, 74, false),
        ];
        for (before, after, allowed) in cases {
            assert_eq!(cut_allowed(before, after), allowed, "{before} -> {after}");
        }
    }
}
