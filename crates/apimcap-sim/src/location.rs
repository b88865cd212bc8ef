//! Azure regions, compared as Azure compares them (ignoring case and spaces) and answered
//! with display names ("West Europe" for "westeurope").

/// A normalised location name: lower case, no whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location(String);

/// Regions Azure answers with a display name: (normalised name, display name).
pub(crate) const DISPLAY_NAMES: &[(&str, &str)] = &[
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
    /// Normalises a location name or display name.
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

    /// The name Azure shows ("West Europe"); the normalised name for regions not in the table.
    pub fn display_name(&self) -> &str {
        DISPLAY_NAMES
            .iter()
            .find(|(name, _)| *name == self.0)
            .map_or(self.0.as_str(), |(_, display)| display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_display_names_are_the_same_location() {
        assert_eq!(Location::new("West Europe"), Location::new("westeurope"));
        assert_eq!(Location::new(" East US 2 "), Location::new("EASTUS2"));
        assert_eq!(Location::new("WestEurope").display_name(), "West Europe");
        assert_eq!(Location::new("Mars North").display_name(), "marsnorth");
    }

    #[test]
    fn every_display_name_normalises_to_its_name() {
        for (name, display) in DISPLAY_NAMES {
            assert_eq!(Location::new(display).as_str(), *name);
        }
    }
}
