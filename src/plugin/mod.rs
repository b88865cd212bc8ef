//! `kubectl apimcap` (the same binary invoked as `kubectl-apimcap`): `status`, `plan`,
//! `approve` and `reconcile` against the cluster of a kubeconfig, honouring `--kubeconfig`,
//! `--context`, `-n` and `KUBECONFIG` as kubectl does. The I/O is here; [`view`] is pure.

pub mod view;

use std::path::PathBuf;

use jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde_json::json;

use crate::api::{APPROVE_ANNOTATION, ApimCapacity};
use crate::controller::RECONCILE_REQUESTED_AT;

/// Which cluster and namespace, as kubectl's flags give them.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--kubeconfig`; `None`: `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; `None`: the current context.
    pub context: Option<String>,
    /// `-n`; `None`: the context's namespace, else `default`.
    pub namespace: Option<String>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("kubeconfig: {0}")]
    KubeConfig(String),
    #[error("{0}")]
    Kube(#[from] kube::Error),
    #[error("{0}")]
    Refused(String),
}

/// The field manager of the plugin's writes (shown as the approver in Events).
pub const PLUGIN_FIELD_MANAGER: &str = "kubectl-apimcap";

/// A client for `target` and the namespace to use.
pub async fn connect(target: &Target) -> Result<(Client, String), PluginError> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &target.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|e| PluginError::KubeConfig(format!("{}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &options).await
        }
        None => kube::Config::from_kubeconfig(&options).await,
    }
    .map_err(|e| PluginError::KubeConfig(e.to_string()))?;
    let namespace = target
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let client = Client::try_from(config).map_err(PluginError::Kube)?;
    Ok((client, namespace))
}

/// The ApimCapacity `name`.
pub async fn get(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<ApimCapacity, PluginError> {
    Ok(Api::<ApimCapacity>::namespaced(client.clone(), namespace)
        .get(name)
        .await?)
}

async fn annotate(
    client: &Client,
    namespace: &str,
    name: &str,
    key: &str,
    value: &str,
) -> Result<(), PluginError> {
    let patch = json!({"metadata": {"annotations": {key: value}}});
    Api::<ApimCapacity>::namespaced(client.clone(), namespace)
        .patch(
            name,
            &PatchParams {
                field_manager: Some(PLUGIN_FIELD_MANAGER.to_string()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await?;
    Ok(())
}

/// The plan hash `object` waits for, or why there is nothing to approve.
pub fn awaited_hash(object: &ApimCapacity) -> Result<String, PluginError> {
    let approval = object.status.as_ref().and_then(|s| s.approval.as_ref());
    match approval {
        Some(a) if a.approved_hash.as_deref() != Some(a.plan_hash.as_str()) => {
            Ok(a.plan_hash.clone())
        }
        Some(a) => Err(PluginError::Refused(format!(
            "plan {} is approved already",
            a.plan_hash
        ))),
        None => Err(PluginError::Refused(
            "no plan awaits approval (status.approval is empty)".into(),
        )),
    }
}

/// Sets `capacity.apim.dev/approve: HASH`.
pub async fn approve(
    client: &Client,
    namespace: &str,
    name: &str,
    hash: &str,
) -> Result<(), PluginError> {
    annotate(client, namespace, name, APPROVE_ANNOTATION, hash).await
}

/// Sets the reconcile-now annotation to `now`.
pub async fn reconcile(
    client: &Client,
    namespace: &str,
    name: &str,
    now: Timestamp,
) -> Result<(), PluginError> {
    annotate(
        client,
        namespace,
        name,
        RECONCILE_REQUESTED_AT,
        &now.to_string(),
    )
    .await
}
