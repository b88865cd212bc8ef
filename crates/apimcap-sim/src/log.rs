//! The request log: every non-admin request with its answer, so tests can assert exactly
//! which calls were made (and that a PATCH never carried `customProperties`).

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub time: String,
    /// `arm`, `metrics`, `token`, `imds`, `appService` or `unknown`.
    pub kind: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    /// `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// The service the request addressed, when it addressed one.
    pub service: Option<String>,
    pub subscription: Option<String>,
    pub client_request_id: Option<String>,
    pub request_id: String,
    pub correlation_request_id: String,
    /// The client id of the authenticated principal.
    pub principal: Option<String>,
    pub has_custom_properties: bool,
    /// The JSON body of PUT and PATCH requests.
    pub body: Option<Value>,
    /// Why the simulator answered as it did, for faults (`injected-5xx`, `dropped`, ...).
    pub fault: Option<String>,
}

#[derive(Debug)]
pub struct RequestLog {
    capacity: usize,
    entries: VecDeque<LogEntry>,
}

impl RequestLog {
    pub fn new(capacity: usize) -> Self {
        RequestLog {
            capacity: capacity.max(1),
            entries: VecDeque::new(),
        }
    }

    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Whether a request body sets `properties.customProperties`.
pub fn has_custom_properties(body: Option<&Value>) -> bool {
    body.and_then(|b| b.get("properties"))
        .and_then(|p| p.get("customProperties"))
        .is_some()
}
