//! The orders service behind both demos (`demo` on axum, `demo_actix` on
//! actix-web): everything but the HTTP framework. Each demo only maps these
//! functions onto routes and wraps them in portcullis's middleware, guards and
//! extractors for its framework.
//!
//! | route | who may call it | how portcullis checks it |
//! |---|---|---|
//! | `POST /login` | anyone | password on the bounded pool (503 when full) |
//! | `GET /me` | any caller with a token | `Principal` extractor |
//! | `POST /me/password` | any caller with a token, and their current password | `Principal`; a handler's `AuthError` (401, or 503 when the pool is full) |
//! | `GET /me/contact` | tokens with an `email` claim | `Claims<Contact>` extractor |
//! | `GET /orders` | permission `orders:read` | `Authorized<ReadOrders>` extractor |
//! | `POST /orders` | permission `orders:write` | permission guard |
//! | `GET /orders/export` | scope `orders.export` | scope guard |
//! | `GET /reports/daily` | role `admin` or scope `reports.read` | any-of guard |
//! | `GET /payments` | permission `payments:read` and scope `payments` | all-of guard |
//! | `GET /admin/audit` | role `admin` | role guard |
//! | `POST /admin/keyring/rotate` | role `admin` | role guard |
//! | `POST /api-keys`, `GET /api-keys`, `DELETE /api-keys/{id}` | role `admin` | role guard |
//! | `GET /catalog` | anyone, 20 at once then one every 10 s per client; named callers are greeted | optional middleware with a rate limit, `Option<Principal>` |
//! | `GET /web/me` | the browser session cookie, or the header | cookie source |
//! | `GET /metrics` | anyone (Prometheus text; not an auth decision) | none |
//! | `GET /internal/whoami` | a client certificate (over HTTPS); a token only if bound to it | middleware taking bound tokens only (`token_not_bound`), then the `ClientIdentity` extractor |
//!
//! With `PORTCULLIS_TLS_CERT` and `PORTCULLIS_TLS_KEY` the service is served over
//! HTTPS; with `PORTCULLIS_TLS_CLIENT_CA` too, clients may present certificates from
//! that CA (optional at the handshake; routes decide). A workload's SPIFFE ID (trust
//! domain `orders.test`) then authenticates it on every route that takes a token:
//! the policy gives `spiffe://orders.test/ns/prod/sa/billing` the role `billing`
//! (`orders:read`). A user who logs in over a connection with a client certificate
//! gets a token bound to it (RFC 8705): it is refused over any other connection.
//!
//! Order notes are sealed at rest under the service's keyring
//! ([`portcullis::secrets`]), each bound to its order's id: `POST
//! /admin/keyring/rotate` makes a new primary key and rewraps every note under it,
//! and the notes read the same throughout.
//!
//! Authenticated routes are limited per caller (50 a second, bursts of 100). Behind
//! the proxies of `PORTCULLIS_TRUSTED_PROXIES`, the client that `/login`'s throttle,
//! the rate limits and the audit log see is the one their forwarding headers name.
//!
//! Every route that takes a bearer token also takes an API key
//! ([`portcullis::secrets::apikey`]), in `X-API-Key` or as the bearer token: an admin
//! makes one with chosen roles, scopes and lifetime (`POST /api-keys`, the key in the
//! answer once), lists them (no secrets) and revokes them. A key acts for the admin
//! who made it, with the roles and scopes it was given.
//!
//! Every error either demo sends is problem+json (RFC 9457), as portcullis's own
//! refusals are: a body that is not JSON of the route's shape (400 `malformed_body`,
//! 415 `unsupported_media_type`, 422 `invalid_body`, 413 `too_large` over
//! [`BODY_LIMIT`]), a note the cleaner refuses, a path the service does not have
//! (404 `not_found`) or a method a route does not serve (405 `method_not_allowed`).
//! Bodies are read by both demos as bytes and parsed here, by [`json_body`], so
//! both answer every body alike.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use portcullis::Principal;
use portcullis::audit::{self, Credential, Decision, Outcome, Stage};
use portcullis::auth::Headers;
use portcullis::auth::{AuthError, Authenticator, CredentialSources, FirstOf, Requirement};
use portcullis::http::{Realm, Rejection};
use portcullis::password::{PasswordError, PasswordHasher, PasswordPool, PasswordRules, Pepper};
use portcullis::rbac::PolicyHandle;
use portcullis::sanitize::html::HtmlCleaner;
use portcullis::sanitize::text::IdentifierRules;
use portcullis::secrets::apikey::{
    ApiKeyError, ApiKeyRecord, ApiKeyStatus, ApiKeyStore, ApiKeys, KeyHash, MemoryApiKeyStore, NewApiKey, RecordUpdate,
};
use portcullis::secrets::{Context, Keyring, SecretsError, Suite};
use portcullis::store::{Fallback, MemoryStore, RedisOptions, RedisStore};
pub use portcullis::throttle::TrustedProxies;
use portcullis::throttle::{ClientAddr, LoginCheck, LoginLimits, LoginThrottle, Quota, RateLimiter, Via};
use portcullis::tls::{ClientAuth, ClientCertificates, PeerIdentity};
use portcullis::token::{Algorithm, Issuer, Jwk, JwkSet, KeySet, SharedRevocation, SigningKey, TokenCache, Verifier};
use serde::{Deserialize, Serialize};

/// Tokens' `iss`.
pub const ISSUER: &str = "https://auth.demo.example";
/// Tokens' `aud`.
pub const AUDIENCE: &str = "orders";
/// The realm named in challenges.
pub const REALM: &str = "orders";
/// How long a blocked login attempt waits before its 429 (at most until the block
/// ends).
pub const BLOCKED_LOGIN_DELAY: Duration = Duration::from_millis(500);

/// How often each replica replays the store's revocations.
pub const REVOCATION_SYNC: Duration = Duration::from_millis(100);

/// The prefix of the demo's API keys.
pub const API_KEY_PREFIX: &str = "orders";
/// The cookie browsers keep their token in, read under `/web`.
pub const SESSION_COOKIE: &str = "session";
/// How long an issued token lives.
pub const TOKEN_TTL: Duration = Duration::from_secs(900);

