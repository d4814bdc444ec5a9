//! The orders service: portcullis end to end on axum, with no setup.
//!
//! `cargo run --example demo --features axum,html` (port from `PORT`, default 3000)
//!
//! - An ephemeral ES256 key signs the tokens; nothing is read from disk.
//! - An embedded RBAC policy: `viewer` reads orders, `clerk` also writes them,
//!   `admin` also reads the audit log.
//! - Two users, argon2id-hashed at start-up on the bounded password pool:
//!   `alice` (admin) and `bob` (viewer).
//! - `POST /login` takes `{"username","password"}` and returns a token; an unknown
//!   user and a wrong password get the same 401, after the same argon2 work.
//! - `GET /me`, `GET /orders` (orders:read, through the `Authorized` extractor),
//!   `POST /orders` (orders:write, through a route guard; the note is cleaned with
//!   the HTML sanitizer), `GET /admin/audit` (role admin: the last audit events).
//!
//! On start it prints curl commands to paste.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use portcullis::Principal;
use portcullis::audit::{self, Decision, Outcome, Stage};
use portcullis::auth::AuthError;
use portcullis::axum::{AuthLayer, Authorized, require_permission, require_role};
use portcullis::http::{Realm, Rejection};
use portcullis::password::{PasswordHasher, PasswordPool};
use portcullis::rbac::PolicyHandle;
use portcullis::sanitize::html::HtmlCleaner;
use portcullis::sanitize::text::IdentifierRules;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "https://auth.demo.example";
const AUDIENCE: &str = "orders";

/// The demo's users and their passwords (printed at start-up; it is a demo).
pub const USERS: [(&str, &str, &str); 2] = [
    ("alice", "correct horse battery staple", "admin"),
    ("bob", "plum verdict gallop", "viewer"),
];

const POLICY: &str = r#"
[roles.viewer]
permissions = ["orders:read"]
[roles.clerk]
inherits = ["viewer"]
permissions = ["orders:write"]
[roles.admin]
inherits = ["clerk"]
permissions = ["audit:read"]
"#;

portcullis::permission!(
    /// May list orders.
    ReadOrders = "orders:read"
);

/// The last audit events, for `GET /admin/audit`: a `tracing` writer keeping the
/// most recent lines of target `portcullis::audit`.
#[derive(Clone, Default)]
pub struct AuditLog(Arc<Mutex<VecDeque<String>>>);

