//! The namespace policy: which Azure scopes the ApimCapacity resources of each namespace
//! may target. Without a policy file every namespace may target any service; with one, a
//! namespace may target only what a rule allows it.
//!
//! ```yaml
//! rules:
//!   - namespaces: [team-payments, "team-pay-*"]   # names or patterns with '*'
//!     subscriptions: ["00000000-0000-0000-0000-000000000000"]
//!     resourceGroups: ["rg-payments-*"]          # optional: any when absent
//!     services: ["*-apim"]                       # optional: any when absent
//! ```

use serde::Deserialize;

use crate::api::ServiceReference;

/// The whole policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespacePolicy {
    /// Allowances; a namespace may target a service when any rule allows it.
    pub rules: Vec<Rule>,
}

/// One allowance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// Namespaces (or patterns with `*`) this rule applies to.
    pub namespaces: Vec<String>,
    /// Subscription ids (or `*`) they may target.
    pub subscriptions: Vec<String>,
    /// Resource groups (patterns, case-insensitive); any when absent.
    #[serde(default)]
    pub resource_groups: Option<Vec<String>>,
    /// Service names (patterns, case-insensitive); any when absent.
    #[serde(default)]
    pub services: Option<Vec<String>>,
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
        source: serde_yaml::Error,
    },
}

impl NamespacePolicy {
    /// Reads a policy file (YAML or JSON).
    pub fn from_file(path: &std::path::Path) -> Result<Self, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: shown.clone(),
            source,
        })?;
        serde_yaml::from_str(&text).map_err(|source| PolicyError::Parse {
            path: shown,
            source,
        })
    }

    /// Whether resources in `namespace` may manage `service`.
    pub fn allows(&self, namespace: &str, service: &ServiceReference) -> bool {
        self.rules.iter().any(|rule| {
            any_matches(&rule.namespaces, namespace, false)
                && any_matches(&rule.subscriptions, &service.subscription_id, true)
                && rule
                    .resource_groups
                    .as_ref()
                    .is_none_or(|p| any_matches(p, &service.resource_group, true))
                && rule
                    .services
                    .as_ref()
                    .is_none_or(|p| any_matches(p, &service.name, true))
        })
    }
}

fn any_matches(patterns: &[String], value: &str, ignore_case: bool) -> bool {
    patterns.iter().any(|p| {
        if ignore_case {
            glob(&p.to_ascii_lowercase(), &value.to_ascii_lowercase())
        } else {
            glob(p, value)
        }
    })
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

    fn service(sub: &str, rg: &str, name: &str) -> ServiceReference {
        ServiceReference {
            subscription_id: sub.into(),
            resource_group: rg.into(),
            name: name.into(),
        }
    }

    const SUB: &str = "00000000-0000-0000-0000-000000000000";

    fn policy() -> NamespacePolicy {
        serde_yaml::from_str(&format!(
            "rules:\n- namespaces: [team-payments, 'team-pay-*']\n  subscriptions: ['{SUB}']\n  resourceGroups: ['rg-payments-*']\n- namespaces: [platform]\n  subscriptions: ['*']\n"
        ))
        .expect("valid policy")
    }

    #[test]
    fn a_namespace_may_target_only_its_allowance() {
        let p = policy();
        assert!(p.allows("team-payments", &service(SUB, "RG-Payments-prod", "x")));
        assert!(p.allows("team-pay-eu", &service(SUB, "rg-payments-eu", "x")));
        assert!(!p.allows("team-payments", &service(SUB, "rg-orders", "x")));
        assert!(!p.allows(
            "team-payments",
            &service("11111111-1111-1111-1111-111111111111", "rg-payments-a", "x")
        ));
        assert!(!p.allows("team-orders", &service(SUB, "rg-payments-a", "x")));
        assert!(p.allows(
            "platform",
            &service("11111111-1111-1111-1111-111111111111", "any", "any")
        ));
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
    fn typos_in_the_policy_are_refused() {
        let bad: Result<NamespacePolicy, _> =
            serde_yaml::from_str("rules:\n- namespace: [a]\n  subscriptions: ['*']\n");
        assert!(bad.is_err());
    }
}