/// The demo's users, their passwords (printed at start-up; it is a demo), roles and
/// email addresses.
pub const USERS: [(&str, &str, &str, &str); 2] = [
    ("alice", "correct horse battery staple", "admin", "alice@demo.example"),
    ("bob", "plum verdict gallop", "viewer", "bob@demo.example"),
];

/// `viewer` reads orders, `clerk` also writes them, `admin` also reads the audit
/// log and the payment ledger; the billing workload (by its SPIFFE ID) is `billing`,
/// which reads orders.
pub const POLICY: &str = r#"
[roles.viewer]
permissions = ["orders:read"]
[roles.clerk]
inherits = ["viewer"]
permissions = ["orders:write"]
[roles.admin]
inherits = ["clerk"]
permissions = ["audit:read", "payments:read"]
[roles.billing]
permissions = ["orders:read"]
[subjects]
"spiffe://orders.test/ns/prod/sa/billing" = ["billing"]
"#;

/// The process's Prometheus recorder, installed the first time it is asked for
/// (before anything that registers series is built), with the decision
/// histogram's buckets: histograms, not summaries. When another recorder is
/// installed already (a test running both demos in one process), a recorder of its
/// own that nothing records to: its `/metrics` is empty.
///
/// # Errors
///
/// Only if the buckets were invalid.
pub fn prometheus() -> Result<PrometheusHandle, Box<dyn std::error::Error + Send + Sync>> {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let builder = PrometheusBuilder::new().set_buckets_for_metric(
        Matcher::Full(portcullis::metrics::AUTH_DECISION_DURATION.to_owned()),
        portcullis::metrics::DECISION_BUCKETS,
    )?;
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_ok() {
        portcullis::metrics::enable();
    }
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// `GET /metrics`'s content type: Prometheus's text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The SPIFFE trust domain whose workloads the demo takes.
pub const TRUST_DOMAIN: &str = "orders.test";

portcullis::permission!(
    /// May list orders.
    pub ReadOrders = "orders:read"
);

/// What the service is made from; [`Options::generate`] for the demo's defaults.
pub struct Options {
    /// The key tokens are signed and verified with.
    pub key: Jwk,
    /// Where password work runs.
    pub passwords: PasswordPool,
    /// The proxies whose forwarding headers name the client (`/login`'s throttle).
    pub trusted_proxies: TrustedProxies,
    /// Shared state on Redis (`PORTCULLIS_REDIS_URL`): login counters, rate limits,
    /// revocations and API keys hold across every replica using it.
    pub redis_url: Option<String>,
    /// How many replicas share the limits (`PORTCULLIS_REPLICAS`, default 1): while
    /// Redis is down, each replica enforces this share of every limit.
    pub replicas: u32,
    /// HTTPS (`PORTCULLIS_TLS_CERT`, `PORTCULLIS_TLS_KEY`, and for client
    /// certificates `PORTCULLIS_TLS_CLIENT_CA`): `None` serves plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// What `GET /metrics` renders (see [`prometheus`]).
    pub metrics: PrometheusHandle,
}

impl Options {
    /// The signing key of `PORTCULLIS_SIGNING_KEY` (a private JWKS file, as
    /// `portcullis keygen --private-out` writes; its first key), else an ephemeral
    /// ES256 key; a password pool sized to the machine; the trusted proxies of
    /// `PORTCULLIS_TRUSTED_PROXIES` (comma-separated CIDRs; none by default); and
    /// `PORTCULLIS_REDIS_URL`, `PORTCULLIS_REPLICAS`.
    ///
    /// # Errors
    ///
    /// If key generation failed, the key file cannot be read or holds no key, or a
    /// variable is malformed.
    pub fn generate() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        // First: the password pool made here registers its series.
        let metrics = prometheus()?;
        let trusted_proxies = match std::env::var("PORTCULLIS_TRUSTED_PROXIES") {
            Ok(list) => TrustedProxies::parse(&list)?,
            Err(_) => TrustedProxies::none(),
        };
        let key = match std::env::var_os("PORTCULLIS_SIGNING_KEY") {
            Some(path) => {
                // Refused when group or others may read it, as every secret file.
                let bytes = portcullis::secrets::read_secret_file(std::path::Path::new(&path), 1 << 20)?;
                JwkSet::from_json(std::str::from_utf8(&bytes)?)?
                    .keys
                    .into_iter()
                    .next()
                    .ok_or("PORTCULLIS_SIGNING_KEY holds no key")?
            }
            None => SigningKey::generate_jwk(Algorithm::ES256)?,
        };
        let replicas = match std::env::var("PORTCULLIS_REPLICAS") {
            Ok(count) => count.parse().map_err(|_| "PORTCULLIS_REPLICAS is not a count")?,
            Err(_) => 1,
        };
        Ok(Options {
            key,
            passwords: PasswordPool::new(PasswordHasher::new()),
            trusted_proxies,
            redis_url: std::env::var("PORTCULLIS_REDIS_URL").ok().filter(|url| !url.is_empty()),
            replicas,
            tls: tls_from_env()?,
            metrics,
        })
    }
}

/// The HTTPS configuration the `PORTCULLIS_TLS_*` variables name, if any.
fn tls_from_env() -> Result<Option<Arc<rustls::ServerConfig>>, Box<dyn std::error::Error + Send + Sync>> {
    let var = |name| std::env::var_os(name).filter(|value| !value.is_empty());
    let (cert, key, client_ca) = (
        var("PORTCULLIS_TLS_CERT"),
        var("PORTCULLIS_TLS_KEY"),
        var("PORTCULLIS_TLS_CLIENT_CA"),
    );
    let (cert, key) = match (cert, key) {
        (Some(cert), Some(key)) => (cert, key),
        (None, None) if client_ca.is_none() => return Ok(None),
        _ => {
            return Err(
                "PORTCULLIS_TLS_CERT and PORTCULLIS_TLS_KEY go together (and PORTCULLIS_TLS_CLIENT_CA needs both)"
                    .into(),
            );
        }
    };
    let cert = std::fs::read(cert)?;
    // Refused when group or others may read it, as every secret file.
    let key = portcullis::secrets::read_secret_file(std::path::Path::new(&key), 1 << 20)?;
    let client_ca = client_ca.map(std::fs::read).transpose()?;
    Ok(Some(portcullis::tls::server_config(
        &cert,
        &key,
        client_ca.as_deref(),
        ClientAuth::Optional,
    )?))
}

