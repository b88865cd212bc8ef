//! What the user wants and what Azure has, as plain values.

use std::fmt::Display;

use serde::{Deserialize, Serialize};

use super::location::Location;
use super::sku::Sku;

/// Units in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionUnits {
    pub location: Location,
    pub units: u32,
}

/// The availability zones a region is pinned to; an empty list means no pinned zones (Azure
/// places the units itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionZones {
    pub location: Location,
    pub zones: Vec<String>,
}

/// The capacity a user asks for: a tier and the units of every region the service runs in,
/// and optionally the zones of some regions and the v2 zone redundancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredCapacity {
    pub sku: Sku,
    pub regions: Vec<RegionUnits>,
    /// The zones of the regions whose zones the user sets; a region not listed keeps the
    /// zones it has.
    #[serde(default)]
    pub zones: Vec<RegionZones>,
    /// The v2 tiers' `zoneRedundant`, when the user states it (it cannot change in Azure).
    #[serde(default)]
    pub zone_redundant: Option<bool>,
}

/// Units per region as people read them, `westeurope=2,eastus=3`, in the order given: the
/// one way the operator writes a units summary (status, Events, `apimcap plan`).
pub fn units_summary<L: Display>(regions: impl IntoIterator<Item = (L, u32)>) -> String {
    let mut out = String::new();
    for (index, (location, units)) in regions.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&format!("{location}={units}"));
    }
    out
}

impl DesiredCapacity {
    /// `westeurope=2,eastus=3`, in the order the user listed the regions.
    pub fn units_summary(&self) -> String {
        units_summary(self.regions.iter().map(|r| (&r.location, r.units)))
    }

    /// A wish for units only: zones and zone redundancy are left as they are.
    pub fn units(sku: Sku, regions: Vec<RegionUnits>) -> Self {
        DesiredCapacity {
            sku,
            regions,
            zones: Vec::new(),
            zone_redundant: None,
        }
    }

    pub fn units_in(&self, location: &Location) -> Option<u32> {
        self.regions
            .iter()
            .find(|r| &r.location == location)
            .map(|r| r.units)
    }

    /// The zones the user sets for a region, when they set them.
    pub fn zones_in(&self, location: &Location) -> Option<&[String]> {
        self.zones
            .iter()
            .find(|z| &z.location == location)
            .map(|z| z.zones.as_slice())
    }
}

/// A zone list as a set: trimmed, sorted, without duplicates or empty names, so that
/// `["2", "1"]` and `["1", "2"]` compare equal.
pub fn zone_set(zones: &[String]) -> Vec<String> {
    let mut set: Vec<String> = zones
        .iter()
        .map(|z| z.trim().to_string())
        .filter(|z| !z.is_empty())
        .collect();
    set.sort();
    set.dedup();
    set
}

/// Azure's `provisioningState` of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProvisioningState {
    Created,
    Activating,
    Succeeded,
    Updating,
    Failed,
    Stopped,
    Terminating,
    TerminationFailed,
    Deleted,
    /// A state this operator does not know; treated as busy.
    Other(String),
}

impl ProvisioningState {
    pub fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "created" => Self::Created,
            "activating" => Self::Activating,
            "succeeded" => Self::Succeeded,
            "updating" => Self::Updating,
            "failed" => Self::Failed,
            "stopped" => Self::Stopped,
            "terminating" => Self::Terminating,
            "terminationfailed" => Self::TerminationFailed,
            "deleted" => Self::Deleted,
            _ => Self::Other(text.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "Created",
            Self::Activating => "Activating",
            Self::Succeeded => "Succeeded",
            Self::Updating => "Updating",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
            Self::Terminating => "Terminating",
            Self::TerminationFailed => "TerminationFailed",
            Self::Deleted => "Deleted",
            Self::Other(text) => text,
        }
    }
}

/// One region of a live service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRegion {
    pub location: Location,
    pub units: u32,
    /// The service's own `location`; it cannot be removed or moved.
    pub primary: bool,
    /// Availability zones pinned for this region (empty when none).
    pub zones: Vec<String>,
}

/// The service as Azure reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveService {
    /// The ARM resource id.
    pub id: String,
    pub sku: Sku,
    /// Every region, the primary first.
    pub regions: Vec<LiveRegion>,
    pub provisioning_state: ProvisioningState,
    /// Non-empty while Azure runs an operation on the service.
    pub target_provisioning_state: Option<String>,
    /// `properties.zoneRedundant` of the v2 tiers, when Azure reports it.
    #[serde(default)]
    pub zone_redundant: Option<bool>,
}

impl LiveService {
    /// `westeurope=2,eastus=3`, the primary first.
    pub fn units_summary(&self) -> String {
        units_summary(self.regions.iter().map(|r| (&r.location, r.units)))
    }

    pub fn primary(&self) -> Option<&LiveRegion> {
        self.regions.iter().find(|r| r.primary)
    }

    pub fn region(&self, location: &Location) -> Option<&LiveRegion> {
        self.regions.iter().find(|r| &r.location == location)
    }

    /// Azure is running an operation on the service (ours or someone else's).
    pub fn is_busy(&self) -> bool {
        self.provisioning_state != ProvisioningState::Succeeded
            && self.provisioning_state != ProvisioningState::Failed
            || self
                .target_provisioning_state
                .as_deref()
                .is_some_and(|t| !t.is_empty())
    }
}
