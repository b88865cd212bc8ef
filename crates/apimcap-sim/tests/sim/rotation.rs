//! A client secret rotated through the admin endpoint: the old secret is refused from then
//! on, tokens already issued stay valid, an unknown principal is a 404.

use crate::support::*;

#[tokio::test]
async fn a_rotated_client_secret_replaces_the_old_one_and_issued_tokens_stay_valid() {
    let sim = start_default().await;
    let url = sim.url(&format!(
        "{}?{API}",
        service_path("rg-payments", "payments-apim")
    ));
    let old_token = sim.client_secret_token(CLIENT_ID, SECRET).await;
    let answer = sim
        .admin_post(
            "/principals/secret",
            serde_json::json!({"clientId": CLIENT_ID, "clientSecret": "rotated"}),
        )
        .await;
    assert_eq!(answer["rotated"], CLIENT_ID);
    assert!(
        sim.client_secret_token(CLIENT_ID, SECRET).await.is_empty(),
        "old secret"
    );
    let new_token = sim.client_secret_token(CLIENT_ID, "rotated").await;
    assert!(!new_token.is_empty());
    for token in [old_token, new_token] {
        let status = sim
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        assert_eq!(status.status().as_u16(), 200);
    }
    let unknown = sim
        .http
        .post(format!("{}/principals/secret", sim.handle.admin_url()))
        .json(&serde_json::json!({"clientId": "nobody", "clientSecret": "x"}))
        .send()
        .await
        .expect("admin request");
    assert_eq!(unknown.status().as_u16(), 404);
}
