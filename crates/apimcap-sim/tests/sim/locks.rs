//! Management locks in the simulator: a `ReadOnly` lock on the service, its resource group
//! or subscription refuses every write with 409 `ScopeLocked`; reads go on.

use crate::support::*;
use apimcap_sim::Seed;
use serde_json::json;

const RG_SCOPE: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments";

#[tokio::test]
async fn a_read_only_lock_refuses_writes_until_it_is_removed() {
    let mut config = config();
    let seeded =
        format!("{SEED}locks:\n  - {{scope: {RG_SCOPE}, name: freeze, level: ReadOnly}}\n");
    config.seed = Seed::parse(&seeded).expect("seed parses");
    let sim = start(config).await;
    let path = format!("{}?{API}", service_path("rg-payments", "payments-apim"));
    let scale = json!({"sku": {"name": "Standard", "capacity": 2}});

    let (status, code, body) = error_code(sim.patch(&path, &scale).await).await;
    assert_eq!((status, code.as_str()), (409, "ScopeLocked"), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("cannot perform write operation because following scope(s) are locked")
            && message.contains(RG_SCOPE),
        "{message}"
    );
    assert_eq!(sim.get_json(&path).await.0, 200, "reads are not locked");
    let other = format!("{}?{API}", service_path("rg-global", "global-apim"));
    let other_scale = json!({"sku": {"name": "Premium", "capacity": 4}});
    assert_eq!(sim.patch(&other, &other_scale).await.status().as_u16(), 202);

    sim.admin(reqwest::Method::DELETE, "/locks/freeze", None)
        .await;
    assert_eq!(sim.patch(&path, &scale).await.status().as_u16(), 202);
}

#[tokio::test]
async fn locks_set_through_the_admin_endpoint_by_level() {
    let sim = start_default().await;
    let service = service_path("rg-payments", "payments-apim");
    let path = format!("{service}?{API}");
    let scale = |units: u32| json!({"sku": {"name": "Standard", "capacity": units}});
    let lock = |level: &str| json!({"scope": service, "name": "keep", "level": level});

    sim.admin_post("/locks", lock("CanNotDelete")).await;
    let response = sim.patch(&path, &scale(2)).await;
    assert_eq!(
        response.status().as_u16(),
        202,
        "CanNotDelete allows changes"
    );
    let location = header(&response, "location").expect("Location");
    sim.poll_location(&location).await;

    let locks = sim.admin_post("/locks", lock("ReadOnly")).await;
    assert_eq!(
        locks.as_array().map(Vec::len),
        Some(1),
        "replaced by name: {locks}"
    );
    let (status, code, _) = error_code(sim.patch(&path, &scale(3)).await).await;
    assert_eq!((status, code.as_str()), (409, "ScopeLocked"));
    let put = json!({"location": "westeurope", "sku": {"name": "Standard", "capacity": 3},
                     "properties": {"publisherEmail": "a@b.c", "publisherName": "n"}});
    let (status, code, _) = error_code(sim.put(&path, &put).await).await;
    assert_eq!(
        (status, code.as_str()),
        (409, "ScopeLocked"),
        "PUT is a write too"
    );

    sim.admin(reqwest::Method::DELETE, "/locks", None).await;
    assert_eq!(sim.patch(&path, &scale(3)).await.status().as_u16(), 202);
    let bad = sim
        .http
        .post(format!("{}/locks", sim.handle.admin_url()))
        .json(&json!({"scope": "rg-payments", "name": "x"}))
        .send()
        .await
        .expect("admin answers");
    assert_eq!(bad.status().as_u16(), 400, "a scope that is not an ARM id");
}
