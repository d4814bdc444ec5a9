//! Both demos over HTTPS with optional client certificates, on 127.0.0.1 with
//! certificates made in the test: `/internal/whoami` needs a client identity; the
//! billing workload reads orders by its SPIFFE ID, as the policy says; a login over a
//! connection with a client certificate issues a token bound to it (RFC 8705),
//! refused over any other connection.
#![cfg(all(
    feature = "axum",
    feature = "actix",
    feature = "html",
    feature = "redis",
    feature = "tls",
    feature = "metrics"
))]
#![allow(clippy::duplicate_mod)]

mod common {
    #[allow(dead_code)]
    pub mod pki;
    pub mod tls_client;
    pub mod tls_serve_actix;
}

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

#[allow(dead_code)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;

use std::net::SocketAddr;
use std::sync::Arc;

use common::pki::{BILLING, Ca, Leaf};
use common::tls_client::send;
use common::tls_serve_actix::serve_actix_tls;
use portcullis::tls::ClientAuth;

async fn axum_demo(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let mut options = demo::orders::Options::generate().expect("options");
    options.tls = Some(config.clone());
    let app = demo::app(options, demo::orders::AuditLog::default())
        .await
        .expect("demo app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(portcullis::axum::serve_tls(listener, config, app));
    addr
}

async fn actix_demo(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let mut options = demo_actix::orders::Options::generate().expect("options");
    options.tls = Some(config.clone());
    let demo = demo_actix::Demo::new(options, demo_actix::orders::AuditLog::default())
        .await
        .expect("demo app");
    serve_actix_tls(config, move |service| demo.configure(service))
}

async fn demos(ca: &Ca) -> [(&'static str, SocketAddr); 2] {
    let config = ca.server_config(ClientAuth::Optional);
    [
        ("axum", axum_demo(config.clone()).await),
        ("actix", actix_demo(config).await),
    ]
}

struct Client<'a> {
    addr: SocketAddr,
    ca: &'a Ca,
    certificate: Option<&'a Leaf>,
}

impl Client<'_> {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        let client = self
            .certificate
            .map(|leaf| (leaf.cert_pem.as_str(), leaf.key_pem.as_str()));
        let (status, body) = send(self.addr, method, path, &self.ca.pem(), client, &headers, body)
            .await
            .expect("response");
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        )
    }

    async fn log_in(&self, user: &str, password: &str) -> String {
        let body = serde_json::json!({ "username": user, "password": password }).to_string();
        let (status, answer) = self.call("POST", "/login", None, &body).await;
        assert_eq!(status, 200, "{answer}");
        answer["access_token"].as_str().expect("token").to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_needs_a_client_identity_and_the_billing_workload_reads_orders() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let reporting = ca.client(&["spiffe://orders.test/ns/prod/sa/reporting"], &[], false);
    let foreign = ca.client(&["spiffe://evil.test/ns/prod/sa/billing"], &[], false);
    for (name, addr) in demos(&ca).await {
        let with = |certificate| Client {
            addr,
            ca: &ca,
            certificate,
        };
        let (status, body) = with(Some(&billing)).call("GET", "/internal/whoami", None, "").await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(
            body,
            serde_json::json!({ "subject": BILLING, "source": "tls" }),
            "{name}"
        );
        let (status, body) = with(None).call("GET", "/internal/whoami", None, "").await;
        assert_eq!(status, 401, "{name}: {body}");

        let (status, body) = with(Some(&billing)).call("GET", "/orders", None, "").await;
        assert_eq!(status, 200, "{name}: the billing workload reads orders: {body}");
        let (status, body) = with(Some(&billing)).call("GET", "/admin/audit", None, "").await;
        assert_eq!(status, 403, "{name}: and nothing more: {body}");
        let (status, body) = with(Some(&reporting)).call("GET", "/orders", None, "").await;
        assert_eq!(status, 403, "{name}: a workload the policy does not name: {body}");
        let (status, body) = with(Some(&foreign)).call("GET", "/orders", None, "").await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["code"], "certificate_not_accepted", "{name}");
        let (status, body) = with(None).call("GET", "/orders", None, "").await;
        assert_eq!(status, 401, "{name}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_with_a_client_certificate_issues_a_token_bound_to_it() {
    let ca = Ca::new("Orders CA");
    let billing = ca.client(&[BILLING], &[], false);
    let other = ca.client(&["spiffe://orders.test/ns/prod/sa/reporting"], &[], false);
    let [(bob, bob_password, ..), ..] = demo::orders::USERS;
    for (name, addr) in demos(&ca).await {
        let with = |certificate| Client {
            addr,
            ca: &ca,
            certificate,
        };
        let bound = with(Some(&billing)).log_in(bob, bob_password).await;
        let (status, body) = with(Some(&billing)).call("GET", "/me", Some(&bound), "").await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(
            body["subject"], bob,
            "{name}: the token, not the certificate, names the caller"
        );
        for (what, certificate) in [("another certificate", Some(&other)), ("no certificate", None)] {
            let (status, body) = with(certificate).call("GET", "/me", Some(&bound), "").await;
            assert_eq!(status, 401, "{name}: {what}: {body}");
            assert_eq!(body["code"], "certificate_mismatch", "{name}: {what}");
        }

        // Logged in without a certificate, the token is a plain bearer token.
        let unbound = with(None).log_in(bob, bob_password).await;
        for certificate in [None, Some(&other)] {
            let (status, body) = with(certificate).call("GET", "/me", Some(&unbound), "").await;
            assert_eq!(status, 200, "{name}: {body}");
        }
        // Internal routes take the bound token (with its certificate), never the other.
        let (status, body) = with(Some(&billing))
            .call("GET", "/internal/whoami", Some(&bound), "")
            .await;
        assert_eq!(
            (status, &body["subject"]),
            (200, &serde_json::json!(BILLING)),
            "{name}: {body}"
        );
        let (status, body) = with(Some(&billing))
            .call("GET", "/internal/whoami", Some(&unbound), "")
            .await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["code"], "token_not_bound", "{name}");
    }
}
