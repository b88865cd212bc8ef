//! The services of a subscription in one paginated listing
//! (`GET /subscriptions/{sub}/providers/Microsoft.ApiManagement/service`, following
//! `nextLink`), so drift can be watched with a few reads per subscription instead of one
//! per service. Each page is untrusted: its size is bounded, entries that cannot be read
//! are skipped (counted), and a `nextLink` is followed only on the ARM endpoint's origin and
//! on this subscription's listing path.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use super::client::ArmClient;
use super::error::{AzureError, Call};
use super::model::ServiceResource;
use super::response::{Answer, malformed};
use crate::domain::LiveService;
use crate::paged::{get_ci, next_link, read_entries};

/// How many pages one listing follows at most.
pub const MAX_PAGES: usize = 200;
/// Entries read from one page at most; the rest of the page is skipped (counted).
pub const MAX_ENTRIES_PER_PAGE: usize = 1_000;
const MAX_LINK_CHARS: usize = 4_096;

/// The services of one subscription, by lower-case resource id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceListing {
    /// Every service read, keyed by its resource id in lower case
    /// ([`crate::domain::ServiceRef::key`]).
    pub services: HashMap<String, LiveService>,
    /// Pages read.
    pub pages: u32,
    /// Entries skipped because they could not be read.
    pub skipped: u32,
}

/// One page of the listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingPage {
    /// The services read from this page, with their lower-case resource id.
    pub services: Vec<(String, LiveService)>,
    /// The next page, as Azure gave it (check it with [`next_listing_url`]).
    pub next_link: Option<String>,
    /// Entries skipped (no id, sku or location, a bad unit count, beyond the page limit).
    pub skipped: u32,
}

/// Reads one page of shape `{"value": [service, ...], "nextLink": "..."}`. Each entry is
/// read as the GET of a service is (locations normalised, nulls tolerated); an entry that
/// cannot be read is skipped, not fatal. Only a body that is not such a page is an error.
pub fn parse_listing_page(body: &[u8]) -> Result<ListingPage, String> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| format!("the listing is not JSON: {e}"))?;
    let object = json
        .as_object()
        .ok_or_else(|| "the listing is not a JSON object".to_string())?;
    let list = match get_ci(object, "value") {
        Some(Value::Array(list)) => list.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err("the listing's `value` is not a list".to_string()),
    };
    let (services, skipped) = read_entries(list, MAX_ENTRIES_PER_PAGE, read_entry);
    Ok(ListingPage {
        services,
        next_link: next_link(object, MAX_LINK_CHARS),
        skipped,
    })
}

/// A service of the listing with its key, when it has an id, a known sku, a location and
/// readable unit counts.
fn read_entry(entry: &Value) -> Option<(String, LiveService)> {
    let service = ServiceResource::from_value(entry.clone()).ok()?;
    let id = service.live.id.trim();
    if id.is_empty() || id.len() > MAX_LINK_CHARS {
        return None;
    }
    Some((id.to_ascii_lowercase(), service.live))
}

/// The first page of the listing of `subscription` on the ARM endpoint `base`.
pub fn listing_url(base: &Url, subscription: &str, api_version: &str) -> Result<Url, AzureError> {
    if subscription.trim().is_empty()
        || subscription.contains(['/', '?', '#', '%'])
        || subscription.chars().any(char::is_control)
    {
        return Err(AzureError::Config(format!(
            "the subscription id {subscription:?} cannot be listed"
        )));
    }
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| AzureError::Config("the ARM endpoint cannot have a path".into()))?
        .pop_if_empty()
        .extend([
            "subscriptions",
            subscription,
            "providers",
            "Microsoft.ApiManagement",
            "service",
        ]);
    url.query_pairs_mut()
        .append_pair("api-version", api_version);
    Ok(url)
}

/// The URL of the next page, only when `next_link` stays on the origin of `first` (scheme,
/// host and port; HTTPS) and on the same listing path (compared case-insensitively, as ARM
/// does): a link elsewhere would carry the bearer token to another host, or list something
/// else. A link without an `api-version` gets the first page's.
pub fn next_listing_url(first: &Url, next_link: &str) -> Option<Url> {
    if next_link.len() > MAX_LINK_CHARS {
        return None;
    }
    let mut url = Url::parse(next_link).ok()?;
    let same_origin = url.scheme() == "https"
        && url.scheme() == first.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == first.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == first.port_or_known_default();
    let same_path = url
        .path()
        .trim_end_matches('/')
        .eq_ignore_ascii_case(first.path().trim_end_matches('/'));
    if !same_origin || !same_path || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    url.set_fragment(None);
    if !url.query_pairs().any(|(k, _)| k == "api-version")
        && let Some((_, version)) = first.query_pairs().find(|(k, _)| k == "api-version")
    {
        let version = version.into_owned();
        url.query_pairs_mut().append_pair("api-version", &version);
    }
    Some(url)
}

impl ArmClient {
    /// Every API Management service of `subscription`, page after page (at most
    /// [`MAX_PAGES`]). A `nextLink` off the ARM endpoint or off this listing is an error, as
    /// is any page Azure refuses: the caller then reads each service on its own.
    pub async fn list_services(&self, subscription: &str) -> Result<ServiceListing, AzureError> {
        let call = Call::ListServices;
        let config = self.config();
        let first = listing_url(&config.base_url, subscription, &config.api_version)?;
        let mut listing = ServiceListing::default();
        let read = |answer: &Answer| {
            let page = parse_listing_page(&answer.body).map_err(|m| malformed(call, answer, m))?;
            listing.pages = listing.pages.saturating_add(1);
            listing.skipped = listing.skipped.saturating_add(page.skipped);
            listing.services.extend(page.services);
            match page.next_link {
                None => Ok(None),
                Some(link) => next_listing_url(&first, &link).map(Some).ok_or_else(|| {
                    let message =
                        "the nextLink leaves the ARM endpoint or the subscription's listing";
                    malformed(call, answer, message.to_string())
                }),
            }
        };
        self.follow_pages(call, first.clone(), subscription, MAX_PAGES, read)
            .await?;
        Ok(listing)
    }
}