impl AuditLog {
    const KEEP: usize = 100;

    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|lines| lines.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl std::io::Write for AuditLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        if let Ok(mut lines) = self.0.lock() {
            for line in text.lines().filter(|l| l.contains("portcullis::audit")) {
                if lines.len() == Self::KEEP {
                    lines.pop_front();
                }
                lines.push_back(line.to_owned());
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for AuditLog {
    type Writer = AuditLog;

    fn make_writer(&'a self) -> AuditLog {
        self.clone()
    }
}

struct User {
    hash: String,
    role: &'static str,
}

#[derive(Clone, Serialize)]
struct Order {
    id: u64,
    owner: String,
    item: String,
    quantity: u32,
    /// Cleaned HTML: safe to put into a page as it is.
    note: String,
}

#[derive(Clone)]
struct AppState {
    issuer: Arc<Issuer>,
    pool: PasswordPool,
    users: Arc<HashMap<String, User>>,
    usernames: IdentifierRules,
    orders: Arc<Mutex<Vec<Order>>>,
    cleaner: HtmlCleaner,
    audit: AuditLog,
    realm: Realm,
}

/// The whole service, ready to serve: everything is made here, in memory.
///
/// # Errors
///
/// Only if the embedded configuration were invalid.
pub async fn app(audit: AuditLog) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let key = SigningKey::generate_jwk(Algorithm::ES256)?;
    let verifier = Verifier::builder(KeySet::single(SigningKey::from_jwk(&key)?.verifying_key()))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()?;
    let issuer = Issuer::builder(SigningKey::from_jwk(&key)?)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .ttl(Duration::from_secs(900))
        .build()?;
    let policy = PolicyHandle::from_toml(POLICY)?;
    let pool = PasswordPool::new(PasswordHasher::new());
    let mut users = HashMap::new();
    for (name, password, role) in USERS {
        let hash = pool.hash_async(password).await?;
        users.insert(name.to_owned(), User { hash, role });
    }
    let state = AppState {
        issuer: Arc::new(issuer),
        pool,
        users: Arc::new(users),
        usernames: IdentifierRules::new(1, 64)?,
        orders: Arc::new(Mutex::new(Vec::new())),
        cleaner: HtmlCleaner::new(),
        audit,
        realm: Realm::new("orders")?,
    };

    let protected = Router::new()
        .route("/me", get(me))
        .route(
            "/orders",
            // route_layer: the guard covers POST only; other methods still get 405.
            get(list_orders).merge(post(create_order).route_layer(require_permission(&policy, "orders:write")?)),
        )
        .route("/admin/audit", get(audit_log).route_layer(require_role("admin")))
        .layer(AuthLayer::required(verifier).realm(state.realm.clone()).policy(policy));
    Ok(Router::new()
        .route("/login", post(login))
        .merge(protected)
        .with_state(state))
}

#[derive(Deserialize)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct LoginResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, Rejection> {
    let result = check_login(&state, &request).await;
    // /login is outside the AuthLayer: its decisions are recorded, and its
    // refusals rendered under the same realm, here.
    let (outcome, code, subject) = match &result {
        Ok((username, _)) => (Outcome::Allowed, None, Some(username.as_str())),
        Err(err) => (Outcome::Denied, Some(err.code()), None),
    };
    audit::record(&Decision {
        outcome,
        stage: Stage::Authentication,
        code,
        subject,
        token_id: None,
        client: Some(client),
        method: "POST",
        route: "/login",
        requirement: None,
    });
    result
        .map(|(_, response)| Json(response))
        .map_err(|err| Rejection::new(&err, &state.realm))
}

/// Checks the password on the bounded pool (503 when it is full) and issues a
/// token. Unknown users cost the same argon2 work as known ones, and both failures
/// get the same 401.
async fn check_login(state: &AppState, request: &LoginRequest) -> Result<(String, LoginResponse), AuthError> {
    let username = state.usernames.normalize(&request.username).ok();
    let user = username.as_deref().and_then(|name| state.users.get(name));
    let verified = match user {
        Some(user) => state.pool.verify_async(&request.password, &user.hash).await?,
        None => state.pool.verify_unknown_user_async(&request.password).await?,
    };
    let (Some(user), Some(username), true) = (user, username, verified.ok) else {
        return Err(AuthError::InvalidCredentials);
    };
    let claims = serde_json::json!({ "roles": [user.role] });
    let access_token = state
        .issuer
        .issue(&username, &claims)
        .map_err(|_| AuthError::Internal("token issuing failed"))?;
    let response = LoginResponse {
        access_token,
        token_type: "Bearer",
        expires_in: 900,
    };
    Ok((username, response))
}

#[derive(Serialize)]
struct Me {
    subject: String,
    roles: Vec<String>,
    token_id: Option<String>,
    expires_at: Option<i64>,
}

async fn me(caller: Principal) -> Json<Me> {
    Json(Me {
        subject: caller.subject().to_owned(),
        roles: caller.roles().to_vec(),
        token_id: caller.token_id().map(str::to_owned),
        expires_at: caller.expires_at(),
    })
}

async fn list_orders(State(state): State<AppState>, _caller: Authorized<ReadOrders>) -> Json<Vec<Order>> {
    Json(state.orders.lock().map(|orders| orders.clone()).unwrap_or_default())
}

#[derive(Deserialize)]
struct NewOrder {
    item: String,
    quantity: u32,
    #[serde(default)]
    note: String,
}

async fn create_order(
    State(state): State<AppState>,
    caller: Principal,
    Json(new): Json<NewOrder>,
) -> Result<(StatusCode, Json<Order>), (StatusCode, &'static str)> {
    let note = state
        .cleaner
        .clean(&new.note)
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "note too large"))?;
    let mut orders = state
        .orders
        .lock()
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "orders unavailable"))?;
    let order = Order {
        id: orders.len() as u64 + 1,
        owner: caller.subject().to_owned(),
        item: new.item,
        quantity: new.quantity,
        note,
    };
    orders.push(order.clone());
    Ok((StatusCode::CREATED, Json(order)))
}

async fn audit_log(State(state): State<AppState>) -> Json<Vec<String>> {
    Json(state.audit.lines())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use tracing_subscriber::fmt::writer::MakeWriterExt;

    let audit = AuditLog::default();
    tracing_subscriber::fmt()
        .with_writer(std::io::stdout.and(audit.clone()))
        .with_ansi(false)
        .init();
    let app = app(audit).await?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let [(alice, alice_password, _), (bob, bob_password, _)] = USERS;
    println!(
        r#"portcullis demo: the orders service on {base}

Users: {alice} / "{alice_password}" (admin), {bob} / "{bob_password}" (viewer)

  # Log in; the token is in the response.
  TOKEN=$(curl -s -X POST {base}/login -H 'content-type: application/json' \
    -d '{{"username":"{alice}","password":"{alice_password}"}}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

  curl -s {base}/me -H "Authorization: Bearer $TOKEN"
  curl -s -X POST {base}/orders -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{{"item":"tea","quantity":2,"note":"<b>urgent</b><script>alert(1)</script>"}}'
  curl -s {base}/orders -H "Authorization: Bearer $TOKEN"
  curl -s {base}/admin/audit -H "Authorization: Bearer $TOKEN"

  # Refused, with the contract's status, WWW-Authenticate and problem+json body:
  curl -si {base}/orders
  curl -si {base}/orders -H "Authorization: Bearer not.a.token"
"#
    );
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
