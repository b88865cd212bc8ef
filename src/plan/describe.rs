//! Short descriptions for people: the kubectl Operation column, Events and logs.

use std::fmt;

use super::{BlockReason, Blocked, Change, Step, StepKind};

fn units(n: u32) -> &'static str {
    if n == 1 { "unit" } else { "units" }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

impl Change {
    /// One change in a few words, e.g. "Scale eastus from 1 to 3 units".
    pub fn description(&self) -> String {
        match self {
            Change::ChangeTier { from, to } => format!("Change tier from {from} to {to}"),
            Change::Scale { location, from, to } => {
                format!("Scale {location} from {from} to {to} {}", units(*to))
            }
            Change::AddRegion { location, units: n } => {
                format!("Add region {location} with {n} {}", units(*n))
            }
            Change::RemoveRegion { location, .. } => format!("Remove region {location}"),
            Change::ChangeZones { location, from, to } => match (from.is_empty(), to.is_empty()) {
                (true, _) => format!("Pin {location} to zones {}", to.join(", ")),
                (false, true) => format!("Unpin {location} from zones {}", from.join(", ")),
                (false, false) => format!(
                    "Move {location} from zones {} to zones {}",
                    from.join(", "),
                    to.join(", ")
                ),
            },
        }
    }
}

impl Step {
    /// The step in one short line for a kubectl column, e.g. "Change tier from Standard to
    /// Premium (westeurope 1 to 2 units)" or "Remove region eastus; scale westeurope from 2
    /// to 3 units".
    pub fn description(&self) -> String {
        let tier = self.changes.iter().find_map(|c| match c {
            Change::ChangeTier { from, to } => Some((*from, *to)),
            _ => None,
        });
        let parts: Vec<String> = match tier {
            None => self.changes.iter().map(Change::description).collect(),
            Some((from, to)) => {
                let scales: Vec<String> = self
                    .changes
                    .iter()
                    .filter_map(|c| match c {
                        Change::Scale { location, from, to } => {
                            Some(format!("{location} {from} to {to} {}", units(*to)))
                        }
                        _ => None,
                    })
                    .collect();
                let mut head = format!("Change tier from {from} to {to}");
                if !scales.is_empty() {
                    head = format!("{head} ({})", scales.join(", "));
                }
                std::iter::once(head)
                    .chain(
                        self.changes
                            .iter()
                            .filter(|c| {
                                !matches!(c, Change::ChangeTier { .. } | Change::Scale { .. })
                            })
                            .map(Change::description),
                    )
                    .collect()
            }
        };
        if parts.is_empty() {
            return "No change".to_string();
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.clone()
                } else {
                    lower_first(part)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

impl BlockReason {
    /// The PascalCase name, used as Event reason and metric label.
    pub fn as_str(&self) -> &'static str {
        match self {
            BlockReason::UnmanageableTier => "UnmanageableTier",
            BlockReason::UnsupportedTierChange => "UnsupportedTierChange",
            BlockReason::TierDowngradeNotAllowed => "TierDowngradeNotAllowed",
            BlockReason::RegionRemovalNotAllowed => "RegionRemovalNotAllowed",
            BlockReason::PrimaryRegionMissing => "PrimaryRegionMissing",
            BlockReason::MultipleRegionsNeedPremium => "MultipleRegionsNeedPremium",
            BlockReason::UnitLimitExceeded => "UnitLimitExceeded",
            BlockReason::ZonesDoNotDivideUnits => "ZonesDoNotDivideUnits",
            BlockReason::InvalidUnits => "InvalidUnits",
            BlockReason::InvalidZones => "InvalidZones",
            BlockReason::ZoneRedundancyImmutable => "ZoneRedundancyImmutable",
            BlockReason::ZoneChangeNotAllowed => "ZoneChangeNotAllowed",
            BlockReason::DowntimeNotAllowed => "DowntimeNotAllowed",
            BlockReason::SubnetTooSmall => "SubnetTooSmall",
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

impl StepKind {
    /// The PascalCase name, used as a metric label and in status.
    pub fn as_str(&self) -> &'static str {
        match self {
            StepKind::Scale => "Scale",
            StepKind::ChangeTier => "ChangeTier",
            StepKind::AddRegion => "AddRegion",
            StepKind::RemoveRegion => "RemoveRegion",
            StepKind::ChangeZones => "ChangeZones",
        }
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
