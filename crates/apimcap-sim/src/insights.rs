//! Azure Monitor autoscale settings (`Microsoft.Insights/autoscaleSettings`) of resource
//! groups: set by the seed or the admin endpoint, listed in Azure's shape, a page at a time
//! with a `nextLink` (`$skipToken` is the offset).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::reply::ArmError;
use crate::subscription::DEFAULT_SUBSCRIPTION;

fn default_subscription() -> String {
    DEFAULT_SUBSCRIPTION.to_string()
}

fn enabled_by_default() -> bool {
    true
}

/// One autoscale setting (seed entry and admin state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoscaleSetting {
    #[serde(default = "default_subscription")]
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    /// The resource it scales (a service id, for the operator's conflict check).
    pub target_resource_uri: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

/// The body of `PUT /_sim/autoscaleSettings/{resourceGroup}/{name}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingRequest {
    #[serde(default = "default_subscription")]
    pub subscription: String,
    pub target_resource_uri: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

impl AutoscaleSetting {
    /// Refuses names and targets ARM would not accept.
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 260
                && !n.chars().any(|c| c.is_control() || "/\\?#%".contains(c))
        };
        if !name_ok(&self.name) || !name_ok(&self.resource_group) || !name_ok(&self.subscription) {
            return Err(format!(
                "autoscale setting {:?} in {:?}: names must be 1 to 260 characters without / \\ ? # %",
                self.name, self.resource_group
            ));
        }
        if self.target_resource_uri.len() > 2048
            || !self
                .target_resource_uri
                .to_ascii_lowercase()
                .starts_with("/subscriptions/")
        {
            return Err(format!(
                "autoscale setting {}: targetResourceUri must be a resource id (/subscriptions/...)",
                self.name
            ));
        }
        Ok(())
    }

    fn same(&self, other: &AutoscaleSetting) -> bool {
        self.subscription.eq_ignore_ascii_case(&other.subscription)
            && self
                .resource_group
                .eq_ignore_ascii_case(&other.resource_group)
            && self.name.eq_ignore_ascii_case(&other.name)
    }

    fn id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/microsoft.insights/autoscalesettings/{}",
            self.subscription, self.resource_group, self.name
        )
    }

    fn to_arm(&self) -> Value {
        json!({
            "id": self.id(),
            "name": self.name,
            "type": "Microsoft.Insights/autoscaleSettings",
            "location": "global",
            "tags": {},
            "properties": {
                "profiles": [],
                "notifications": [],
                "enabled": self.enabled,
                "name": self.name,
                "targetResourceUri": self.target_resource_uri,
            },
        })
    }
}

/// Adds `setting` or replaces the one of the same name.
pub fn put(settings: &mut Vec<AutoscaleSetting>, setting: AutoscaleSetting) -> Result<(), String> {
    setting.validate()?;
    settings.retain(|s| !s.same(&setting));
    settings.push(setting);
    settings.sort_by_key(|s| {
        (
            s.subscription.to_lowercase(),
            s.resource_group.to_lowercase(),
            s.name.to_lowercase(),
        )
    });
    Ok(())
}

/// Removes a setting; whether it existed.
pub fn delete(
    settings: &mut Vec<AutoscaleSetting>,
    subscription: &str,
    rg: &str,
    name: &str,
) -> bool {
    let probe = AutoscaleSetting {
        subscription: subscription.to_string(),
        resource_group: rg.to_string(),
        name: name.to_string(),
        target_resource_uri: String::new(),
        enabled: false,
    };
    let before = settings.len();
    settings.retain(|s| !s.same(&probe));
    settings.len() != before
}

/// One page of the settings of resource group `rg`: `$skipToken` settings skipped, at most
/// `page_size` listed, and a `nextLink` to `url` (this listing's URL without its query)
/// when more follow.
pub fn list_page(
    settings: &[AutoscaleSetting],
    sub: &str,
    rg: &str,
    query: &HashMap<String, String>,
    url: &str,
    page_size: usize,
) -> Result<Value, ArmError> {
    let skip = crate::paging::offset(query, "$skipToken")?;
    let page_size = page_size.max(1);
    let in_group: Vec<&AutoscaleSetting> = settings
        .iter()
        .filter(|s| {
            s.subscription.eq_ignore_ascii_case(sub) && s.resource_group.eq_ignore_ascii_case(rg)
        })
        .collect();
    let page: Vec<Value> = in_group
        .iter()
        .skip(skip)
        .take(page_size)
        .map(|s| s.to_arm())
        .collect();
    let next = skip.saturating_add(page_size);
    Ok(crate::paging::answer(
        page,
        query,
        url,
        "$skipToken",
        next,
        in_group.len(),
    ))
}
