//! The controller loop's heartbeat for `/livez`. Every few seconds a reconcile request for an
//! object that cannot exist goes through kube-runtime's scheduler and runner like any other
//! request and comes out of the controller's stream as "object not found": proof that the
//! loop turns, without a call to Azure or the apiserver, also when there is nothing to do.

use std::time::Duration;

use futures::Stream;
use kube::runtime::controller;
use kube::runtime::reflector::ObjectRef;

use crate::api::ApimCapacity;

/// The name of the controller loop's heartbeat.
pub const CONTROLLER_BEAT: &str = "the controller loop";
/// How often the heartbeat request is sent.
pub const EVERY: Duration = Duration::from_secs(10);
/// How long `/livez` waits for it before it fails.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// `~` is not allowed in object names, so no ApimCapacity has this one.
const NAME: &str = "~apimcap-heartbeat";

/// The heartbeat requests, one every [`EVERY`].
pub fn ticks() -> impl Stream<Item = ObjectRef<ApimCapacity>> + Send + 'static {
    futures::stream::unfold((), |()| async {
        tokio::time::sleep(EVERY).await;
        Some((ObjectRef::new(NAME), ()))
    })
}

/// Whether a result of the controller's stream is a heartbeat request coming out.
pub fn is_tick<T, R, Q>(result: &Result<T, controller::Error<R, Q>>) -> bool {
    matches!(result, Err(controller::Error::ObjectNotFound(object)) if object.name == NAME)
}
