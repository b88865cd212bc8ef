//! Virtual networks: how a service is attached (`virtualNetworkType`) and the address
//! prefix of the subnet it is injected into.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `properties.virtualNetworkType` of a service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VnetType {
    /// Not injected into a virtual network.
    #[default]
    None,
    /// Injected, with a public gateway.
    External,
    /// Injected, reachable only inside the network through an internal load balancer.
    Internal,
}

impl VnetType {
    /// Reads Azure's value ignoring case; anything unknown (or absent) is `None`.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "external" => VnetType::External,
            "internal" => VnetType::Internal,
            _ => VnetType::None,
        }
    }
}

/// An IPv4 subnet prefix such as `10.0.1.0/27`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubnetPrefix {
    /// The network address as written.
    pub address: Ipv4Addr,
    /// The prefix length, 0 to 32.
    pub length: u8,
}

/// The text is not an IPv4 prefix `a.b.c.d/n`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IPv4 address prefix such as 10.0.1.0/27")]
pub struct InvalidPrefix(pub String);

impl SubnetPrefix {
    /// How many addresses the subnet has (2^(32 - length)).
    pub fn addresses(&self) -> u64 {
        1u64 << (32 - u32::from(self.length.min(32)))
    }
}

impl FromStr for SubnetPrefix {
    type Err = InvalidPrefix;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPrefix(text.chars().take(64).collect());
        let (address, length) = text.trim().split_once('/').ok_or_else(invalid)?;
        let address: Ipv4Addr = address.parse().map_err(|_| invalid())?;
        let length: u8 = length.parse().map_err(|_| invalid())?;
        if length > 32 {
            return Err(invalid());
        }
        Ok(SubnetPrefix { address, length })
    }
}

impl fmt::Display for SubnetPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_and_print() {
        let prefix: SubnetPrefix = "10.0.1.0/27".parse().expect("valid");
        assert_eq!(prefix.length, 27);
        assert_eq!(prefix.addresses(), 32);
        assert_eq!(prefix.to_string(), "10.0.1.0/27");
        for bad in [
            "10.0.1.0",
            "10.0.1.0/33",
            "fd00::/64",
            "x/27",
            "10.0.1.0/-1",
            "",
        ] {
            assert!(bad.parse::<SubnetPrefix>().is_err(), "{bad}");
        }
    }

    #[test]
    fn vnet_types_parse_leniently() {
        assert_eq!(VnetType::parse("Internal"), VnetType::Internal);
        assert_eq!(VnetType::parse("external"), VnetType::External);
        assert_eq!(VnetType::parse("None"), VnetType::None);
        assert_eq!(VnetType::parse(""), VnetType::None);
    }
}
