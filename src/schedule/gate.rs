//! The change-window gate: may a step start now, and if not, until when must it wait.
//!
//! An Azure operation cannot be cancelled, so windows gate the start of every step. Outside
//! the allowed periods, or inside a deny window, nothing starts. A step whose expected
//! duration runs past the end of its period does not start unless `allowOverrun`. The
//! annotation [`CHANGE_WINDOW_OVERRIDE`] set to the resource's `metadata.generation` lets
//! that generation through.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::parse::ChangeWindows;
use super::text::{duration, when};
use super::windows::{Reach, WINDOW_HORIZON};

/// The annotation whose value, the resource's `metadata.generation`, lets that one
/// generation start steps outside the change windows.
pub const CHANGE_WINDOW_OVERRIDE: &str = "capacity.apim.dev/change-window-override";

/// Whether a step may start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// It may.
    Open,
    /// Outside the allowed periods or inside a deny window. Ready False, reason
    /// WaitingForChangeWindow, with `reason_message`; requeue at `next_opening`.
    Closed {
        /// The first instant at which a period with room for the step opens, if one does
        /// within a year.
        next_opening: Option<Timestamp>,
        /// For the Ready condition: why, and the next opening.
        reason_message: String,
    },
    /// Inside an allowed period, but the step would still be running when it ends.
    WouldOverrun {
        /// Where the period ends.
        window_end: Timestamp,
        /// The first instant at which a period with room for the step opens, if one does
        /// within a year.
        next_opening: Option<Timestamp>,
        /// For the Ready condition: why, and the next opening.
        reason_message: String,
    },
}

impl Gate {
    /// When to look again: the next opening of a closed gate.
    pub fn next_opening(&self) -> Option<Timestamp> {
        match self {
            Gate::Open => None,
            Gate::Closed { next_opening, .. } | Gate::WouldOverrun { next_opening, .. } => {
                *next_opening
            }
        }
    }

    /// The message for the Ready condition when the gate is not open.
    pub fn reason_message(&self) -> Option<&str> {
        match self {
            Gate::Open => None,
            Gate::Closed { reason_message, .. } | Gate::WouldOverrun { reason_message, .. } => {
                Some(reason_message)
            }
        }
    }
}

/// Whether the override annotation's value lets `generation` through: it must be exactly
/// that generation, so a later edit of the spec is gated again.
pub fn override_allowed(annotation: Option<&str>, generation: Option<i64>) -> bool {
    match (annotation, generation) {
        (Some(value), Some(generation)) => value.trim().parse::<i64>() == Ok(generation),
        _ => false,
    }
}

/// Whether a step expected to take `step` may start at `now` under `windows` (always, when
/// there are none or when `override_allowed`).
pub fn window_gate(
    windows: Option<&ChangeWindows>,
    now: Timestamp,
    step: Duration,
    override_allowed: bool,
) -> Gate {
    let Some(windows) = windows else {
        return Gate::Open;
    };
    if override_allowed {
        return Gate::Open;
    }
    let step = SignedDuration::try_from(step).unwrap_or(SignedDuration::MAX);
    let zone = &windows.zone;
    if !windows.is_allowed(now) {
        let next_opening = windows.next_opening(now, step);
        let why = match windows.deny_holding(now) {
            Some((window, end)) => format!(
                "Inside the deny window {:?} ({}) of spec.changeWindows until {}",
                window.start.expression(),
                duration(window.duration),
                when(end, zone)
            ),
            None => "Outside the allowed periods of spec.changeWindows".to_string(),
        };
        return Gate::Closed {
            next_opening,
            reason_message: format!("{why}; {}.", opening_text(next_opening, step, windows)),
        };
    }
    if windows.allow_overrun {
        return Gate::Open;
    }
    let needed = now.checked_add(step).unwrap_or(Timestamp::MAX);
    match windows.open_until(now, needed) {
        Reach::Ends(end) if end < needed => {
            let next_opening = windows.next_opening(now, step);
            let reason_message = format!(
                "The next step is expected to take {}, but the change window closes at {}; {}. \
                 Set spec.changeWindows.allowOverrun to start steps that run past a window's end.",
                duration(step),
                when(end, zone),
                opening_text(next_opening, step, windows)
            );
            Gate::WouldOverrun {
                window_end: end,
                next_opening,
                reason_message,
            }
        }
        _ => Gate::Open,
    }
}

fn opening_text(
    next_opening: Option<Timestamp>,
    step: SignedDuration,
    windows: &ChangeWindows,
) -> String {
    match next_opening {
        Some(at) if windows.allow_overrun => {
            format!("the next opening is {}", when(at, &windows.zone))
        }
        Some(at) => format!(
            "the next opening with room for a step of {} is {}",
            duration(step),
            when(at, &windows.zone)
        ),
        None => format!(
            "no change window with room for a step of {} opens within {} days",
            duration(step),
            WINDOW_HORIZON.as_hours() / 24
        ),
    }
}
