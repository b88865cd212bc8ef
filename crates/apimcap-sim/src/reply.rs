//! Building HTTP answers: JSON bodies, empty bodies, the ARM error envelope and the errors
//! several handlers share.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// An ARM error: `{"error": {"code", "message", "target", "details", "additionalInfo"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub target: Option<String>,
    /// Extra headers (e.g. `Retry-After` on 429, `WWW-Authenticate` on 401).
    pub headers: Vec<(&'static str, String)>,
}

impl ArmError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.to_string(),
            message: message.into(),
            target: None,
            headers: Vec::new(),
        }
    }

    pub fn with_target(mut self, target: &str) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The inner error object (also used in operation status bodies).
    pub fn body(&self) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "target": self.target,
            "details": [],
            "additionalInfo": [],
        })
    }

    pub fn into_response(self) -> Response<Body> {
        let mut response = json_response(self.status, &json!({ "error": self.body() }));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        ArmError::new(400, code, message)
    }
}

/// 404 `ResourceNotFound` in Azure's words.
pub fn resource_not_found(rg: &str, name: &str) -> ArmError {
    ArmError::new(
        404,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.ApiManagement/service/{name}' under resource group '{rg}' was not found. \
             For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON answer.
pub fn json_response(code: u16, body: &Value) -> Response<Body> {
    let text = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status(code);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An answer with no body.
pub fn empty_response(code: u16) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status(code);
    response
}

/// A plain-text answer (admin health).
pub fn text_response(code: u16, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_string()));
    *response.status_mut() = status(code);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Sets a header, ignoring values that are not valid header text.
pub fn set_header(response: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// An admin answer: `{"error": message}` with `status`.
pub(crate) fn error(status: u16, message: &str) -> Response<Body> {
    json_response(status, &json!({"error": message}))
}

/// Reads a JSON request body; the error is the admin answer to send.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response<Body>>> {
    serde_json::from_slice(body)
        .map_err(|e| Box::new(error(400, &format!("cannot read the request body: {e}"))))
}
