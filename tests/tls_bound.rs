//! Certificate-bound tokens (RFC 8705 §3) over real TLS handshakes on 127.0.0.1,
//! both adapters, with certificates made in the test: a token bound to the client's
//! certificate is accepted over a connection with that certificate, and refused
//! (`certificate_mismatch`) with another certificate or with none; a route that
//! takes only bound tokens refuses an unbound one (`token_not_bound`). PyJWT and
//! Python's `cryptography` read the binding independently.
#![cfg(all(feature = "tls", feature = "axum", feature = "actix"))]
#![allow(clippy::duplicate_mod)]

mod common {
    #[allow(dead_code)]
    pub mod interop;
    #[allow(dead_code)]
    pub mod pki;
    pub mod tls_client;
    pub mod tls_serve_actix;
}

use std::net::SocketAddr;

use common::interop::interop_output;
use common::pki::{BILLING, Ca, Leaf};
use common::tls_client::get;
use common::tls_serve_actix::serve_actix_tls;
use portcullis::tls::{ClientAuth, IdentitySource, PeerIdentity};
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
use portcullis::{Principal, actix::AuthMiddleware, axum::AuthLayer};

fn keys() -> (Issuer, Verifier) {
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .build()
        .expect("verifier");
    (Issuer::builder(key).build().expect("issuer"), verifier)
}

fn thumbprint(leaf: &Leaf) -> [u8; 32] {
    *PeerIdentity::from_der(&leaf.der, IdentitySource::Direct)
        .expect("identity")
        .thumbprint()
}

/// `/orders` takes any token (bound ones checked); `/internal` only bound ones.
async fn axum_server(ca: &Ca, verifier: Verifier) -> SocketAddr {
    use axum::routing::get;
    let subject = || get(|caller: Principal| async move { caller.subject().to_owned() });
    let app = axum::Router::new()
        .route("/orders", subject().route_layer(AuthLayer::required(verifier.clone())))
        .route(
            "/internal",
            subject().route_layer(AuthLayer::required(verifier).bound_tokens_only()),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(portcullis::axum::serve_tls(
        listener,
        ca.server_config(ClientAuth::Optional),
        app,
    ));
    addr
}

fn actix_server(ca: &Ca, verifier: Verifier) -> SocketAddr {
    use actix_web::web;
    serve_actix_tls(ca.server_config(ClientAuth::Optional), move |config| {
        let subject = || web::get().to(|caller: Principal| async move { caller.subject().to_owned() });
        config
            .service(
                web::resource("/orders")
                    .wrap(AuthMiddleware::required(verifier.clone()))
                    .route(subject()),
            )
            .service(
                web::resource("/internal")
                    .wrap(AuthMiddleware::required(verifier.clone()).bound_tokens_only())
                    .route(subject()),
            );
    })
}

async fn servers(ca: &Ca, verifier: &Verifier) -> [(&'static str, SocketAddr); 2] {
    [
        ("axum", axum_server(ca, verifier.clone()).await),
        ("actix", actix_server(ca, verifier.clone())),
    ]
}

/// `GET path` with `token`, over a connection presenting `client` (or nothing).
async fn call(addr: SocketAddr, path: &str, ca: &Ca, client: Option<&Leaf>, token: &str) -> (u16, String) {
    let authorization = format!("Bearer {token}");
    let client = client.map(|leaf| (leaf.cert_pem.as_str(), leaf.key_pem.as_str()));
    get(addr, path, &ca.pem(), client, &[("Authorization", &authorization)])
        .await
        .expect("response")
}

fn code(body: &str) -> String {
    let body: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    body["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_bound_token_is_accepted_with_its_certificate_and_refused_without_it() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let other = ca.client(&["spiffe://orders.test/ns/prod/sa/reporting"], &[], false);
    let (issuer, verifier) = keys();
    let bound = issuer
        .issue_bound("billing", &(), &thumbprint(&billing))
        .expect("token");
    for (name, addr) in servers(&ca, &verifier).await {
        for path in ["/orders", "/internal"] {
            let (status, body) = call(addr, path, &ca, Some(&billing), &bound).await;
            assert_eq!((status, body.as_str()), (200, "billing"), "{name} {path}");

            let (status, body) = call(addr, path, &ca, Some(&other), &bound).await;
            assert_eq!(status, 401, "{name} {path}: another certificate: {body}");
            assert_eq!(code(&body), "certificate_mismatch", "{name} {path}");

            let (status, body) = call(addr, path, &ca, None, &bound).await;
            assert_eq!(status, 401, "{name} {path}: no certificate: {body}");
            assert_eq!(code(&body), "certificate_mismatch", "{name} {path}");
        }
    }
}

#[tokio::test]
async fn a_route_that_takes_only_bound_tokens_refuses_an_unbound_one() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let (issuer, verifier) = keys();
    let unbound = issuer.issue("billing", &()).expect("token");
    for (name, addr) in servers(&ca, &verifier).await {
        // Even over a connection with a certificate: the token names none.
        for client in [Some(&billing), None] {
            let (status, body) = call(addr, "/internal", &ca, client, &unbound).await;
            assert_eq!(status, 401, "{name}: {body}");
            assert_eq!(code(&body), "token_not_bound", "{name}");
            let (status, _) = call(addr, "/orders", &ca, client, &unbound).await;
            assert_eq!(status, 200, "{name}: an unbound token elsewhere");
        }
    }
}

#[test]
fn the_binding_agrees_with_pyjwt_and_pythons_cryptography() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let jwk = key.verifying_key().to_jwk().expect("public JWK");
    let issuer = Issuer::builder(key).build().expect("issuer");
    let token = issuer
        .issue_bound("billing", &(), &thumbprint(&billing))
        .expect("token");
    let input = serde_json::json!({ "jwk": jwk, "token": token, "certificate": billing.cert_pem });
    let Some(output) = interop_output(
        "the_binding_agrees_with_pyjwt_and_pythons_cryptography",
        "check_bound_token.py",
        &input.to_string(),
    ) else {
        return;
    };
    let output: serde_json::Value = serde_json::from_str(&output).expect("json");
    assert_eq!(output["sub"], "billing");
    assert_eq!(output["x5t#S256"], output["thumbprint"], "{output}");
    assert_eq!(output["thumbprint"].as_str().map(str::len), Some(43));
}
