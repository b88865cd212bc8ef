//! The subnet a VNet-injected region uses: its resource id (from the service resource) and
//! its address prefix (from `GET {arm}{subnetId}?api-version=2023-09-01`).

use serde_json::Value;

use crate::domain::SubnetPrefix;

/// The `Microsoft.Network` api-version used to read subnets.
pub const NETWORK_API_VERSION: &str = "2023-09-01";

/// The longest subnet id accepted.
const MAX_ID_LEN: usize = 1024;

/// A checked subnet resource id,
/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetId {
    segments: Vec<String>,
}

impl SubnetId {
    /// Checks an id taken from the service resource (untrusted input) before a token is sent
    /// for it: the exact shape above, names without characters that could leave the path.
    pub fn parse(id: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            let shown: String = id.chars().take(120).collect();
            format!("{shown:?} is not a subnet resource id: {why}")
        };
        if id.len() > MAX_ID_LEN {
            return Err(bad("too long"));
        }
        let segments: Vec<&str> = id
            .strip_prefix('/')
            .ok_or_else(|| bad("it does not start with /"))?
            .split('/')
            .collect();
        let fixed = [
            (0, "subscriptions"),
            (2, "resourceGroups"),
            (4, "providers"),
            (5, "Microsoft.Network"),
            (6, "virtualNetworks"),
            (8, "subnets"),
        ];
        if segments.len() != 10
            || fixed
                .iter()
                .any(|(at, name)| !segments[*at].eq_ignore_ascii_case(name))
        {
            return Err(bad(
                "expected /subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/…/subnets/…",
            ));
        }
        let unsafe_name = |s: &&str| {
            s.is_empty()
                || *s == "."
                || *s == ".."
                || s.contains(['?', '#', '%', '\\'])
                || s.chars().any(char::is_control)
        };
        if segments.iter().any(unsafe_name) {
            return Err(bad("a name is empty or has characters not allowed"));
        }
        Ok(SubnetId {
            segments: segments.into_iter().map(str::to_string).collect(),
        })
    }

    /// The path segments, in order.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(String::as_str)
    }

    /// The subscription the subnet is in (the rate-limit key).
    pub fn subscription(&self) -> &str {
        &self.segments[1]
    }
}

/// The subnet's prefix from its resource: `properties.addressPrefix`, else the first IPv4
/// entry of `properties.addressPrefixes`.
pub(crate) fn subnet_prefix(body: &[u8]) -> Result<SubnetPrefix, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let properties = value.get("properties");
    let single = properties
        .and_then(|p| p.get("addressPrefix"))
        .and_then(Value::as_str);
    let listed = properties
        .and_then(|p| p.get("addressPrefixes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(16)
        .filter_map(Value::as_str);
    single
        .into_iter()
        .chain(listed)
        .find_map(|text| text.parse().ok())
        .ok_or_else(|| "the subnet has no IPv4 addressPrefix".to_string())
}
