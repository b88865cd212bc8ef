//! The credentials Secrets that resources name (`spec.credentials.secretRef`), read once and
//! then kept current by a watch of that one Secret: a `metadata.name` field selector in the
//! resource's namespace, started by the first reconcile that needs the Secret (after the
//! namespace policy allowed the resource) and stopped when no resource names it any more.
//! A changed Secret reconciles the resources that name it, with a credential built from the
//! new values (the factory keys credentials, and so their tokens, by resourceVersion).
//!
//! A watch per named Secret rather than per namespace: the operator then holds only the
//! Secrets it uses (a namespace's TLS and Helm release Secrets are never read or cached), at
//! the cost of one watch request (an HTTP/1.1 connection to the apiserver) per named Secret:
//! right for teams that share a few Secrets, not for a fleet where every resource names its
//! own (`apimcap_secret_watches` shows how many).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use tokio::sync::{mpsc, watch};

use crate::api::ApimCapacity;
use crate::azure::AzureError;
use crate::azure::credentials::ClientSecretParts;
use crate::metrics::Metrics;

/// A Secret: (namespace, name).
pub type SecretKey = (String, String);

/// How long a reconcile waits for the first read of a Secret.
const FIRST_READ: Duration = Duration::from_secs(10);

/// What the watch of one Secret last saw. No `Debug`: it holds the Secret's values.
#[derive(Clone, PartialEq)]
pub enum Seen {
    /// Not read yet.
    Loading,
    /// The Secret, at this resourceVersion.
    Present {
        version: Option<String>,
        data: Option<BTreeMap<String, ByteString>>,
    },
    /// No such Secret.
    Missing,
    /// The apiserver refused or did not answer (before the Secret was ever read).
    Unreadable(String),
}

impl Seen {
    fn version(&self) -> Option<&str> {
        match self {
            Seen::Present { version, .. } => version.as_deref(),
            _ => None,
        }
    }
}

/// Whether going from `previous` to `next` is a change the resources naming the Secret must
/// be reconciled for: not the first read (a reconcile waits for it), not a list that found
/// the same version again.
pub fn is_change(previous: &Seen, next: &Seen) -> bool {
    match (previous, next) {
        (Seen::Loading, _) | (_, Seen::Loading) => false,
        (Seen::Present { .. }, Seen::Present { .. }) => previous.version() != next.version(),
        (Seen::Missing, Seen::Missing) => false,
        (Seen::Unreadable(_), Seen::Unreadable(_)) => false,
        _ => true,
    }
}

/// What a watch error leaves: a Secret already read is kept (the watch retries); otherwise
/// the error is what a reconcile gets.
pub fn after_error(previous: &Seen, message: String) -> Option<Seen> {
    match previous {
        Seen::Present { .. } => None,
        _ => Some(Seen::Unreadable(message)),
    }
}

/// The credentials Secret each resource names, by the resource.
fn named_by(obj: &ApimCapacity) -> Option<SecretKey> {
    let name = &obj.spec.credentials.as_ref()?.secret_ref.name;
    Some((obj.namespace().unwrap_or_default(), name.clone()))
}

/// The Secrets some resource names.
pub fn named_secrets<'a>(
    resources: impl IntoIterator<Item = &'a ApimCapacity>,
) -> HashSet<SecretKey> {
    resources.into_iter().filter_map(named_by).collect()
}

/// The resources that name `key`.
pub fn naming<'a>(
    resources: impl IntoIterator<Item = &'a ApimCapacity>,
    key: &SecretKey,
) -> Vec<ObjectRef<ApimCapacity>> {
    resources
        .into_iter()
        .filter(|obj| named_by(obj).as_ref() == Some(key))
        .map(ObjectRef::from_obj)
        .collect()
}

/// One Secret's watch; dropping it stops the watch.
struct Watched {
    seen: watch::Receiver<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The watches of the Secrets resources name.
pub struct SecretWatches {
    client: kube::Client,
    metrics: Arc<Metrics>,
    watches: Mutex<HashMap<SecretKey, Watched>>,
    changed: mpsc::UnboundedSender<SecretKey>,
    changes: Mutex<Option<mpsc::UnboundedReceiver<SecretKey>>>,
}

impl SecretWatches {
    pub fn new(client: kube::Client, metrics: Arc<Metrics>) -> Self {
        let (changed, changes) = mpsc::unbounded_channel();
        Self {
            client,
            metrics,
            watches: Mutex::new(HashMap::new()),
            changed,
            changes: Mutex::new(Some(changes)),
        }
    }

