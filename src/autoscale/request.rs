//! An ARM GET request as plain data (path segments and query pairs), so the requests autoscale
//! needs are built and tested without a client, and percent-encoded as Azure's SDKs do.

use url::Url;

use crate::domain::ServiceRef;

/// A GET request relative to the ARM endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmGet {
    segments: Vec<String>,
    query: Vec<(String, String)>,
}

impl ArmGet {
    /// A request for the path made of `segments` (each encoded on its own, so a `/` inside
    /// one cannot change the path) with the query pairs in order.
    pub fn new(segments: Vec<String>, query: Vec<(String, String)>) -> Self {
        ArmGet { segments, query }
    }

    /// The path segments, unencoded.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The query pairs, unencoded, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The value of one query parameter, unencoded.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The encoded path, starting with `/`.
    pub fn path(&self) -> String {
        self.segments
            .iter()
            .map(|segment| format!("/{}", encode(segment)))
            .collect()
    }

    /// The encoded query, without `?`; spaces become `%20`, never `+`.
    pub fn encoded_query(&self) -> String {
        self.query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The encoded path and query, as sent after the ARM endpoint.
    pub fn path_and_query(&self) -> String {
        format!("{}?{}", self.path(), self.encoded_query())
    }

    /// The full URL under `base` (the ARM endpoint of the cloud, or the simulator's); a path
    /// of `base` is kept as a prefix.
    pub fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{}", self.path()));
        url.set_query(Some(&self.encoded_query()));
        url.set_fragment(None);
        url
    }
}

/// The path segments of a service:
/// `subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}`.
pub fn service_segments(service: &ServiceRef) -> Vec<String> {
    let mut segments = resource_group_segments(&service.subscription_id, &service.resource_group);
    segments.extend(
        [
            "providers",
            "Microsoft.ApiManagement",
            "service",
            service.name.as_str(),
        ]
        .map(String::from),
    );
    segments
}

/// The path segments of a resource group: `subscriptions/{sub}/resourceGroups/{rg}`.
pub fn resource_group_segments(subscription_id: &str, resource_group: &str) -> Vec<String> {
    [
        "subscriptions",
        subscription_id,
        "resourceGroups",
        resource_group,
    ]
    .map(String::from)
    .to_vec()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ArmGet {
        ArmGet::new(
            vec!["a b".into(), "x/y".into()],
            vec![("$filter".into(), "Location eq '*'".into())],
        )
    }

    #[test]
    fn segments_and_query_are_encoded_without_plus_signs() {
        assert_eq!(
            request().path_and_query(),
            "/a%20b/x%2Fy?%24filter=Location%20eq%20%27%2A%27"
        );
    }

    #[test]
    fn the_url_keeps_the_base_prefix_and_drops_its_query() {
        let base = Url::parse("https://127.0.0.1:8443/arm/?old=1#frag").expect("valid");
        let url = request().url(&base);
        assert_eq!(
            url.as_str(),
            "https://127.0.0.1:8443/arm/a%20b/x%2Fy?%24filter=Location%20eq%20%27%2A%27"
        );
        let root = Url::parse("https://management.azure.com").expect("valid");
        assert!(
            request()
                .url(&root)
                .as_str()
                .starts_with("https://management.azure.com/a%20b/")
        );
    }

    #[test]
    fn service_path_names_every_part() {
        let service = ServiceRef::new("sub", "rg", "apim");
        assert_eq!(
            service_segments(&service).join("/"),
            "subscriptions/sub/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim"
        );
    }
}
