//! End to end: the operator follows every way Azure has answered a change: both headers
//! with the status URL under the service (the default since May 2025), `Location` only
//! (recordings before), and both headers with the same URL (the 2024-05-01 examples).

use crate::support::operator::*;
use apimcap_sim::AsyncHeader;

#[test]
fn a_change_is_followed_in_each_polling_style() {
    for (style, polled) in [
        (AsyncHeader::Service, "/tenant/operationresults/"),
        (AsyncHeader::None, "/operationresults/"),
        (AsyncHeader::SameAsLocation, "/operationresults/"),
    ] {
        let mut t = E2e::builder(&format!("lro_{style:?}"))
            .service("Standard", &[("westeurope", 1)])
            .sim(|c| c.async_header = style)
            .start();
        let service = t.service().to_string();
        t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
        let during = t.wait_for("cap", "Scaling", secs(30), |o| {
            has_condition(o, "Reconciling", "True", "Scaling")
        });
        let op = &during["status"]["operation"];
        let url = op["pollUrl"].as_str().unwrap_or_default().to_lowercase();
        assert!(url.contains(polled), "{style:?}: {url}");
        let tenant = url.contains("/tenant/");
        assert_eq!(tenant, style == AsyncHeader::Service, "{style:?}: {url}");
        let expected_style = if style == AsyncHeader::Service {
            "AzureAsyncOperation"
        } else {
            "Location"
        };
        assert_eq!(op["pollStyle"], expected_style, "{style:?}: {op:#}");

        let done = t.wait_ready("cap", secs(60));
        assert_in_sync(&done);
        let requests = t.requests();
        report(&format!("lro_{style:?}"), &requests, &service);
        let patches = writes(&requests, &service);
        assert_eq!(patches.len(), 1, "{style:?}: {patches:#?}");
        assert!(!polls(&requests).is_empty());
        assert!(
            polls(&requests)
                .iter()
                .all(|p| p.path.to_lowercase().contains(polled)
                    && matches!(p.status, Some(200) | Some(202))),
            "{style:?}: every poll read the URL Azure named"
        );
        assert_no_overlap(&requests, &service);
    }
}
