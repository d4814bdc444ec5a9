//! Password work from axum handlers goes through the bounded pool: a login flood
//! beyond it gets 503 with `Retry-After`, rendered by the layer like every other
//! refusal, while the requests it admits are answered normally.
#![cfg(feature = "axum")]

mod common {
    pub mod http;
    pub mod http_call;
    pub mod http_serve;
}

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use common::http_call::call;
use common::http_serve::serve;
use portcullis::auth::AuthError;
use portcullis::axum::AuthLayer;
use portcullis::http::Realm;
use portcullis::password::{PasswordHasher, PasswordPool};
use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};

async fn log_in(State((pool, hash)): State<(PasswordPool, String)>, body: String) -> Result<&'static str, AuthError> {
    let verified = pool.verify_async(&body, &hash).await?;
    if verified.ok {
        Ok("welcome")
    } else {
        Err(AuthError::InvalidCredentials)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_beyond_the_pool_gets_503_with_retry_after() {
    // One argon2 job at a time and one waiting: a burst of 12 cannot all be admitted.
    let pool = PasswordPool::builder(PasswordHasher::new())
        .concurrency(1)
        .queue(1)
        .build()
        .expect("pool");
    let hash = pool.hash_async("correct horse battery staple").await.expect("hash");
    let verifier = Verifier::builder(KeySet::single(
        SigningKey::generate(Algorithm::ES256).expect("key").verifying_key(),
    ))
    .build()
    .expect("verifier");
    let app: Router = Router::new()
        .route("/login", post(log_in))
        .with_state((pool, hash))
        .layer(AuthLayer::optional(verifier).realm(Realm::new("orders").expect("realm")));
    let addr = serve(app).await;

    let burst: Vec<_> = (0..12)
        .map(|_| tokio::spawn(async move { call(addr, "POST", "/login", None, "correct horse battery staple").await }))
        .collect();
    let (mut admitted, mut busy) = (0, 0);
    for response in burst {
        let response = response.await.expect("task");
        match response.status {
            200 => {
                assert_eq!(response.text(), "welcome");
                admitted += 1;
            }
            503 => {
                assert_eq!(response.header("retry-after"), Some("1"));
                assert_eq!(response.header("www-authenticate"), None);
                assert_eq!(
                    response.text(),
                    r#"{"type":"about:blank","title":"Service Unavailable","status":503,"code":"busy"}"#
                );
                busy += 1;
            }
            other => panic!("unexpected status {other}: {}", response.text()),
        }
    }
    assert!(admitted >= 1, "the pool admitted nothing");
    assert!(busy >= 1, "a burst of 12 fit a pool of 1 running + 1 waiting");
    assert_eq!(admitted + busy, 12);
}
