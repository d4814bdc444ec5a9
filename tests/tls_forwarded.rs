//! Envoy's `X-Forwarded-Client-Cert` over real sockets on 127.0.0.1, both adapters:
//! believed from a trusted proxy (on its word, or with the forwarded certificate
//! verified here against the CA bundle), ignored from any other peer, and a
//! malformed one is no identity (401), never an error page. A certificate-bound token
//! holds with the certificate a trusted proxy forwards, and only then.
#![cfg(all(feature = "tls", feature = "axum", feature = "actix"))]
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod http;
    pub mod http_serve;
    pub mod http_serve_actix;
    #[allow(dead_code)]
    pub mod pki;
}

use std::net::SocketAddr;

use common::http::send;
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;
use common::pki::{BILLING, BILLING_POLICY, Ca};
use portcullis::Principal;
use portcullis::auth::CredentialSources;
use portcullis::http::Guard;
use portcullis::rbac::PolicyHandle;
use portcullis::throttle::TrustedProxies;
use portcullis::tls::{ClientCertificates, ForwardedCertificates};

const HASH: &str = "4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29";

async fn servers(trusted: &str, forwarded: ForwardedCertificates) -> [(&'static str, SocketAddr); 2] {
    let policy = PolicyHandle::from_toml(BILLING_POLICY).expect("policy");
    let proxies = TrustedProxies::parse(trusted).expect("proxies");
    let sources = CredentialSources::authorization_header().with_client_certificate();
    let axum_app = {
        use axum::routing::get;
        axum::Router::new()
            .route(
                "/orders",
                get(|caller: Principal| async move { caller.subject().to_owned() })
                    .route_layer(Guard::permission(&policy, "orders:read").expect("guard")),
            )
            .route_layer(
                portcullis::axum::AuthLayer::required(ClientCertificates::new())
                    .sources(sources.clone())
                    .trusted_proxies(proxies.clone())
                    .forwarded_client_certificates(forwarded.clone())
                    .policy(policy.clone()),
            )
    };
    let axum_addr = serve(axum_app).await;
    let actix_addr = serve_actix(move |config| {
        use actix_web::web;
        let auth = portcullis::actix::AuthMiddleware::required(ClientCertificates::new())
            .sources(sources.clone())
            .trusted_proxies(proxies.clone())
            .forwarded_client_certificates(forwarded.clone())
            .policy(policy.clone());
        config.service(
            web::resource("/orders").wrap(auth).route(
                web::get()
                    .to(|caller: Principal| async move { caller.subject().to_owned() })
                    .wrap(Guard::permission(&policy, "orders:read").expect("guard")),
            ),
        );
    });
    [("axum", axum_addr), ("actix", actix_addr)]
}

async fn orders(addr: SocketAddr, xfcc: &str) -> (u16, String) {
    let xfcc = xfcc.to_owned();
    tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &[u8])> = match xfcc.is_empty() {
            true => Vec::new(),
            false => vec![("x-forwarded-client-cert", xfcc.as_bytes())],
        };
        let response = send(addr, "GET", "/orders", &headers, b"").expect("response");
        (response.status, response.text())
    })
    .await
    .expect("client")
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxys_word_is_believed_and_anyone_elses_ignored() {
    let billing = format!("By=spiffe://orders.test/ns/edge/sa/envoy;Hash={HASH};URI={BILLING}");
    // An element the client wrote before the proxy's own: only the last counts.
    let smuggled = format!("Hash={HASH};URI=spiffe://orders.test/ns/prod/sa/admin,{billing}");
    for (name, addr) in servers("127.0.0.1/32", ForwardedCertificates::on_the_proxys_word()).await {
        assert_eq!(orders(addr, &billing).await, (200, BILLING.to_owned()), "{name}");
        assert_eq!(orders(addr, &smuggled).await.0, 200, "{name}");
        assert_eq!(orders(addr, "").await.0, 401, "{name}: no certificate");
        for malformed in ["URI=a;URI", "URI=spiffe://orders.test/x", "Subject=\"open"] {
            let (status, body) = orders(addr, malformed).await;
            assert_eq!(status, 401, "{name}: {malformed}: {body}");
        }
    }
    // The same header from a peer that is not a trusted proxy: ignored.
    for (name, addr) in servers("10.0.0.0/8", ForwardedCertificates::on_the_proxys_word()).await {
        assert_eq!(orders(addr, &billing).await.0, 401, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_certificate_can_be_verified_here_rather_than_believed() {
    let ca = Ca::new("Orders CA");
    let other = Ca::new("Another CA");
    let genuine = ca.client(&[BILLING], &[], false);
    let forged = other.client(&[BILLING], &[], false);
    let verified = ForwardedCertificates::verified(ca.pem().as_bytes()).expect("verified");
    for (name, addr) in servers("127.0.0.1/32", verified).await {
        let header =
            |leaf: &common::pki::Leaf| format!("Hash={HASH};Cert=\"{}\";URI={BILLING}", url_encode(&leaf.cert_pem));
        assert_eq!(
            orders(addr, &header(&genuine)).await,
            (200, BILLING.to_owned()),
            "{name}"
        );
        assert_eq!(
            orders(addr, &header(&forged)).await.0,
            401,
            "{name}: another CA's certificate"
        );
        // The proxy's word alone is not enough here.
        assert_eq!(
            orders(addr, &format!("Hash={HASH};URI={BILLING}")).await.0,
            401,
            "{name}"
        );
    }
}

/// `/me` behind a token verifier, believing the certificates that `trusted` forward.
async fn token_servers(trusted: &str, verifier: portcullis::token::Verifier) -> [(&'static str, SocketAddr); 2] {
    let proxies = TrustedProxies::parse(trusted).expect("proxies");
    let forwarded = ForwardedCertificates::on_the_proxys_word();
    let axum_app = {
        use axum::routing::get;
        axum::Router::new()
            .route(
                "/me",
                get(|caller: Principal| async move { caller.subject().to_owned() }),
            )
            .route_layer(
                portcullis::axum::AuthLayer::required(verifier.clone())
                    .trusted_proxies(proxies.clone())
                    .forwarded_client_certificates(forwarded.clone()),
            )
    };
    let axum_addr = serve(axum_app).await;
    let actix_addr = serve_actix(move |config| {
        use actix_web::web;
        let auth = portcullis::actix::AuthMiddleware::required(verifier.clone())
            .trusted_proxies(proxies.clone())
            .forwarded_client_certificates(forwarded.clone());
        config.service(
            web::resource("/me")
                .wrap(auth)
                .route(web::get().to(|caller: Principal| async move { caller.subject().to_owned() })),
        );
    });
    [("axum", axum_addr), ("actix", actix_addr)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_token_holds_with_the_certificate_a_trusted_proxy_forwards() {
    use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .build()
        .expect("verifier");
    let issuer = Issuer::builder(key).build().expect("issuer");
    let mut thumbprint = [0u8; 32];
    for (slot, pair) in thumbprint.iter_mut().zip(HASH.as_bytes().chunks(2)) {
        *slot = u8::from_str_radix(std::str::from_utf8(pair).expect("hex"), 16).expect("hex");
    }
    let bound = issuer.issue_bound("billing", &(), &thumbprint).expect("token");
    let call = |addr: SocketAddr, hash: &str| {
        let xfcc = format!("By=spiffe://orders.test/ns/edge/sa/envoy;Hash={hash};URI={BILLING}");
        let authorization = format!("Bearer {bound}");
        async move {
            tokio::task::spawn_blocking(move || {
                let headers: Vec<(&str, &[u8])> = vec![
                    ("authorization", authorization.as_bytes()),
                    ("x-forwarded-client-cert", xfcc.as_bytes()),
                ];
                let response = send(addr, "GET", "/me", &headers, b"").expect("response");
                (response.status, response.text())
            })
            .await
            .expect("client")
        }
    };
    let another = HASH.replace('4', "5");
    for (name, addr) in token_servers("127.0.0.1/32", verifier.clone()).await {
        assert_eq!(call(addr, HASH).await, (200, "billing".to_owned()), "{name}");
        let (status, body) = call(addr, &another).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert!(body.contains("certificate_mismatch"), "{name}: {body}");
    }
    // From a peer that is not a trusted proxy, the header is no certificate at all.
    for (name, addr) in token_servers("10.0.0.0/8", verifier).await {
        let (status, body) = call(addr, HASH).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert!(body.contains("certificate_mismatch"), "{name}: {body}");
    }
}
