//! Credentials against the simulator's Entra token endpoint over HTTPS: client secret and
//! workload identity (federated token file), with wrong secrets and assertions.

use crate::support::*;
use apim_capacity::azure::credentials::build_credential;
use apim_capacity::azure::{ApimApi, ArmClient, AzureError, CredentialSource, ErrorKind};
use apimcap_sim::SimConfig;

const ASSERTION: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBpbTpvcGVyYXRvciJ9.c2lnbmF0dXJl";

#[tokio::test]
async fn a_wrong_client_secret_is_a_terminal_credential_error_without_the_secret() {
    let sim = start(sim_config()).await;
    let config = arm_config(&sim);
    let credential = secret_credential(&sim, &config, CLIENT_ID, "not-the-secret");
    let client = ArmClient::new(config, credential).unwrap();
    let error = client.get_service(&payments()).await.expect_err("refused");
    assert!(matches!(error, AzureError::Credential { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Terminal, "{error}");
    assert!(!error.to_string().contains("not-the-secret"), "{error}");
    assert!(!format!("{error:?}").contains("not-the-secret"));
    let log = requests(&sim).await;
    assert!(
        of_kind(&log, "arm").is_empty(),
        "no ARM call without a token"
    );
}

#[tokio::test]
async fn workload_identity_exchanges_the_federated_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().join("expected-assertion");
    std::fs::write(&expected, ASSERTION).unwrap();
    let sim = start(SimConfig {
        auth: apimcap_sim::AuthConfig {
            assertion_file: Some(expected),
            ..Default::default()
        },
        ..sim_config()
    })
    .await;
    let config = arm_config(&sim);
    let token_file = dir.path().join("azure-identity-token");
    std::fs::write(&token_file, format!("{ASSERTION}\n")).unwrap();
    let source = CredentialSource::WorkloadIdentity {
        client_id: Some(CLIENT_ID.into()),
        tenant_id: Some(TENANT.into()),
        token_file: Some(token_file.clone()),
    };
    let credential = build_credential(&source, &credential_options(&sim, &config))
        .unwrap()
        .unwrap();
    let client = ArmClient::new(config.clone(), credential).unwrap();
    client
        .get_service(&payments())
        .await
        .expect("workload identity works");
    let log = requests(&sim).await;
    let tokens = of_kind(&log, "token");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["status"], 200);
    assert_eq!(of_kind(&log, "arm")[0]["principal"], CLIENT_ID);

    // A projected token the authority does not accept.
    let wrong_file = dir.path().join("other-token");
    std::fs::write(&wrong_file, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.eA").unwrap();
    let source = CredentialSource::WorkloadIdentity {
        client_id: Some(CLIENT_ID.into()),
        tenant_id: Some(TENANT.into()),
        token_file: Some(wrong_file),
    };
    let credential = build_credential(&source, &credential_options(&sim, &config))
        .unwrap()
        .unwrap();
    let client = ArmClient::new(config, credential).unwrap();
    let error = client.get_service(&payments()).await.expect_err("refused");
    assert!(matches!(error, AzureError::Credential { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Terminal);
}

#[tokio::test]
async fn the_system_roots_alone_do_not_trust_the_simulator() {
    let sim = start(sim_config()).await;
    let mut config = arm_config(&sim);
    config.ca_bundle = None;
    let client = ArmClient::new(config, static_credential()).unwrap();
    let error = client
        .get_service(&payments())
        .await
        .expect_err("untrusted");
    assert_eq!(error.kind(), ErrorKind::Transient);
    assert!(
        error.to_string().contains("certificate") || error.to_string().contains("Unknown"),
        "{error}"
    );
}

#[tokio::test]
async fn a_ca_bundle_file_is_trusted_in_addition_to_system_roots() {
    let sim = start(sim_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, sim.ca_pem()).unwrap();
    let mut config = arm_config(&sim);
    config.ca_bundle = Some(apim_capacity::azure::CaBundle::File(bundle));
    config.use_system_roots = true;
    let credential = secret_credential(&sim, &config, CLIENT_ID, SECRET);
    let client = ArmClient::new(config, credential).unwrap();
    client
        .get_service(&payments())
        .await
        .expect("trusted through the bundle file");

    let mut config = arm_config(&sim);
    config.ca_bundle = Some(apim_capacity::azure::CaBundle::Pem(
        "not a certificate".into(),
    ));
    let error = ArmClient::new(config, static_credential()).expect_err("bad bundle");
    assert!(matches!(error, AzureError::Config(_)), "{error:?}");
}
