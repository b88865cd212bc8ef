//! What the decision accepts from places it does not control: an operation URL read back
//! from status (anyone allowed to patch status can write one), and a resource Azure returns
//! in a poll's answer. Neither may make the operator read or write another service.

use crate::azure::ServiceResource;
use crate::domain::{LiveService, ServiceRef, units_summary};

/// Whether an operation URL lies under `service` or under its subscription's
/// `Microsoft.ApiManagement` operation results. The origin is checked again by the client
/// before a token is sent; this checks the path, so a URL written into status cannot make
/// the operator read services outside the namespace's scopes.
pub fn poll_url_belongs(url: &str, service: &ServiceRef) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let path = parsed.path().to_ascii_lowercase();
    // Encoded dots, slashes and backslashes, and dot segments, could walk out of the prefix
    // on a server that decodes them.
    if ["%2e", "%2f", "%5c", "\\"]
        .iter()
        .any(|bad| path.contains(bad))
        || path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
    {
        return false;
    }
    let under_service = format!("{}/", service.key());
    let subscription = service.subscription_id.to_ascii_lowercase();
    let under_subscription =
        format!("/subscriptions/{subscription}/providers/microsoft.apimanagement/");
    path.starts_with(&under_service) || path.starts_with(&under_subscription)
}

/// Whether a resource Azure returned is the service itself (ids compare case-insensitively).
pub fn is_the_service(resource: &ServiceResource, service: &ServiceRef) -> bool {
    resource
        .live
        .id
        .eq_ignore_ascii_case(&service.resource_id())
}

/// Whether the live service has the tier and units an operation aimed at (`target_units`
/// as recorded in status, `westeurope=2,eastus=3`); locations compare as Azure compares them.
pub fn reached(live: &LiveService, target_sku: crate::domain::Sku, target_units: &str) -> bool {
    if live.sku != target_sku {
        return false;
    }
    let mut wanted: Vec<(String, u32)> = target_units
        .split(',')
        .filter(|part| !part.trim().is_empty())
        .filter_map(|part| {
            let (location, units) = part.split_once('=')?;
            let units = units.trim().parse().ok()?;
            Some((crate::domain::Location::new(location).to_string(), units))
        })
        .collect();
    let mut have: Vec<(String, u32)> = live
        .regions
        .iter()
        .map(|r| (r.location.to_string(), r.units))
        .collect();
    wanted.sort();
    have.sort();
    wanted == have
}

/// "Premium westeurope=2,eastus=3": how a capacity is named in messages.
pub fn capacity_text(live: &LiveService) -> String {
    format!(
        "{} {}",
        live.sku,
        units_summary(live.regions.iter().map(|r| (&r.location, r.units)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> ServiceRef {
        ServiceRef::new("00000000-0000-0000-0000-000000000000", "RG", "svc")
    }

    #[test]
    fn operation_urls_under_the_service_or_its_subscription_are_accepted() {
        let base =
            "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000";
        for url in [
            format!(
                "{base}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/SVC/operationresults/x?api-version=1"
            ),
            format!(
                "{base}/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/tenant/operationResults/y"
            ),
            format!(
                "{base}/providers/Microsoft.ApiManagement/locations/westeurope/operationStatuses/z"
            ),
        ] {
            assert!(poll_url_belongs(&url, &service()), "{url}");
        }
    }

    #[test]
    fn other_services_subscriptions_and_tricks_are_refused() {
        let base = "https://management.azure.com/subscriptions";
        for url in [
            format!(
                "{base}/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/other/operationresults/x"
            ),
            format!(
                "{base}/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc2/x"
            ),
            format!(
                "{base}/11111111-1111-1111-1111-111111111111/providers/Microsoft.ApiManagement/locations/x/operationStatuses/z"
            ),
            format!(
                "{base}/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/%2e%2e/other/x"
            ),
            format!(
                "{base}/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc%2Fx/y"
            ),
            format!("{base}/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/x"),
            "not a url".to_string(),
        ] {
            assert!(!poll_url_belongs(&url, &service()), "{url}");
        }
    }

    #[test]
    fn the_target_is_reached_whatever_the_order_and_spelling_of_regions() {
        let live = crate::domain::LiveService {
            id: String::new(),
            sku: crate::domain::Sku::Premium,
            regions: vec![
                crate::domain::LiveRegion {
                    location: crate::domain::Location::new("West Europe"),
                    units: 2,
                    primary: true,
                    zones: vec![],
                },
                crate::domain::LiveRegion {
                    location: crate::domain::Location::new("eastus"),
                    units: 3,
                    primary: false,
                    zones: vec![],
                },
            ],
            provisioning_state: crate::domain::ProvisioningState::Succeeded,
            target_provisioning_state: None,
            zone_redundant: None,
        };
        use crate::domain::Sku::{Premium, Standard};
        assert!(reached(&live, Premium, "eastus=3,westeurope=2"));
        assert!(!reached(&live, Premium, "westeurope=2,eastus=2"));
        assert!(!reached(&live, Standard, "westeurope=2,eastus=3"));
        assert!(!reached(&live, Premium, "westeurope=2"));
        assert_eq!(capacity_text(&live), "Premium westeurope=2,eastus=3");
    }
}
