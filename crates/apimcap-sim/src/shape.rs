//! The JSON types a service body must have where the simulator reads into it: objects where
//! it reads fields, arrays where it reads lists. Checked on every body a client or the admin
//! endpoint sends before it is merged, so no later read or write finds a number where it
//! expects an object. Everything else is kept as sent.

use serde_json::Value;

use crate::reply::ArmError;

/// (JSON pointer, field name in errors, expected type).
const FIELDS: &[(&str, &str, Kind)] = &[
    ("/sku", "sku", Kind::Object),
    ("/zones", "zones", Kind::Array),
    ("/properties", "properties", Kind::Object),
    (
        "/properties/additionalLocations",
        "properties.additionalLocations",
        Kind::Array,
    ),
];

#[derive(Clone, Copy)]
enum Kind {
    Object,
    Array,
}

/// Why a body has the wrong shape: the field and what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadShape {
    pub target: String,
    pub message: String,
}

impl BadShape {
    /// The 400 ARM answers a body it cannot deserialize with.
    pub fn into_arm_error(self) -> ArmError {
        let error = ArmError::bad_request(
            "InvalidRequestContent",
            format!(
                "The request content was invalid and could not be deserialized: {}.",
                self.message
            ),
        );
        if self.target.is_empty() {
            error
        } else {
            error.with_target(&self.target)
        }
    }
}

/// Checks that `body` is an object and that each field of [`FIELDS`] is absent, `null` or of
/// its type.
pub fn check(body: &Value) -> Result<(), BadShape> {
    if !body.is_object() {
        return Err(BadShape {
            target: String::new(),
            message: "the body must be a JSON object".to_string(),
        });
    }
    for (pointer, target, kind) in FIELDS {
        let Some(value) = body.pointer(pointer).filter(|v| !v.is_null()) else {
            continue;
        };
        let (ok, expected) = match kind {
            Kind::Object => (value.is_object(), "an object"),
            Kind::Array => (value.is_array(), "an array"),
        };
        if !ok {
            return Err(BadShape {
                target: target.to_string(),
                message: format!("'{target}' must be {expected} or null, not {value}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_and_arrays_where_the_simulator_reads_them() {
        assert!(check(&json!({})).is_ok());
        assert!(check(&json!({"sku": null, "properties": {"additionalLocations": null}})).is_ok());
        assert!(check(&json!({"zones": ["1"], "properties": {"additionalLocations": []}})).is_ok());
        let bad = [
            (json!(5), ""),
            (json!({"properties": 5}), "properties"),
            (json!({"properties": [1]}), "properties"),
            (json!({"sku": "Premium"}), "sku"),
            (json!({"zones": "1"}), "zones"),
            (
                json!({"properties": {"additionalLocations": {"location": "x"}}}),
                "properties.additionalLocations",
            ),
        ];
        for (body, target) in bad {
            assert_eq!(check(&body).map_err(|e| e.target), Err(target.to_string()));
        }
    }
}
