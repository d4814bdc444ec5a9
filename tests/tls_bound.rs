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

/// Behind a trusted proxy whose forwarded certificates the gate believes: `/me`
/// (the caller's subject) and `/whoami` (the client identity), for tokens or the
/// forwarded certificate itself.
async fn proxied_servers(ca: &Ca, verifier: Verifier) -> [(&'static str, SocketAddr); 2] {
    use portcullis::auth::{Authenticator, CredentialSources};
    use portcullis::http::ClientIdentity;
    use portcullis::throttle::TrustedProxies;
    use portcullis::tls::{ClientCertificates, ForwardedCertificates};
    let gate = move || {
        (
            verifier.clone().or(ClientCertificates::new()),
            CredentialSources::authorization_header().with_client_certificate(),
            TrustedProxies::parse("127.0.0.1/32").expect("proxies"),
            ForwardedCertificates::on_the_proxys_word(),
        )
    };
    let axum_app = {
        use axum::routing::get;
        let (authenticator, sources, proxies, forwarded) = gate();
        axum::Router::new()
            .route(
                "/me",
                get(|caller: Principal| async move { caller.subject().to_owned() }),
            )
            .route(
                "/whoami",
                get(|ClientIdentity(peer): ClientIdentity| async move {
                    format!("{} {}", peer.name().unwrap_or_default(), peer.source().as_str())
                }),
            )
            .route_layer(
                AuthLayer::required(authenticator)
                    .sources(sources)
                    .trusted_proxies(proxies)
                    .forwarded_client_certificates(forwarded),
            )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let axum_addr = listener.local_addr().expect("addr");
    tokio::spawn(portcullis::axum::serve_tls(
        listener,
        ca.server_config(ClientAuth::Optional),
        axum_app,
    ));
    let actix_addr = serve_actix_tls(ca.server_config(ClientAuth::Optional), move |config| {
        use actix_web::web;
        let (authenticator, sources, proxies, forwarded) = gate();
        let auth = AuthMiddleware::required(authenticator)
            .sources(sources)
            .trusted_proxies(proxies)
            .forwarded_client_certificates(forwarded);
        config
            .service(
                web::resource("/me")
                    .wrap(auth.clone())
                    .route(web::get().to(|caller: Principal| async move { caller.subject().to_owned() })),
            )
            .service(web::resource("/whoami").wrap(auth).route(web::get().to(
                |ClientIdentity(peer): ClientIdentity| async move {
                    format!("{} {}", peer.name().unwrap_or_default(), peer.source().as_str())
                },
            )));
    });
    [("axum", axum_addr), ("actix", actix_addr)]
}

#[tokio::test]
async fn behind_a_trusted_proxy_its_own_certificate_never_stands_for_the_client() {
    let ca = Ca::new("Orders CA");
    let proxy = ca.client(&["spiffe://orders.test/ns/edge/sa/envoy"], &[], false);
    let billing = ca.client(&[BILLING], &[], false);
    let (issuer, verifier) = keys();
    let bound_to_proxy = issuer.issue_bound("mallory", &(), &thumbprint(&proxy)).expect("token");
    let bound_to_billing = issuer
        .issue_bound("billing", &(), &thumbprint(&billing))
        .expect("token");
    let hex: String = thumbprint(&billing).iter().map(|b| format!("{b:02x}")).collect();
    let xfcc = format!("Hash={hex};URI={BILLING}");
    for (name, addr) in proxied_servers(&ca, verifier).await {
        let through_proxy = |path: &'static str, token: Option<String>, xfcc: Option<String>| {
            let ca = ca.pem();
            let (cert, key) = (proxy.cert_pem.clone(), proxy.key_pem.clone());
            async move {
                let authorization = token.map(|token| format!("Bearer {token}"));
                let mut headers: Vec<(&str, &str)> = Vec::new();
                if let Some(value) = &authorization {
                    headers.push(("Authorization", value));
                }
                if let Some(value) = &xfcc {
                    headers.push(("X-Forwarded-Client-Cert", value));
                }
                get(addr, path, &ca, Some((&cert, &key)), &headers)
                    .await
                    .expect("response")
            }
        };
        // Without a forwarded certificate, the proxy's own is no client's.
        let (status, body) = through_proxy("/me", None, None).await;
        assert_eq!(status, 401, "{name}: the proxy's certificate authenticated: {body}");
        let (status, body) = through_proxy("/whoami", Some(issuer.issue("alice", &()).expect("token")), None).await;
        assert_eq!(
            status, 401,
            "{name}: the proxy's certificate was the client identity: {body}"
        );
        let (status, body) = through_proxy("/me", Some(bound_to_proxy.clone()), None).await;
        assert_eq!(status, 401, "{name}: a token bound to the proxy: {body}");
        assert_eq!(code(&body), "certificate_mismatch", "{name}");
        let (status, body) = through_proxy("/me", Some(bound_to_proxy.clone()), Some("URI=a;URI".into())).await;
        assert_eq!(status, 401, "{name}: an unreadable header: {body}");
        // The forwarded certificate: the identity, and what bound tokens are held to.
        let (status, body) = through_proxy("/me", Some(bound_to_billing.clone()), Some(xfcc.clone())).await;
        assert_eq!((status, body.as_str()), (200, "billing"), "{name}");
        let (status, body) = through_proxy("/whoami", None, Some(xfcc.clone())).await;
        assert_eq!(
            (status, body.as_str()),
            (200, format!("{BILLING} xfcc").as_str()),
            "{name}"
        );
    }
}
