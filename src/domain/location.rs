//! Azure regions, compared the way Azure compares them: ignoring case and spaces.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A normalised Azure location name (`"West Europe"` and `"westeurope"` are the same).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location(String);

/// Known Azure regions: (normalised name, display name). Azure answers with display names.
const DISPLAY_NAMES: &[(&str, &str)] = &[
    ("australiaeast", "Australia East"),
    ("brazilsouth", "Brazil South"),
    ("canadacentral", "Canada Central"),
    ("centralindia", "Central India"),
    ("centralus", "Central US"),
    ("eastasia", "East Asia"),
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("francecentral", "France Central"),
    ("germanywestcentral", "Germany West Central"),
    ("japaneast", "Japan East"),
    ("koreacentral", "Korea Central"),
    ("northcentralus", "North Central US"),
    ("northeurope", "North Europe"),
    ("norwayeast", "Norway East"),
    ("southafricanorth", "South Africa North"),
    ("southcentralus", "South Central US"),
    ("southeastasia", "Southeast Asia"),
    ("swedencentral", "Sweden Central"),
    ("switzerlandnorth", "Switzerland North"),
    ("uaenorth", "UAE North"),
    ("uksouth", "UK South"),
    ("westcentralus", "West Central US"),
    ("westeurope", "West Europe"),
    ("westus", "West US"),
    ("westus2", "West US 2"),
    ("westus3", "West US 3"),
    ("chinanorth3", "China North 3"),
    ("usgovvirginia", "USGov Virginia"),
];

impl Location {
    /// Normalises a location name or display name: lower case, no whitespace.
    pub fn new(name: &str) -> Self {
        Location(
            name.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name Azure shows for this region ("West Europe"); the normalised name when the
    /// region is not in the built-in table.
    pub fn display_name(&self) -> &str {
        DISPLAY_NAMES
            .iter()
            .find(|(name, _)| *name == self.0)
            .map_or(self.0.as_str(), |(_, display)| display)
    }

    /// Whether the name is empty after normalisation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Location {
    fn from(name: &str) -> Self {
        Location::new(name)
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Location::new(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_and_names_are_equal() {
        assert_eq!(Location::new("West Europe"), Location::new("westeurope"));
        assert_eq!(Location::new(" East US 2 "), Location::new("eastus2"));
        assert_eq!(Location::new("WESTEUROPE").as_str(), "westeurope");
    }

    #[test]
    fn display_name_falls_back_to_the_normalised_name() {
        assert_eq!(Location::new("westeurope").display_name(), "West Europe");
        assert_eq!(Location::new("Mars North").display_name(), "marsnorth");
    }

    #[test]
    fn every_table_entry_is_normalised() {
        for (name, display) in DISPLAY_NAMES {
            assert_eq!(Location::new(display).as_str(), *name);
        }
    }
}
