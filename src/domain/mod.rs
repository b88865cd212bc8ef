//! Domain values shared by the planner, the Azure client and the simulator. No Kubernetes
//! or HTTP types live here.

pub mod capacity;
pub mod limits;
pub mod location;
pub mod network;
pub mod service;
pub mod sku;

pub use capacity::{
    DesiredCapacity, LiveRegion, LiveService, ProvisioningState, RegionUnits, RegionZones,
    units_summary, zone_set,
};
pub use limits::{AzureLimits, LimitSource, UnitLimits};
pub use location::Location;
pub use network::{SubnetPrefix, VnetType};
pub use service::{PollStyle, ServiceRef};
pub use sku::{Generation, Sku};
