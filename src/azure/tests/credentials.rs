use std::collections::BTreeMap;

use k8s_openapi::ByteString;

use crate::azure::credentials::{
    ClientSecretParts, CredentialFactory, CredentialOptions, CredentialSource, build_credential,
};
use crate::azure::error::{AzureError, ErrorKind};

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, ByteString> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
        .collect()
}

#[test]
fn camel_case_and_environment_key_names_are_accepted() {
    let camel = data(&[
        ("tenantId", "t"),
        ("clientId", "c"),
        ("clientSecret", "s3cret\n"),
    ]);
    let parts = ClientSecretParts::from_data("ns", "sp", Some(&camel)).unwrap();
    assert_eq!(
        (
            parts.tenant_id.as_str(),
            parts.client_id.as_str(),
            parts.client_secret.as_str()
        ),
        ("t", "c", "s3cret"),
        "values are trimmed"
    );
    let env = data(&[
        ("AZURE_TENANT_ID", "t"),
        ("AZURE_CLIENT_ID", "c"),
        ("AZURE_CLIENT_SECRET", "s"),
    ]);
    assert!(ClientSecretParts::from_data("ns", "sp", Some(&env)).is_ok());
}

#[test]
fn a_missing_key_names_the_secret_and_key_but_never_a_value() {
    let partial = data(&[("tenantId", "t"), ("clientId", "c"), ("clientSecret", "  ")]);
    let error = ClientSecretParts::from_data("team-a", "apim-sp", Some(&partial)).unwrap_err();
    assert!(matches!(error, AzureError::SecretKeyMissing { .. }));
    assert_eq!(
        error.to_string(),
        "Secret team-a/apim-sp has no key clientSecret (or AZURE_CLIENT_SECRET)"
    );
    assert_eq!(error.kind(), ErrorKind::Terminal);
    let error = ClientSecretParts::from_data("team-a", "apim-sp", None).unwrap_err();
    assert!(error.to_string().contains("tenantId"));
}

#[test]
fn debug_output_never_shows_secrets() {
    let parts = ClientSecretParts {
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: "hunter2".into(),
    };
    assert!(!format!("{parts:?}").contains("hunter2"));
    let source = CredentialSource::ClientSecret {
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: "hunter2".into(),
    };
    assert!(!format!("{source:?}").contains("hunter2"));
}

#[test]
fn credentials_build_without_network_and_none_gives_none() {
    let options = CredentialOptions {
        authority_host: Some("https://login.example.com".parse().unwrap()),
        http_client: None,
    };
    let secret = CredentialSource::ClientSecret {
        tenant_id: "tenant".into(),
        client_id: "client".into(),
        client_secret: "secret".into(),
    };
    assert!(build_credential(&secret, &options).unwrap().is_some());
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("azure-identity-token");
    let workload = CredentialSource::WorkloadIdentity {
        client_id: Some("client".into()),
        tenant_id: Some("tenant".into()),
        token_file: Some(token_file.clone()),
    };
    let missing = build_credential(&workload, &options).unwrap_err();
    assert!(missing.to_string().contains("federated token"), "{missing}");
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln").unwrap();
    assert!(build_credential(&workload, &options).unwrap().is_some());
    assert!(
        build_credential(&CredentialSource::None, &options)
            .unwrap()
            .is_none()
    );
    let http = CredentialOptions {
        authority_host: Some("http://login.example.com".parse().unwrap()),
        http_client: None,
    };
    let error = build_credential(&secret, &http).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Terminal, "{error}");
}

#[test]
fn the_own_identity_is_built_only_when_a_resource_uses_it() {
    let source = CredentialSource::ManagedIdentity { client_id: None };
    let factory = CredentialFactory::new(&source, CredentialOptions::default());
    assert!(!factory.own_built(), "nothing is built at start-up");
    factory.own().expect("a managed identity credential builds");
    assert!(factory.own_built());
}

#[test]
fn no_own_identity_is_a_clear_error_on_use() {
    let factory = CredentialFactory::new(&CredentialSource::None, CredentialOptions::default());
    assert!(!factory.own_built());
    let error = factory.own().expect_err("no identity");
    assert!(
        error.to_string().contains("name a credentials Secret"),
        "{error}"
    );
}
