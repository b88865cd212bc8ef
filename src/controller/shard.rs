//! Sharding as Flux does it: which ApimCapacity objects this operator watches, by a label
//! selector (`--watch-label-selector`, e.g. `sharding.capacity.apim.dev/key in (shard1)`)
//! and a list of namespaces (`--watch-namespaces`). Several Deployments, each with its own
//! selector and Lease, split the resources between them; the default one takes the rest with
//! `!sharding.capacity.apim.dev/key`. Both are checked once, at startup, here (pure).

use std::collections::BTreeSet;

use kube::core::{Expression, Selector};

/// The label the shards of the documentation split resources by.
pub const SHARD_LABEL: &str = "sharding.capacity.apim.dev/key";

/// What this operator watches: every namespace (none listed) or only those listed, and the
/// objects matching the label selector (none: every object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchScope {
    /// The label selector as the apiserver takes it (checked, in its canonical form).
    pub label_selector: Option<String>,
    /// The namespaces watched, sorted and without duplicates; empty: every namespace.
    pub namespaces: Vec<String>,
}

/// Why `--watch-label-selector` or `--watch-namespaces` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("--watch-label-selector {text:?}: {why}")]
    Selector { text: String, why: String },
    #[error(
        "--watch-namespaces: {name:?} is not a namespace name (lower-case letters, digits and '-', at most 63)"
    )]
    Namespace { name: String },
}

impl WatchScope {
    /// Checks the selector and the namespaces (a comma-separated list, blanks ignored).
    pub fn new(selector: Option<&str>, namespaces: &[String]) -> Result<Self, ScopeError> {
        let label_selector = match selector.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => {
                let parsed = parse_label_selector(text).map_err(|why| ScopeError::Selector {
                    text: text.to_string(),
                    why,
                })?;
                Some(parsed.to_string())
            }
        };
        let mut names = BTreeSet::new();
        for name in namespaces
            .iter()
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !is_dns_label(name) {
                return Err(ScopeError::Namespace {
                    name: name.to_string(),
                });
            }
            names.insert(name.to_string());
        }
        Ok(Self {
            label_selector,
            namespaces: names.into_iter().collect(),
        })
    }
}

impl WatchScope {
    /// Logs what is watched, at startup.
    pub fn log(&self) {
        let namespaces = match self.namespaces.as_slice() {
            [] => "(every namespace)".to_string(),
            names => names.join(","),
        };
        tracing::info!(
            label_selector = self.label_selector.as_deref().unwrap_or("(every object)"),
            namespaces = %namespaces,
            "watching ApimCapacity resources"
        );
    }
}

/// Parses a Kubernetes label selector (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
/// `a`, `!a`, comma-separated). The `<` and `>` operators are refused.
pub fn parse_label_selector(text: &str) -> Result<Selector, String> {
    let mut expressions = Vec::new();
    for requirement in split_requirements(text)? {
        expressions.push(parse_requirement(requirement.trim())?);
    }
    if expressions.is_empty() {
        return Err("empty selector".into());
    }
    Ok(expressions.into_iter().collect())
}

/// Splits on the commas outside parentheses.
fn split_requirements(text: &str) -> Result<Vec<&str>, String> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0u8, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' if depth == 0 => depth = 1,
            '(' => return Err("nested parentheses".into()),
            ')' if depth == 1 => depth = 0,
            ')' => return Err("a ')' without '('".into()),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a '(' without ')'".into());
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn parse_requirement(text: &str) -> Result<Expression, String> {
    if text.is_empty() {
        return Err("an empty requirement (two commas, or one at an end)".into());
    }
    if let Some(key) = text.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(key_of(key.trim())?));
    }
    let end = text
        .find(|c: char| c.is_whitespace() || "=!<>(".contains(c))
        .unwrap_or(text.len());
    let key = key_of(&text[..end])?;
    let rest = text[end..].trim_start();
    if rest.is_empty() {
        return Ok(Expression::Exists(key));
    }
    if let Some(value) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
        return Ok(Expression::Equal(key, value_of(value.trim())?));
    }
    if let Some(value) = rest.strip_prefix("!=") {
        return Ok(Expression::NotEqual(key, value_of(value.trim())?));
    }
    if rest.starts_with('<') || rest.starts_with('>') {
        return Err(format!("{key}: the operators < and > are not supported"));
    }
    let keyword = |word: &str| {
        rest.strip_prefix(word)
            .filter(|r| r.starts_with(|c: char| c.is_whitespace() || c == '('))
    };
    if let Some(set) = keyword("notin") {
        return Ok(Expression::NotIn(key, set_of(set.trim())?));
    }
    if let Some(set) = keyword("in") {
        return Ok(Expression::In(key, set_of(set.trim())?));
    }
    Err(format!(
        "{text:?}: expected =, ==, !=, in (...) or notin (...) after {key:?}"
    ))
}

fn set_of(text: &str) -> Result<BTreeSet<String>, String> {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("{text:?}: expected a set of values in parentheses"))?;
    let values = inner
        .split(',')
        .map(|v| value_of(v.trim()))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if inner.trim().is_empty() {
        return Err("an empty set of values".into());
    }
    Ok(values)
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name.
fn key_of(text: &str) -> Result<String, String> {
    let (prefix, name) = match text.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    let prefix_ok =
        prefix.is_none_or(|p| p.len() <= 253 && !p.is_empty() && p.split('.').all(is_dns_label));
    if prefix_ok && is_label_name(name) {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not a label key"))
    }
}

fn value_of(text: &str) -> Result<String, String> {
    if text.is_empty() || is_label_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not a label value"))
    }
}

/// A label name or non-empty value: at most 63 characters, letters and digits at both ends,
/// `-`, `_` and `.` inside.
fn is_label_name(text: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    text.len() <= 63
        && text.starts_with(alnum)
        && text.ends_with(alnum)
        && text.chars().all(|c| alnum(c) || "-_.".contains(c))
}

/// A DNS label (a namespace name): at most 63 lower-case letters, digits and `-`, starting
/// and ending with a letter or digit.
fn is_dns_label(text: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    text.len() <= 63
        && text.starts_with(alnum)
        && text.ends_with(alnum)
        && text.chars().all(|c| alnum(c) || c == '-')
}

#[cfg(test)]
#[path = "shard_tests.rs"]
mod tests;
