//! Who may use the shared control plane at the same time.
//!
//! Every test of a binary shares one control plane, and the operator an e2e test starts
//! watches all namespaces: it would reconcile another test's ApimCapacity objects (calling
//! that test's Azure with them, or changing the status that test reads). So a test that runs
//! an operator, or changes what every test relies on (the CRD), holds [`exclusive`] access;
//! tests that only create objects hold [`shared`] access, in a [`TestNamespace`] that deletes
//! its objects before the access ends, so no operator started later finds them.

use std::ops::Deref;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{ControlPlane, shared as control_plane};

static USE: RwLock<()> = RwLock::new(());

/// Held while a test uses the control plane.
pub struct Access {
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _exclusive: Option<RwLockWriteGuard<'static, ()>>,
}

/// Waits until no other test uses the control plane and keeps it for this one. A test that
/// failed while holding it does not block the next (the lock's poison is ignored).
pub fn exclusive() -> Access {
    Access {
        _shared: None,
        _exclusive: Some(USE.write().unwrap_or_else(|e| e.into_inner())),
    }
}

/// Waits until no test holds [`exclusive`] access; other shared holders run alongside.
pub fn shared() -> Access {
    Access {
        _shared: Some(USE.read().unwrap_or_else(|e| e.into_inner())),
        _exclusive: None,
    }
}

/// A namespace (named after the test) for ApimCapacity objects that no operator handles:
/// it holds [`shared`] access, and dropping it deletes every ApimCapacity in it before the
/// access ends. Dereferences to the namespace's name.
pub struct TestNamespace {
    pub cp: &'static ControlPlane,
    name: String,
    _access: Access,
}

/// Shared access, the CRD installed, and a namespace for `test`.
pub fn namespace(test: &str) -> TestNamespace {
    let access = shared();
    let cp = control_plane();
    cp.install_crds();
    let name = cp.namespace(test);
    TestNamespace {
        cp,
        name,
        _access: access,
    }
}

impl Deref for TestNamespace {
    type Target = str;

    fn deref(&self) -> &str {
        &self.name
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let out = self
            .cp
            .kubectl_output(&["delete", "apimcap", "--all", "-n", &self.name]);
        let failure = match out {
            Ok(out) if out.status.success() => return,
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        if !std::thread::panicking() {
            panic!("deleting the objects in {}: {failure}", self.name);
        }
    }
}
