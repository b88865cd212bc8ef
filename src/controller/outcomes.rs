//! How Azure errors and planner verdicts become outcomes (status) and requeue times.

use std::time::Duration;

use crate::api::Reason;
use crate::azure::{AzureError, ErrorKind, ErrorReason};
use crate::plan::{BlockReason, Blocked};
use crate::status::Outcome;

/// When to look at a resource again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// After this long.
    After(Duration),
    /// After the per-object backoff of passing failures.
    Backoff,
    /// At the (jittered) resync interval.
    Resync,
    /// Only when the resource changes.
    OnChange,
}

/// The condition reason for an Azure error that needs a person.
pub fn terminal_reason(error: &AzureError) -> Reason {
    match error.reason() {
        ErrorReason::Forbidden => Reason::AccessDenied,
        ErrorReason::NotFound => Reason::ServiceNotFound,
        ErrorReason::ScopeLocked => Reason::ScopeLocked,
        ErrorReason::CredentialUnavailable
        | ErrorReason::CredentialSecretInvalid
        | ErrorReason::CredentialSecretUnreadable
        | ErrorReason::Unauthorized => Reason::CredentialsError,
        _ => Reason::AzureError,
    }
}

/// The outcome and requeue of an Azure error, by its kind.
pub fn from_azure_error(error: &AzureError, busy_poll: Duration) -> (Outcome, Requeue) {
    let message = error.to_string();
    match error.kind() {
        ErrorKind::Terminal => (
            Outcome::Stalled {
                reason: terminal_reason(error),
                message,
            },
            Requeue::Resync,
        ),
        ErrorKind::Waiting => (
            Outcome::WaitingForAzure { message },
            Requeue::After(error.retry_after().unwrap_or(busy_poll).max(busy_poll)),
        ),
        ErrorKind::Transient => (Outcome::Retrying { message }, Requeue::Backoff),
    }
}

/// The outcome of a plan that may not be carried out.
pub fn from_blocked(blocked: &Blocked) -> Outcome {
    let reason = if blocked.reason.is_consent() {
        Reason::NotConsented
    } else if blocked.reason == BlockReason::SubnetTooSmall {
        Reason::SubnetTooSmall
    } else {
        Reason::Blocked
    };
    Outcome::Stalled {
        reason,
        message: blocked.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_blocks_read_as_not_consented() {
        let blocked = Blocked {
            reason: BlockReason::TierDowngradeNotAllowed,
            message: "set allowTierDowngrade".into(),
        };
        assert_eq!(
            from_blocked(&blocked),
            Outcome::Stalled {
                reason: Reason::NotConsented,
                message: "set allowTierDowngrade".into()
            }
        );
        let blocked = Blocked {
            reason: BlockReason::UnsupportedTierChange,
            message: "classic to v2".into(),
        };
        assert!(matches!(
            from_blocked(&blocked),
            Outcome::Stalled {
                reason: Reason::Blocked,
                ..
            }
        ));
    }

    #[test]
    fn busy_waits_and_config_errors_stall() {
        let busy = Duration::from_secs(3);
        let (outcome, requeue) =
            from_azure_error(&AzureError::Config("bad CA bundle".into()), busy);
        assert!(matches!(
            outcome,
            Outcome::Stalled {
                reason: Reason::AzureError,
                ..
            }
        ));
        assert_eq!(requeue, Requeue::Resync);
    }
}
