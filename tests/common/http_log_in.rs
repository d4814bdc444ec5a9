//! Logging in to the demo service. Needs `http` and `http_call`.

use std::net::SocketAddr;

use super::http::RawResponse;
use super::http_call::call;

/// `POST /login` with a username and password, as the demo service takes them.
pub async fn log_in(addr: SocketAddr, user: &str, password: &str) -> RawResponse {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    call(addr, "POST", "/login", None, &body).await
}
