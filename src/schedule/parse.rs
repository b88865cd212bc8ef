//! From the spec's schedules and change windows to typed values, or an error that names the
//! schedule or window, the field and what is wrong with it.
//!
//! Admission (CEL) already rejects most of these, but `apimcap plan -f` reads files that
//! never went through admission, so every rule is checked here too.

use jiff::SignedDuration;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use crate::api;
use crate::domain::limits::MAX_UNITS_PER_REGION;
use crate::domain::{Location, RegionUnits};

use super::cron::CronTimes;

/// The shortest duration of a schedule or window.
pub const MIN_DURATION: SignedDuration = SignedDuration::from_mins(1);

/// The longest duration of a schedule or window: 366 days.
pub const MAX_DURATION: SignedDuration = SignedDuration::from_hours(366 * 24);

/// A schedule, parsed: while active, `regions` get these units.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The schedule's name, unique among the spec's schedules.
    pub name: String,
    /// When it starts (read in its time zone).
    pub start: CronTimes,
    /// When it ends.
    pub end: ScheduleEnd,
    /// The units of the regions it changes, normalised locations, each listed in
    /// `spec.regions`.
    pub regions: Vec<RegionUnits>,
}

/// When a schedule ends.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleEnd {
    /// At the next instant this expression fires after a start.
    At(CronTimes),
    /// This long after each start (elapsed time).
    After(SignedDuration),
}

impl Schedule {
    /// The time zone the schedule is read in.
    pub fn zone(&self) -> &TimeZone {
        self.start.zone()
    }
}

/// Change windows, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeWindows {
    /// Periods in which a step may start; empty means always, except `deny`.
    pub allow: Vec<Window>,
    /// Periods in which no step may start.
    pub deny: Vec<Window>,
    /// Start a step even when it would run past the end of its window.
    pub allow_overrun: bool,
    /// The zone the windows are read in (also used to show instants to people).
    pub zone: TimeZone,
}

/// A recurring period: `[start, start + duration)` for every instant `start` fires.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// When the window opens.
    pub start: CronTimes,
    /// How long it stays open.
    pub duration: SignedDuration,
}

/// Everything time-dependent about one ApimCapacity: the spec's units, its schedules and its
/// change windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Timetable {
    /// `spec.regions`, normalised: the units outside every schedule.
    pub regions: Vec<RegionUnits>,
    /// The schedules, in spec order (a later one wins over an earlier one).
    pub schedules: Vec<Schedule>,
    /// The change windows, when the spec has any.
    pub windows: Option<ChangeWindows>,
}

/// What is wrong with a schedule or change window, for a person. The reconcile reports it as
/// Stalled with reason InvalidSpec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SpecError {
    /// Where, as a path into the resource with the schedule's name: `spec.schedules[0]
    /// (business-hours).start`.
    pub field: String,
    /// What is wrong and, where it helps, what would be right.
    pub problem: String,
}

impl Timetable {
    /// Parses the schedules and change windows of `spec`.
    pub fn from_spec(spec: &api::ApimCapacitySpec) -> Result<Timetable, SpecError> {
        let schedules = parse_schedules(&spec.schedules, &spec.regions)?;
        let windows = match &spec.change_windows {
            Some(windows) => Some(parse_change_windows(windows)?),
            None => None,
        };
        // Autoscaled regions have no fixed units: their range is applied by the autoscale
        // step (`crate::effective`), schedules included.
        let regions = spec
            .regions
            .iter()
            .filter_map(|r| {
                r.units.map(|units| RegionUnits {
                    location: Location::new(&r.location),
                    units,
                })
            })
            .collect();
        Ok(Timetable {
            regions,
            schedules,
            windows,
        })
    }
}

/// Parses the schedules, checking their regions against `spec.regions`.
pub fn parse_schedules(
    schedules: &[api::Schedule],
    spec_regions: &[api::RegionCapacity],
) -> Result<Vec<Schedule>, SpecError> {
    let listed: Vec<Location> = spec_regions
        .iter()
        .map(|r| Location::new(&r.location))
        .collect();
    let mut parsed: Vec<Schedule> = Vec::with_capacity(schedules.len());
    for (index, schedule) in schedules.iter().enumerate() {
        let at = |field: &str| format!("spec.schedules[{index}] ({}).{field}", schedule.name);
        let fail = |field: &str, problem: String| SpecError {
            field: at(field),
            problem,
        };
        if schedule.name.trim().is_empty() {
            return Err(fail("name", "a schedule needs a name".into()));
        }
        if parsed.iter().any(|p| p.name == schedule.name) {
            return Err(fail(
                "name",
                format!(
                    "the name {:?} is used by another schedule; names must be unique",
                    schedule.name
                ),
            ));
        }
        let zone = time_zone(&schedule.time_zone).map_err(|p| fail("timeZone", p))?;
        let start = cron(&schedule.start, &zone).map_err(|p| fail("start", p))?;
        let end = match (&schedule.end, &schedule.duration) {
            (Some(end), None) => {
                let end_times = cron(end, &zone).map_err(|p| fail("end", p))?;
                if end_times.expression() == start.expression() {
                    return Err(fail(
                        "end",
                        "end is the same as start, so the schedule would never be active".into(),
                    ));
                }
                ScheduleEnd::At(end_times)
            }
            (None, Some(duration)) => {
                ScheduleEnd::After(parse_duration(duration).map_err(|p| fail("duration", p))?)
            }
            (Some(_), Some(_)) => {
                return Err(fail("end", "give either end or duration, not both".into()));
            }
            (None, None) => {
                return Err(fail(
                    "end",
                    "a schedule needs end (a cron expression) or duration (such as 11h)".into(),
                ));
            }
        };
        let regions = schedule_regions(&schedule.regions, &listed)
            .map_err(|(i, problem)| fail(&format!("regions[{i}]"), problem))?;
        if schedule.regions.is_empty() {
            return Err(fail(
                "regions",
                "a schedule must list at least one region".into(),
            ));
        }
        parsed.push(Schedule {
            name: schedule.name.clone(),
            start,
            end,
            regions,
        });
    }
    Ok(parsed)
}

