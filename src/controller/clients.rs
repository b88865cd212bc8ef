//! The operator's two Kubernetes clients. kube's client has no read timeout by default, so a
//! call on a half-open connection would wait forever. Calls that are not watches (status
//! writes, Events, Secrets, the Lease) go through a client whose reads time out after
//! [`CALL_TIMEOUT`]. Watches and the watcher's lists go through one whose read timeout is
//! longer than kube-runtime's own idle timeout of a watch (its 290 s server-side timeout plus
//! 5 s): a quiet watch is never cut, and a dead connection still ends.

use std::time::Duration;

use kube::Client;

/// The longest wait for bytes of an answer to a call that is not a watch.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait for bytes on a watch or list connection.
pub const WATCH_READ_TIMEOUT: Duration = Duration::from_secs(330);

/// (the client for calls, the client for watches) of one configuration.
pub fn split(config: kube::Config) -> Result<(Client, Client), kube::Error> {
    let mut calls = config.clone();
    calls.read_timeout = Some(CALL_TIMEOUT);
    // Count from when a request is sent, not from when its pooled connection went idle.
    calls.reset_reader_on_write = true;
    let mut watches = config;
    watches.read_timeout = Some(WATCH_READ_TIMEOUT);
    watches.reset_reader_on_write = true;
    Ok((Client::try_from(calls)?, Client::try_from(watches)?))
}
