//! The `ApimCapacity` resource: what a platform team writes.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::autoscale::{AzureAutoscaleMode, RegionAutoscale};
use super::cost::RequireApproval;
use super::schedule::{ChangeWindows, Schedule};
use super::status::ApimCapacityStatus;
use crate::domain::Sku;

/// The capacity an Azure API Management service should have: its tier and the units of every
/// region it runs in. The operator compares this with the live service and carries out the
/// fewest safe Azure operations to get there, one at a time, reporting progress in `status`.
/// Deleting an ApimCapacity never deletes or scales the service; it only stops managing it.
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "capacity.apim.dev",
    version = "v1alpha1",
    kind = "ApimCapacity",
    plural = "apimcapacities",
    shortname = "apimcap",
    category = "apim",
    namespaced,
    status = "ApimCapacityStatus",
    doc = "Keeps an Azure API Management service at the tier and units per region given in spec. Deleting it never changes the service.",
    printcolumn = r#"{"name":"SKU","type":"string","description":"Desired tier","jsonPath":".spec.sku"}"#,
    printcolumn = r#"{"name":"Units","type":"string","description":"Live units per region","jsonPath":".status.unitsSummary"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","description":"Reason of the Ready condition","jsonPath":".status.conditions[?(@.type==\"Ready\")].reason"}"#,
    printcolumn = r#"{"name":"Operation","type":"string","description":"The Azure operation in flight","jsonPath":".status.operation.description"}"#,
    printcolumn = r#"{"name":"Schedule","type":"string","description":"The schedule in force (spec.schedules)","jsonPath":".status.schedule.inForce"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Next Change","type":"string","priority":1,"description":"When a schedule next changes the units","jsonPath":".status.schedule.nextChange.at"}"#,
    printcolumn = r#"{"name":"Live SKU","type":"string","priority":1,"description":"Tier Azure reported last","jsonPath":".status.live.sku"}"#,
    printcolumn = r#"{"name":"Service","type":"string","priority":1,"jsonPath":".spec.service.name"}"#,
    printcolumn = r#"{"name":"ETA","type":"string","priority":1,"description":"Expected completion (UTC) of the operation in flight; a string, since a date column shows a future time as <invalid>","jsonPath":".status.operation.expectedCompletion"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.regions.all(r, self.regions.filter(o, o.location.lowerAscii().replace(' ', '') == r.location.lowerAscii().replace(' ', '')).size() == 1)",
        "message": "each region may be listed only once; locations are compared ignoring case and spaces, so 'West Europe' and 'westeurope' are the same region",
        "fieldPath": ".regions"
    },
    {
        "rule": "!has(self.schedules) || self.schedules.all(s, s.regions.all(sr, self.regions.exists(r, r.location.lowerAscii().replace(' ', '') == sr.location.lowerAscii().replace(' ', ''))))",
        "message": "every region of a schedule must also be listed in spec.regions: a schedule changes units, never the set of regions",
        "fieldPath": ".schedules"
    },
    {
        "rule": "!has(self.schedules) || self.schedules.all(s, s.regions.all(sr, self.regions.exists(r, r.location.lowerAscii().replace(' ', '') == sr.location.lowerAscii().replace(' ', '') && has(r.units) == has(sr.units))))",
        "message": "a schedule gives units to a region with fixed units, and minUnits/maxUnits to a region with autoscale",
        "fieldPath": ".schedules"
    }
]))]
#[schemars(transform = super::tier_rules::add_to_spec)]
pub struct ApimCapacitySpec {
    /// The existing API Management service to manage. It cannot be changed after creation:
    /// to manage another service, create another ApimCapacity.
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self == oldSelf",
        "message": "spec.service cannot be changed after creation; create a new ApimCapacity to manage another service"
    }]))]
    pub service: ServiceReference,

    /// The tier the service should run on: Developer, Basic, Standard, Premium, BasicV2,
    /// StandardV2 or PremiumV2. Moving between the classic tiers and the v2 tiers is not
    /// possible in Azure. A lower tier than the live one is a downgrade and needs
    /// `changePolicy.allowTierDowngrade`.
    #[schemars(extend("x-kubernetes-validations" = [
        {
            "rule": "self != 'Consumption'",
            "message": "the Consumption tier cannot be managed: it has no units to scale and Azure does not change it to or from another tier"
        },
        {
            "rule": "self != 'Isolated'",
            "message": "the Isolated tier is not supported by this operator"
        }
    ]))]
    pub sku: Sku,

    /// Every region the service should run in, with its units. The service's primary region
    /// (its own location) must be listed; other entries are additional regions, which only
    /// the Premium tier supports. A live additional region missing from this list is removed
    /// only when `changePolicy.allowRegionRemoval` is true.
    #[schemars(length(min = 1, max = 16))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.size() > 0",
        "message": "list at least one region: the service's primary region with its units"
    }]))]
    pub regions: Vec<RegionCapacity>,

    /// Whether the service is zone redundant (StandardV2 and PremiumV2 only). Azure fixes
    /// this when the service is created and the operator never changes it: when set, it
    /// must match the service, otherwise the resource is reported as blocked. Leave it out
    /// to accept the service as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self == oldSelf",
        "message": "zoneRedundant cannot change: Azure fixes it when the service is created"
    }]))]
    pub zone_redundant: Option<bool>,

    /// Consent for changes that reduce what the service can do, take it down or change its
    /// IP addresses (all default to false), and which changes need a person's approval.
    #[serde(default)]
    pub change_policy: ChangePolicy,

    /// What to do when the live service differs from this spec because of a change made
    /// elsewhere (portal, CLI, autoscale): `Correct` undoes it, `Report` only reports it in
    /// status and an Event.
    #[serde(default)]
    pub drift: DriftPolicy,

    /// While true the operator does nothing for this resource (no Azure calls).
    #[serde(default)]
    pub suspend: bool,

    /// Azure credentials for this service. When absent, the operator's own identity
    /// (workload identity or managed identity) is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,

    /// Recurring periods with other units for some regions, such as more units during
    /// business hours. The schedule listed last wins when several are active.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.all(s, self.exists_one(o, o.name == s.name))",
        "message": "schedule names must be unique"
    }]))]
    pub schedules: Vec<Schedule>,

    /// When Azure operations may start. When absent, any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_windows: Option<ChangeWindows>,

    /// How to live with an Azure Monitor autoscale setting on the same service, which Azure
    /// applies to the primary region only: `Conflict` (default) stops autoscaling while an
    /// enabled setting targets the service and reports AutoscaleConflict naming it;
    /// `PrimaryOnly` leaves the primary region's units to Azure's setting and autoscales
    /// only the additional regions.
    #[serde(default)]
    pub azure_autoscale: AzureAutoscaleMode,
}