fn schedule_regions(
    regions: &[api::ScheduleRegion],
    listed: &[Location],
) -> Result<Vec<RegionUnits>, (usize, String)> {
    let mut out: Vec<RegionUnits> = Vec::with_capacity(regions.len());
    let mut seen: Vec<Location> = Vec::with_capacity(regions.len());
    for (i, region) in regions.iter().enumerate() {
        let location = Location::new(&region.location);
        if !listed.contains(&location) {
            return Err((
                i,
                format!(
                    "{:?} is not listed in spec.regions; a schedule changes the units of listed regions, never the set of regions",
                    region.location
                ),
            ));
        }
        if seen.contains(&location) {
            return Err((i, format!("{location} is listed twice in this schedule")));
        }
        seen.push(location.clone());
        let counts = [region.units, region.min_units, region.max_units];
        if let Some(bad) = counts
            .into_iter()
            .flatten()
            .find(|n| *n == 0 || *n > MAX_UNITS_PER_REGION)
        {
            return Err((
                i,
                format!("{bad} units is out of range: 1 to {MAX_UNITS_PER_REGION}"),
            ));
        }
        // minUnits/maxUnits of an autoscaled region are read by the autoscale step.
        if let Some(units) = region.units {
            out.push(RegionUnits { location, units });
        }
    }
    Ok(out)
}

/// Parses the change windows.
pub fn parse_change_windows(windows: &api::ChangeWindows) -> Result<ChangeWindows, SpecError> {
    let fail = |field: String, problem: String| SpecError {
        field: format!("spec.changeWindows.{field}"),
        problem,
    };
    let zone = time_zone(&windows.time_zone).map_err(|p| fail("timeZone".into(), p))?;
    let parse_list = |list: &[api::Window], kind: &str| -> Result<Vec<Window>, SpecError> {
        list.iter()
            .enumerate()
            .map(|(i, window)| {
                let start = cron(&window.start, &zone)
                    .map_err(|p| fail(format!("{kind}[{i}].start"), p))?;
                let duration = parse_duration(&window.duration)
                    .map_err(|p| fail(format!("{kind}[{i}].duration"), p))?;
                Ok(Window { start, duration })
            })
            .collect()
    };
    Ok(ChangeWindows {
        allow: parse_list(&windows.allow, "allow")?,
        deny: parse_list(&windows.deny, "deny")?,
        allow_overrun: windows.allow_overrun,
        zone: zone.clone(),
    })
}

/// Looks an IANA time zone up in the system's time-zone database when there is one, else
/// (a scratch image, or a system copy that lacks the zone) in the copy embedded in the
/// binary.
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    zone_in(&[jiff::tz::db(), &TimeZoneDatabase::bundled()], name)
}

/// `name` in the first of `databases` that knows it.
pub(crate) fn zone_in(databases: &[&TimeZoneDatabase], name: &str) -> Result<TimeZone, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Ok(TimeZone::UTC);
    }
    let found = databases.iter().find_map(|db| db.get(trimmed).ok());
    found.ok_or_else(|| {
        format!(
            "{trimmed:?} is not a time zone of the IANA database; use a name such as Europe/Amsterdam, America/New_York or UTC"
        )
    })
}

fn cron(expression: &str, zone: &TimeZone) -> Result<CronTimes, String> {
    CronTimes::parse(expression, zone).map_err(|problem| format!("{expression:?}: {problem}"))
}

/// Parses an elapsed duration such as `11h`, `90m`, `1h30m` or `PT3H`, between
/// [`MIN_DURATION`] and [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let duration: SignedDuration = text.trim().parse().map_err(|error: jiff::Error| {
        if error.to_string().contains("calendar units") {
            format!(
                "{text:?}: give days as hours, such as 48h for two days (a day is not always 24 hours)"
            )
        } else {
            format!("{text:?} is not a duration; write it like 11h, 90m or 1h30m")
        }
    })?;
    if duration < MIN_DURATION || duration > MAX_DURATION {
        return Err(format!(
            "{text:?} is out of range: from 1m to {}h (366 days)",
            MAX_DURATION.as_hours()
        ));
    }
    Ok(duration)
}
