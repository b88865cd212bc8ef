//! Management locks (ARM-NOTES §4): a `ReadOnly` lock on a subscription, a resource group or
//! the service itself makes ARM refuse every write below it with 409 `ScopeLocked`, before
//! the request reaches API Management. A `CanNotDelete` lock only refuses deletes, which the
//! simulator does not serve. Locks come from the seed and the admin endpoint.

use serde::{Deserialize, Serialize};

use crate::reply::ArmError;

/// How much a lock forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LockLevel {
    /// Reads only: every write below the scope is refused.
    #[default]
    ReadOnly,
    /// Everything but deleting.
    CanNotDelete,
}

/// A management lock on an ARM scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lock {
    /// The locked scope: `/subscriptions/{sub}`, a resource group or a resource id.
    pub scope: String,
    /// The lock's name (unique per scope).
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default)]
    pub level: LockLevel,
    #[serde(default)]
    pub notes: Option<String>,
}

fn default_name() -> String {
    "lock".to_string()
}

impl Lock {
    /// Checks a lock given from outside (seed, admin endpoint).
    pub fn validate(&self) -> Result<(), String> {
        let segments: Vec<&str> = self.scope.trim_matches('/').split('/').collect();
        let shaped = self.scope.starts_with('/')
            && segments.len() >= 2
            && segments[0].eq_ignore_ascii_case("subscriptions")
            && segments.iter().all(|s| !s.is_empty());
        if !shaped {
            return Err(format!(
                "{:?} is not an ARM scope such as /subscriptions/S/resourceGroups/RG",
                self.scope
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 260 {
            return Err("a lock needs a name of 1 to 260 characters".to_string());
        }
        Ok(())
    }

    /// Whether this lock covers the resource `id` (the scope is `id` or one of its parents).
    fn covers(&self, id: &str) -> bool {
        let scope = self.scope.trim_end_matches('/').to_lowercase();
        let id = id.trim_end_matches('/').to_lowercase();
        id == scope || id.starts_with(&format!("{scope}/"))
    }
}

/// Refuses a write to `id` when a `ReadOnly` lock covers it, with ARM's 409 `ScopeLocked`.
pub fn check_write(locks: &[Lock], id: &str) -> Result<(), ArmError> {
    let mut scopes: Vec<String> = locks
        .iter()
        .filter(|l| l.level == LockLevel::ReadOnly && l.covers(id))
        .map(|l| format!("'{}'", l.scope.trim_end_matches('/')))
        .collect();
    scopes.dedup();
    if scopes.is_empty() {
        return Ok(());
    }
    Err(ArmError::new(
        409,
        "ScopeLocked",
        format!(
            "The scope '{id}' cannot perform write operation because following scope(s) are \
             locked: {}. Please remove the lock and try again.",
            scopes.join(",")
        ),
    ))
}

/// Adds `lock`, replacing a lock of the same name on the same scope.
pub fn add(locks: &mut Vec<Lock>, lock: Lock) -> Result<(), String> {
    lock.validate()?;
    locks.retain(|l| !(l.name == lock.name && l.scope.eq_ignore_ascii_case(&lock.scope)));
    locks.push(lock);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str =
        "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ApiManagement/service/apim";

    fn lock(scope: &str, level: LockLevel) -> Lock {
        Lock {
            scope: scope.into(),
            name: "l".into(),
            level,
            notes: None,
        }
    }

    #[test]
    fn a_read_only_lock_on_a_parent_refuses_writes() {
        let locks = [lock(
            "/subscriptions/s/resourcegroups/rg",
            LockLevel::ReadOnly,
        )];
        let error = check_write(&locks, SERVICE).expect_err("locked");
        assert_eq!((error.status, error.code.as_str()), (409, "ScopeLocked"));
        assert!(
            error
                .message
                .contains("following scope(s) are locked: '/subscriptions/s/resourcegroups/rg'")
        );
        assert!(
            check_write(
                &[lock(
                    "/subscriptions/s/resourceGroups/rg2",
                    LockLevel::ReadOnly
                )],
                SERVICE
            )
            .is_ok()
        );
        assert!(
            check_write(
                &[lock(
                    "/subscriptions/s/resourceGroups/r",
                    LockLevel::ReadOnly
                )],
                SERVICE
            )
            .is_ok()
        );
        assert!(check_write(&[lock(SERVICE, LockLevel::CanNotDelete)], SERVICE).is_ok());
        assert!(check_write(&[lock(SERVICE, LockLevel::ReadOnly)], SERVICE).is_err());
    }

    #[test]
    fn locks_are_checked_and_replaced_by_name() {
        let mut locks = Vec::new();
        assert!(add(&mut locks, lock("resourceGroups/rg", LockLevel::ReadOnly)).is_err());
        add(&mut locks, lock("/subscriptions/s", LockLevel::ReadOnly)).expect("valid");
        add(
            &mut locks,
            lock("/subscriptions/S", LockLevel::CanNotDelete),
        )
        .expect("valid");
        assert_eq!(locks.len(), 1);
        assert_eq!(locks[0].level, LockLevel::CanNotDelete);
    }
}
