//! Which API Management service: its subscription, resource group and name, and the ARM
//! resource id built from them (the one place that id is written).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which API Management service: subscription, resource group and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRef {
    /// The subscription id (a GUID).
    pub subscription_id: String,
    /// The resource group name (compared case-insensitively by Azure).
    pub resource_group: String,
    /// The service name.
    pub name: String,
}

impl ServiceRef {
    /// Builds a reference.
    pub fn new(
        subscription_id: impl Into<String>,
        resource_group: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            subscription_id: subscription_id.into(),
            resource_group: resource_group.into(),
            name: name.into(),
        }
    }

    /// The ARM resource id,
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}`.
    pub fn resource_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }

    /// The resource id as Azure compares it: case-insensitively.
    pub fn key(&self) -> String {
        self.resource_id().to_ascii_lowercase()
    }

    /// Whether any part is empty or holds a character that cannot be in a path segment.
    pub fn validate(&self) -> Result<(), String> {
        for (what, value) in [
            ("subscription id", &self.subscription_id),
            ("resource group", &self.resource_group),
            ("service name", &self.name),
        ] {
            if value.trim().is_empty() {
                return Err(format!("the {what} is empty"));
            }
            if value.contains(['/', '?', '#', '%']) || value.chars().any(char::is_control) {
                return Err(format!("the {what} {value:?} has characters not allowed"));
            }
        }
        Ok(())
    }
}

impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }
}

/// How a running Azure operation is polled: which header its URL came from, which decides
/// how the URL's answers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PollStyle {
    /// The `Azure-AsyncOperation` status URL: always 200 with `{"status": ...}`.
    AzureAsyncOperation,
    /// The `Location` result URL: 202 while running, then 200 (with the resource or
    /// empty) or 204.
    Location,
    /// No URL: the operation is followed by reading the service until it is no longer busy
    /// (an operation adopted after a restart, whose URL was never recorded).
    Service,
}
