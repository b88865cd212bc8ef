use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};

use crate::azure::token::{ArmCredential, TokenCache, needs_refresh};

/// Hands out numbered tokens living `lifetime_secs`.
#[derive(Debug)]
struct Counting {
    calls: Arc<AtomicU32>,
    lifetime_secs: i64,
}

#[async_trait::async_trait]
impl TokenCredential for Counting {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            format!("token-{n}"),
            OffsetDateTime::now_utc() + Duration::seconds(self.lifetime_secs),
        ))
    }
}

fn counting(lifetime_secs: i64) -> (Arc<AtomicU32>, Arc<dyn TokenCredential>) {
    let calls = Arc::new(AtomicU32::new(0));
    let credential = Counting {
        calls: Arc::clone(&calls),
        lifetime_secs,
    };
    (calls, Arc::new(credential))
}

#[test]
fn tokens_are_refreshed_within_five_minutes_of_expiry() {
    let now = OffsetDateTime::now_utc();
    let token = |secs| AccessToken::new("t", now + Duration::seconds(secs));
    assert!(!needs_refresh(&token(3600), now));
    assert!(!needs_refresh(&token(301), now));
    assert!(needs_refresh(&token(300), now));
    assert!(needs_refresh(&token(-1), now));
}

#[tokio::test]
async fn long_lived_tokens_are_asked_for_once() {
    let (calls, credential) = counting(3600);
    let cache = TokenCache::new(ArmCredential::new(credential), "scope/.default".into());
    for _ in 0..10 {
        assert_eq!(cache.token(false).await.unwrap().token.secret(), "token-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.token(true).await.unwrap().token.secret(), "token-2");
}

#[tokio::test]
async fn short_lived_tokens_are_asked_for_each_time() {
    let (calls, credential) = counting(60);
    let cache = TokenCache::new(ArmCredential::new(credential), "scope/.default".into());
    for _ in 0..3 {
        cache.token(false).await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_refresh_rebuilds_a_rebuildable_credential() {
    let builds = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&builds);
    let credential = ArmCredential::rebuildable(Arc::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(counting(3600).1)
    }))
    .unwrap();
    let cache = TokenCache::new(credential, "scope/.default".into());
    cache.token(false).await.unwrap();
    cache.token(false).await.unwrap();
    assert_eq!(builds.load(Ordering::SeqCst), 1);
    cache.token(true).await.unwrap();
    assert_eq!(
        builds.load(Ordering::SeqCst),
        2,
        "after a 401 the credential is new"
    );
}
