//! Client certificates over real TLS handshakes on 127.0.0.1, both adapters
//! (`axum::serve_tls`, actix-web's rustls server with `actix::tls_on_connect`),
//! with certificates made in the test: an X509-SVID's SPIFFE ID reaches the handler;
//! no certificate on a route that needs one is 401; a certificate from another CA
//! or an expired one is refused at the handshake; required client authentication
//! refuses a client without one.
#![cfg(all(feature = "tls", feature = "axum", feature = "actix"))]
#![allow(clippy::duplicate_mod)]

mod common {
    #[allow(dead_code)]
    pub mod pki;
    pub mod tls_client;
    pub mod tls_serve_actix;
}

use std::net::SocketAddr;

use common::pki::{BILLING, BILLING_POLICY, Ca};
use common::tls_client::get;
use common::tls_serve_actix::serve_actix_tls;
use portcullis::auth::CredentialSources;
use portcullis::http::{ClientIdentity, Guard};
use portcullis::rbac::PolicyHandle;
use portcullis::tls::{ClientAuth, ClientCertificates};
use portcullis::{Principal, actix::AuthMiddleware, axum::AuthLayer};

fn whoami_json(ClientIdentity(peer): &ClientIdentity) -> serde_json::Value {
    serde_json::json!({
        "subject": peer.name(),
        "spiffe_id": peer.spiffe_id().map(|id| id.as_str()),
        "source": peer.source().as_str(),
    })
}

fn certificates() -> ClientCertificates {
    ClientCertificates::new()
        .trust_domain("orders.test")
        .expect("trust domain")
}

fn sources() -> CredentialSources {
    CredentialSources::authorization_header().with_client_certificate()
}

async fn axum_server(ca: &Ca, client_auth: ClientAuth) -> SocketAddr {
    use axum::routing::get;
    let policy = PolicyHandle::from_toml(BILLING_POLICY).expect("policy");
    let config = ca.server_config(client_auth);
    let orders = axum::Router::new()
        .route(
            "/orders",
            get(|caller: Principal| async move { caller.subject().to_owned() })
                .route_layer(Guard::permission(&policy, "orders:read").expect("guard")),
        )
        .route_layer(AuthLayer::required(certificates()).sources(sources()).policy(policy));
    let app = axum::Router::new()
        .route(
            "/whoami",
            get(|peer: ClientIdentity| async move { axum::Json(whoami_json(&peer)) }),
        )
        .route("/public", get(|| async { "public" }))
        .merge(orders);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(portcullis::axum::serve_tls(listener, config, app));
    addr
}

fn actix_server(ca: &Ca, client_auth: ClientAuth) -> SocketAddr {
    use actix_web::{HttpResponse, web};
    let policy = PolicyHandle::from_toml(BILLING_POLICY).expect("policy");
    serve_actix_tls(ca.server_config(client_auth), move |config| {
        let auth = AuthMiddleware::required(certificates())
            .sources(sources())
            .policy(policy.clone());
        let guard = Guard::permission(&policy, "orders:read").expect("guard");
        config
            .service(
                web::resource("/orders").wrap(auth).route(
                    web::get()
                        .to(|caller: Principal| async move { caller.subject().to_owned() })
                        .wrap(guard),
                ),
            )
            .route(
                "/whoami",
                web::get().to(|peer: ClientIdentity| async move { HttpResponse::Ok().json(whoami_json(&peer)) }),
            )
            .route("/public", web::get().to(|| async { "public" }));
    })
}

