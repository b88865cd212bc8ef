//! The field manager this operator writes with (status, the learned-durations ConfigMap): a
//! leaf, so the modules that write need not import each other.

/// The field manager of every write by server-side apply.
pub const FIELD_MANAGER: &str = "apim-capacity-operator";
