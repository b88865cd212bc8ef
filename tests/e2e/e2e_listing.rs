//! End to end: in-sync services are watched for drift with one paginated listing per
//! subscription and resync instead of one GET per service; a service changed behind the
//! operator's back is read and corrected alone.

use crate::support::operator::*;
use crate::support::replicas::metric;
use serde_json::json;

const RESOURCES: usize = 5;

/// Five Standard services, each managed by its own in-sync ApimCapacity; a 3 s resync and
/// listing pages of two services (three pages per listing).
fn five_in_sync(test: &str) -> (E2e, Vec<String>) {
    let mut builder = E2e::builder(test);
    for _ in 0..RESOURCES {
        builder = builder.service("Standard", &[("westeurope", 2)]);
    }
    let mut t = builder
        .arg("--resync-interval=3s")
        .sim(|c| c.list_page_size = 2)
        .start();
    let names = t.apply_per_service("cap", "Standard", &[("westeurope", 2)]);
    for i in 0..RESOURCES {
        t.wait_ready(&format!("cap{i}"), secs(60));
    }
    // Once every resource is Ready, a listing round has to see them before it answers.
    wait_requests(&t, secs(30), |r| listings(r) >= 6);
    (t, names)
}

#[test]
fn in_sync_services_are_listed_per_subscription_not_read_one_by_one() {
    let (mut t, names) = five_in_sync("listing_idle");
    t.clear_requests();
    // Four listing rounds of three pages each: every resource resyncs at least three times.
    let requests = wait_requests(&t, secs(40), |r| listings(r) >= 12);
    for name in &names {
        report("listing_idle", &requests, name);
        assert_eq!(
            gets(&requests, name),
            0,
            "no GET of {name}: {}",
            show(&requests)
        );
        assert!(writes(&requests, name).is_empty());
    }
    let pages: Vec<&SimRequest> = requests.iter().filter(|r| is_listing(r)).collect();
    assert!(
        pages.iter().all(|r| r.status == Some(200)),
        "{}",
        show(&requests)
    );
    assert!(
        pages.iter().any(|r| r.query.contains("skiptoken=4")),
        "the third page is followed: {}",
        show(&requests)
    );
    let (_, text) = t.http_get("/metrics");
    let listed = metric(&text, "apimcap_listed_reads_total").unwrap_or(0.0);
    assert!(listed >= RESOURCES as f64, "listed reads {listed}\n{text}");
    let succeeded = metric(
        &text,
        "apimcap_service_listings_total{result=\"Succeeded\"}",
    );
    assert!(succeeded.unwrap_or(0.0) >= 4.0, "{text}");
    assert_eq!(
        metric(&text, "apimcap_service_listings_total{result=\"Failed\"}"),
        None,
        "{text}"
    );
    for i in 0..RESOURCES {
        let obj = t.wait_ready(&format!("cap{i}"), secs(5));
        assert_in_sync(&obj);
    }
    eprintln!(
        "E2E-COUNTS listing_idle: listing_pages={} service_gets=0 over {} resources",
        pages.len(),
        RESOURCES
    );
}

#[test]
fn drift_found_by_the_listing_is_read_and_corrected_alone() {
    let (mut t, names) = five_in_sync("listing_drift");
    t.clear_requests();
    let drifted = &names[2];
    t.drift(drifted, json!({"sku": {"capacity": 1}}));
    t.wait_event("cap2", "DriftDetected", secs(30));
    let done = t.wait_for("cap2", "Ready after correcting the drift", secs(60), |o| {
        is_ready(o) && o["status"]["lastOperation"]["result"] == "Succeeded"
    });
    assert_in_sync(&done);
    assert_eq!(t.azure_capacity(drifted).1[0].1, 2, "corrected in Azure");
    // One more listing round after the correction.
    let seen = listings(&t.requests());
    let requests = wait_requests(&t, secs(30), |r| listings(r) >= seen + 3);

    report("listing_drift", &requests, drifted);
    assert_one_write_of_units(&requests, drifted, 2);
    assert!(gets(&requests, drifted) >= 1, "a real GET before the PATCH");
    let first_get = requests.iter().position(|r| r.is_get(drifted));
    let patch = requests.iter().position(|r| r.is_write(drifted));
    assert!(first_get < patch, "the GET comes before the PATCH");
    assert_no_overlap(&requests, drifted);
    for name in names.iter().filter(|n| *n != drifted) {
        assert_eq!(
            gets(&requests, name),
            0,
            "no GET of {name}: {}",
            show(&requests)
        );
        assert!(writes(&requests, name).is_empty(), "no write of {name}");
    }
}

#[test]
fn a_failed_listing_falls_back_to_one_get_per_service() {
    let mut builder = E2e::builder("listing_fails");
    for _ in 0..3 {
        builder = builder.service("Standard", &[("westeurope", 2)]);
    }
    // Every listing hands out a nextLink on another origin: the operator refuses it.
    let mut t = builder
        .arg("--resync-interval=2s")
        .sim(|c| {
            c.list_page_size = 2;
            c.list_next_link = Some("https://127.0.0.1:1".into());
        })
        .start();
    let names = t.apply_per_service("cap", "Standard", &[("westeurope", 2)]);
    for i in 0..names.len() {
        t.wait_ready(&format!("cap{i}"), secs(60));
    }
    t.clear_requests();
    let requests = wait_requests(&t, secs(30), |r| {
        listings(r) >= 2 && names.iter().all(|n| gets(r, n) >= 2)
    });
    assert!(
        requests
            .iter()
            .filter(|r| is_listing(r))
            .all(|r| !r.query.contains("skiptoken")),
        "only first pages: the foreign nextLink is not followed"
    );
    let (_, text) = t.http_get("/metrics");
    let failed = metric(&text, "apimcap_service_listings_total{result=\"Failed\"}");
    assert!(failed.unwrap_or(0.0) >= 2.0, "{text}");
    assert_eq!(
        metric(&text, "apimcap_listed_reads_total"),
        Some(0.0),
        "{text}"
    );
    for i in 0..names.len() {
        assert_in_sync(&t.wait_ready(&format!("cap{i}"), secs(5)));
    }
}

#[test]
fn without_list_drift_each_service_is_read_on_its_own() {
    let mut t = E2e::builder("listing_off")
        .service("Standard", &[("westeurope", 2)])
        .arg("--resync-interval=2s")
        .arg("--list-drift=false")
        .start();
    let service = t.service().to_string();
    t.apply_capacity("cap", "Standard", &[("westeurope", 2)], "");
    t.wait_ready("cap", secs(30));
    t.clear_requests();
    let requests = wait_requests(&t, secs(30), |r| gets(r, &service) >= 2);
    assert_eq!(listings(&requests), 0, "{}", show(&requests));
}

fn show(requests: &[SimRequest]) -> String {
    requests
        .iter()
        .filter(|r| r.is_arm())
        .map(|r| format!("\n  {r}"))
        .collect()
}
