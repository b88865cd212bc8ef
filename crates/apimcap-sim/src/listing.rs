//! `GET /subscriptions/{sub}/providers/Microsoft.ApiManagement/service`: every service of
//! a subscription in Azure's list shape (`{"value": [...], "nextLink": "..."}`), each entry
//! as a GET of the service would show it, `--list-page-size` at a time; `$skiptoken` is
//! the offset. With `--list-next-link ORIGIN` the `nextLink` points at another origin, so
//! tests can check that a client refuses to follow it.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::operations;
use crate::reply::ArmError;
use crate::state::SimState;

/// One page of the services of subscription `sub`. `url` is this listing's URL without
/// its query; `origin` replaces the origin of the `nextLink` when set.
pub fn page(
    state: &SimState,
    sub: &str,
    query: &HashMap<String, String>,
    url: &str,
    origin: Option<&str>,
) -> Result<Value, ArmError> {
    let skip = crate::paging::offset(query, "$skiptoken")?;
    let sub = sub.to_lowercase();
    let keys: Vec<_> = state
        .services
        .keys()
        .filter(|k| k.subscription == sub)
        .collect();
    let page_size = state.config.list_page_size.max(1);
    let value: Vec<Value> = keys
        .iter()
        .skip(skip)
        .take(page_size)
        .filter_map(|k| operations::view(state, k))
        .collect();
    let next = skip.saturating_add(page_size);
    let mut answer = crate::paging::answer(value, query, url, "$skiptoken", next, keys.len());
    if let (Some(origin), Some(link)) = (origin, answer["nextLink"].as_str()) {
        answer["nextLink"] = json!(with_origin(link, origin));
    }
    Ok(answer)
}

/// `link` with its scheme, host and port replaced by `origin`'s.
fn with_origin(link: &str, origin: &str) -> String {
    match url::Url::parse(link) {
        Ok(parsed) => {
            let rest = &link[parsed[..url::Position::BeforePath].len()..];
            format!("{}{rest}", origin.trim_end_matches('/'))
        }
        Err(_) => link.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::seed::Seed;

    const SUB: &str = "00000000-0000-0000-0000-000000000000";

    fn state(services: usize, page_size: usize) -> SimState {
        let mut yaml = String::from("services:\n");
        for i in 0..services {
            yaml.push_str(&format!(
                "  - {{resourceGroup: rg, name: s{i}, location: westeurope, sku: Premium, capacity: 1}}\n"
            ));
        }
        yaml.push_str(
            "  - {subscription: 11111111-1111-1111-1111-111111111111, resourceGroup: rg, name: other, location: westeurope, sku: Premium, capacity: 1}\n",
        );
        let config = SimConfig {
            seed: Seed::parse(&yaml).expect("a seed"),
            list_page_size: page_size,
            ..SimConfig::default()
        };
        SimState::new(config).expect("a state")
    }

    fn query(skip: Option<&str>) -> HashMap<String, String> {
        let mut query = HashMap::from([("api-version".to_string(), "2024-05-01".to_string())]);
        if let Some(skip) = skip {
            query.insert("$skiptoken".to_string(), skip.to_string());
        }
        query
    }

    const URL: &str =
        "https://127.0.0.1:8443/subscriptions/s/providers/Microsoft.ApiManagement/service";

    #[test]
    fn pages_link_to_the_next_until_every_service_of_the_subscription_is_listed() {
        let state = state(5, 2);
        let mut names = Vec::new();
        let mut skip = None;
        for expected in [2, 2, 1] {
            let page = page(&state, SUB, &query(skip.as_deref()), URL, None).expect("a page");
            let value = page["value"].as_array().expect("a list");
            assert_eq!(value.len(), expected);
            names.extend(
                value
                    .iter()
                    .map(|s| s["name"].as_str().unwrap_or("").to_string()),
            );
            skip = page["nextLink"].as_str().map(|link| {
                assert!(link.starts_with(URL), "{link}");
                assert!(link.contains("api-version=2024-05-01"), "{link}");
                link.rsplit('=').next().unwrap_or("").to_string()
            });
        }
        assert_eq!(skip, None);
        assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"]);
    }

    #[test]
    fn a_foreign_origin_is_handed_out_when_asked_for() {
        let state = state(3, 2);
        let page = page(
            &state,
            SUB,
            &query(None),
            URL,
            Some("https://evil.example:1"),
        )
        .expect("a page");
        let link = page["nextLink"].as_str().expect("a link");
        assert!(
            link.starts_with(
                "https://evil.example:1/subscriptions/s/providers/Microsoft.ApiManagement/service?"
            ),
            "{link}"
        );
    }

    #[test]
    fn a_bad_skip_token_is_refused_and_an_empty_subscription_lists_nothing() {
        let state = state(1, 2);
        assert!(page(&state, SUB, &query(Some("x")), URL, None).is_err());
        let empty = page(
            &state,
            "22222222-2222-2222-2222-222222222222",
            &query(None),
            URL,
            None,
        )
        .expect("a page");
        assert_eq!(empty, json!({"value": []}));
    }
}