/// The last audit events, for `GET /admin/audit`: a `tracing` writer keeping the
/// most recent lines of target `portcullis::audit`.
#[derive(Clone, Default)]
pub struct AuditLog(Arc<Mutex<VecDeque<String>>>);

impl AuditLog {
    const KEEP: usize = 100;

    /// The kept lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
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
    /// The PHC string; replaced when the password changes.
    hash: RwLock<String>,
    role: &'static str,
    email: &'static str,
}

/// An order.
#[derive(Clone, Serialize)]
pub struct Order {
    id: u64,
    owner: String,
    item: String,
    quantity: u32,
    /// Cleaned HTML: safe to put into a page as it is.
    note: String,
}

/// An order as the store keeps it: the note sealed (a database dump shows no note).
struct StoredOrder {
    id: u64,
    owner: String,
    item: String,
    quantity: u32,
    /// The cleaned note, sealed under the keyring with [`note_context`].
    sealed_note: Vec<u8>,
}

/// The encryption context of an order's note: its id, so that a note copied to
/// another order does not open.
fn note_context(id: u64) -> Result<Context, SecretsError> {
    Context::new().with("order", id.to_string())
}

/// `POST /admin/keyring/rotate`'s answer.
#[derive(Serialize)]
pub struct Rotation {
    /// The new primary key's id.
    primary: u32,
    /// The notes sealed again under it.
    rewrapped: usize,
}

/// `POST /login`'s body.
#[derive(Deserialize)]
pub struct LoginRequest {
    username: String,
    password: String,
}

/// `POST /login`'s answer.
#[derive(Serialize)]
pub struct LoginResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

impl LoginResponse {
    /// The `Set-Cookie` value that gives a browser the same token, for `/web`.
    pub fn session_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}={}; Path=/web; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
            self.access_token,
            TOKEN_TTL.as_secs()
        )
    }
}

