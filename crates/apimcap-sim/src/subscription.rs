//! The subscription the simulator uses when a seed or an admin request names none.

/// Default subscription when a service names none.
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