    /// The Secret's resourceVersion and values: from the watch, which this call starts
    /// when the Secret is not watched yet (and then waits for its first read).
    pub async fn read(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<(Option<String>, ClientSecretParts), AzureError> {
        let key = (namespace.to_string(), name.to_string());
        let mut seen = self.watch(&key);
        let unreadable = |message: String| AzureError::SecretUnreadable {
            namespace: namespace.to_string(),
            name: name.to_string(),
            message,
        };
        let first = tokio::time::timeout(FIRST_READ, seen.wait_for(|s| *s != Seen::Loading));
        let current = match first.await {
            Ok(Ok(current)) => current.clone(),
            Ok(Err(_)) => return Err(unreadable("the watch of the Secret stopped".into())),
            Err(_) => return Err(unreadable(format!("not read within {FIRST_READ:?}"))),
        };
        match current {
            Seen::Present { version, data } => {
                let parts = ClientSecretParts::from_data(namespace, name, data.as_ref())?;
                Ok((version, parts))
            }
            Seen::Missing => Err(AzureError::SecretNotFound {
                namespace: namespace.to_string(),
                name: name.to_string(),
            }),
            Seen::Unreadable(message) => Err(unreadable(message)),
            Seen::Loading => Err(unreadable("not read yet".into())),
        }
    }

    /// The receiver of `key`'s watch, started if needed.
    fn watch(&self, key: &SecretKey) -> watch::Receiver<Seen> {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(watched) = watches.get(key)
            && !watched.task.is_finished()
        {
            return watched.seen.clone();
        }
        let (sender, seen) = watch::channel(Seen::Loading);
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &key.0);
        let task = tokio::spawn(follow(
            api,
            key.clone(),
            sender,
            self.changed.clone(),
            self.metrics.clone(),
        ));
        tracing::debug!(secret = %format!("{}/{}", key.0, key.1), "watching a credentials Secret");
        watches.insert(
            key.clone(),
            Watched {
                seen: seen.clone(),
                task,
            },
        );
        self.metrics.set_secret_watches(watches.len());
        seen
    }

    /// Stops the watches of Secrets no resource names any more.
    pub fn retain(&self, named: &HashSet<SecretKey>) {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        watches.retain(|key, _| named.contains(key));
        self.metrics.set_secret_watches(watches.len());
    }

    /// The resources to reconcile, each time a Secret they name changes (once: the
    /// controller takes it).
    pub fn reconciles(
        &self,
        store: Store<ApimCapacity>,
    ) -> impl Stream<Item = ObjectRef<ApimCapacity>> + Send + 'static + use<> {
        let changes = self
            .changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        futures::stream::unfold(changes, |changes| async move {
            let mut changes = changes?;
            let key = changes.recv().await?;
            Some((key, Some(changes)))
        })
        .flat_map(move |key| {
            let state = store.state();
            let objects = naming(state.iter().map(|o| o.as_ref()), &key);
            tracing::info!(secret = %format!("{}/{}", key.0, key.1), resources = objects.len(), "a credentials Secret changed: reconciling the resources that name it");
            futures::stream::iter(objects)
        })
    }
}

/// Follows one Secret until aborted: every read counted, every change announced.
async fn follow(
    api: Api<Secret>,
    key: SecretKey,
    seen: watch::Sender<Seen>,
    changed: mpsc::UnboundedSender<SecretKey>,
    metrics: Arc<Metrics>,
) {
    let config = watcher::Config::default().fields(&format!("metadata.name={}", key.1));
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut listed = false;
    while let Some(event) = events.next().await {
        let next = match event {
            Ok(watcher::Event::Init) => {
                listed = false;
                continue;
            }
            Ok(watcher::Event::InitApply(secret) | watcher::Event::Apply(secret)) => {
                listed = true;
                metrics.secret_read();
                Seen::Present {
                    version: secret.metadata.resource_version,
                    data: secret.data,
                }
            }
            Ok(watcher::Event::InitDone) if listed => continue,
            Ok(watcher::Event::InitDone | watcher::Event::Delete(_)) => Seen::Missing,
            Err(e) => {
                tracing::warn!(secret = %format!("{}/{}", key.0, key.1), error = %e, "cannot watch a credentials Secret (RBAC: secrets list, watch in its namespace)");
                match after_error(&seen.borrow(), e.to_string()) {
                    Some(next) => next,
                    None => continue,
                }
            }
        };
        let previous = seen.send_replace(next);
        if is_change(&previous, &seen.borrow()) {
            let _ = changed.send(key.clone());
        }
    }
}

#[cfg(test)]
#[path = "secrets_tests.rs"]
mod tests;
