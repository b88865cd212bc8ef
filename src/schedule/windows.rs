//! When change windows allow a step to start: the periods they open, where a period ends,
//! the next opening with room for a step and the last moment a step may start before an
//! instant.
//!
//! A window is the half-open period `[start, start + duration)` for every instant its
//! `start` fires. An instant is allowed when some allow window holds it (or there are no
//! allow windows) and no deny window does. An allowed period ends where the allow windows
//! stop holding it or a deny window starts, whichever comes first. Searches jump from
//! period to period (over a whole deny period, to the next allow start), so their cost
//! follows the number of periods crossed, not the length of time.

use jiff::{SignedDuration, Timestamp};

use super::parse::{ChangeWindows, Window};
use super::plus;

/// How far ahead an opening is looked for: 366 days.
pub const WINDOW_HORIZON: SignedDuration = SignedDuration::from_hours(366 * 24);

/// A preparation placed at a window's edge starts this much before the last possible
/// instant, so that a reconcile running a little late still finds the window open.
pub const START_SLACK: SignedDuration = SignedDuration::from_mins(2);

/// How many periods one search crosses at most, and how many times a period is extended by
/// the allow windows that overlap it.
const JUMP_BUDGET: usize = 1_024;

/// Where an allowed period ends, as far as a search looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The period ends at this instant.
    Ends(Timestamp),
    /// The period lasts at least until the instant the search was asked about.
    Beyond,
}

/// One nanosecond: the instant just before a boundary belongs to the period before it.
const TICK: SignedDuration = SignedDuration::from_nanos(1);

impl Window {
    /// The end of this window's period that holds `at`, if one does.
    pub fn end_of_period_holding(&self, at: Timestamp) -> Option<Timestamp> {
        let opened = self.start.last_at_or_before(at)?;
        let end = plus(opened, self.duration);
        (at < end).then_some(end)
    }

    /// The earliest start of this window whose period holds `at`, if one does (periods
    /// longer than the window's recurrence overlap).
    fn earliest_start_holding(&self, at: Timestamp) -> Option<Timestamp> {
        self.start
            .next_after(plus(at, -self.duration))
            .filter(|opened| *opened <= at)
            .or_else(|| {
                self.start
                    .last_at_or_before(at)
                    .filter(|o| plus(*o, self.duration) > at)
            })
    }

    /// The latest end of this window's periods at or before `at`.
    fn last_end_at_or_before(&self, at: Timestamp) -> Option<Timestamp> {
        self.start
            .last_at_or_before(plus(at, -self.duration))
            .map(|opened| plus(opened, self.duration))
    }
}

impl ChangeWindows {
    /// Whether a step may start at `at`.
    pub fn is_allowed(&self, at: Timestamp) -> bool {
        let allowed = self.allow.is_empty()
            || self
                .allow
                .iter()
                .any(|w| w.end_of_period_holding(at).is_some());
        allowed && !self.is_denied(at)
    }

    /// Whether a deny window holds `at`.
    pub fn is_denied(&self, at: Timestamp) -> bool {
        self.deny
            .iter()
            .any(|w| w.end_of_period_holding(at).is_some())
    }

    /// The deny window holding `at` that stays closed longest, with the end of its period.
    pub fn deny_holding(&self, at: Timestamp) -> Option<(&Window, Timestamp)> {
        self.deny
            .iter()
            .filter_map(|w| w.end_of_period_holding(at).map(|end| (w, end)))
            .max_by_key(|(_, end)| *end)
    }

    /// Where the allowed period holding `at` ends; [`Reach::Beyond`] when it lasts at least
    /// until `look_until`. `at` must be allowed.
    pub fn open_until(&self, at: Timestamp, look_until: Timestamp) -> Reach {
        let deny = self
            .deny
            .iter()
            .filter_map(|w| w.start.next_after(at))
            .min();
        let allow = if self.allow.is_empty() {
            None
        } else {
            let Some(mut end) = self
                .allow
                .iter()
                .filter_map(|w| w.end_of_period_holding(at))
                .max()
            else {
                return Reach::Ends(at);
            };
            // Periods that start before this one ends (or right at its end) extend it.
            let mut rounds = 0;
            loop {
                if end >= look_until || deny.is_some_and(|d| d <= end) {
                    break;
                }
                rounds += 1;
                if rounds > JUMP_BUDGET {
                    return Reach::Beyond;
                }
                let extended = self
                    .allow
                    .iter()
                    .filter_map(|w| w.start.last_at_or_before(end).map(|o| plus(o, w.duration)))
                    .max()
                    .filter(|e| *e > end);
                match extended {
                    Some(e) => end = e,
                    None => break,
                }
            }
            Some(end)
        };
        let end = match (allow, deny) {
            (Some(a), Some(d)) => a.min(d),
            (Some(a), None) => a,
            (None, Some(d)) => d,
            (None, None) => return Reach::Beyond,
        };
        if end >= look_until {
            Reach::Beyond
        } else {
            Reach::Ends(end)
        }
    }

