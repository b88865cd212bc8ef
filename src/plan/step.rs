//! One step of a plan: one Azure operation (one PATCH), the changes it makes and the
//! complete capacity after it.

use serde::{Deserialize, Serialize};

use crate::domain::{Location, RegionUnits, RegionZones, Sku};

/// One Azure operation (one PATCH) and the complete capacity after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What this step changes: tier change first, then removals, additions, zone changes
    /// and scaling.
    pub changes: Vec<Change>,
    /// The complete capacity after this step: what the PATCH sends.
    pub target: Target,
}

/// The complete capacity of a service: the tier, the primary region's units, every
/// additional region (the whole `additionalLocations` list) and the zones of every region
/// pinned to availability zones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The tier (`sku.name`).
    pub sku: Sku,
    /// The primary region's units (`sku.capacity`).
    pub primary_units: u32,
    /// Every additional region with its units, in the order sent to Azure.
    pub additional: Vec<RegionUnits>,
    /// The regions pinned to availability zones, with their zones (primary first, then in
    /// the order of `additional`); a region not listed has no pinned zones.
    #[serde(default)]
    pub zones: Vec<RegionZones>,
}

/// One change within a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// The service moves to another tier.
    ChangeTier {
        /// The tier before the step.
        from: Sku,
        /// The tier after the step.
        to: Sku,
    },
    /// The units of a region that stays change.
    Scale {
        /// The region.
        location: Location,
        /// Units before the step.
        from: u32,
        /// Units after the step.
        to: u32,
    },
    /// An additional region is added (with the zones the target gives it, if any).
    AddRegion {
        /// The new region.
        location: Location,
        /// Its units.
        units: u32,
    },
    /// An additional region is removed.
    RemoveRegion {
        /// The region removed.
        location: Location,
        /// The units it had.
        units: u32,
    },
    /// The availability zones of a region that stays change; Azure gives the service new
    /// public and private IP addresses.
    ChangeZones {
        /// The region.
        location: Location,
        /// Its zones before the step (empty: none pinned).
        from: Vec<String>,
        /// Its zones after the step (empty: none pinned).
        to: Vec<String>,
    },
}

/// The kind of a step, named after its dominant change: ChangeTier > ChangeZones >
/// RemoveRegion > AddRegion > Scale. Durations are estimated per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StepKind {
    /// Only unit changes.
    Scale,
    /// The tier changes (possibly with unit changes).
    ChangeTier,
    /// At least one region is added (and none removed, no tier change).
    AddRegion,
    /// At least one region is removed (no tier change).
    RemoveRegion,
    /// The zones of at least one region change (no tier change).
    ChangeZones,
}

impl StepKind {
    /// Every kind, in declaration order.
    pub const ALL: [StepKind; 5] = [
        StepKind::Scale,
        StepKind::ChangeTier,
        StepKind::AddRegion,
        StepKind::RemoveRegion,
        StepKind::ChangeZones,
    ];
}

impl Step {
    /// The dominant change of this step: ChangeTier > ChangeZones > RemoveRegion >
    /// AddRegion > Scale.
    pub fn kind(&self) -> StepKind {
        let has = |pred: fn(&Change) -> bool| self.changes.iter().any(pred);
        if has(|c| matches!(c, Change::ChangeTier { .. })) {
            StepKind::ChangeTier
        } else if has(|c| matches!(c, Change::ChangeZones { .. })) {
            StepKind::ChangeZones
        } else if has(|c| matches!(c, Change::RemoveRegion { .. })) {
            StepKind::RemoveRegion
        } else if has(|c| matches!(c, Change::AddRegion { .. })) {
            StepKind::AddRegion
        } else {
            StepKind::Scale
        }
    }

    /// Whether the service is down while this step runs: Azure takes it down for a tier
    /// change to or from Developer.
    pub fn causes_downtime(&self) -> bool {
        self.changes.iter().any(|c| {
            matches!(c, Change::ChangeTier { from, to }
                if from != to && (*from == Sku::Developer || *to == Sku::Developer))
        })
    }

    /// Whether Azure gives the service new public and private IP addresses in this step
    /// (the zones of a region change).
    pub fn changes_ip_addresses(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c, Change::ChangeZones { .. }))
    }
}

impl Target {
    /// The zones a region is pinned to after the step (empty when none).
    pub fn zones_of(&self, location: &Location) -> &[String] {
        self.zones
            .iter()
            .find(|z| &z.location == location)
            .map_or(&[], |z| z.zones.as_slice())
    }
}
