//! The seed file: services, empty resource groups and principals the simulator starts with.
//! YAML or JSON (JSON is YAML), camelCase keys.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SimError;
pub use crate::insights::AutoscaleSetting;
pub use crate::load::Load;
pub use crate::locks::{Lock, LockLevel};
pub use crate::subnet::Subnet;

/// Default subscription when a service names none.
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
/// Default tenant for principals that name none.
pub const DEFAULT_TENANT: &str = "00000000-0000-0000-0000-00000000000a";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Resource groups with no services (groups of seeded services exist implicitly).
    #[serde(default)]
    pub resource_groups: Vec<SeedResourceGroup>,
    #[serde(default)]
    pub services: Vec<SeedService>,
    #[serde(default)]
    pub principals: Vec<SeedPrincipal>,
    /// Subnets services are injected into (`{id, addressPrefix}`).
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Management locks (`{scope, name, level: ReadOnly|CanNotDelete}`).
    #[serde(default)]
    pub locks: Vec<Lock>,
    /// Azure Monitor autoscale settings (`{subscription?, resourceGroup, name,
    /// targetResourceUri, enabled}`).
    #[serde(default)]
    pub autoscale_settings: Vec<AutoscaleSetting>,
    /// The secret App Service style managed identity callers send in `X-IDENTITY-HEADER`.
    #[serde(default = "default_identity_header")]
    pub identity_header: String,
}

fn default_identity_header() -> String {
    "sim-identity-header".to_string()
}

fn default_subscription() -> String {
    DEFAULT_SUBSCRIPTION.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedResourceGroup {
    #[serde(default = "default_subscription")]
    pub subscription: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedService {
    #[serde(default = "default_subscription")]
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    /// Primary region, as a name or display name.
    pub location: String,
    /// Tier name as Azure spells it (`Premium`, `StandardV2`, ...).
    pub sku: String,
    /// Units in the primary region (0 for Consumption).
    pub capacity: u32,
    /// Availability zones of the primary region.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub additional_locations: Vec<SeedRegion>,
    #[serde(default)]
    pub publisher_email: Option<String>,
    #[serde(default)]
    pub publisher_name: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The subnet the primary region is injected into (`virtualNetworkConfiguration`).
    #[serde(default)]
    pub subnet_resource_id: Option<String>,
    /// `External` or `Internal` (default `External` when a subnet is given, else `None`).
    #[serde(default)]
    pub virtual_network_type: Option<String>,
    /// Extra `properties` merged into the resource (e.g. `virtualNetworkType`).
    #[serde(default)]
    pub properties: Option<Value>,
    /// Initial metric values: metric name → value, or metric name → {location: value}.
    #[serde(default)]
    pub metrics: BTreeMap<String, Value>,
    /// Load per region (name or display name → `{rps}` or `{curve}`); metrics of these
    /// regions are computed from it.
    #[serde(default)]
    pub load: BTreeMap<String, Load>,
    /// Requests per second one unit serves at 100 % `Capacity` (default 1000).
    #[serde(default)]
    pub rps_per_unit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRegion {
    pub location: String,
    pub capacity: u32,
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub disable_gateway: bool,
    /// The subnet this region is injected into.
    #[serde(default)]
    pub subnet_resource_id: Option<String>,
}

/// How a principal obtains tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    /// Client secret or client assertion (workload identity) at the token endpoint.
    #[default]
    ServicePrincipal,
    /// IMDS or App Service managed identity endpoint.
    ManagedIdentity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPrincipal {
    #[serde(default)]
    pub kind: PrincipalKind,
    #[serde(default = "default_tenant")]
    pub tenant: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Object id; a fixed one derived from the client id when absent.
    #[serde(default)]
    pub object_id: Option<String>,
    /// Role assignments; `None` means full access everywhere.
    #[serde(default)]
    pub roles: Option<Vec<SeedRole>>,
}

fn default_tenant() -> String {
    DEFAULT_TENANT.to_string()
}

/// Access at a scope (an ARM id prefix such as `/subscriptions/S/resourceGroups/rg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRole {
    pub scope: String,
    pub access: Access,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    Read,
    Write,
}

impl SeedPrincipal {
    pub fn object_id(&self) -> String {
        self.object_id.clone().unwrap_or_else(|| {
            // FNV-1a over the client id: stable across restarts, no extra dependency.
            let hash = self
                .client_id
                .bytes()
                .fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| {
                    (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b)
                });
            uuid::Uuid::from_u128(hash).to_string()
        })
    }
}

impl Seed {
    /// Reads a seed from YAML or JSON text.
    pub fn parse(text: &str) -> Result<Seed, SimError> {
        serde_saphyr::from_str(text).map_err(|e| SimError::Seed(e.to_string()))
    }

    /// Reads a seed file.
    pub fn load(path: &Path) -> Result<Seed, SimError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SimError::Seed(format!("cannot read {}: {e}", path.display())))?;
        Seed::parse(&text)
    }
}
