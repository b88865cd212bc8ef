//! Reading ARM's paged list answers (`{"value": [...], "nextLink": "..."}`) leniently: keys
//! looked up ignoring case, at most so many entries read per page (the rest skipped and
//! counted), and a `nextLink` only when it is a non-empty string of bounded length.

use serde_json::{Map, Value};

/// Looks a key up ignoring ASCII case (exact spelling first).
pub fn get_ci<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The page's `nextLink`, when it is a non-empty string of at most `max_chars` bytes.
pub fn next_link(page: &Map<String, Value>, max_chars: usize) -> Option<String> {
    get_ci(page, "nextLink")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|link| !link.is_empty() && link.len() <= max_chars)
        .map(str::to_string)
}

/// The entries `read` understands among the first `max` of `list`, and how many were
/// skipped (not understood, or beyond `max`).
pub fn read_entries<T>(
    list: &[Value],
    max: usize,
    read: impl Fn(&Value) -> Option<T>,
) -> (Vec<T>, u32) {
    let mut read_ones = Vec::new();
    let mut skipped = 0u32;
    for (index, entry) in list.iter().enumerate() {
        match (index < max).then(|| read(entry)).flatten() {
            Some(found) => read_ones.push(found),
            None => skipped = skipped.saturating_add(1),
        }
    }
    (read_ones, skipped)
}
