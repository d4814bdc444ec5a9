//! The raw client of `http` from async tests. Needs `http`.

use std::net::SocketAddr;

use super::http::{RawResponse, send};

/// `send` from a blocking thread, for async tests: a JSON request with an optional
/// bearer token.
pub async fn call(
    addr: SocketAddr,
    method: &'static str,
    path: &'static str,
    token: Option<&str>,
    body: &str,
) -> RawResponse {
    let authorization = token.map(|t| format!("Bearer {t}"));
    let body = body.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
        if let Some(value) = &authorization {
            headers.push(("authorization", value.as_bytes()));
        }
        send(addr, method, path, &headers, body.as_bytes())
    })
    .await
    .expect("client thread")
    .expect("response")
}
