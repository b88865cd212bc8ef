//! Learned durations kept across restarts (I/O): read from a ConfigMap in the operator's
//! namespace when this process starts leading, written back by server-side apply after an
//! operation finished, and only when the text changed. The text is
//! [`crate::plan::durations_codec`]'s: bounded, and read leniently (anybody with access to
//! the ConfigMap could have edited it).

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::Mutex;

use super::field_manager::FIELD_MANAGER;
use crate::plan::DurationEstimates;
use crate::plan::durations_codec::{decode, encode};

/// The key of the ConfigMap's data that holds the durations.
pub const DATA_KEY: &str = "durations.json";

/// One ConfigMap, and the text last read from or written to it.
#[derive(Debug)]
pub struct DurationsStore {
    pub namespace: String,
    pub name: String,
    written: Mutex<Option<String>>,
}

impl DurationsStore {
    /// The ConfigMap `namespace/name`.
    pub fn new(namespace: &str, name: &str) -> Self {
        DurationsStore {
            namespace: namespace.to_string(),
            name: name.to_string(),
            written: Mutex::new(None),
        }
    }

    fn api(&self, client: &Client) -> Api<ConfigMap> {
        Api::namespaced(client.clone(), &self.namespace)
    }

    /// The durations kept in the ConfigMap; none when it is absent, unreadable or holds
    /// nothing this operator can read (each logged).
    pub async fn load(&self, client: &Client) -> DurationEstimates {
        let found = match self.api(client).get_opt(&self.name).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(configmap = %self, error = %e, "cannot read the learned durations; starting without them (check the operator's RBAC: configmaps get)");
                return DurationEstimates::default();
            }
        };
        let text = found
            .and_then(|map| map.data)
            .and_then(|mut data| data.remove(DATA_KEY));
        let Some(text) = text else {
            tracing::info!(configmap = %self, "no learned durations kept yet");
            return DurationEstimates::default();
        };
        match decode(&text) {
            Ok(learned) => {
                tracing::info!(configmap = %self, "read the learned durations");
                *self.written.lock().await = Some(text);
                learned
            }
            Err(e) => {
                tracing::warn!(configmap = %self, error = %e, "ignoring the learned durations kept");
                DurationEstimates::default()
            }
        }
    }

    /// Writes `learned` unless the ConfigMap already holds the same text; a failure is
    /// logged and tried again after the next operation.
    pub async fn save(&self, client: &Client, learned: &DurationEstimates) {
        let text = encode(learned);
        let mut written = self.written.lock().await;
        if written.as_deref() == Some(text.as_str()) {
            return;
        }
        let patch = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "data": {DATA_KEY: text},
        });
        let params = PatchParams::apply(FIELD_MANAGER).force();
        match self
            .api(client)
            .patch(&self.name, &params, &Patch::Apply(&patch))
            .await
        {
            Ok(_) => {
                tracing::debug!(configmap = %self, "kept the learned durations");
                *written = Some(text);
            }
            Err(e) => {
                tracing::warn!(configmap = %self, error = %e, "cannot keep the learned durations (check the operator's RBAC: configmaps patch)")
            }
        }
    }
}

impl std::fmt::Display for DurationsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}
