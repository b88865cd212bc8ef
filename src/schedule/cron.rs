//! A 5-field cron expression read in an IANA time zone, searched forwards and backwards.
//!
//! Parsing and searching are croner's (standard cron: when day-of-month and day-of-week are
//! both restricted, a day matching either matches). Its daylight-saving rules: a fixed time
//! (one minute of one hour) that falls in the hour skipped when clocks go forward fires at
//! the first instant after the gap; in the hour repeated when clocks go back it fires once,
//! the first time. Lists, ranges and steps (`*/15`) skip the instants of a gap and fire on
//! both passes of a repeated hour.

use std::fmt;

use croner::Cron;
use croner::parser::{CronParser, Seconds};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The fields of a cron expression, in order.
const FIELDS: &str = "minute hour day-of-month month day-of-week";

/// A cron expression in a time zone: the instants at which it fires.
#[derive(Clone)]
pub struct CronTimes {
    expression: String,
    zone: TimeZone,
    cron: Box<Cron>,
}

impl fmt::Debug for CronTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CronTimes({:?} in {})",
            self.expression,
            zone_name(&self.zone)
        )
    }
}

impl PartialEq for CronTimes {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && zone_name(&self.zone) == zone_name(&other.zone)
    }
}

impl CronTimes {
    /// Parses a cron expression of exactly 5 fields to be read in `zone`. The error says
    /// what is wrong, for a person; it does not repeat the expression.
    pub fn parse(expression: &str, zone: &TimeZone) -> Result<CronTimes, String> {
        let fields = expression.split_whitespace().count();
        if fields != 5 {
            return Err(format!(
                "a cron expression has 5 fields ({FIELDS}), this one has {fields}"
            ));
        }
        let parser = CronParser::builder().seconds(Seconds::Disallowed).build();
        let cron = parser
            .parse(expression.trim())
            .map_err(|error| format!("not a valid cron expression ({FIELDS}): {error}"))?;
        let times = CronTimes {
            expression: expression.trim().to_string(),
            zone: zone.clone(),
            cron: Box::new(cron),
        };
        // A pattern such as `0 0 30 2 *` parses but never fires.
        let reference = Timestamp::from_second(946_684_800).unwrap_or(Timestamp::UNIX_EPOCH);
        if times.next_after(reference).is_none() {
            return Err("this cron expression never fires (no such date)".to_string());
        }
        Ok(times)
    }

    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone the expression is read in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The first instant strictly after `at` at which the expression fires, or `None` when
    /// the search fails (beyond the calendar's range, or nothing within croner's limit).
    pub fn next_after(&self, at: Timestamp) -> Option<Timestamp> {
        let from = at.to_zoned(self.zone.clone());
        self.cron
            .find_next_occurrence(&from, false)
            .ok()
            .map(|z| z.timestamp())
            .filter(|found| *found > at)
    }

    /// The last instant at or before `at` at which the expression fires.
    pub fn last_at_or_before(&self, at: Timestamp) -> Option<Timestamp> {
        let from = at.to_zoned(self.zone.clone());
        self.cron
            .find_previous_occurrence(&from, true)
            .ok()
            .map(|z| z.timestamp())
            .filter(|found| *found <= at)
    }

    /// The last instant strictly before `at` at which the expression fires.
    pub fn last_before(&self, at: Timestamp) -> Option<Timestamp> {
        // croner steps off a whole second when exclusive; one nanosecond keeps a match at
        // the start of `at`'s own second when `at` has a fraction.
        let just_before = at.checked_sub(jiff::SignedDuration::from_nanos(1)).ok()?;
        self.last_at_or_before(just_before)
    }

    /// `at` on this expression's wall clock.
    pub fn local(&self, at: Timestamp) -> Zoned {
        at.to_zoned(self.zone.clone())
    }
}

/// The IANA name of a zone, or its fixed offset when it has none.
pub fn zone_name(zone: &TimeZone) -> String {
    match zone.iana_name() {
        Some(name) => name.to_string(),
        None => format!("{:?}", zone),
    }
}
