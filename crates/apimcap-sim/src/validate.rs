//! The bounds of every number the simulator is told, checked once at start-up (flags and
//! in-process configuration) or when an admin request brings one, so that no later
//! computation can overflow. Messages name the command-line flag of each setting.

use std::time::Duration;

use crate::config::SimConfig;
use crate::error::SimError;
use crate::state::SimState;

/// The longest operation the simulator runs (a foreign `busy` one included).
pub const MAX_OPERATION: Duration = Duration::from_secs(365 * 24 * 3600);
/// The longest token lifetime.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// The largest token bucket and the fastest refill, per second.
pub const MAX_BURST: f64 = 1e9;
pub const MAX_RATE: f64 = 1e9;
/// The slowest refill that is not 0 (never): one request a day.
pub const MIN_RATE: f64 = 1.0 / 86_400.0;

fn config_error(message: String) -> SimError {
    SimError::Config(message)
}

/// An operation length given in seconds (admin `busy`, `--operation-seconds`).
pub fn operation_seconds(seconds: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| *d <= MAX_OPERATION)
        .ok_or_else(|| {
            format!(
                "{seconds} seconds is not a duration between 0 and {} seconds",
                MAX_OPERATION.as_secs()
            )
        })
}

fn check_duration(flag: &str, value: Duration) -> Result<(), SimError> {
    if value > MAX_OPERATION {
        return Err(config_error(format!(
            "{flag} {} is longer than the {} seconds an operation may take",
            value.as_secs_f64(),
            MAX_OPERATION.as_secs()
        )));
    }
    Ok(())
}

fn check_number(flag: &str, value: f64, max: f64) -> Result<(), SimError> {
    if !(value.is_finite() && (0.0..=max).contains(&value)) {
        return Err(config_error(format!(
            "{flag} {value} must be a number between 0 and {max}"
        )));
    }
    Ok(())
}

fn check_rate(flag: &str, value: f64) -> Result<(), SimError> {
    check_number(flag, value, MAX_RATE)?;
    if value != 0.0 && value < MIN_RATE {
        return Err(config_error(format!(
            "{flag} {value} is below one request a day ({MIN_RATE}); use 0 for a bucket that never refills"
        )));
    }
    Ok(())
}

