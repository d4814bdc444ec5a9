//! Client identities (feature `tls`):
//!
//! - `tls/spiffe_id_parse`: `SpiffeId::parse` of a 39-byte ID (target: under 200 ns).
//! - `tls/xfcc_parse_4k`: `parse_xfcc` of a 4 KiB header: two elements, URL-encoded
//!   PEM certificate, quoted subject, SANs (target: under 5 µs).
//! - `tls/identity_per_connection`: `PeerIdentity::from_der` of a 500-byte X509-SVID,
//!   what each connection pays once.
//! - `tls/request_{no_client_cert,client_cert}`: one GET on a kept-alive TLS
//!   connection to `axum::serve_tls`, from a client without and with a certificate,
//!   same server, same run (target: no difference after the handshake).
//!
//! Run: `cargo bench --bench tls --features tls,axum`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::Criterion;
use portcullis::tls::{ClientAuth, IdentitySource, PeerIdentity, SpiffeId, parse_xfcc, server_config};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn xfcc_4k(cert_pem: &str) -> String {
    let encoded: String = cert_pem
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    // The nearest proxy's element carries the certificate; earlier hops' elements
    // their SANs and hashes, as many as fit in 4 KiB.
    let hop = "By=spiffe://orders.test/ns/edge/sa/envoy;Hash=4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29;Subject=\"CN=gateway,O=Orders\";URI=spiffe://orders.test/ns/edge/sa/gateway;DNS=gateway.orders.test";
    let last = format!(
        "By=spiffe://orders.test/ns/edge/sa/envoy;Hash=4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29;Cert=\"{encoded}\";Subject=\"CN=billing,O=Orders\";URI=spiffe://orders.test/ns/prod/sa/billing;DNS=billing.orders.test"
    );
    let mut value = String::new();
    while value.len() + hop.len() + 1 + last.len() <= 4096 {
        value.push_str(hop);
        value.push(',');
    }
    value.push_str(&last);
    value
}

struct Pki {
    ca_pem: String,
    server: (String, String),
    client: (String, String, Vec<u8>),
}

fn pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    server.subject_alt_names.push(SanType::IpAddress([127, 0, 0, 1].into()));
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().expect("key");
    let server_cert = server.signed_by(&server_key, &ca).expect("server");
    let mut client = CertificateParams::new(Vec::<String>::new()).expect("params");
    client.subject_alt_names.push(SanType::URI(
        "spiffe://orders.test/ns/prod/sa/billing".try_into().expect("uri"),
    ));
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().expect("key");
    let client_cert = client.signed_by(&client_key, &ca).expect("client");
    Pki {
        ca_pem: ca.pem(),
        server: (server_cert.pem(), server_key.serialize_pem()),
        client: (
            client_cert.pem(),
            client_key.serialize_pem(),
            client_cert.der().to_vec(),
        ),
    }
}

/// A kept-alive TLS connection sending `GET /whoami` or `/public`.
struct Connection(tokio_rustls::client::TlsStream<tokio::net::TcpStream>);

impl Connection {
    async fn open(addr: std::net::SocketAddr, pki: &Pki, with_cert: bool) -> Connection {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
            roots.add(cert.expect("ca")).expect("root");
        }
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots);
        let config = if with_cert {
            let chain = CertificateDer::pem_slice_iter(pki.client.0.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("chain");
            let key = PrivateKeyDer::from_pem_slice(pki.client.1.as_bytes()).expect("key");
            builder.with_client_auth_cert(chain, key).expect("client auth")
        } else {
            builder.with_no_client_auth()
        };
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::IpAddress(addr.ip().into()), tcp)
            .await
            .expect("handshake");
        Connection(tls)
    }

    async fn get(&mut self, path: &str) -> usize {
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        self.0.write_all(request.as_bytes()).await.expect("write");
        let mut buffer = Vec::with_capacity(512);
        let mut chunk = [0u8; 512];
        loop {
            let read = self.0.read(&mut chunk).await.expect("read");
            assert!(read > 0, "closed");
            buffer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&buffer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return buffer.len();
                }
            }
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let pki = pki();

    criterion.bench_function("tls/spiffe_id_parse", |b| {
        b.iter(|| SpiffeId::parse(black_box("spiffe://orders.test/ns/prod/sa/billing")).expect("id"))
    });
    let header = xfcc_4k(&pki.client.0);
    assert!(parse_xfcc(&header).is_ok() && header.len() > 3500 && header.len() <= 4096);
    criterion.bench_function("tls/xfcc_parse_4k", |b| {
        b.iter(|| parse_xfcc(black_box(&header)).expect("xfcc"))
    });
    criterion.bench_function("tls/identity_per_connection", |b| {
        b.iter(|| PeerIdentity::from_der(black_box(&pki.client.2), IdentitySource::Direct).expect("identity"))
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let config = server_config(
        pki.server.0.as_bytes(),
        pki.server.1.as_bytes(),
        Some(pki.ca_pem.as_bytes()),
        ClientAuth::Optional,
    )
    .expect("config");
    let app = axum::Router::new().route("/public", axum::routing::get(|| async { "public" }));
    let addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(portcullis::axum::serve_tls(listener, config, app));
        addr
    });
    let mut plain = runtime.block_on(Connection::open(addr, &pki, false));
    let mut mutual = runtime.block_on(Connection::open(addr, &pki, true));
    criterion.bench_function("tls/request_no_client_cert", |b| {
        b.iter(|| runtime.block_on(plain.get("/public")))
    });
    criterion.bench_function("tls/request_client_cert", |b| {
        b.iter(|| runtime.block_on(mutual.get("/public")))
    });
    criterion.final_summary();
}
