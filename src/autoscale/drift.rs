//! No fights: what the operator remembers about an autoscaled region, and whether a unit
//! count it did not set is drift to undo (outside the bounds) or a change made elsewhere to
//! adopt and report (inside the bounds).

use jiff::Timestamp;

/// The unit range in force for a region: the spec's `minUnits`/`maxUnits`, or a schedule's
/// while it is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bounds {
    pub min: u32,
    pub max: u32,
}

impl Bounds {
    pub fn new(min: u32, max: u32) -> Self {
        Bounds { min, max }
    }

    /// Whether `units` lies in the range.
    pub fn contains(&self, units: u32) -> bool {
        self.min <= units && units <= self.max
    }
}

/// What the operator records per autoscaled region (kept in `status.autoscale`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RegionMemory {
    /// The units the operator last set or adopted.
    pub own_units: Option<u32>,
    /// When the last scale of the region ended, or a change made elsewhere was first seen.
    pub last_scale_at: Option<Timestamp>,
}

impl RegionMemory {
    /// After an Azure operation that left the region at `units` ended at `finished_at`: the
    /// count is the operator's own, and a cooldown starts when the count changed.
    pub fn after_operation(self, units: u32, finished_at: Timestamp) -> Self {
        let changed = self.own_units != Some(units);
        RegionMemory {
            own_units: Some(units),
            last_scale_at: if changed {
                Some(finished_at)
            } else {
                self.last_scale_at
            },
        }
    }
}

/// How the live units of an autoscaled region relate to what the operator recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitsVerdict {
    /// The live units are those the operator set or adopted.
    AsRecorded,
    /// Nothing is recorded yet; the live units are the base from now on.
    FirstSeen { live: u32 },
    /// Changed elsewhere within the bounds: adopt (the new base) and report; do not undo.
    ChangedElsewhere { recorded: u32, live: u32 },
    /// Outside the bounds: brought back to `target`, the nearest bound. Drift when
    /// `changed_elsewhere` (the live count is not the one the operator set); otherwise the
    /// bounds moved (a schedule, a spec change) and this is simply the new aim.
    OutOfBounds {
        live: u32,
        target: u32,
        changed_elsewhere: bool,
    },
}

impl UnitsVerdict {
    /// Whether the units are brought back into the bounds (whoever moved them out).
    pub fn is_drift_to_undo(&self) -> bool {
        matches!(self, UnitsVerdict::OutOfBounds { .. })
    }

    /// Whether someone else changed the count: reported (status, Event) in every case,
    /// adopted inside the bounds, undone outside them (unless `spec.drift` is Report).
    pub fn changed_elsewhere(&self) -> bool {
        matches!(
            self,
            UnitsVerdict::ChangedElsewhere { .. }
                | UnitsVerdict::OutOfBounds {
                    changed_elsewhere: true,
                    ..
                }
        )
    }

    /// The memory after this verdict, seen at `now`: counts inside the bounds become the
    /// operator's base, and a change made elsewhere restarts the cooldowns from when it was
    /// seen (the new count needs time to show its effect).
    pub fn remember(&self, memory: RegionMemory, now: Timestamp) -> RegionMemory {
        match *self {
            UnitsVerdict::AsRecorded | UnitsVerdict::OutOfBounds { .. } => memory,
            UnitsVerdict::FirstSeen { live } => RegionMemory {
                own_units: Some(live),
                ..memory
            },
            UnitsVerdict::ChangedElsewhere { live, .. } => RegionMemory {
                own_units: Some(live),
                last_scale_at: Some(now),
            },
        }
    }
}

/// Classifies the live units of a region against the recorded own choice and the bounds.
pub fn classify_units(recorded: Option<u32>, live: u32, bounds: Bounds) -> UnitsVerdict {
    let changed_elsewhere = recorded.is_some_and(|own| own != live);
    if !bounds.contains(live) {
        let target = if live < bounds.min {
            bounds.min
        } else {
            bounds.max
        };
        return UnitsVerdict::OutOfBounds {
            live,
            target,
            changed_elsewhere,
        };
    }
    match recorded {
        None => UnitsVerdict::FirstSeen { live },
        Some(_) if !changed_elsewhere => UnitsVerdict::AsRecorded,
        Some(own) => UnitsVerdict::ChangedElsewhere {
            recorded: own,
            live,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    #[test]
    fn verdicts_by_recorded_choice_live_units_and_bounds() {
        let bounds = Bounds::new(2, 8);
        let cases = [
            ("own choice unchanged", Some(4), 4, UnitsVerdict::AsRecorded),
            (
                "nothing recorded yet",
                None,
                4,
                UnitsVerdict::FirstSeen { live: 4 },
            ),
            (
                "changed elsewhere within bounds is adopted",
                Some(4),
                6,
                UnitsVerdict::ChangedElsewhere {
                    recorded: 4,
                    live: 6,
                },
            ),
            (
                "changed elsewhere to the upper bound is adopted",
                Some(4),
                8,
                UnitsVerdict::ChangedElsewhere {
                    recorded: 4,
                    live: 8,
                },
            ),
            (
                "changed elsewhere above the bounds is drift back to max",
                Some(4),
                10,
                UnitsVerdict::OutOfBounds {
                    live: 10,
                    target: 8,
                    changed_elsewhere: true,
                },
            ),
            (
                "below the bounds with nothing recorded goes back to min",
                None,
                1,
                UnitsVerdict::OutOfBounds {
                    live: 1,
                    target: 2,
                    changed_elsewhere: false,
                },
            ),
            (
                "own choice left outside by new bounds goes back, not drift",
                Some(9),
                9,
                UnitsVerdict::OutOfBounds {
                    live: 9,
                    target: 8,
                    changed_elsewhere: false,
                },
            ),
        ];
        for (name, recorded, live, expected) in cases {
            let verdict = classify_units(recorded, live, bounds);
            assert_eq!(verdict, expected, "{name}");
            assert_eq!(verdict.is_drift_to_undo(), !bounds.contains(live), "{name}");
        }
    }

    #[test]
    fn adopting_a_change_restarts_the_cooldown_from_when_it_was_seen() {
        let before = RegionMemory {
            own_units: Some(4),
            last_scale_at: Some(at("2026-12-01T08:00:00Z")),
        };
        let now = at("2026-12-01T10:00:00Z");
        let adopted = UnitsVerdict::ChangedElsewhere {
            recorded: 4,
            live: 6,
        }
        .remember(before, now);
        assert_eq!(adopted.own_units, Some(6));
        assert_eq!(adopted.last_scale_at, Some(now));
        let first = UnitsVerdict::FirstSeen { live: 3 }.remember(RegionMemory::default(), now);
        assert_eq!(first.own_units, Some(3));
        assert_eq!(first.last_scale_at, None, "no cooldown on first sight");
        let drift = UnitsVerdict::OutOfBounds {
            live: 10,
            target: 8,
            changed_elsewhere: true,
        }
        .remember(before, now);
        assert_eq!(drift, before, "drift is undone, not adopted");
    }

    #[test]
    fn an_operation_that_changed_the_units_starts_a_cooldown() {
        let start = RegionMemory {
            own_units: Some(4),
            last_scale_at: None,
        };
        let done = at("2026-12-01T10:40:00Z");
        let scaled = start.after_operation(5, done);
        assert_eq!(scaled.own_units, Some(5));
        assert_eq!(scaled.last_scale_at, Some(done));
        let unchanged = scaled.after_operation(5, at("2026-12-01T12:00:00Z"));
        assert_eq!(
            unchanged.last_scale_at,
            Some(done),
            "same count: no new cooldown"
        );
    }
}