/// `POST /me/password`'s body.
#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Why a password was not changed.
pub enum ChangeError {
    /// Not this caller's password, a caller who is not a user, or the pool at
    /// capacity: the adapters render these.
    Auth(AuthError),
    /// The new password breaks the password policy (422); the code says how.
    Weak(&'static str),
}

impl From<PasswordError> for ChangeError {
    fn from(err: PasswordError) -> Self {
        ChangeError::Auth(err.into())
    }
}

/// `POST /orders`'s body.
#[derive(Deserialize)]
pub struct NewOrder {
    item: String,
    quantity: u32,
    #[serde(default)]
    note: String,
}

/// `GET /me`.
#[derive(Serialize)]
pub struct Me {
    subject: String,
    roles: Vec<String>,
    token_id: Option<String>,
    expires_at: Option<i64>,
}

impl Me {
    /// What the caller's token says about them.
    pub fn of(caller: &Principal) -> Self {
        Me {
            subject: caller.subject().to_owned(),
            roles: caller.roles().to_vec(),
            token_id: caller.token_id().map(str::to_owned),
            expires_at: caller.expires_at(),
        }
    }
}

/// `GET /internal/whoami`: the client identity of the connection's certificate.
#[derive(Serialize)]
pub struct WhoAmI {
    subject: Option<String>,
    source: &'static str,
}

impl WhoAmI {
    /// The identity's name (its SPIFFE ID, else its first DNS name) and where it
    /// came from (`tls`).
    pub fn of(identity: &PeerIdentity) -> Self {
        WhoAmI {
            subject: identity.name().map(str::to_owned),
            source: identity.source().as_str(),
        }
    }
}

/// The claims `GET /me/contact` needs: a token without `email` is refused there.
#[derive(Serialize, Deserialize)]
pub struct Contact {
    email: String,
}

/// `GET /catalog`: the same items for everyone, and a greeting for callers with a
/// token.
#[derive(Serialize)]
pub struct Catalog {
    items: [&'static str; 3],
    greeting: String,
}

impl Catalog {
    /// The catalog as `caller` sees it.
    pub fn for_caller(caller: Option<&Principal>) -> Self {
        Catalog {
            items: ["tea", "coffee", "cocoa"],
            greeting: format!("hello {}", caller.map_or("guest", Principal::subject)),
        }
    }
}

/// `GET /reports/daily`.
#[derive(Serialize)]
pub struct Report {
    orders: usize,
    items: u64,
}

/// `GET /payments`: the ledger (empty in the demo).
#[derive(Serialize)]
pub struct Payments {
    payments: [u64; 0],
}

/// Why an order was not created (not an authorization failure: the caller was
/// allowed, the order was not acceptable).
pub enum OrderError {
    /// The cleaner refused the note: larger than it takes (413 `too_large`), or
    /// too much markup (422, with the cleaner's code).
    Note(portcullis::sanitize::SanitizeError),
    /// The order store failed, or a note could not be sealed or opened (500
    /// `internal`).
    Unavailable,
}

impl From<SecretsError> for OrderError {
    fn from(_: SecretsError) -> Self {
        OrderError::Unavailable
    }
}

impl OrderError {
    /// The problem+json response for this error.
    pub fn rejection(&self) -> Rejection {
        match self {
            OrderError::Note(err @ portcullis::sanitize::SanitizeError::TooLarge { .. }) => {
                Rejection::problem(413, err.code())
            }
            OrderError::Note(err) => Rejection::problem(422, err.code()),
            OrderError::Unavailable => Rejection::problem(500, "internal"),
        }
    }
}

/// The largest request body either demo reads: 64 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Why a request body could not be read, as the framework reports it.
pub enum BodyError {
    /// Longer than [`BODY_LIMIT`].
    TooLarge,
    /// The connection failed, or the body was not valid in its transfer coding.
    Unreadable,
}

/// A request body as JSON of `T`'s shape, or the problem+json to answer instead:
/// 415 `unsupported_media_type` unless the content type is `application/json` (or
/// `application/…+json`), 413 `too_large`, 400 `malformed_body` for a body that is
/// not JSON, 422 `invalid_body` for JSON of another shape.
///
/// # Errors
///
/// The refusal to send, as above.
pub fn json_body<T: serde::de::DeserializeOwned>(
    content_type: Option<&[u8]>,
    body: Result<&[u8], BodyError>,
) -> Result<T, Rejection> {
    if !content_type.is_some_and(is_json) {
        return Err(Rejection::problem(415, "unsupported_media_type"));
    }
    let body = body.map_err(|err| match err {
        BodyError::TooLarge => Rejection::problem(413, "too_large"),
        BodyError::Unreadable => Rejection::problem(400, "malformed_body"),
    })?;
    serde_json::from_slice(body).map_err(|err| match err.is_data() {
        true => Rejection::problem(422, "invalid_body"),
        false => Rejection::problem(400, "malformed_body"),
    })
}

/// `application/json` or `application/<name>+json`, with any parameters.
fn is_json(content_type: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(content_type) else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.starts_with("application/") && essence.ends_with("+json")
}

/// 404 `not_found`: a path this service does not have.
pub fn not_found() -> Rejection {
    Rejection::problem(404, "not_found")
}

/// 405 `method_not_allowed`: a route this service has, with another method.
pub fn method_not_allowed() -> Rejection {
    Rejection::problem(405, "method_not_allowed")
}

/// Whether `path` (as sent, before any decoding) can name a route of this service:
/// none of its routes is spelled with percent-encoding. axum matches a path as it
/// was sent, actix-web after decoding it, so `/%6frders` would be `/orders` to one
/// and nothing to the other; both demos answer such a path 404 (a proxy in front,
/// matching as sent, would disagree with the service otherwise).
pub fn is_route_spelling(path: &str) -> bool {
    !path.contains('%')
}

/// The whole service, in memory.
pub struct Service {
    issuer: Issuer,
    verifier: Verifier,
    policy: PolicyHandle,
    realm: Realm,
    pool: PasswordPool,
    users: HashMap<String, User>,
    usernames: IdentifierRules,
    passwords: PasswordRules,
    orders: Mutex<Vec<StoredOrder>>,
    keyring: Keyring,
    api_keys: ApiKeys<DemoKeys>,
    proxies: TrustedProxies,
    store: DemoStore,
    revocation: Arc<SharedRevocation<DemoStore>>,
    throttle: LoginThrottle<DemoStore>,
    cleaner: HtmlCleaner,
    audit: AuditLog,
    workloads: ClientCertificates,
    metrics: PrometheusHandle,
}

/// What the demo's routes authenticate with: API keys (claimed by their prefix),
/// then bearer tokens, then (with no header credential) the connection's client
/// certificate.
pub type DemoAuthenticator = FirstOf<FirstOf<ApiKeys<DemoKeys>, Verifier>, ClientCertificates>;

/// Where the demo keeps its counters, limits and revocations: Redis when
/// `PORTCULLIS_REDIS_URL` is set (falling back to a per-replica share while it is
/// down), else this process's memory.
pub type DemoStore = Fallback<RedisStore>;

/// Where the demo keeps its API-key records: Redis when `PORTCULLIS_REDIS_URL` is
/// set (every replica verifies every key), else this process's memory.
#[derive(Clone, Debug)]
pub enum DemoKeys {
    Memory(MemoryApiKeyStore),
    Redis(RedisStore),
}

impl ApiKeyStore for DemoKeys {
    async fn insert(&self, record: ApiKeyRecord) -> Result<(), ApiKeyError> {
        match self {
            DemoKeys::Memory(store) => store.insert(record).await,
            DemoKeys::Redis(store) => store.insert(record).await,
        }
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        match self {
            DemoKeys::Memory(store) => store.find_by_hash(hash).await,
            DemoKeys::Redis(store) => store.find_by_hash(hash).await,
        }
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        match self {
            DemoKeys::Memory(store) => store.get(id).await,
            DemoKeys::Redis(store) => store.get(id).await,
        }
    }

    async fn list(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        match self {
            DemoKeys::Memory(store) => store.list().await,
            DemoKeys::Redis(store) => store.list().await,
        }
    }

    async fn update(&self, id: &str, update: RecordUpdate) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        match self {
            DemoKeys::Memory(store) => store.update(id, update).await,
            DemoKeys::Redis(store) => store.update(id, update).await,
        }
    }
}

/// `POST /api-keys`'s body: each field optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    ttl_seconds: Option<u64>,
}

/// An API key as `POST /api-keys` answers it (with the key, once) and `GET
/// /api-keys` lists it (without).
#[derive(Debug, Serialize, Deserialize)]
pub struct KeyView {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub owner: String,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub status: String,
    pub last_used: Option<i64>,
}

impl KeyView {
    fn of(record: &ApiKeyRecord, key: Option<&str>) -> Self {
        KeyView {
            id: record.id.clone(),
            key: key.map(str::to_owned),
            owner: record.owner.clone(),
            roles: record.roles.clone(),
            scopes: record.scopes.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            status: match record.status {
                ApiKeyStatus::Active => "active",
                ApiKeyStatus::Rotating { .. } => "rotating",
                ApiKeyStatus::Revoked { .. } => "revoked",
            }
            .to_owned(),
            last_used: record.last_used,
        }
    }
}

