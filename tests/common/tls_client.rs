//! A TLS client over a real socket (tokio-rustls on ring): trusts one CA, presents a
//! client certificate when given one, sends one HTTP/1.1 request and reads the whole
//! response.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use portcullis::tls::certificates;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` over TLS: `Ok((status, body))`, or `Err` when the handshake or the
/// exchange failed (a refused certificate).
pub async fn get(
    addr: SocketAddr,
    path: &str,
    server_ca_pem: &str,
    client: Option<(&str, &str)>,
    headers: &[(&str, &str)],
) -> Result<(u16, String), String> {
    send(addr, "GET", path, server_ca_pem, client, headers, "").await
}

/// `method path` with `body` (sent as JSON when not empty) over TLS, as [`get`].
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    server_ca_pem: &str,
    client: Option<(&str, &str)>,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates(server_ca_pem.as_bytes()).map_err(|e| e.to_string())? {
        roots.add(certificate).map_err(|e| e.to_string())?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert_pem, key_pem)) => builder
            .with_client_auth_cert(
                certificates(cert_pem.as_bytes()).map_err(|e| e.to_string())?,
                PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?,
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::IpAddress(addr.ip().into());
    let mut tls = connector.connect(name, tcp).await.map_err(|e| e.to_string())?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    tls.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    // A server that closes without close_notify still sent its response.
    let read = tls.read_to_end(&mut raw).await;
    if raw.is_empty() {
        return Err(read.err().map_or("no response".to_owned(), |e| e.to_string()));
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not HTTP: {text}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
