//! Servers for a loopback throughput comparison with an HTTP load generator (wrk):
//! the same `GET /me` on axum and on actix-web, each with one worker thread, bare,
//! under the naive layer of `benches/common/naive.rs` (ring, base64 and serde by
//! hand), and under portcullis, uncached (HS256 and ES256) and cached (ES256).
//!
//! `benches/loopback.sh` runs it pinned to one core and wrk pinned to the other,
//! and compares servers in pairs of runs alternating back to back: requests per
//! second, their ratio, and p99 latency. By hand: `cargo run --release --example loopback --features
//! axum,actix`, then `wrk -H "Authorization: Bearer $HS256" http://127.0.0.1:3103/me`
//! with the token it prints.
//!
//! | port (axum / actix) | server |
//! |---|---|
//! | 3101 / 3201 | bare: no authentication, a fixed caller |
//! | 3102 / 3202 | naive layer, HS256 |
//! | 3103 / 3203 | portcullis, HS256, uncached |
//! | 3104 / 3204 | naive layer, ES256 |
//! | 3105 / 3205 | portcullis, ES256, uncached |
//! | 3106 / 3206 | portcullis, ES256, with a verified-token cache |

#[path = "../benches/common/naive.rs"]
mod naive;

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Json, Router};
use portcullis::Principal;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, TokenCache, Verifier};

#[derive(serde::Serialize)]
struct Me {
    subject: String,
    roles: Vec<String>,
}

fn me(caller: &Principal) -> Me {
    Me {
        subject: caller.subject().to_owned(),
        roles: caller.roles().to_vec(),
    }
}

fn me_naive(claims: &naive::AccessClaims) -> Me {
    Me {
        subject: claims.sub.clone(),
        roles: claims.roles.clone(),
    }
}

const ISSUER: &str = "https://auth.example";
const AUDIENCE: &str = "orders";

/// A verifier (cached or not), the naive check of the same key, and a token.
struct Setup {
    verifier: Verifier,
    cached: Verifier,
    naive: Arc<naive::Naive>,
    token: String,
}

fn setup(alg: Algorithm) -> Result<Setup, Box<dyn std::error::Error + Send + Sync>> {
    const SECRET: &[u8] = b"loopback-benchmark-secret-32-byt";
    let key = match alg {
        Algorithm::HS256 => SigningKey::from_secret(alg, SECRET)?,
        _ => SigningKey::generate(alg)?,
    };
    let floor = match alg {
        Algorithm::HS256 => naive::Floor::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET)),
        _ => naive::Floor::from_jwk(alg, &key.verifying_key().to_jwk().ok_or("public JWK")?),
    };
    let builder = |cache: Option<TokenCache>| {
        let builder = Verifier::builder(KeySet::single(key.verifying_key()))
            .issuer(ISSUER)
            .audience(AUDIENCE);
        match cache {
            Some(cache) => builder.cache(cache),
            None => builder,
        }
        .build()
    };
    let verifier = builder(None)?;
    let cached = builder(Some(TokenCache::new(16 << 20)))?;
    let token = Issuer::builder(key)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .ttl(std::time::Duration::from_secs(3600))
        .build()?
        .issue(
            "alice",
            &serde_json::json!({
                "scope": "orders.read orders.write",
                "roles": ["clerk", "viewer"],
                "tenant": "acme",
            }),
        )?;
    let naive = Arc::new(naive::Naive {
        alg: alg.as_str(),
        floor,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
    });
    Ok(Setup {
        verifier,
        cached,
        naive,
        token,
    })
}

fn axum_routers(hs: &Setup, es: &Setup) -> Vec<(u16, Router)> {
    use portcullis::axum::AuthLayer;
    let fixed = Principal::new("alice").with_roles(["clerk", "viewer"]);
    let bare = Router::new().route("/me", get(move || std::future::ready(Json(me(&fixed)))));
    let naive = |setup: &Setup| {
        Router::new()
            .route(
                "/me",
                get(|Extension(claims): Extension<naive::AccessClaims>| std::future::ready(Json(me_naive(&claims)))),
            )
            .layer(axum::middleware::from_fn_with_state(
                setup.naive.clone(),
                naive::axum_layer,
            ))
    };
    let ours = |verifier: &Verifier| {
        Router::new()
            .route("/me", get(|caller: Principal| std::future::ready(Json(me(&caller)))))
            .layer(AuthLayer::required(verifier.clone()))
    };
    vec![
        (3101, bare),
        (3102, naive(hs)),
        (3103, ours(&hs.verifier)),
        (3104, naive(es)),
        (3105, ours(&es.verifier)),
        (3106, ours(&es.cached)),
    ]
}

async fn actix_me(caller: Principal) -> actix_web::web::Json<Me> {
    actix_web::web::Json(me(&caller))
}

async fn actix_me_naive(request: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::HttpMessage;
    match request.extensions().get::<naive::AccessClaims>() {
        Some(claims) => actix_web::HttpResponse::Ok().json(me_naive(claims)),
        None => actix_web::HttpResponse::Unauthorized().finish(),
    }
}

/// The actix-web servers, one worker each, on one actix system.
fn run_actix(hs: Setup, es: Setup) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(serve_actix(hs, es))
}

async fn serve_actix(hs: Setup, es: Setup) -> std::io::Result<()> {
    use actix_web::{App, HttpServer, web};
    use portcullis::actix::AuthMiddleware;

    let fixed = Principal::new("alice").with_roles(["clerk", "viewer"]);
    let mut servers = Vec::new();
    let bare = HttpServer::new(move || {
        let fixed = fixed.clone();
        App::new().route("/me", web::get().to(move || std::future::ready(web::Json(me(&fixed)))))
    });
    servers.push(bare.workers(1).bind(("127.0.0.1", 3201))?.run());
    for (port, naive) in [(3202, hs.naive.clone()), (3204, es.naive.clone())] {
        let server = HttpServer::new(move || {
            let naive = naive.clone();
            App::new().service(
                web::resource("/me")
                    .wrap(actix_web::middleware::from_fn(move |request, next| {
                        naive::actix_layer(naive.clone(), request, next)
                    }))
                    .route(web::get().to(actix_me_naive)),
            )
        });
        servers.push(server.workers(1).bind(("127.0.0.1", port))?.run());
    }
    for (port, verifier) in [(3203, hs.verifier), (3205, es.verifier), (3206, es.cached)] {
        let server = HttpServer::new(move || {
            App::new().service(
                web::resource("/me")
                    .wrap(AuthMiddleware::required(verifier.clone()))
                    .route(web::get().to(actix_me)),
            )
        });
        servers.push(server.workers(1).bind(("127.0.0.1", port))?.run());
    }
    // Each server runs once spawned; waiting on them keeps the system up.
    let running: Vec<_> = servers.into_iter().map(actix_web::rt::spawn).collect();
    for server in running {
        server.await.map_err(std::io::Error::other)??;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let hs = setup(Algorithm::HS256)?;
    let es = setup(Algorithm::ES256)?;
    println!("HS256={}", hs.token);
    println!("ES256={}", es.token);
    let routers = axum_routers(&hs, &es);
    let actix = std::thread::spawn(move || run_actix(hs, es));
    // One worker thread for axum, as for actix-web.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let mut servers = Vec::new();
        for (port, router) in routers {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            servers.push(tokio::spawn(async move { axum::serve(listener, router).await }));
        }
        println!("READY");
        for server in servers {
            server.await??;
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    })?;
    actix.join().map_err(|_| "the actix-web servers panicked")??;
    Ok(())
}
