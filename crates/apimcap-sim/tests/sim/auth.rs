//! The simulator's identity surface: Entra token endpoint, managed identity endpoints,
//! bearer checks and role assignments.

use std::io::Write;

use crate::support::*;
use reqwest::Method;
use serde_json::Value;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Form fields of a token request.
type Form<'a> = Vec<(&'a str, &'a str)>;

const JWT: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJl";

async fn token_request(sim: &Sim, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = sim
        .http
        .post(sim.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn token_endpoint_follows_entra() {
    let sim = start_default().await;
    let scope = ("scope", "https://management.azure.com/.default");
    let grant = ("grant_type", "client_credentials");
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                grant,
                scope,
            ],
            200,
            "",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_assertion", JWT),
                ("client_assertion_type", ASSERTION_TYPE),
                grant,
                scope,
            ],
            200,
            "",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_secret", "wrong"),
                grant,
                scope,
            ],
            401,
            "invalid_client",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_assertion", "not-a-jwt"),
                ("client_assertion_type", ASSERTION_TYPE),
                grant,
                scope,
            ],
            401,
            "invalid_client",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_assertion", JWT),
                ("client_assertion_type", "other"),
                grant,
                scope,
            ],
            401,
            "invalid_client",
        ),
        (
            TENANT,
            vec![
                ("client_id", "unknown"),
                ("client_secret", SECRET),
                grant,
                scope,
            ],
            400,
            "unauthorized_client",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("grant_type", "password"),
                scope,
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            TENANT,
            vec![
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                grant,
                ("scope", "https://management.azure.com"),
            ],
            400,
            "invalid_scope",
        ),
        (
            "99999999-0000-0000-0000-000000000000",
            vec![
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                grant,
                scope,
            ],
            400,
            "invalid_request",
        ),
    ];
    for (tenant, form, status, error) in cases {
        let (got, body) = token_request(&sim, tenant, &form).await;
        assert_eq!(got, status, "{form:?}: {body}");
        if status == 200 {
            assert_eq!(body["token_type"], "Bearer");
            assert!(
                body["expires_in"].is_u64(),
                "expires_in is a number: {body}"
            );
            assert!(body["ext_expires_in"].is_u64());
            assert_eq!(
                body["access_token"].as_str().map(|t| t.split('.').count()),
                Some(3)
            );
        } else {
            assert_eq!(body["error"], error, "{form:?}: {body}");
            assert!(
                body["error_description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("AADSTS"))
            );
        }
    }
}

