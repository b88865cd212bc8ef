//! ARM's paging of list answers as the simulator serves it: the `$skiptoken` (any case) is
//! the offset of the page, and a `nextLink` repeats the listing's URL with its api-version
//! and the next offset.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::reply::ArmError;

/// The offset the request's skip token names (0 without one); `key` is its spelling in
/// the links this listing hands out.
pub fn offset(query: &HashMap<String, String>, key: &str) -> Result<usize, ArmError> {
    let token = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v);
    match token {
        None => Ok(0),
        Some(token) => token.parse::<usize>().map_err(|_| {
            ArmError::bad_request(
                "InvalidSkipToken",
                format!("The skip token '{token}' is invalid."),
            )
        }),
    }
}

/// `{"value": page, "nextLink"?}`: the link to `url` with the request's api-version and
/// `key`=`next` when `next < total`.
pub fn answer(
    page: Vec<Value>,
    query: &HashMap<String, String>,
    url: &str,
    key: &str,
    next: usize,
    total: usize,
) -> Value {
    let mut answer = json!({ "value": page });
    if next < total {
        let version = query.get("api-version").cloned().unwrap_or_default();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("api-version", &version)
            .append_pair(key, &next.to_string())
            .finish();
        answer["nextLink"] = json!(format!("{url}?{query}"));
    }
    answer
}