/// The API keys' pepper, derived from the signing key (HKDF-SHA-256): replicas
/// sharing `PORTCULLIS_SIGNING_KEY` verify each other's API keys, and an ephemeral
/// key gives an ephemeral pepper. (A service keeps its pepper in a secret store of
/// its own; the demo has one secret to share.)
fn derived_pepper(key: &Jwk) -> Result<Pepper, Box<dyn std::error::Error + Send + Sync>> {
    struct Length;
    impl ring::hkdf::KeyType for Length {
        fn len(&self) -> usize {
            32
        }
    }
    let material = zeroize::Zeroizing::new(serde_json::to_vec(key)?);
    let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"portcullis demo");
    let mut secret = vec![0u8; 32];
    salt.extract(&material)
        .expand(&[b"api-key pepper"], Length)
        .and_then(|okm| okm.fill(&mut secret))
        .map_err(|_| "pepper derivation failed")?;
    Ok(Pepper::new("demo", secret)?)
}

/// The problem+json for an API key route's failure.
fn key_rejection(err: &ApiKeyError) -> Rejection {
    match err {
        ApiKeyError::InvalidRequest(_) => Rejection::problem(422, "invalid_body"),
        ApiKeyError::UnknownId => Rejection::problem(404, "not_found"),
        _ => Rejection::problem(500, "internal"),
    }
}

impl Service {
    /// Makes the service: keys, policy and users' password hashes (on the pool).
    ///
    /// # Errors
    ///
    /// Only if the embedded configuration were invalid.
    pub async fn new(options: Options, audit: AuditLog) -> Result<Arc<Self>, Box<dyn std::error::Error + Send + Sync>> {
        // Verified tokens are cached (16 MiB): a token seen before costs a lookup,
        // not a signature check.
        let (store, api_keys) = match &options.redis_url {
            Some(url) => {
                let redis = RedisStore::connect(url, RedisOptions::with_prefix("orders:")).await?;
                let store = Fallback::new(redis.clone(), MemoryStore::default(), options.replicas);
                (store, DemoKeys::Redis(redis))
            }
            None => (
                Fallback::local(MemoryStore::default()),
                DemoKeys::Memory(MemoryApiKeyStore::new()),
            ),
        };
        // Revocations: written to the store, replayed from it by every replica
        // (ten times a second), checked in memory on every request.
        let revocation = Arc::new(SharedRevocation::new(store.clone(), TOKEN_TTL));
        SharedRevocation::spawn_sync(&revocation, REVOCATION_SYNC);
        let verifier = Verifier::builder(KeySet::single(SigningKey::from_jwk(&options.key)?.verifying_key()))
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .cache(TokenCache::new(16 << 20))
            .revocation(revocation.clone())
            .build()?;
        let issuer = Issuer::builder(SigningKey::from_jwk(&options.key)?)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .ttl(TOKEN_TTL)
            .build()?;
        let mut users = HashMap::new();
        for (name, password, role, email) in USERS {
            let hash = options.passwords.hash_async(password).await?;
            let hash = RwLock::new(hash);
            users.insert(name.to_owned(), User { hash, role, email });
        }
        Ok(Arc::new(Service {
            issuer,
            verifier,
            policy: PolicyHandle::from_toml(POLICY)?,
            realm: Realm::new(REALM)?,
            pool: options.passwords,
            proxies: options.trusted_proxies,
            throttle: LoginThrottle::new(store.clone(), LoginLimits::default()),
            revocation,
            users,
            usernames: IdentifierRules::new(1, 64)?,
            passwords: PasswordRules::new(),
            orders: Mutex::new(Vec::new()),
            keyring: Keyring::generate(Suite::Aes256Gcm)?,
            api_keys: ApiKeys::new(api_keys, &derived_pepper(&options.key)?, API_KEY_PREFIX)?,
            store,
            cleaner: HtmlCleaner::new(),
            audit,
            workloads: ClientCertificates::new().trust_domain(TRUST_DOMAIN)?,
            metrics: options.metrics,
        }))
    }

    /// `GET /metrics`: every series, in Prometheus's text format.
    pub fn metrics_text(&self) -> String {
        self.metrics.run_upkeep();
        self.metrics.render()
    }

    /// The verifier of bearer tokens.
    pub fn verifier(&self) -> Verifier {
        self.verifier.clone()
    }

    /// What the routes' middleware authenticates with: API keys, then tokens, then
    /// client certificates (workloads of [`TRUST_DOMAIN`]).
    pub fn authenticator(&self) -> DemoAuthenticator {
        self.api_keys
            .clone()
            .or(self.verifier.clone())
            .or(self.workloads.clone())
    }

    /// Where the routes read credentials: the `Authorization` header and `X-API-Key`,
    /// else the connection's client certificate.
    pub fn sources() -> CredentialSources {
        CredentialSources::authorization_header()
            .with_api_key_header()
            .with_client_certificate()
    }

    /// The RBAC policy the extractors and guards check.
    pub fn policy(&self) -> &PolicyHandle {
        &self.policy
    }

    /// The realm named in challenges.
    pub fn realm(&self) -> Realm {
        self.realm.clone()
    }

    /// The proxies whose forwarding headers name the client.
    pub fn proxies(&self) -> TrustedProxies {
        self.proxies.clone()
    }

    /// The limit on the authenticated routes: per caller (its API key, else its
    /// subject), 50 requests a second in bursts of up to 100.
    ///
    /// # Errors
    ///
    /// Never for these numbers.
    pub fn caller_limit(&self) -> Result<RateLimiter<DemoStore>, portcullis::throttle::ThrottleError> {
        RateLimiter::new(self.store.clone(), "callers", Quota::per_second(50)?.burst(100)?)
    }

    /// The limit on the public catalog: per client, 20 at once, then one every
    /// 10 s.
    ///
    /// # Errors
    ///
    /// Never for these numbers.
    pub fn catalog_limit(&self) -> Result<RateLimiter<DemoStore>, portcullis::throttle::ThrottleError> {
        let quota = Quota::new(60, Duration::from_secs(600))?.burst(20)?;
        RateLimiter::new(self.store.clone(), "catalog", quota)
    }

    /// Where the `/web` routes read credentials: the session cookie (or the header).
    ///
    /// # Errors
    ///
    /// Never for the demo's cookie name.
    pub fn browser_sources() -> Result<CredentialSources, AuthError> {
        Self::sources().with_cookie(SESSION_COOKIE)
    }

