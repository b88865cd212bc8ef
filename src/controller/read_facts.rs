//! What the preflight's subnet reads hand to the decision: the subnet to read, its answer,
//! and why it is unknown. Plain values shared by `decide` (which asks and judges) and
//! `reads` (which reads and remembers).

use crate::azure::ErrorKind;
use crate::domain::{Location, SubnetPrefix};

/// The right a subnet read needs, named in the warning when it is missing.
pub const SUBNET_READ_ACTION: &str = "Microsoft.Network/virtualNetworks/subnets/read";

/// A region's subnet to read before a change that makes the region take more addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetToRead {
    /// The region.
    pub location: Location,
    /// Its `virtualNetworkConfiguration.subnetResourceId`.
    pub id: String,
}

/// The answer for one subnet: its prefix, or why it is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetRead {
    /// The region and the subnet read.
    pub subnet: SubnetToRead,
    /// The subnet's address prefix, or why it could not be read.
    pub answer: Result<SubnetPrefix, SubnetProblem>,
    /// Read just now, not remembered from an earlier reconcile: a problem is worth an Event,
    /// and a prefix too small is believed.
    pub fresh: bool,
}

/// Why a subnet's prefix is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetProblem {
    /// Azure's error, as people read it.
    pub message: String,
    /// Terminal (no use asking again soon) or transient.
    pub kind: ErrorKind,
    /// Azure answered 403: the identity lacks [`SUBNET_READ_ACTION`].
    pub forbidden: bool,
}
