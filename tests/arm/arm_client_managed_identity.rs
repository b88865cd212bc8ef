//! Managed identity (App Service style: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) against
//! the simulator. Alone in its test binary because it sets process environment variables.

mod arm_client_support;

use apim_capacity::azure::credentials::build_credential;
use apim_capacity::azure::{ApimApi, ArmClient, CredentialSource};
use arm_client_support::*;

#[tokio::test]
async fn managed_identity_gets_a_token_from_the_identity_endpoint() {
    let sim = start(sim_config()).await;
    // SAFETY: this binary holds this one test, so no other thread reads the environment.
    unsafe {
        std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", sim.base_url()));
        std::env::set_var("IDENTITY_HEADER", "sim-identity-header");
    }
    let config = arm_config(&sim);
    let source = CredentialSource::ManagedIdentity {
        client_id: Some(MANAGED_ID.into()),
    };
    let credential = build_credential(&source, &credential_options(&sim, &config))
        .unwrap()
        .unwrap();
    let client = ArmClient::new(config, credential).unwrap();
    for _ in 0..3 {
        client
            .get_service(&payments())
            .await
            .expect("managed identity works");
    }
    let log = requests(&sim).await;
    let identity = of_kind(&log, "appService");
    assert_eq!(identity.len(), 1, "the token is cached: {log:#?}");
    assert_eq!(identity[0]["status"], 200);
    assert!(
        of_kind(&log, "arm")
            .iter()
            .all(|e| e["principal"] == MANAGED_ID)
    );
}