    /// `GET /reports/daily`: admins, or clients granted the `reports.read` scope.
    pub fn reports_requirement() -> Requirement {
        Requirement::any_of([Requirement::role("admin"), Requirement::scope("reports.read")])
    }

    /// `GET /payments`: the `payments:read` permission and a token scoped to
    /// `payments`.
    ///
    /// # Errors
    ///
    /// Never for the embedded policy.
    pub fn payments_requirement(&self) -> Result<Requirement, portcullis::rbac::RbacError> {
        Ok(Requirement::all_of([
            Requirement::permission(&self.policy, "payments:read")?,
            Requirement::scope("payments"),
        ]))
    }

    /// `POST /login`: checks the password on the bounded pool (503 when it is full)
    /// and issues a token. Unknown users cost the same argon2 work as known ones,
    /// and both failures get the same 401. Failures are throttled per (account,
    /// client), account and client (DESIGN.md's defaults): a blocked attempt is 429
    /// with `Retry-After` and runs no argon2. The client is the peer, or behind a
    /// trusted proxy the address its forwarding headers name. `/login` is outside the
    /// middleware, so its decisions are recorded, and its refusals rendered under the
    /// same realm, here.
    ///
    /// # Errors
    ///
    /// The refusal to send.
    pub async fn login<H: Headers + ?Sized>(
        &self,
        request: &LoginRequest,
        peer: Option<SocketAddr>,
        headers: &H,
        certificate: Option<&PeerIdentity>,
    ) -> Result<LoginResponse, Rejection> {
        let found = peer.map(|peer| self.proxies.client(peer.ip(), headers));
        if found.is_some_and(|client| client.malformed()) {
            tracing::warn!(target: "portcullis::audit", event = "malformed_forwarding", route = "/login");
        }
        // The audit log names the client found: a forwarded one without a port.
        let client = match (found, peer) {
            (Some(found), Some(peer)) if found.via() == Via::Peer && found.ip() == peer.ip() => Some(peer),
            (Some(found), _) => Some(SocketAddr::new(found.ip(), 0)),
            (None, _) => None,
        };
        let unseen = ClientAddr::peer(std::net::Ipv4Addr::UNSPECIFIED.into());
        let result = self
            .throttled_login(request, &found.unwrap_or(unseen), certificate)
            .await;
        let (outcome, code, subject) = match &result {
            Ok((username, _)) => (Outcome::Allowed, None, Some(username.as_str())),
            Err(err) => (Outcome::Denied, Some(err.code()), None),
        };
        audit::record(&Decision {
            outcome,
            stage: Stage::Authentication,
            credential: Credential::Password,
            code,
            subject,
            token_id: None,
            client,
            method: "POST",
            route: "/login",
            requirement: None,
        });
        result
            .map(|(_, response)| response)
            .map_err(|err| Rejection::new(&err, &self.realm))
    }

    /// The login behind its throttle: counted on the normalized name (unknown names
    /// alike; a name that does not normalize, on one shared counter).
    async fn throttled_login(
        &self,
        request: &LoginRequest,
        client: &ClientAddr,
        certificate: Option<&PeerIdentity>,
    ) -> Result<(String, LoginResponse), AuthError> {
        let normalized = self.usernames.normalize(&request.username).ok();
        let account = normalized.as_deref().unwrap_or("\u{0}not-an-identifier");
        let throttled = |err: portcullis::throttle::ThrottleError| {
            tracing::warn!(target: "portcullis::audit", event = "throttle_failed", code = err.code());
            AuthError::Internal("login throttle failed")
        };
        let attempt = match self.throttle.check(account, client).await.map_err(throttled)? {
            LoginCheck::Proceed(attempt) | LoginCheck::Challenge(attempt) => attempt,
            LoginCheck::Blocked { retry_after, scope } => {
                tracing::info!(target: "portcullis::audit", event = "login_blocked", scope = scope.as_str());
                // A blocked attempt is answered after a pause (no CPU: a timer): a
                // client flooding the login then waits on each of its connections
                // instead of taking the server's time from everyone else.
                tokio::time::sleep(BLOCKED_LOGIN_DELAY.min(retry_after)).await;
                return Err(AuthError::Throttled {
                    retry_after_seconds: portcullis::throttle::retry_after_seconds(retry_after),
                });
            }
        };
        let result = self.check_login(request, certificate).await;
        match &result {
            Ok(_) => self.throttle.succeeded(&attempt).await.map_err(throttled)?,
            Err(AuthError::InvalidCredentials) => self.throttle.failed(&attempt).await.map_err(throttled)?,
            // Not a guess: a full pool or a server failure counts against no one.
            Err(_) => {}
        }
        result
    }

    async fn check_login(
        &self,
        request: &LoginRequest,
        certificate: Option<&PeerIdentity>,
    ) -> Result<(String, LoginResponse), AuthError> {
        let username = self.usernames.normalize(&request.username).ok();
        let user = username.as_deref().and_then(|name| self.users.get(name));
        let verified = match user {
            Some(user) => {
                let hash = user.hash.read().map(|hash| hash.clone()).unwrap_or_default();
                self.pool.verify_async(&request.password, &hash).await?
            }
            None => self.pool.verify_unknown_user_async(&request.password).await?,
        };
        let (Some(user), Some(username), true) = (user, username, verified.ok) else {
            return Err(AuthError::InvalidCredentials);
        };
        let claims = serde_json::json!({ "roles": [user.role], "email": user.email });
        // Over a connection with a client certificate, the token is bound to it.
        let access_token = match certificate {
            Some(certificate) => self.issuer.issue_bound(&username, &claims, certificate.thumbprint()),
            None => self.issuer.issue(&username, &claims),
        }
        .map_err(|_| AuthError::Internal("token issuing failed"))?;
        let response = LoginResponse {
            access_token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL.as_secs(),
        };
        Ok((username, response))
    }