#[tokio::test]
async fn assertion_must_match_the_token_file_when_configured() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(file, "{JWT}").expect("write");
    let mut config = config();
    config.auth.assertion_file = Some(file.path().to_path_buf());
    let sim = start(config).await;
    let form = |assertion: &'static str| {
        vec![
            ("client_id", CLIENT_ID),
            ("client_assertion", assertion),
            ("client_assertion_type", ASSERTION_TYPE),
            ("grant_type", "client_credentials"),
            ("scope", "https://management.azure.com/.default"),
        ]
    };
    assert_eq!(token_request(&sim, TENANT, &form(JWT)).await.0, 200);
    assert_eq!(
        token_request(&sim, TENANT, &form("eyJhIjoxfQ.eyJiIjoyfQ.c2ln"))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn managed_identity_endpoints() {
    let sim = start_default().await;
    let resource = "resource=https%3A%2F%2Fmanagement.azure.com";
    let imds = format!("/metadata/identity/oauth2/token?api-version=2019-08-01&{resource}");
    let response = sim
        .http
        .get(sim.url(&imds))
        .header("Metadata", "true")
        .send()
        .await
        .expect("IMDS");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    let expires_on = body["expires_on"].as_str().expect("expires_on is a string");
    assert!(
        expires_on
            .parse::<i64>()
            .is_ok_and(|t| t > jiff::Timestamp::now().as_second())
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], "https://management.azure.com");
    // The token works on ARM.
    let arm = sim
        .http
        .get(sim.url(&format!(
            "{}?{API}",
            service_path("rg-payments", "payments-apim")
        )))
        .bearer_auth(body["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("GET");
    assert_eq!(arm.status().as_u16(), 200);

    let cases: Vec<(String, Form, u16)> = vec![
        (imds.clone(), vec![], 400),
        (imds.clone(), vec![("Metadata", "true")], 200),
        (
            format!("{imds}&client_id=44444444-4444-4444-4444-444444444444"),
            vec![("Metadata", "true")],
            200,
        ),
        (
            format!("{imds}&client_id=unknown"),
            vec![("Metadata", "true")],
            400,
        ),
        (
            "/metadata/identity/oauth2/token?api-version=2019-08-01".to_string(),
            vec![("Metadata", "true")],
            400,
        ),
        (
            format!("/msi/token?api-version=2019-08-01&{resource}"),
            vec![("X-IDENTITY-HEADER", "sim-identity-header")],
            200,
        ),
        (
            format!("/msi/token?api-version=2019-08-01&{resource}"),
            vec![("X-IDENTITY-HEADER", "wrong")],
            401,
        ),
    ];
    for (path, headers, status) in cases {
        let mut request = sim.http.get(sim.url(&path));
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("identity request");
        assert_eq!(response.status().as_u16(), status, "{path} {headers:?}");
    }
}

#[tokio::test]
async fn arm_needs_a_valid_unexpired_bearer_token() {
    let sim = start_default().await;
    let url = sim.url(&format!(
        "{}?{API}",
        service_path("rg-payments", "payments-apim")
    ));
    let missing = sim.http.get(&url).send().await.expect("GET");
    assert!(header(&missing, "www-authenticate").is_some());
    let (status, code, _) = error_code(missing).await;
    assert_eq!((status, code.as_str()), (401, "AuthenticationFailed"));
    let (status, code, _) = error_code(
        sim.http
            .get(&url)
            .bearer_auth("garbage")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!((status, code.as_str()), (401, "InvalidAuthenticationToken"));
    assert_eq!(sim.get(&url).await.status().as_u16(), 200);
    sim.admin_post("/tokens/expire", serde_json::json!({}))
        .await;
    let (status, code, _) = error_code(sim.get(&url).await).await;
    assert_eq!((status, code.as_str()), (401, "ExpiredAuthenticationToken"));
    // A fresh token works again.
    let token = sim.client_secret_token(CLIENT_ID, SECRET).await;
    assert_eq!(
        sim.http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn short_token_lifetime_expires() {
    let mut config = config();
    config.auth.token_lifetime = std::time::Duration::from_secs(0);
    let sim = start(config).await;
    let (status, code, _) = error_code(
        sim.get(&format!(
            "{}?{API}",
            service_path("rg-payments", "payments-apim")
        ))
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (401, "ExpiredAuthenticationToken"));
}

#[tokio::test]
async fn auth_can_be_disabled_for_demos() {
    let mut config = config();
    config.auth.enabled = false;
    let sim = start(config).await;
    let response = sim
        .http
        .get(sim.url(&format!(
            "{}?{API}",
            service_path("rg-payments", "payments-apim")
        )))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn role_assignments_limit_what_a_principal_may_do() {
    let sim = start_default().await;
    let reader = sim
        .client_secret_token("33333333-3333-3333-3333-333333333333", "reader")
        .await;
    let payments = sim.url(&format!(
        "{}?{API}",
        service_path("rg-payments", "payments-apim")
    ));
    let global = sim.url(&format!(
        "{}?{API}",
        service_path("rg-global", "global-apim")
    ));
    assert_eq!(
        sim.http
            .get(&payments)
            .bearer_auth(&reader)
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16(),
        200
    );
    let patch = sim
        .http
        .patch(&payments)
        .bearer_auth(&reader)
        .json(&serde_json::json!({"sku": {"name": "Standard", "capacity": 2}}))
        .send()
        .await
        .expect("PATCH");
    let (status, code, body) = error_code(patch).await;
    assert_eq!((status, code.as_str()), (403, "AuthorizationFailed"));
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("The client '33333333-3333-3333-3333-333333333333' with object id '"),
        "{message}"
    );
    assert!(message.contains("does not have authorization to perform action 'Microsoft.ApiManagement/service/write' over scope '/subscriptions/"), "{message}");
    let (status, code, _) = error_code(
        sim.http
            .get(&global)
            .bearer_auth(&reader)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!((status, code.as_str()), (403, "AuthorizationFailed"));
    let _ = sim.admin(Method::GET, "/health", None).await;
}
