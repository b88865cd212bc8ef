//! Managed identity (App Service style: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) against
//! the simulator.
//!
//! The credential reads those variables from the process environment, which every test of
//! this binary shares, and changing it while other threads run is unsound. So the test runs
//! its client half in a child process of this binary, started with the variables set and
//! filtered to this one test; the simulator stays in the parent, which checks its request log.

use std::process::Command;

use apim_capacity::azure::credentials::build_credential;
use apim_capacity::azure::{ApimApi, ArmClient, CredentialSource};

use crate::support::*;

/// Set in the child: the simulator's base URL (its CA is in `CHILD_CA`).
const CHILD_URL: &str = "APIMCAP_TEST_MANAGED_IDENTITY_SIM_URL";
const CHILD_CA: &str = "APIMCAP_TEST_MANAGED_IDENTITY_SIM_CA";

#[tokio::test]
async fn managed_identity_gets_a_token_from_the_identity_endpoint() {
    if let (Ok(url), Ok(ca)) = (std::env::var(CHILD_URL), std::env::var(CHILD_CA)) {
        return three_reads_as_the_managed_identity(&url, &ca).await;
    }
    let sim = start(sim_config()).await;
    // The test's name in this binary, without the crate's: `module::function`.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::managed_identity_gets_a_token_from_the_identity_endpoint");
    let exe = std::env::current_exe().expect("the test binary's path");
    let child = tokio::task::spawn_blocking({
        let (url, ca) = (sim.base_url().to_string(), sim.ca_pem().to_string());
        move || {
            Command::new(exe)
                .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
                .env("IDENTITY_ENDPOINT", format!("{url}/msi/token"))
                .env("IDENTITY_HEADER", "sim-identity-header")
                .env(CHILD_URL, &url)
                .env(CHILD_CA, &ca)
                .output()
        }
    })
    .await
    .expect("the child's thread")
    .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && stdout.contains("1 passed"),
        "the client half failed ({}):\n{stdout}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stderr)
    );
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

/// The child's half: three reads with the managed identity of the environment.
async fn three_reads_as_the_managed_identity(url: &str, ca: &str) {
    let config = arm_config_at(url, ca);
    let source = CredentialSource::ManagedIdentity {
        client_id: Some(MANAGED_ID.into()),
    };
    let credential = build_credential(&source, &credential_options_at(url, &config))
        .unwrap()
        .unwrap();
    let client = ArmClient::new(config, credential).unwrap();
    for _ in 0..3 {
        client
            .get_service(&payments())
            .await
            .expect("managed identity works");
    }
}