    /// `POST /me/password`: the caller's current password, checked on the pool, and
    /// a new one that meets the password policy, hashed on the pool.
    ///
    /// # Errors
    ///
    /// [`ChangeError::Auth`] for a wrong current password (`invalid_credentials`),
    /// a caller who is not a user (`forbidden`) or a full pool (`busy`);
    /// [`ChangeError::Weak`] for a new password the policy refuses.
    pub async fn change_password(&self, caller: &Principal, change: &PasswordChange) -> Result<(), ChangeError> {
        let Some(user) = self.users.get(caller.subject()) else {
            return Err(ChangeError::Auth(AuthError::Forbidden { missing_scopes: None }));
        };
        let stored = user.hash.read().map(|hash| hash.clone()).unwrap_or_default();
        if !self.pool.verify_async(&change.current, &stored).await?.ok {
            return Err(ChangeError::Auth(AuthError::InvalidCredentials));
        }
        match self
            .pool
            .check_policy_async(&self.passwords, &change.new, caller.subject())
            .await
        {
            Err(PasswordError::Busy) => return Err(ChangeError::Auth(AuthError::Busy)),
            Err(err) => return Err(ChangeError::Weak(err.code())),
            Ok(()) => {}
        }
        let hash = self.pool.hash_async(&change.new).await?;
        if let Ok(mut stored) = user.hash.write() {
            *stored = hash;
        }
        Ok(())
    }

    /// `GET /orders`, the notes opened.
    ///
    /// # Errors
    ///
    /// A poisoned store, or a note that does not open.
    pub fn orders(&self) -> Result<Vec<Order>, OrderError> {
        let orders = self.orders.lock().map_err(|_| OrderError::Unavailable)?;
        orders
            .iter()
            .map(|stored| {
                let note = self.keyring.open(&stored.sealed_note, &note_context(stored.id)?)?;
                Ok(Order {
                    id: stored.id,
                    owner: stored.owner.clone(),
                    item: stored.item.clone(),
                    quantity: stored.quantity,
                    note: String::from_utf8(note.to_vec()).map_err(|_| OrderError::Unavailable)?,
                })
            })
            .collect()
    }

    /// `POST /admin/keyring/rotate`: a new primary key, and every note sealed again
    /// under it (the store held meanwhile, so no note is written under the old key
    /// after its rewrap).
    ///
    /// # Errors
    ///
    /// A poisoned store, or a note that does not open.
    pub fn rotate_keyring(&self) -> Result<Rotation, OrderError> {
        let mut orders = self.orders.lock().map_err(|_| OrderError::Unavailable)?;
        let primary = self.keyring.rotate()?.id();
        let contexts = orders
            .iter()
            .map(|stored| note_context(stored.id))
            .collect::<Result<Vec<_>, _>>()?;
        let rewrapped = self
            .keyring
            .rewrap_batch(orders.iter().map(|stored| &stored.sealed_note[..]).zip(&contexts))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        for (stored, sealed) in orders.iter_mut().zip(rewrapped) {
            stored.sealed_note = sealed;
        }
        Ok(Rotation {
            primary,
            rewrapped: orders.len(),
        })
    }

    /// `POST /api-keys`: a key acting for `caller` with the roles (of the policy),
    /// scopes and lifetime asked for; the key is in the answer, this once.
    ///
    /// # Errors
    ///
    /// 422 `invalid_body` for an unknown role or a request past the limits.
    pub async fn create_api_key(&self, caller: &Principal, request: NewKeyRequest) -> Result<KeyView, Rejection> {
        let policy = self.policy.current();
        if !request.roles.iter().all(|role| policy.has_role(role)) {
            return Err(Rejection::problem(422, "invalid_body"));
        }
        let mut new = NewApiKey::new(caller.subject())
            .roles(request.roles)
            .scopes(request.scopes);
        if let Some(seconds) = request.ttl_seconds {
            new = new.ttl(Duration::from_secs(seconds));
        }
        let created = self.api_keys.create(new).await.map_err(|err| key_rejection(&err))?;
        Ok(KeyView::of(created.record(), Some(created.key())))
    }

    /// `GET /api-keys`: every key's record, never a key.
    ///
    /// # Errors
    ///
    /// A failed store (500).
    pub async fn list_api_keys(&self) -> Result<Vec<KeyView>, Rejection> {
        let records = self.api_keys.list().await.map_err(|err| key_rejection(&err))?;
        Ok(records.iter().map(|record| KeyView::of(record, None)).collect())
    }

    /// `DELETE /api-keys/{id}`: revokes the key from its next use on.
    ///
    /// # Errors
    ///
    /// 404 `not_found` for an id no key has.
    pub async fn revoke_api_key(&self, id: &str) -> Result<(), Rejection> {
        self.api_keys
            .revoke(id)
            .await
            .map(drop)
            .map_err(|err| key_rejection(&err))
    }

    /// `POST /logout`: the caller's token is revoked until it expires, here at once
    /// and on every replica sharing the store within a second.
    ///
    /// # Errors
    ///
    /// 400 `not_a_token` for a caller without a token (an API key: revoke it
    /// instead); 503 `store_unavailable` when the store did not take it (it is
    /// refused by this replica all the same).
    pub async fn logout(&self, caller: &Principal) -> Result<(), Rejection> {
        let (Some(jti), Some(exp), None) = (caller.token_id(), caller.expires_at(), caller.api_key_id()) else {
            return Err(Rejection::problem(400, "not_a_token"));
        };
        self.revocation.revoke_token(jti, exp).await.map_err(|err| {
            tracing::warn!(target: "portcullis::audit", event = "logout_not_shared", code = err.code());
            Rejection::problem(503, "store_unavailable")
        })
    }

    /// `POST /orders`: the note is cleaned with the HTML sanitizer.
    ///
    /// # Errors
    ///
    /// A note too large to clean, or a poisoned store.
    pub fn create_order(&self, owner: &Principal, new: NewOrder) -> Result<Order, OrderError> {
        let note = self.cleaner.clean(&new.note).map_err(OrderError::Note)?;
        let mut orders = self.orders.lock().map_err(|_| OrderError::Unavailable)?;
        let id = orders.len() as u64 + 1;
        let sealed_note = self.keyring.seal(note.as_bytes(), &note_context(id)?)?;
        let order = Order {
            id,
            owner: owner.subject().to_owned(),
            item: new.item,
            quantity: new.quantity,
            note,
        };
        orders.push(StoredOrder {
            id,
            owner: order.owner.clone(),
            item: order.item.clone(),
            quantity: order.quantity,
            sealed_note,
        });
        Ok(order)
    }

