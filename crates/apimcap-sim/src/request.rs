//! One incoming ARM request, as the handlers see it.

use std::collections::HashMap;

use http::{HeaderMap, Method};

/// One incoming ARM request.
pub struct ArmRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a HashMap<String, String>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `https://host:port` as the client addressed the simulator.
    pub base: &'a str,
}
