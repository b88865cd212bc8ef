//! The ARM client against the simulator's newer Azure rules: the preflight reads (`/skus`,
//! a subnet, a 403 on it) and the refusals that need a person (a management lock, zones the
//! subscription may not use) or a smaller step (the scale-in guardrail), each mapped to its
//! error.

use crate::support::*;
use apim_capacity::azure::{
    ApimApi, AzureError, Call, CapacityPatch, ErrorKind, PatchOutcome, PollOutcome,
};
use apim_capacity::domain::{RegionZones, Sku};
use apimcap_sim::{Seed, SimConfig};
use serde_json::json;

const SUBNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim";

fn config() -> SimConfig {
    let seed = format!(
        "{SEED}subnets:\n  - {{id: {SUBNET}, addressPrefix: 10.0.1.0/27}}\n\
         locks:\n  - {{scope: /subscriptions/{SUB}/resourceGroups/rg-v2, name: freeze}}\n"
    );
    SimConfig {
        seed: Seed::parse(&seed).expect("seed parses"),
        zones_not_enabled: vec!["northeurope".into()],
        ..sim_config()
    }
}

#[tokio::test]
async fn skus_and_subnets_are_read() {
    let sim = start(config()).await;
    let client = client(&sim);
    let limits = client.get_skus(&global()).await.expect("skus");
    assert_eq!(limits.max_units(Sku::Premium), Some(31));
    let prefix = client.get_subnet(SUBNET).await.expect("subnet");
    assert_eq!(prefix.to_string(), "10.0.1.0/27");

    let reader = {
        let config = arm_config(&sim);
        let credential = secret_credential(&sim, &config, READER_ID, "reader");
        apim_capacity::azure::ArmClient::new(config, credential).expect("client")
    };
    let error = reader
        .get_subnet(SUBNET)
        .await
        .expect_err("no right on rg-net");
    assert!(matches!(error, AzureError::Forbidden(_)), "{error}");
    assert_eq!(error.call(), Some(Call::GetSubnet));
    assert!(
        error
            .to_string()
            .contains("Microsoft.Network/virtualNetworks/subnets/read"),
        "{error}"
    );
    let missing = client
        .get_subnet(&SUBNET.replace("/apim", "/gone"))
        .await
        .expect_err("404");
    assert!(matches!(missing, AzureError::NotFound(_)), "{missing}");
}

#[tokio::test]
async fn refusals_that_need_a_person_are_terminal_with_azures_words() {
    let sim = start(config()).await;
    let client = client(&sim);

    let current = client.get_service(&v2()).await.expect("GET");
    let locked = client
        .patch_capacity(&v2(), &current, &units((Sku::StandardV2, 2)))
        .await
        .expect_err("locked");
    assert!(matches!(locked, AzureError::Locked(_)), "{locked}");
    assert_eq!(locked.kind(), ErrorKind::Terminal);
    assert!(locked.to_string().contains("rg-v2"), "{locked}");

    let current = client.get_service(&global()).await.expect("GET");
    let mut zones = CapacityPatch {
        sku: Sku::Premium,
        primary_units: 2,
        additional: current.live.regions[1..]
            .iter()
            .map(|r| apim_capacity::domain::RegionUnits {
                location: r.location.clone(),
                units: r.units,
            })
            .collect(),
        zones: None,
    };
    let pinned = |location: &str, zones: &[&str]| RegionZones {
        location: apim_capacity::domain::Location::new(location),
        zones: zones.iter().map(|z| z.to_string()).collect(),
    };
    zones.zones = Some(vec![
        pinned("westeurope", &["1", "2"]),
        pinned("eastus", &["1", "2"]),
        pinned("northeurope", &["1"]),
    ]);
    let refused = client
        .patch_capacity(&global(), &current, &zones)
        .await
        .expect_err("no zones in northeurope");
    assert!(
        matches!(refused, AzureError::ZonesNotEnabled(_)),
        "{refused}"
    );
    assert_eq!(refused.kind(), ErrorKind::Terminal);
}

#[tokio::test]
async fn a_one_shot_scale_in_is_refused_and_two_steps_pass() {
    let text = SEED.replace(
        "principals:",
        "  - {resourceGroup: rg-big, name: big-apim, location: westeurope, sku: Premium, capacity: 20}\nprincipals:",
    );
    let sim = start(SimConfig {
        seed: Seed::parse(&text).expect("seed parses"),
        ..sim_config()
    })
    .await;
    let client = client(&sim);
    let big = apim_capacity::azure::ServiceRef::new(SUB, "rg-big", "big-apim");
    let current = client.get_service(&big).await.expect("GET");
    let error = client
        .patch_capacity(&big, &current, &units((Sku::Premium, 4)))
        .await
        .expect_err("more than 25 %");
    assert!(matches!(error, AzureError::Refused(_)), "{error}");
    for step in [15, 4] {
        let current = client.get_service(&big).await.expect("GET");
        let PatchOutcome::Started(handle) = client
            .patch_capacity(&big, &current, &units((Sku::Premium, step)))
            .await
            .expect("accepted")
        else {
            panic!("a long-running operation");
        };
        assert!(matches!(
            poll_to_end(&client, &handle).await.0,
            PollOutcome::Succeeded(_)
        ));
    }
    let log = requests(&sim).await;
    let patches: Vec<_> = of_kind(&log, "arm")
        .into_iter()
        .filter(|e| e["method"] == "PATCH")
        .map(|e| (e["body"]["sku"]["capacity"].clone(), e["status"].clone()))
        .collect();
    assert_eq!(
        patches,
        [
            (json!(4), json!(400)),
            (json!(15), json!(202)),
            (json!(4), json!(202))
        ]
    );
}