    /// `GET /orders/export`: the orders as CSV, for a reporting client.
    pub fn export(&self) -> String {
        let mut csv = String::from("id,owner,item,quantity\n");
        let Ok(orders) = self.orders.lock() else {
            return csv;
        };
        for order in orders.iter() {
            // Items are typed in: quote every text field, and defuse spreadsheet
            // formulas (OWASP's CSV injection advice).
            let quote = |field: &str| {
                let defuse = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    "'"
                } else {
                    ""
                };
                format!("\"{defuse}{}\"", field.replace('"', "\"\""))
            };
            csv.push_str(&format!(
                "{},{},{},{}\n",
                order.id,
                quote(&order.owner),
                quote(&order.item),
                order.quantity
            ));
        }
        csv
    }

    /// `GET /reports/daily`.
    pub fn report(&self) -> Report {
        let orders = self.orders.lock();
        let orders = orders.as_deref().map_or(&[][..], Vec::as_slice);
        Report {
            orders: orders.len(),
            items: orders.iter().map(|order| u64::from(order.quantity)).sum(),
        }
    }

    /// `GET /payments`.
    pub fn payments(&self) -> Payments {
        Payments { payments: [] }
    }

    /// `GET /admin/audit`: the last audit events.
    pub fn audit_lines(&self) -> Vec<String> {
        self.audit.lines()
    }
}

/// Installs the demo's log: events to stdout as `RUST_LOG` selects (default
/// `info`), and audit events to `/admin/audit` whatever `RUST_LOG` says.
pub fn install_log(audit: &AuditLog) {
    use tracing_subscriber::util::SubscriberInitExt;

    log_subscriber(std::io::stdout, audit, std::env::var("RUST_LOG").ok().as_deref()).init();
}

/// The demo's subscriber: everything `rust_log` (`RUST_LOG`'s syntax) selects to
/// `out`, and `portcullis::audit` events to `audit`. An unreadable `rust_log` is
/// reported on stderr and `info` is used.
pub fn log_subscriber<W>(out: W, audit: &AuditLog, rust_log: Option<&str>) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::{Layer, fmt};

    let selected = match rust_log {
        Some(directives) => EnvFilter::try_new(directives).unwrap_or_else(|err| {
            eprintln!("RUST_LOG ignored ({err}); logging at info");
            EnvFilter::new("info")
        }),
        None => EnvFilter::new("info"),
    };
    let audit_only = Targets::new().with_target("portcullis::audit", LevelFilter::INFO);
    tracing_subscriber::registry()
        .with(fmt::layer().with_writer(out).with_ansi(false).with_filter(selected))
        .with(
            fmt::layer()
                .with_writer(audit.clone())
                .with_ansi(false)
                .with_filter(audit_only),
        )
}

/// The port to listen on: `PORT`, default 3000.
pub fn port() -> u16 {
    std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000)
}

/// What the demo prints at start: users and curl commands to paste (and, over
/// HTTPS, how to call it with a client certificate).
pub fn banner(framework: &str, base: &str) -> String {
    let https = base.starts_with("https:");
    // Over HTTPS, curl trusts the server's CA (the one of PORTCULLIS_TLS_CERT).
    let curl = if https { "curl --cacert ca.pem" } else { "curl" };
    let tls = if https {
        format!(
            r#"
  # With a client certificate of the PORTCULLIS_TLS_CLIENT_CA (--cert, --key), the
  # billing workload is its SPIFFE ID, and a login's token is bound to it:
  {curl} -s --cert billing.pem --key billing.key {base}/internal/whoami
  {curl} -s --cert billing.pem --key billing.key {base}/orders
"#
        )
    } else {
        String::new()
    };
    let [(alice, alice_password, ..), (bob, bob_password, ..)] = USERS;
    format!(
        r#"portcullis demo: the orders service on {framework}, at {base}

Users: {alice} / "{alice_password}" (admin), {bob} / "{bob_password}" (viewer)

  # Log in; the token is in the response.
  TOKEN=$({curl} -s -X POST {base}/login -H 'content-type: application/json' \
    -d '{{"username":"{alice}","password":"{alice_password}"}}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

  {curl} -s {base}/me -H "Authorization: Bearer $TOKEN"
  {curl} -s -X POST {base}/orders -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{{"item":"tea","quantity":2,"note":"<b>urgent</b><script>alert(1)</script>"}}'
  {curl} -s {base}/orders -H "Authorization: Bearer $TOKEN"
  {curl} -s {base}/reports/daily -H "Authorization: Bearer $TOKEN"
  {curl} -s {base}/admin/audit -H "Authorization: Bearer $TOKEN"
  {curl} -s -X POST {base}/admin/keyring/rotate -H "Authorization: Bearer $TOKEN"
  {curl} -s {base}/catalog

  # An API key for a script (the key is shown once), then used in X-API-Key:
  KEY=$({curl} -s -X POST {base}/api-keys -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{{"roles":["viewer"],"scopes":["reports.read"],"ttl_seconds":86400}}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
  {curl} -s {base}/reports/daily -H "X-API-Key: $KEY"
  {curl} -s {base}/api-keys -H "Authorization: Bearer $TOKEN"

  # Log out: the token is refused from now on (on every replica sharing
  # PORTCULLIS_REDIS_URL).
  {curl} -si -X POST {base}/logout -H "Authorization: Bearer $TOKEN"

  # Refused, with the contract's status, WWW-Authenticate and problem+json body:
  {curl} -si {base}/orders
  {curl} -si {base}/orders -H "Authorization: Bearer not.a.token"
  {curl} -si {base}/orders/export -H "Authorization: Bearer $TOKEN"
{tls}"#
    )
}