impl SimConfig {
    /// Refuses settings the simulator cannot honour: non-finite, negative or absurd numbers,
    /// and a seed that does not make a valid world. `start` calls it; so does
    /// `SimArgs::to_config`.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(self.time_scale.is_finite() && self.time_scale >= 0.0) {
            return Err(config_error(format!(
                "--time-scale {} must be a non-negative number",
                self.time_scale
            )));
        }
        let d = &self.durations;
        for (name, nominal) in [
            ("scale", d.scale),
            ("tier change", d.tier_change),
            ("regions", d.regions),
            ("zones", d.zones),
            ("update", d.update),
            ("create", d.create),
        ] {
            check_duration(&format!("the nominal {name} duration"), nominal)?;
            let scaled = Duration::try_from_secs_f64(nominal.as_secs_f64() * self.time_scale);
            if !scaled.is_ok_and(|s| s <= MAX_OPERATION) {
                return Err(config_error(format!(
                    "--time-scale {} makes a {name} operation longer than {} seconds",
                    self.time_scale,
                    MAX_OPERATION.as_secs()
                )));
            }
        }
        if let Some(fixed) = self.operation_duration {
            check_duration("--operation-seconds", fixed)?;
        }
        let t = &self.throttle;
        check_number("--read-burst", t.read_burst, MAX_BURST)?;
        check_number("--write-burst", t.write_burst, MAX_BURST)?;
        check_rate("--reads-per-second", t.reads_per_second)?;
        check_rate("--writes-per-second", t.writes_per_second)?;
        check_number("--server-error-rate", self.faults.server_error_rate, 1.0)?;
        check_number("--throttle-rate", self.faults.throttle_rate, 1.0)?;
        if self.auth.token_lifetime > MAX_TOKEN_LIFETIME {
            return Err(config_error(format!(
                "--token-lifetime {} is longer than {} seconds",
                self.auth.token_lifetime.as_secs(),
                MAX_TOKEN_LIFETIME.as_secs()
            )));
        }
        for (flag, text) in [
            ("--retry-after-text", &self.retry_after_text),
            ("--busy-retry-after", &self.busy_retry_after),
        ] {
            if let Some(text) = text
                && (text.trim().is_empty() || http::HeaderValue::from_str(text).is_err())
            {
                return Err(config_error(format!(
                    "{flag} {text:?} cannot be sent as a header value"
                )));
            }
        }
        if self.scale_in_code.trim().is_empty() || self.scale_in_code.len() > 128 {
            return Err(config_error(format!(
                "--scale-in-code {:?} must be 1 to 128 characters",
                self.scale_in_code
            )));
        }
        if !(400..=599).contains(&self.busy.status) {
            return Err(config_error(format!(
                "--busy-status {} is not an error status (400..=599)",
                self.busy.status
            )));
        }
        if let Some(minute) = self.load_day_start
            && !(minute.is_finite() && (0.0..crate::load::MINUTES_PER_DAY).contains(&minute))
        {
            return Err(config_error(format!(
                "--load-day-start {minute} must be a minute of the day (0 to 1440, exclusive)"
            )));
        }
        if !(1..=1000).contains(&self.autoscale_settings_page_size) {
            return Err(config_error(format!(
                "--autoscale-settings-page-size {} must be between 1 and 1000",
                self.autoscale_settings_page_size
            )));
        }
        if !(1..=1000).contains(&self.list_page_size) {
            return Err(config_error(format!(
                "--list-page-size {} must be between 1 and 1000",
                self.list_page_size
            )));
        }
        if let Some(origin) = &self.list_next_link
            && !url::Url::parse(origin).is_ok_and(|u| u.has_host() && u.path() == "/")
        {
            return Err(config_error(format!(
                "--list-next-link {origin:?} must be an origin such as https://host:port"
            )));
        }
        // The seed must make a world: known tiers, no service twice, readable metric values,
        // `properties` that are objects.
        SimState::new(self.clone()).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(SimConfig::default().validate().is_ok());
    }

    /// Spoils one setting of a configuration.
    type Spoil = fn(&mut SimConfig);

    #[test]
    fn absurd_numbers_are_refused() {
        let cases: [(&str, Spoil); 20] = [
            ("--time-scale", |c| c.time_scale = f64::INFINITY),
            ("--time-scale", |c| c.time_scale = 1e30),
            ("--time-scale", |c| c.time_scale = -1.0),
            ("--time-scale", |c| c.time_scale = f64::NAN),
            ("--operation-seconds", |c| {
                c.operation_duration = Some(Duration::MAX)
            }),
            ("nominal create", |c| c.durations.create = Duration::MAX),
            ("--reads-per-second", |c| {
                c.throttle.reads_per_second = 1e-20
            }),
            ("--writes-per-second", |c| {
                c.throttle.writes_per_second = f64::INFINITY
            }),
            ("--read-burst", |c| c.throttle.read_burst = -1.0),
            ("--token-lifetime", |c| {
                c.auth.token_lifetime = Duration::MAX
            }),
            ("--busy-status", |c| c.busy.status = 200),
            ("--throttle-rate", |c| c.faults.throttle_rate = 1.5),
            ("--retry-after-text", |c| {
                c.retry_after_text = Some("60\nx".into())
            }),
            ("--busy-retry-after", |c| {
                c.busy_retry_after = Some(" ".into())
            }),
            ("--load-day-start", |c| c.load_day_start = Some(1440.0)),
            ("--load-day-start", |c| c.load_day_start = Some(f64::NAN)),
            ("--autoscale-settings-page-size", |c| {
                c.autoscale_settings_page_size = 0
            }),
            ("--list-page-size", |c| c.list_page_size = 0),
            ("--list-page-size", |c| c.list_page_size = 1001),
            ("--list-next-link", |c| {
                c.list_next_link = Some("not an origin".into())
            }),
        ];
        for (flag, set) in cases {
            let mut config = SimConfig::default();
            set(&mut config);
            let error = config.validate().expect_err(flag).to_string();
            assert!(error.contains(flag), "{flag}: {error}");
        }
    }

    #[test]
    fn operation_seconds_are_bounded() {
        assert_eq!(operation_seconds(1.5), Ok(Duration::from_millis(1500)));
        for bad in [-1.0, 1e20, f64::NAN, f64::INFINITY, 1e9] {
            assert!(operation_seconds(bad).is_err(), "{bad}");
        }
    }
}
