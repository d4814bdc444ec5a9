//! A deliberately small HTTP/1.1 client over a real socket: it sends exactly the
//! bytes a test asks for (duplicate headers, non-UTF-8 values, odd spacing), which
//! higher-level clients refuse or normalize, and reads the whole response.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response as received.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lowercased, values as text (lossy), in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method path` with `headers` (and `body`) to `addr` and reads the response;
/// `Err` when the server closed the connection without one.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Result<RawResponse, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    stream.write_all(&request).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    parse(&raw)
}

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

/// `POST /login` with a username and password, as the demo service takes them.
pub async fn log_in(addr: SocketAddr, user: &str, password: &str) -> RawResponse {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    call(addr, "POST", "/login", None, &body).await
}

/// Serves `app` on 127.0.0.1 (an ephemeral port), with the client address known to
/// handlers and the audit log.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("serve");
    });
    addr
}

/// Serves an actix-web app made by `configure` on 127.0.0.1 (an ephemeral port),
/// as `HttpServer` runs in production: its own thread and actix system, here with
/// one worker.
pub fn serve_actix<F>(configure: F) -> SocketAddr
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("bind");
            sender.send(server.addrs()[0]).expect("address");
            server.run().await.expect("serve");
        });
    });
    receiver.recv().expect("server address")
}

fn parse(raw: &[u8]) -> Result<RawResponse, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no response head in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(RawResponse { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}
