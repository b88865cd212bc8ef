//! Faults on demand for ARM requests: server errors, throttling and dropped connections,
//! either for the next N requests or at a rate; and changes refused as busy while the
//! service still reads idle (an operation Azure does not show yet). Per-service faults (fail the next
//! operation, busy, drift) live on the service and in the admin endpoint.

use serde::{Deserialize, Serialize};

use crate::config::FaultConfig;
use crate::reply::ArmError;

/// What the simulator does instead of answering a request normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Close the connection without an answer.
    Drop,
    /// Answer with this 5xx status.
    ServerError(u16),
    /// Answer 429 with this `Retry-After`.
    Throttle(u64),
}

/// The body of `POST /_sim/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRequest {
    pub kind: FaultKind,
    /// Affect the next `count` ARM requests.
    #[serde(default)]
    pub count: Option<u32>,
    /// Affect this fraction (0..=1) of ARM requests from now on.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Status for `serverError` (500 by default).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` for `throttle` (1 s by default).
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    ServerError,
    Throttle,
    Drop,
    /// Refuse changes (PATCH, PUT of a service) with the busy answer (`--busy-*`).
    Busy,
    /// Carry out the next `count` changes that Azure accepts, then close the connection
    /// without the answer (a PATCH that went through while its caller saw an error).
    LoseAnswer,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    pub server_error_rate: f64,
    pub next_server_errors: u32,
    pub server_error_status: u16,
    pub throttle_rate: f64,
    pub next_throttles: u32,
    pub throttle_retry_after: u64,
    pub drop_rate: f64,
    pub next_drops: u32,
    pub busy_rate: f64,
    pub next_busy: u32,
    pub next_lost_answers: u32,
}

impl Faults {
    pub fn from_config(config: &FaultConfig) -> Self {
        Faults {
            server_error_rate: config.server_error_rate,
            next_server_errors: 0,
            server_error_status: 500,
            throttle_rate: config.throttle_rate,
            next_throttles: 0,
            throttle_retry_after: 1,
            drop_rate: 0.0,
            next_drops: 0,
            busy_rate: 0.0,
            next_busy: 0,
            next_lost_answers: 0,
        }
    }

    /// Adds a fault; refuses nonsense values.
    pub fn add(&mut self, request: &FaultRequest) -> Result<(), String> {
        let rate = request.rate.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("rate {rate} is not between 0 and 1"));
        }
        let count = request.count.unwrap_or(0);
        if request.count.is_none() && request.rate.is_none() {
            return Err("give a count or a rate".to_string());
        }
        match request.kind {
            FaultKind::ServerError => {
                let status = request.status.unwrap_or(500);
                if !(500..=599).contains(&status) {
                    return Err(format!("status {status} is not a 5xx"));
                }
                self.server_error_status = status;
                self.next_server_errors = self.next_server_errors.saturating_add(count);
                if request.rate.is_some() {
                    self.server_error_rate = rate;
                }
            }
            FaultKind::Throttle => {
                self.throttle_retry_after = request.retry_after_seconds.unwrap_or(1);
                self.next_throttles = self.next_throttles.saturating_add(count);
                if request.rate.is_some() {
                    self.throttle_rate = rate;
                }
            }
            FaultKind::Drop => {
                self.next_drops = self.next_drops.saturating_add(count);
                if request.rate.is_some() {
                    self.drop_rate = rate;
                }
            }
            FaultKind::Busy => {
                self.next_busy = self.next_busy.saturating_add(count);
                if request.rate.is_some() {
                    self.busy_rate = rate;
                }
            }
            FaultKind::LoseAnswer => {
                if request.rate.is_some() {
                    return Err("loseAnswer takes a count, not a rate".to_string());
                }
                self.next_lost_answers = self.next_lost_answers.saturating_add(count);
            }
        }
        Ok(())
    }

    pub fn clear(&mut self) {
        *self = Faults::from_config(&FaultConfig::default());
    }

    /// Decides whether a change that Azure would accept is refused as busy instead.
    pub fn draw_busy(&mut self) -> bool {
        if self.next_busy > 0 {
            self.next_busy -= 1;
            return true;
        }
        hit(self.busy_rate)
    }

    /// Decides whether the answer to a change that was carried out is lost.
    pub fn draw_lost_answer(&mut self) -> bool {
        if self.next_lost_answers > 0 {
            self.next_lost_answers -= 1;
            return true;
        }
        false
    }

    /// Decides whether the next ARM request is hit by a fault.
    pub fn draw(&mut self) -> Option<Injected> {
        if self.next_drops > 0 {
            self.next_drops -= 1;
            return Some(Injected::Drop);
        }
        if hit(self.drop_rate) {
            return Some(Injected::Drop);
        }
        if self.next_server_errors > 0 {
            self.next_server_errors -= 1;
            return Some(Injected::ServerError(self.server_error_status));
        }
        if hit(self.server_error_rate) {
            return Some(Injected::ServerError(self.server_error_status));
        }
        if self.next_throttles > 0 {
            self.next_throttles -= 1;
            return Some(Injected::Throttle(self.throttle_retry_after));
        }
        if hit(self.throttle_rate) {
            return Some(Injected::Throttle(self.throttle_retry_after));
        }
        None
    }
}

fn hit(rate: f64) -> bool {
    rate > 0.0 && rand::random::<f64>() < rate
}

/// The ARM answer for an injected server error.
pub fn server_error(status: u16) -> ArmError {
    match status {
        503 => ArmError::new(
            503,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry later.",
        )
        .with_header("retry-after", "1".to_string()),
        502 => ArmError::new(
            502,
            "BadGateway",
            "The gateway received an invalid response.",
        ),
        504 => ArmError::new(
            504,
            "GatewayTimeout",
            "The gateway did not receive a response within the specified time period.",
        ),
        _ => ArmError::new(
            status,
            "InternalServerError",
            "Encountered internal server error. Diagnostic information: timestamp '', subscription id '', tracking id '', request correlation id ''.",
        ),
    }
}

/// The ARM answer when a subscription is throttled.
pub fn throttled(retry_after: u64, kind: &str) -> ArmError {
    ArmError::new(
        429,
        "SubscriptionRequestsThrottled",
        format!(
            "Number of '{kind}' requests for subscription exceeded the limit of the period. \
             Please try again after '{retry_after}' seconds."
        ),
    )
    .with_header("retry-after", retry_after.to_string())
}
