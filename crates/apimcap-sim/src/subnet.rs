//! A subnet as the simulator knows it (seeded or set through the admin endpoint): its id,
//! its IPv4 prefix and the addresses it gives to units. The rules that use it live in
//! `network.rs`.

use serde::{Deserialize, Serialize};

/// Addresses Azure reserves in every subnet.
pub const RESERVED: i64 = 5;

/// A subnet as seeded or set through the admin endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subnet {
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}`.
    pub id: String,
    /// An IPv4 prefix such as `10.0.1.0/27`.
    pub address_prefix: String,
}

impl Subnet {
    /// The id's segments when it is a subnet id: (subscription, resource group, vnet, name).
    pub fn parts(id: &str) -> Option<(String, String, String, String)> {
        let s: Vec<&str> = id.trim_matches('/').split('/').collect();
        let fixed = [
            (0, "subscriptions"),
            (2, "resourcegroups"),
            (4, "providers"),
            (5, "microsoft.network"),
            (6, "virtualnetworks"),
            (8, "subnets"),
        ];
        let shaped = s.len() == 10
            && fixed
                .iter()
                .all(|(i, name)| s[*i].eq_ignore_ascii_case(name))
            && s.iter().all(|part| !part.is_empty());
        shaped.then(|| (s[1].into(), s[3].into(), s[7].into(), s[9].into()))
    }

    /// Checks a subnet given from outside (seed, admin endpoint).
    pub fn validate(&self) -> Result<(), String> {
        if Subnet::parts(&self.id).is_none() {
            return Err(format!("{:?} is not a subnet resource id", self.id));
        }
        if prefix_length(&self.address_prefix).is_none() {
            return Err(format!(
                "{:?} is not an IPv4 prefix such as 10.0.1.0/27",
                self.address_prefix
            ));
        }
        Ok(())
    }

    /// The key the simulator files it under (ids compare case-insensitively).
    pub fn key(id: &str) -> String {
        id.trim_end_matches('/').to_lowercase()
    }
}

/// The length of an IPv4 prefix `a.b.c.d/n`.
pub(crate) fn prefix_length(prefix: &str) -> Option<u32> {
    let (address, length) = prefix.trim().split_once('/')?;
    address.parse::<std::net::Ipv4Addr>().ok()?;
    length.parse().ok().filter(|l| *l <= 32)
}

/// How many addresses a subnet gives to units and load balancers.
pub(crate) fn usable(prefix: &str) -> Option<i64> {
    prefix_length(prefix).map(|l| (1i64 << (32 - l)) - RESERVED)
}