async fn servers(ca: &Ca, client_auth: ClientAuth) -> [(&'static str, SocketAddr); 2] {
    [
        ("axum", axum_server(ca, client_auth).await),
        ("actix", actix_server(ca, client_auth)),
    ]
}

#[tokio::test]
async fn a_workloads_spiffe_id_reaches_the_handler() {
    let ca = Ca::new("Orders CA");
    let svid = ca.client(&[BILLING], &[], false);
    for (name, addr) in servers(&ca, ClientAuth::Optional).await {
        let (status, body) = get(addr, "/whoami", &ca.pem(), Some((&svid.cert_pem, &svid.key_pem)), &[])
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(status, 200, "{name}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(body["subject"], BILLING, "{name}");
        assert_eq!(body["spiffe_id"], BILLING, "{name}");
        assert_eq!(body["source"], "tls", "{name}");
    }
}

#[tokio::test]
async fn no_certificate_is_401_on_a_route_that_needs_one() {
    let ca = Ca::new("Orders CA");
    for (name, addr) in servers(&ca, ClientAuth::Optional).await {
        let (status, body) = get(addr, "/whoami", &ca.pem(), None, &[]).await.expect("response");
        assert_eq!(status, 401, "{name}: {body}");
        let (status, _) = get(addr, "/public", &ca.pem(), None, &[]).await.expect("response");
        assert_eq!(status, 200, "{name}");
    }
}

#[tokio::test]
async fn certificates_from_another_ca_or_expired_are_refused_at_the_handshake() {
    let ca = Ca::new("Orders CA");
    let other = Ca::new("Someone else's CA");
    let foreign = other.client(&[BILLING], &[], false);
    let expired = ca.client(&[BILLING], &[], true);
    for (name, addr) in servers(&ca, ClientAuth::Optional).await {
        for (what, leaf) in [("another CA's", &foreign), ("an expired", &expired)] {
            let answer = get(addr, "/public", &ca.pem(), Some((&leaf.cert_pem, &leaf.key_pem)), &[]).await;
            assert!(answer.is_err(), "{name}: {what} certificate was served: {answer:?}");
        }
    }
}

#[tokio::test]
async fn required_client_authentication_refuses_a_client_without_a_certificate() {
    let ca = Ca::new("Orders CA");
    let svid = ca.client(&[BILLING], &[], false);
    for (name, addr) in servers(&ca, ClientAuth::Required).await {
        assert!(get(addr, "/public", &ca.pem(), None, &[]).await.is_err(), "{name}");
        let (status, _) = get(addr, "/public", &ca.pem(), Some((&svid.cert_pem, &svid.key_pem)), &[])
            .await
            .expect("response");
        assert_eq!(status, 200, "{name}");
    }
}

#[tokio::test]
async fn a_certificate_with_two_uris_is_no_svid_and_falls_back_to_its_dns_name() {
    let ca = Ca::new("Orders CA");
    let two = ca.client(
        &[BILLING, "spiffe://orders.test/other"],
        &["billing.orders.test"],
        false,
    );
    for (name, addr) in servers(&ca, ClientAuth::Optional).await {
        let (status, body) = get(addr, "/whoami", &ca.pem(), Some((&two.cert_pem, &two.key_pem)), &[])
            .await
            .expect("response");
        assert_eq!(status, 200, "{name}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(body["spiffe_id"], serde_json::Value::Null, "{name}");
        assert_eq!(body["subject"], "billing.orders.test", "{name}");
    }
}

#[tokio::test]
async fn the_policy_authorizes_a_workload_by_its_spiffe_id() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let reporting = ca.client(&["spiffe://orders.test/ns/prod/sa/reporting"], &[], false);
    let foreign_domain = ca.client(&["spiffe://evil.test/ns/prod/sa/billing"], &[], false);
    for (name, addr) in servers(&ca, ClientAuth::Optional).await {
        let call = |leaf: Option<&common::pki::Leaf>| {
            let client = leaf.map(|leaf| (leaf.cert_pem.clone(), leaf.key_pem.clone()));
            let ca = ca.pem();
            async move {
                let client = client.as_ref().map(|(cert, key)| (cert.as_str(), key.as_str()));
                get(addr, "/orders", &ca, client, &[]).await.expect("response")
            }
        };
        let (status, body) = call(Some(&billing)).await;
        assert_eq!((status, body.as_str()), (200, BILLING), "{name}");
        let (status, body) = call(Some(&reporting)).await;
        assert_eq!(status, 403, "{name}: {body}");
        let (status, body) = call(Some(&foreign_domain)).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert!(body.contains("certificate_not_accepted"), "{name}: {body}");
        let (status, _) = call(None).await;
        assert_eq!(status, 401, "{name}");
    }
}
