//! Azure Monitor autoscale settings (`Microsoft.Insights/autoscaleSettings`) of a resource
//! group: the list request, its pages read leniently, and whether an enabled setting
//! targets the service (then the operator and Azure would fight over its units).

use serde_json::Value;

use crate::paged::{get_ci, next_link, read_entries};
use url::Url;

use super::request::{ArmGet, resource_group_segments};

/// The api-version of `Microsoft.Insights/autoscaleSettings`.
pub const API_VERSION: &str = "2022-10-01";
/// Pages larger than this are refused unread.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How many pages a listing follows at most.
pub const MAX_PAGES: usize = 20;
const MAX_SETTINGS_PER_PAGE: usize = 1_000;
const MAX_TEXT_CHARS: usize = 2_048;
const MAX_LINK_CHARS: usize = 4_096;

/// The first page of the autoscale settings of a resource group.
pub fn settings_request(subscription_id: &str, resource_group: &str) -> ArmGet {
    let mut segments = resource_group_segments(subscription_id, resource_group);
    segments.extend(["providers", "Microsoft.Insights", "autoscaleSettings"].map(String::from));
    ArmGet::new(
        segments,
        vec![("api-version".to_string(), API_VERSION.to_string())],
    )
}

/// One autoscale setting, as far as the conflict check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoscaleSetting {
    /// The setting's ARM id (empty when Azure gave none).
    pub id: String,
    /// The setting's name (from `name`, else the last segment of `id`).
    pub name: String,
    /// `properties.enabled`; Azure's default is false. A value that cannot be read counts
    /// as enabled: a stall with a clear reason is better than a fight.
    pub enabled: bool,
    /// `properties.targetResourceUri`: the resource it scales.
    pub target_resource_uri: Option<String>,
}

/// One page of the listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPage {
    /// The settings on this page.
    pub settings: Vec<AutoscaleSetting>,
    /// The next page, when Azure gave one (see [`next_page_url`]).
    pub next_link: Option<String>,
    /// Entries skipped because they could not be read or were beyond the size limits.
    pub skipped: u32,
}

/// The page could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("the autoscale settings answer has {0} bytes, more than the {MAX_BODY_BYTES} accepted")]
    TooLarge(usize),
    #[error("the autoscale settings answer is not JSON: {0}")]
    NotJson(String),
    #[error("the autoscale settings answer has no `value` list")]
    NoValueList,
}

impl SettingsPage {
    /// Reads a page of shape `{"value":[{"id","name","properties":{"enabled",
    /// "targetResourceUri",...}}],"nextLink":"..."}`; odd entries are skipped and counted.
    pub fn parse(body: &[u8]) -> Result<Self, SettingsError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(SettingsError::TooLarge(body.len()));
        }
        let json: Value =
            serde_json::from_slice(body).map_err(|e| SettingsError::NotJson(e.to_string()))?;
        let object = json.as_object().ok_or(SettingsError::NoValueList)?;
        let list = get_ci(object, "value")
            .and_then(Value::as_array)
            .ok_or(SettingsError::NoValueList)?;
        let (settings, skipped) = read_entries(list, MAX_SETTINGS_PER_PAGE, read_setting);
        Ok(SettingsPage {
            settings,
            next_link: next_link(object, MAX_LINK_CHARS),
            skipped,
        })
    }
}

/// The URL of the next page, only when it stays on the ARM endpoint `base` (same scheme,
/// host and port): a link elsewhere would carry the bearer token to another host.
pub fn next_page_url(base: &Url, next_link: &str) -> Option<Url> {
    let url = Url::parse(next_link).ok()?;
    let same_origin = url.scheme() == base.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == base.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == base.port_or_known_default();
    (same_origin && url.scheme() == "https").then_some(url)
}

fn bounded_text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS)
}

fn read_setting(entry: &Value) -> Option<AutoscaleSetting> {
    let entry = entry.as_object()?;
    let id = bounded_text(get_ci(entry, "id")).unwrap_or_default();
    let name = bounded_text(get_ci(entry, "name"))
        .or_else(|| id.rsplit('/').next().filter(|last| !last.is_empty()))
        .unwrap_or("(unnamed)");
    let properties = get_ci(entry, "properties").and_then(Value::as_object);
    let enabled = match properties.and_then(|p| get_ci(p, "enabled")) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(enabled)) => *enabled,
        Some(Value::String(text)) => !text.trim().eq_ignore_ascii_case("false"),
        Some(_) => true,
    };
    let target = properties.and_then(|p| bounded_text(get_ci(p, "targetResourceUri")));
    if id.is_empty() && target.is_none() {
        return None;
    }
    Some(AutoscaleSetting {
        id: id.to_string(),
        name: name.to_string(),
        enabled,
        target_resource_uri: target.map(str::to_string),
    })
}

/// The first enabled setting whose target is the service `service_id` (ARM ids compare
/// ignoring case and surrounding slashes).
pub fn conflicting_setting<'a>(
    settings: &'a [AutoscaleSetting],
    service_id: &str,
) -> Option<&'a AutoscaleSetting> {
    let service = normalise_id(service_id);
    settings.iter().find(|setting| {
        setting.enabled
            && setting
                .target_resource_uri
                .as_deref()
                .is_some_and(|target| normalise_id(target) == service)
    })
}

fn normalise_id(id: &str) -> String {
    id.trim().trim_matches('/').to_ascii_lowercase()
}

/// What is known about Azure autoscale settings on the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsVerdict {
    /// The listing was read and no enabled setting targets the service.
    NoneFound,
    /// An enabled setting targets the service.
    Targets(AutoscaleSetting),
    /// The listing could not be read (the text says why); a conflict cannot be ruled out.
    Unknown(String),
}

impl SettingsVerdict {
    /// The verdict from every page of the listing.
    pub fn from_settings(settings: &[AutoscaleSetting], service_id: &str) -> Self {
        match conflicting_setting(settings, service_id) {
            Some(setting) => SettingsVerdict::Targets(setting.clone()),
            None => SettingsVerdict::NoneFound,
        }
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
