//! The namespace policy: which Azure scopes the ApimCapacity resources of each namespace
//! may target. Closed by default: with a policy file a namespace may target only the scopes
//! listed for it (a namespace not listed: nothing); without one no namespace may target
//! anything, unless `--allow-all-namespaces` lets every namespace target any service.
//!
//! A scope is an ARM id prefix — a subscription, a resource group or a service — whose
//! segments may use `*` as a wildcard; names compare case-insensitively, as in Azure:
//!
//! ```yaml
//! platform:
//!   - /subscriptions/00000000-0000-0000-0000-000000000000
//! team-payments:
//!   - /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-payments-*
//!   - /subscriptions/*/resourceGroups/rg-shared/providers/Microsoft.ApiManagement/service/payments-*
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::ServiceRef;

/// Namespace → the Azure scopes its resources may target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct NamespacePolicy {
    pub scopes: BTreeMap<String, Vec<String>>,
}

/// The policy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the namespace policy {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the namespace policy {path} is not valid: {source}")]
    Parse {
        path: String,
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    #[error(
        "--namespace-policy and --allow-all-namespaces contradict each other: give one of them"
    )]
    Conflict,
}

impl NamespacePolicy {
    /// The policy of `apimcap run`: the file's (`path`); no restriction (`None`) only when
    /// `allow_all`; with neither, an empty policy that lets no namespace target anything.
    pub fn from_flags(
        path: Option<&std::path::Path>,
        allow_all: bool,
    ) -> Result<Option<Self>, PolicyError> {
        match (path, allow_all) {
            (Some(_), true) => Err(PolicyError::Conflict),
            (Some(path), false) => Self::from_file(path).map(Some),
            (None, true) => Ok(None),
            (None, false) => Ok(Some(Self::default())),
        }
    }

    /// Why resources in `namespace` may not manage `service` (for the Stalled message).
    pub fn refusal(&self, namespace: &str, service: &ServiceRef) -> String {
        let s = service;
        let why = if self.scopes.is_empty() {
            "the operator has no namespace policy, so no namespace may target Azure (give it one with --namespace-policy, the chart's namespacePolicy, or allow every namespace with --allow-all-namespaces, the chart's allowAllNamespaces)"
        } else {
            "the operator's namespace policy does not allow it"
        };
        format!(
            "namespace {namespace} may not manage services in subscription {} (resource group {}, service {}): {why}",
            s.subscription_id, s.resource_group, s.name
        )
    }

    /// Reads a policy file (YAML or JSON).
    pub fn from_file(path: &std::path::Path) -> Result<Self, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: shown.clone(),
            source,
        })?;
        serde_saphyr::from_str(&text).map_err(|source| PolicyError::Parse {
            path: shown,
            source: Box::new(source),
        })
    }

    /// Whether resources in `namespace` may manage `service`.
    pub fn allows(&self, namespace: &str, service: &ServiceRef) -> bool {
        let id = service.key();
        let id: Vec<&str> = id.trim_matches('/').split('/').collect();
        self.scopes.get(namespace).is_some_and(|scopes| {
            scopes.iter().any(|scope| {
                let scope = scope.to_ascii_lowercase();
                let scope: Vec<&str> = scope.trim_matches('/').split('/').collect();
                scope.len() <= id.len()
                    && scope
                        .iter()
                        .zip(&id)
                        .all(|(pattern, segment)| glob(pattern, segment))
            })
        })
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || value.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    if !value.ends_with(last) {
        return false;
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(sub: &str, rg: &str, name: &str) -> ServiceRef {
        ServiceRef::new(sub, rg, name)
    }

    const SUB: &str = "00000000-0000-0000-0000-000000000000";

    fn policy() -> NamespacePolicy {
        serde_saphyr::from_str(&format!(
            "team-payments:\n  - /subscriptions/{SUB}/resourceGroups/rg-payments-*\n  - /subscriptions/*/resourceGroups/rg-shared/providers/Microsoft.ApiManagement/service/payments-*\nplatform:\n  - /subscriptions/*\n"
        ))
        .expect("valid policy")
    }

    #[test]
    fn a_namespace_may_target_only_its_scopes() {
        let p = policy();
        let other = "11111111-1111-1111-1111-111111111111";
        assert!(p.allows("team-payments", &service(SUB, "RG-Payments-prod", "x")));
        assert!(!p.allows("team-payments", &service(SUB, "rg-orders", "x")));
        assert!(!p.allows("team-payments", &service(other, "rg-payments-a", "x")));
        assert!(p.allows("team-payments", &service(other, "rg-shared", "Payments-EU")));
        assert!(!p.allows("team-payments", &service(other, "rg-shared", "orders")));
        assert!(!p.allows("team-orders", &service(SUB, "rg-payments-a", "x")));
        assert!(p.allows("platform", &service(other, "any", "any")));
    }

    #[test]
    fn globs_match_as_expected() {
        assert!(glob("*", ""));
        assert!(glob("a*c", "abbc"));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*b*c", "a-c"));
        assert!(!glob("abc", "abcd"));
        assert!(glob("*-apim", "payments-apim"));
        assert!(!glob("ab*ba", "aba"));
    }

    #[test]
    fn without_a_policy_or_the_allow_all_flag_every_namespace_is_refused() {
        let closed = NamespacePolicy::from_flags(None, false)
            .expect("no flags")
            .expect("a policy");
        assert!(!closed.allows("platform", &service(SUB, "rg", "x")));
        assert!(
            closed
                .refusal("platform", &service(SUB, "rg", "x"))
                .contains("--allow-all-namespaces")
        );
        assert_eq!(
            NamespacePolicy::from_flags(None, true).expect("allow all"),
            None
        );
        let both = NamespacePolicy::from_flags(Some(std::path::Path::new("p.yaml")), true);
        assert!(matches!(both, Err(PolicyError::Conflict)));
        assert!(
            policy()
                .refusal("team-orders", &service(SUB, "rg", "x"))
                .ends_with("the operator's namespace policy does not allow it")
        );
    }

    #[test]
    fn a_malformed_policy_is_refused() {
        let bad: Result<NamespacePolicy, _> = serde_saphyr::from_str("team-a: /subscriptions/x\n");
        assert!(bad.is_err());
    }
}