/// Identifies an existing Azure API Management service.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReference {
    /// The Azure subscription id, a GUID such as 00000000-0000-0000-0000-000000000000.
    #[schemars(length(max = 36))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",
        "message": "subscriptionId must be a GUID such as 00000000-0000-0000-0000-000000000000"
    }]))]
    pub subscription_id: String,

    /// The resource group that holds the service (1 to 90 characters).
    #[schemars(length(max = 90))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^[-\\\\w._()]{1,90}$') && !self.endsWith('.')",
        "message": "resourceGroup must be 1 to 90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.'"
    }]))]
    pub resource_group: String,

    /// The name of the API Management service (1 to 50 characters: letters, digits and
    /// hyphens, starting with a letter and not ending with a hyphen).
    #[schemars(length(max = 50))]
    #[schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.matches('^[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?$')",
        "message": "name must be an API Management service name: letters, digits and hyphens, starting with a letter and not ending with a hyphen"
    }]))]
    pub name: String,
}

/// One region of the service: fixed `units`, or an `autoscale` range that follows load.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.units) != has(self.autoscale)",
        "message": "give a region either units (a fixed count) or autoscale (a range that follows load), exactly one of them"
    },
    {
        "rule": "!has(self.zones) || size(self.zones) == 0 || !has(self.units) || self.units % size(self.zones) == 0",
        "message": "with pinned zones the units must divide evenly across them: a multiple of 2 for 2 zones, of 3 for 3 zones",
        "fieldPath": ".units"
    }
]))]
pub struct RegionCapacity {
    /// The Azure region, by name (`westeurope`) or display name (`West Europe`); case and
    /// spaces do not matter.
    #[schemars(length(min = 1, max = 64))]
    pub location: String,

    /// Scale units in this region. The schema's description and range are generated from
    /// the tier table (`domain::limits`), so `kubectl explain` shows the current limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = super::tier_rules::add_to_units)]
    pub units: Option<u32>,

    /// Instead of `units`: scale this region between `minUnits` and `maxUnits` on an Azure
    /// Monitor metric of the region (Capacity by default). The tier's limits apply to
    /// `maxUnits`; a schedule may change `minUnits` and `maxUnits` while it is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<RegionAutoscale>,

    /// The availability zones to pin this region to, from "1", "2" and "3" (Premium only),
    /// for example `["1", "2"]`. With pinned zones the units must be a multiple of the
    /// number of zones. Leave it out to keep the zones the region has (including Azure's
    /// automatic placement); an empty list removes pinned zones. Changing the zones of a
    /// region gives the service new public and private IP addresses and needs
    /// `changePolicy.allowZoneChange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 3), inner(length(max = 1)))]
    #[schemars(extend("x-kubernetes-validations" = [
        {
            "rule": "self.all(z, z == '1' || z == '2' || z == '3')",
            "message": "availability zones are named '1', '2' and '3'"
        },
        {
            "rule": "self.all(z, self.exists_one(o, o == z))",
            "message": "list each availability zone once"
        }
    ]))]
    pub zones: Option<Vec<String>>,
}

/// Consent for destructive changes and the approvals changes need.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePolicy {
    /// Allow moving to a lower tier (for example Premium to Standard). Additional regions
    /// are removed first, which also needs `allowRegionRemoval`.
    #[serde(default)]
    pub allow_tier_downgrade: bool,

    /// Allow removing additional regions that the service runs in but `regions` no longer
    /// lists.
    #[serde(default)]
    pub allow_region_removal: bool,

    /// Allow changing the availability zones of a region the service keeps, including
    /// removing them before a Premium service moves to a tier without zones. Azure gives
    /// the service new public and private IP addresses when its zones change.
    #[serde(default)]
    pub allow_zone_change: bool,

    /// Allow changes that take the service down while they run: a tier change to or from
    /// Developer (15 to 45 minutes or more without serving requests).
    #[serde(default)]
    pub allow_downtime: bool,

    /// Changes that must wait for a person's approval (the annotation
    /// `capacity.apim.dev/approve`) before they start. When absent, nothing waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_approval: Option<RequireApproval>,
}

/// How to treat changes made outside this resource.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DriftPolicy {
    /// Undo changes made elsewhere so the service matches the spec again.
    #[default]
    Correct,
    /// Only report changes made elsewhere (status and an Event); change nothing.
    Report,
}

/// Where the Azure credentials come from.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// A Secret in the same namespace as this resource holding `tenantId`, `clientId` and
    /// `clientSecret` of an Entra ID application allowed to change the service.
    pub secret_ref: SecretReference,
}

/// A Secret in the resource's own namespace. Secrets of other namespaces are never read.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretReference {
    /// The Secret's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}