    /// The first allowed instant at or after `at`, jumping over deny periods and to the
    /// next allow start; `None` when there is none before `horizon`.
    fn next_allowed_at_or_after(&self, at: Timestamp, horizon: Timestamp) -> Option<Timestamp> {
        let mut t = at;
        for _ in 0..JUMP_BUDGET {
            if t > horizon {
                return None;
            }
            if let Some((_, end)) = self.deny_holding(t) {
                t = end;
                continue;
            }
            let held = self.allow.is_empty()
                || self
                    .allow
                    .iter()
                    .any(|w| w.end_of_period_holding(t).is_some());
            if held {
                return Some(t);
            }
            t = self
                .allow
                .iter()
                .filter_map(|w| w.start.next_after(t))
                .min()?;
        }
        None
    }

    /// The last allowed instant at or before `at`, jumping back over deny periods and to
    /// the end of the previous allow period; `None` when there is none from `not_before` on.
    fn last_allowed_at_or_before(&self, at: Timestamp, not_before: Timestamp) -> Option<Timestamp> {
        let mut t = at;
        for _ in 0..JUMP_BUDGET {
            if t < not_before {
                return None;
            }
            let denied_since = self
                .deny
                .iter()
                .filter_map(|w| w.earliest_start_holding(t))
                .min();
            if let Some(opened) = denied_since {
                t = opened.checked_sub(TICK).ok()?;
                continue;
            }
            let held = self.allow.is_empty()
                || self
                    .allow
                    .iter()
                    .any(|w| w.end_of_period_holding(t).is_some());
            if held {
                return Some(t);
            }
            let ended = self
                .allow
                .iter()
                .filter_map(|w| w.last_end_at_or_before(t))
                .max()?;
            t = ended.checked_sub(TICK).ok()?;
        }
        None
    }

    /// The first instant after `at` at which [`ChangeWindows::is_allowed`] changes, within
    /// `within`.
    pub fn next_change_after(&self, at: Timestamp, within: SignedDuration) -> Option<Timestamp> {
        let horizon = plus(at, within);
        if self.is_allowed(at) {
            match self.open_until(at, horizon) {
                Reach::Ends(end) => Some(end),
                Reach::Beyond => None,
            }
        } else {
            self.next_allowed_at_or_after(at, horizon)
        }
    }

    /// The first instant after `at` at which an allowed period opens that has room for a
    /// step of `step` (any period when `allowOverrun`), within [`WINDOW_HORIZON`].
    pub fn next_opening(&self, at: Timestamp, step: SignedDuration) -> Option<Timestamp> {
        self.next_opening_within(at, step, WINDOW_HORIZON)
    }

    /// [`ChangeWindows::next_opening`], looking no further than `within` after `at`.
    pub fn next_opening_within(
        &self,
        at: Timestamp,
        step: SignedDuration,
        within: SignedDuration,
    ) -> Option<Timestamp> {
        let horizon = plus(at, within);
        // Leave the period `at` is in, if any: an opening begins a period.
        let mut t = match self.is_allowed(at) {
            true => match self.open_until(at, horizon) {
                Reach::Ends(end) => end,
                Reach::Beyond => return None,
            },
            false => at,
        };
        for _ in 0..JUMP_BUDGET {
            let opening = self.next_allowed_at_or_after(t, horizon)?;
            if opening > at && self.has_room(opening, step, SignedDuration::ZERO) {
                return Some(opening);
            }
            t = match self.open_until(opening, horizon) {
                Reach::Ends(end) if end > opening => end,
                _ => return None,
            };
        }
        None
    }

    /// Whether a step of `step` started at the allowed instant `at` ends, with `slack` to
    /// spare, before its period does (always true with `allowOverrun`).
    pub fn has_room(&self, at: Timestamp, step: SignedDuration, slack: SignedDuration) -> bool {
        if self.allow_overrun {
            return true;
        }
        let needed = plus(plus(at, step), slack);
        match self.open_until(at, needed) {
            Reach::Beyond => true,
            Reach::Ends(end) => needed <= end,
        }
    }

    /// The last instant in `[not_before, before]` at which a step of `step` may start with
    /// [`START_SLACK`] to spare: inside an allowed period and, unless `allowOverrun`, ending
    /// before the period does. `None` when there is none.
    pub fn last_allowed_start(
        &self,
        before: Timestamp,
        step: SignedDuration,
        not_before: Timestamp,
    ) -> Option<Timestamp> {
        let mut at = before;
        for _ in 0..JUMP_BUDGET {
            if at < not_before {
                return None;
            }
            if !self.is_allowed(at) {
                at = self.last_allowed_at_or_before(at, not_before)?;
                continue;
            }
            let room = if self.allow_overrun {
                START_SLACK
            } else {
                step.saturating_add(START_SLACK)
            };
            let Reach::Ends(end) = self.open_until(at, plus(at, room)) else {
                return Some(at);
            };
            let latest = plus(end, -room);
            if latest >= at {
                return Some(at);
            }
            if latest < not_before {
                return None;
            }
            let same_period = self.is_allowed(latest)
                && self.open_until(latest, plus(end, TICK)) == Reach::Ends(end);
            if same_period {
                return Some(latest);
            }
            // No start with room in this period: look in the ones before `latest`.
            at = latest;
        }
        None
    }
}
