//! Keys published by an identity provider: a JWKS URL, or an issuer's OIDC
//! discovery document, fetched over HTTPS and kept fresh without a restart, an
//! outage, or letting callers drive traffic to the provider.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use reqwest::Url;
use reqwest::header::{ACCEPT, CACHE_CONTROL};

use super::{Algorithm, JwkSet, KeyError, KeySet, MAX_JWKS_BYTES};

/// Default refresh interval when the response sets no `max-age`: 5 minutes.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(300);
/// `Cache-Control: max-age` is honoured within these bounds: 1 minute to 1 day.
pub const REFRESH_BOUNDS: (Duration, Duration) = (Duration::from_secs(60), Duration::from_secs(86_400));
/// Default least time between fetches caused by unknown `kid`s: 30 seconds.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);
/// Default longest time the last good keys are used while refreshes fail: 1 day.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(86_400);
/// Default time limit on a whole fetch, body included: 5 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Most redirects followed, each to the same origin: 3.
pub const MAX_REDIRECTS: usize = 3;

/// Why a remote key set could not be made or refreshed. Never holds a response
/// body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The URL is not `https` (plain `http` is allowed to loopback addresses only,
    /// and only when asked), or carries credentials.
    #[error("the URL must be https: {0}")]
    InsecureUrl(&'static str),
    /// The URL does not parse.
    #[error("invalid URL")]
    InvalidUrl,
    /// Connecting, TLS or reading failed.
    #[error("fetch failed")]
    Fetch,
    /// The fetch took longer than its time limit.
    #[error("fetch timed out")]
    Timeout,
    /// A redirect to another origin (scheme, host and port), or too many.
    #[error("redirect refused")]
    RedirectRefused,
    /// A status other than 2xx.
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    /// The body is larger than the limit.
    #[error("response over {0} bytes")]
    TooLarge(usize),
    /// The body is not a JWKS (or discovery document) in JSON.
    #[error("invalid document")]
    InvalidDocument,
    /// The JWKS holds no key portcullis can verify with (symmetric `oct` keys are
    /// never taken from a remote set: whoever can read it could sign).
    #[error("no usable key")]
    NoUsableKey,
    /// Two keys with the same `kid` and algorithm.
    #[error("duplicate key")]
    DuplicateKey,
    /// The discovery document names another issuer than the one configured.
    #[error("discovery issuer mismatch")]
    IssuerMismatch,
    /// Not started inside a tokio runtime (the refresh runs as a task).
    #[error("no tokio runtime")]
    NoRuntime,
    /// The TLS configuration could not be built (no usable trust store).
    #[error("TLS configuration failed")]
    Tls,
    /// A builder setting is out of its documented range (refused, never clamped).
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
}

impl JwksError {
    /// The stable, snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            JwksError::InsecureUrl(_) => "insecure_url",
            JwksError::InvalidUrl => "invalid_url",
            JwksError::Fetch => "fetch_failed",
            JwksError::Timeout => "timeout",
            JwksError::RedirectRefused => "redirect_refused",
            JwksError::HttpStatus(_) => "http_status",
            JwksError::TooLarge(_) => "too_large",
            JwksError::InvalidDocument => "invalid_document",
            JwksError::NoUsableKey => "no_usable_key",
            JwksError::DuplicateKey => "duplicate_key",
            JwksError::IssuerMismatch => "issuer_mismatch",
            JwksError::NoRuntime => "no_runtime",
            JwksError::Tls => "tls_config",
            JwksError::InvalidConfig(_) => "invalid_config",
        }
    }
}

/// The keys in use, swapped whole on refresh; read without a lock.
pub(crate) struct Snapshot {
    pub(crate) keys: Arc<KeySet>,
    /// Bumped when a fetch brings different keys; cached tokens of an older
    /// generation are verified again.
    pub(crate) generation: u64,
    /// After this, these keys are not used (a monotonic clock: wall-clock steps and
    /// verifiers' own clocks do not move it).
    pub(crate) stale_after: Instant,
}

/// A key set from an identity provider's JWKS, kept fresh in the background.
///
/// - **Start-up:** [`start`](RemoteKeySetBuilder::start) fetches once and returns
///   only with keys, so a service does not take traffic before it can verify.
/// - **Reads:** keys are served from memory, with no lock: a refresh swaps the whole
///   set.
/// - **Refresh:** every [`DEFAULT_REFRESH`], or the response's
///   `Cache-Control: max-age` within [`REFRESH_BOUNDS`], and never later than half
///   the maximum staleness, so a healthy provider's keys never go stale.
/// - **Unknown `kid`:** a token naming a key the set does not have (a rotation the
///   refresh has not seen yet) causes one refetch, at most one per cooldown
///   (default 30 s). It runs as a task of its own: every miss that arrives while it
///   runs waits for it, and a caller that gives up does not abandon it. A flood of
///   made-up `kid`s therefore costs the provider one request per cooldown.
/// - **Failures:** a failed fetch (down, 5xx, not JSON, too large, too slow) keeps
///   the last good keys, is logged (target `portcullis::jwks`, warn) and shows in
///   [`health`](RemoteKeySet::health); after the maximum staleness (default 1 day)
///   without success the keys are no longer used (`keys_unavailable`).
/// - **Transport:** HTTPS with rustls on ring and the platform's trust store;
///   redirects only to the same origin, at most [`MAX_REDIRECTS`]; bodies up to
///   [`MAX_JWKS_BYTES`]; a time limit on the whole fetch (default 5 s).
/// - **Symmetric keys:** `oct` keys in the set are left out (and logged): anyone
///   who can read a published set could sign with them.
/// - **Selection:** RFC 7517/7518, as [`KeySet`] does: `kid`, then `alg` (or the
///   curve's), `use` and `key_ops`; RSA keys without `alg` take
///   [`rsa_default_algorithm`](RemoteKeySetBuilder::rsa_default_algorithm) or are
///   left out.
///
/// ```no_run
/// use portcullis::token::{RemoteKeySet, Verifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = RemoteKeySet::from_issuer("https://login.example.com/realms/acme").start().await?;
/// let verifier = Verifier::builder(keys.clone())
///     .issuer("https://login.example.com/realms/acme")
///     .audience("orders")
///     .build()?;
/// // Readiness probe:
/// assert!(keys.health().is_ready());
/// # let _ = verifier;
/// # Ok(())
/// # }
/// ```
///
/// The background refresh runs on the tokio runtime `start` ran on; it ends when
/// the last clone of the set is dropped (or that runtime is: keys then go stale
/// after the maximum staleness, which health reports).
#[derive(Clone)]
pub struct RemoteKeySet {
    inner: Arc<Remote>,
}

struct Remote {
    jwks_url: Url,
    client: reqwest::Client,
    config: Config,
    snapshot: ArcSwap<Snapshot>,
    /// Held for the length of a fetch: concurrent callers wait, then share its result.
    fetching: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

#[derive(Clone)]
struct Config {
    refresh: Duration,
    cooldown: Duration,
    max_staleness: Duration,
    timeout: Duration,
    max_bytes: usize,
    rsa_default: Option<Algorithm>,
    allow_http_loopback: bool,
}

impl Config {
    /// Every setting within its documented range: one out of it is refused, never
    /// clamped, so a configuration means what it says.
    fn validate(&self) -> Result<(), JwksError> {
        let refused = |what| Err(JwksError::InvalidConfig(what));
        if !(REFRESH_BOUNDS.0..=REFRESH_BOUNDS.1).contains(&self.refresh) {
            return refused("refresh interval outside 1 minute to 1 day");
        }
        if self.cooldown < Duration::from_secs(1) {
            return refused("unknown-kid cooldown under 1 second");
        }
        if self.max_staleness < Duration::from_secs(1) {
            return refused("maximum staleness under 1 second");
        }
        if !(Duration::from_millis(100)..=Duration::from_secs(60)).contains(&self.timeout) {
            return refused("timeout outside 100 ms to 60 s");
        }
        if !(1..=MAX_JWKS_BYTES).contains(&self.max_bytes) {
            return refused("response limit outside 1 byte to MAX_JWKS_BYTES");
        }
        Ok(())
    }
}

#[derive(Default)]
struct State {
    /// The last fetch an unknown `kid` caused: the cooldown runs from it (scheduled
    /// refreshes do not count, so a rotation right after one is still seen).
    last_unknown_kid_fetch: Option<Instant>,
    /// The unknown-`kid` fetch under way, which later misses wait for.
    in_flight: Option<tokio::sync::watch::Receiver<Option<bool>>>,
    last_success: Option<SystemTime>,
    last_error: Option<(SystemTime, &'static str)>,
    fetches: u64,
    next_refresh: Option<Duration>,
    body_digest: Option<u64>,
}

/// What a readiness probe needs of a [`RemoteKeySet`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeySetHealth {
    /// When keys were last fetched successfully.
    pub last_success: Option<SystemTime>,
    /// The most recent failure and its [`JwksError::code`], kept after later
    /// successes (compare with `last_success`).
    pub last_error: Option<(SystemTime, &'static str)>,
    /// Keys in use.
    pub keys: usize,
    /// Fetches made so far (successful or not).
    pub fetches: u64,
    /// Whether the keys are past their maximum staleness (tokens are refused).
    pub stale: bool,
}

impl KeySetHealth {
    /// Whether tokens can be verified: the keys are not stale.
    pub fn is_ready(&self) -> bool {
        !self.stale
    }
}

enum Source {
    JwksUrl(String),
    Issuer(String),
}

/// Settings for a [`RemoteKeySet`]; every one has a safe default.
#[must_use]
pub struct RemoteKeySetBuilder {
    source: Source,
    config: Config,
}

impl RemoteKeySet {
    /// Keys from a JWKS at `url`.
    pub fn from_jwks_url(url: impl Into<String>) -> RemoteKeySetBuilder {
        RemoteKeySetBuilder::new(Source::JwksUrl(url.into()))
    }

    /// Keys from the `jwks_uri` of `issuer`'s OIDC discovery document
    /// (`{issuer}/.well-known/openid-configuration`), whose `issuer` must equal
    /// `issuer` exactly (OpenID Connect Discovery §4.3).
    pub fn from_issuer(issuer: impl Into<String>) -> RemoteKeySetBuilder {
        RemoteKeySetBuilder::new(Source::Issuer(issuer.into()))
    }

    pub(crate) fn snapshot(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.inner.snapshot.load()
    }

    /// For readiness probes: last success, last error, keys, staleness.
    pub fn health(&self) -> KeySetHealth {
        let snapshot = self.snapshot();
        let state = self.inner.state();
        KeySetHealth {
            last_success: state.last_success,
            last_error: state.last_error,
            keys: snapshot.keys.len(),
            fetches: state.fetches,
            stale: Instant::now() >= snapshot.stale_after,
        }
    }

    /// The JWKS URL in use (from discovery, when made with
    /// [`from_issuer`](Self::from_issuer)).
    pub fn jwks_url(&self) -> &str {
        self.inner.jwks_url.as_str()
    }

    /// Fetches now, whatever the schedule.
    ///
    /// # Errors
    ///
    /// Why the fetch failed; the last good keys stay in use.
    pub async fn refresh(&self) -> Result<(), JwksError> {
        self.inner.fetch().await
    }

    /// Whether an unknown `kid` may cause a fetch now, or join one under way.
    pub(crate) fn may_refetch(&self) -> bool {
        let state = self.inner.state();
        state.in_flight.is_some() || self.inner.cooldown_passed(&state)
    }

    /// On an unknown `kid`: one fetch per cooldown, shared by every caller that
    /// asks while it runs. It runs as a task of its own, so a caller that gives up
    /// (a client gone, a timeout) does not abandon it. True when it brought keys, so
    /// a retry may now find the key.
    pub(crate) async fn refetch_for_unknown_kid(&self) -> bool {
        let mut done = {
            let mut state = self.inner.state();
            match &state.in_flight {
                Some(done) => done.clone(),
                None if self.inner.cooldown_passed(&state) => {
                    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                        return false;
                    };
                    state.last_unknown_kid_fetch = Some(Instant::now());
                    let (sender, done) = tokio::sync::watch::channel(None);
                    state.in_flight = Some(done.clone());
                    let remote = self.inner.clone();
                    runtime.spawn(async move {
                        let fetched = remote.fetch().await.is_ok();
                        remote.state().in_flight = None;
                        let _ = sender.send(Some(fetched));
                    });
                    done
                }
                None => return false,
            }
        };
        match done.wait_for(Option::is_some).await {
            Ok(fetched) => fetched.unwrap_or(false),
            Err(_) => false,
        }
    }
}

impl std::fmt::Debug for RemoteKeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeySet")
            .field("jwks_url", &self.inner.jwks_url.as_str())
            .field("health", &self.health())
            .finish()
    }
}

impl RemoteKeySetBuilder {
    fn new(source: Source) -> Self {
        RemoteKeySetBuilder {
            source,
            config: Config {
                refresh: DEFAULT_REFRESH,
                cooldown: DEFAULT_COOLDOWN,
                max_staleness: DEFAULT_MAX_STALENESS,
                timeout: DEFAULT_TIMEOUT,
                max_bytes: MAX_JWKS_BYTES,
                rsa_default: None,
                allow_http_loopback: false,
            },
        }
    }

    /// Refresh interval when responses set no `max-age` (default 5 minutes; within
    /// [`REFRESH_BOUNDS`]).
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.config.refresh = interval;
        self
    }

    /// Least time between fetches caused by unknown `kid`s (default 30 s, at least
    /// 1 s).
    pub fn unknown_kid_cooldown(mut self, cooldown: Duration) -> Self {
        self.config.cooldown = cooldown;
        self
    }

    /// Longest time the last good keys stay in use while fetches fail (default 1
    /// day, at least 1 s).
    pub fn max_staleness(mut self, staleness: Duration) -> Self {
        self.config.max_staleness = staleness;
        self
    }

    /// Time limit on a whole fetch, connection and body included (default 5 s,
    /// 100 ms to 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Largest response body, in bytes (default and most [`MAX_JWKS_BYTES`]).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config.max_bytes = bytes;
        self
    }

    /// The algorithm of RSA keys that name none (default: such keys are left out).
    pub fn rsa_default_algorithm(mut self, alg: Algorithm) -> Self {
        self.config.rsa_default = Some(alg);
        self
    }

    /// Allows plain `http` to loopback addresses (127.0.0.0/8, ::1, `localhost`),
    /// for tests against a local server. Off by default; never for other hosts.
    pub fn allow_http_loopback(mut self, allow: bool) -> Self {
        self.config.allow_http_loopback = allow;
        self
    }

    /// Fetches the keys (after discovery, when made from an issuer), and starts the
    /// background refresh on the current tokio runtime. Returns once the keys are
    /// in memory.
    ///
    /// # Errors
    ///
    /// [`JwksError::InvalidConfig`] for a setting out of its documented range
    /// (checked first, before any fetch), an invalid or insecure URL, an issuer
    /// mismatch, or a failed first fetch.
    pub async fn start(self) -> Result<RemoteKeySet, JwksError> {
        let config = self.config;
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| JwksError::NoRuntime)?;
        let client = client(&config)?;
        let jwks_url = match self.source {
            Source::JwksUrl(url) => checked_url(&url, &config)?,
            Source::Issuer(issuer) => discover(&client, &issuer, &config).await?,
        };
        let (keys, max_age, digest) = fetch_keys(&client, &jwks_url, &config).await?;
        let now = SystemTime::now();
        let state = State {
            last_success: Some(now),
            fetches: 1,
            next_refresh: None,
            body_digest: Some(digest),
            ..State::default()
        };
        let snapshot = Snapshot {
            keys: Arc::new(keys),
            generation: 1,
            stale_after: stale_after(&config),
        };
        let inner = Arc::new(Remote {
            jwks_url,
            client,
            config,
            snapshot: ArcSwap::from_pointee(snapshot),
            fetching: tokio::sync::Mutex::new(()),
            state: Mutex::new(state),
        });
        let first = inner.next_after_success(max_age);
        inner.state().next_refresh = Some(first);
        runtime.spawn(refresh_in_background(Arc::downgrade(&inner)));
        Ok(RemoteKeySet { inner })
    }
}

impl Remote {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cooldown_passed(&self, state: &State) -> bool {
        state
            .last_unknown_kid_fetch
            .is_none_or(|started| started.elapsed() >= self.config.cooldown)
    }

    /// When to refresh after a success: the response's `max-age` (bounded), and
    /// never later than half the maximum staleness, so healthy keys never go stale.
    fn next_after_success(&self, max_age: Option<Duration>) -> Duration {
        max_age
            .map_or(self.config.refresh, bounded)
            .min(self.config.max_staleness / 2)
    }

    /// One fetch, after any under way has ended. On failure the keys stay.
    async fn fetch(&self) -> Result<(), JwksError> {
        let _fetching = self.fetching.lock().await;
        self.state().fetches += 1;
        let result = fetch_keys(&self.client, &self.jwks_url, &self.config).await;
        let mut state = self.state();
        match result {
            Ok((keys, max_age, digest)) => {
                #[cfg(feature = "metrics")]
                {
                    crate::metrics::count(crate::metrics::JWKS_FETCHES, "result", "ok");
                    if crate::metrics::enabled() {
                        ::metrics::gauge!(crate::metrics::JWKS_KEYS).set(keys.len() as f64);
                    }
                }
                let current = self.snapshot.load();
                let generation = if state.body_digest == Some(digest) {
                    current.generation
                } else {
                    current.generation + 1
                };
                self.snapshot.store(Arc::new(Snapshot {
                    keys: if generation == current.generation {
                        current.keys.clone()
                    } else {
                        Arc::new(keys)
                    },
                    generation,
                    stale_after: stale_after(&self.config),
                }));
                state.last_success = Some(SystemTime::now());
                state.body_digest = Some(digest);
                state.next_refresh = Some(self.next_after_success(max_age));
                Ok(())
            }
            Err(err) => {
                #[cfg(feature = "metrics")]
                crate::metrics::count(crate::metrics::JWKS_FETCHES, "result", "error");
                tracing::warn!(
                    target: "portcullis::jwks",
                    code = err.code(),
                    host = self.jwks_url.host_str().unwrap_or(""),
                    "JWKS fetch failed; the last good keys stay in use"
                );
                state.last_error = Some((SystemTime::now(), err.code()));
                // Try again sooner than the schedule, but no sooner than the cooldown.
                state.next_refresh = Some(self.config.cooldown.min(self.config.refresh));
                Err(err)
            }
        }
    }
}

async fn refresh_in_background(remote: Weak<Remote>) {
    loop {
        let delay = match remote.upgrade() {
            Some(remote) => remote.state().next_refresh.unwrap_or(remote.config.refresh),
            None => return,
        };
        tokio::time::sleep(delay).await;
        let Some(remote) = remote.upgrade() else {
            return;
        };
        let _ = remote.fetch().await;
    }
}

fn bounded(max_age: Duration) -> Duration {
    max_age.clamp(REFRESH_BOUNDS.0, REFRESH_BOUNDS.1)
}

fn stale_after(config: &Config) -> Instant {
    let now = Instant::now();
    now.checked_add(config.max_staleness).unwrap_or(now)
}

fn client(config: &Config) -> Result<reqwest::Client, JwksError> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| JwksError::Tls)?
        .with_platform_verifier()
        .map_err(|_| JwksError::Tls)?
        .with_no_client_auth();
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS || !same_origin {
            attempt.error(JwksError::RedirectRefused)
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(redirects)
        .timeout(config.timeout)
        .https_only(!config.allow_http_loopback)
        .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| JwksError::Tls)
}

fn checked_url(url: &str, config: &Config) -> Result<Url, JwksError> {
    let url = Url::parse(url).map_err(|_| JwksError::InvalidUrl)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(JwksError::InsecureUrl("credentials in the URL"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if config.allow_http_loopback && loopback => Ok(url),
        "http" if loopback => Err(JwksError::InsecureUrl("http to loopback needs allow_http_loopback")),
        _ => Err(JwksError::InsecureUrl("not https")),
    }
}

/// The members of an OIDC discovery document we use; the others are skipped unread.
#[derive(serde::Deserialize)]
struct Discovery {
    #[serde(deserialize_with = "super::jwk::bounded_string")]
    issuer: String,
    #[serde(deserialize_with = "super::jwk::bounded_string")]
    jwks_uri: String,
}

async fn discover(client: &reqwest::Client, issuer: &str, config: &Config) -> Result<Url, JwksError> {
    let document = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let url = checked_url(&document, config)?;
    let (body, _) = get(client, &url, config).await?;
    jwks_uri_of(&body, issuer, config)
}

/// The `jwks_uri` of an OIDC discovery document, which must name `issuer` exactly
/// (OpenID Connect Discovery 1.0 §4.3) and point where a key set may come from.
fn jwks_uri_of(body: &[u8], issuer: &str, config: &Config) -> Result<Url, JwksError> {
    let discovery: Discovery = serde_json::from_slice(body).map_err(|_| JwksError::InvalidDocument)?;
    if discovery.issuer != issuer {
        return Err(JwksError::IssuerMismatch);
    }
    checked_url(&discovery.jwks_uri, config)
}

/// Entry points for the fuzz targets under `fuzz/` (built with `--cfg fuzzing` only).
#[cfg(fuzzing)]
pub(crate) fn fuzz_discovery(body: &[u8], issuer: &str, allow_http_loopback: bool) -> Result<Url, JwksError> {
    let config = Config {
        allow_http_loopback,
        ..RemoteKeySet::from_jwks_url("https://unused.example").config
    };
    jwks_uri_of(body, issuer, &config)
}

async fn fetch_keys(
    client: &reqwest::Client,
    url: &Url,
    config: &Config,
) -> Result<(KeySet, Option<Duration>, u64), JwksError> {
    let (body, max_age) = get(client, url, config).await?;
    let text = std::str::from_utf8(&body).map_err(|_| JwksError::InvalidDocument)?;
    let mut jwks = JwkSet::from_json(text).map_err(|_| JwksError::InvalidDocument)?;
    // A symmetric key in a published set is readable by anyone who could forge.
    jwks.keys.retain(|jwk| {
        let public = jwk.kty != "oct";
        if !public {
            tracing::warn!(target: "portcullis::jwks", kid = jwk.kid.as_deref(), "symmetric JWKS key left out");
        }
        public
    });
    let keys = KeySet::from_jwks_with_rsa_default(&jwks, config.rsa_default).map_err(|err| match err {
        KeyError::DuplicateKid => JwksError::DuplicateKey,
        _ => JwksError::NoUsableKey,
    })?;
    Ok((keys, max_age, digest(&body)))
}

/// A body's fingerprint, to tell whether a refresh brought new keys.
fn digest(body: &[u8]) -> u64 {
    let hash = ring::digest::digest(&ring::digest::SHA256, body);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_ref()[..8]);
    u64::from_le_bytes(first)
}

/// GET `url`: a 2xx body of at most the limit, and the response's `max-age`.
async fn get(client: &reqwest::Client, url: &Url, config: &Config) -> Result<(Vec<u8>, Option<Duration>), JwksError> {
    let mut response = client
        .get(url.clone())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(classify)?;
    if !response.status().is_success() {
        return Err(JwksError::HttpStatus(response.status().as_u16()));
    }
    let max_age = response
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .and_then(max_age);
    if response
        .content_length()
        .is_some_and(|length| length > config.max_bytes as u64)
    {
        return Err(JwksError::TooLarge(config.max_bytes));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > config.max_bytes {
            return Err(JwksError::TooLarge(config.max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, max_age))
}

fn classify(err: reqwest::Error) -> JwksError {
    if err.is_timeout() {
        JwksError::Timeout
    } else if err.is_redirect() {
        JwksError::RedirectRefused
    } else {
        JwksError::Fetch
    }
}

/// `max-age` of a `Cache-Control` value; `no-store` and `no-cache` count as 0
/// (then bounded to the least refresh interval).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        if directive.eq_ignore_ascii_case("no-store") || directive.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        let (name, seconds) = directive.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("max-age"))
            .then(|| seconds.trim().trim_matches('"').parse().ok().map(Duration::from_secs))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found in review: out-of-range settings were silently clamped.
    #[tokio::test]
    async fn out_of_range_settings_are_refused_before_any_fetch() {
        let builder = || RemoteKeySet::from_jwks_url("https://issuer.example/jwks.json");
        let cases = [
            builder().refresh_interval(Duration::from_secs(1)),
            builder().refresh_interval(Duration::from_secs(2 * 86_400)),
            builder().unknown_kid_cooldown(Duration::ZERO),
            builder().max_staleness(Duration::from_millis(10)),
            builder().timeout(Duration::from_secs(61)),
            builder().timeout(Duration::from_millis(99)),
            builder().max_response_bytes(MAX_JWKS_BYTES + 1),
            builder().max_response_bytes(0),
        ];
        for builder in cases {
            let err = builder.start().await.expect_err("refused");
            assert_eq!(err.code(), "invalid_config");
        }
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(max_age("public, max-age=3600"), Some(Duration::from_secs(3600)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("max-age=x"), None);
        assert_eq!(max_age("private"), None);
        assert_eq!(bounded(Duration::ZERO), REFRESH_BOUNDS.0);
        assert_eq!(bounded(Duration::from_secs(10_000_000)), REFRESH_BOUNDS.1);
    }

    #[test]
    fn discovery_members_are_bounded_as_jwk_members_are() {
        let parse = |issuer: &str| {
            serde_json::from_str::<Discovery>(&format!(
                r#"{{"issuer":"{issuer}","jwks_uri":"https://idp.example/jwks","x":[1]}}"#
            ))
        };
        assert_eq!(
            parse("https://idp.example").unwrap().jwks_uri,
            "https://idp.example/jwks"
        );
        assert!(parse(&"i".repeat(8 * 1024 + 1)).is_err());
    }

    #[test]
    fn only_https_or_opted_in_loopback_http_is_accepted() {
        let strict = RemoteKeySet::from_jwks_url("").config;
        let loopback = RemoteKeySet::from_jwks_url("").allow_http_loopback(true).config;
        assert!(checked_url("https://idp.example/jwks", &strict).is_ok());
        assert_eq!(
            checked_url("http://idp.example/jwks", &loopback).unwrap_err().code(),
            "insecure_url"
        );
        assert_eq!(
            checked_url("http://127.0.0.1:8080/jwks", &strict).unwrap_err().code(),
            "insecure_url"
        );
        assert!(checked_url("http://127.0.0.1:8080/jwks", &loopback).is_ok());
        assert!(checked_url("http://[::1]:8080/jwks", &loopback).is_ok());
        assert_eq!(
            checked_url("https://user:pw@idp.example/jwks", &strict)
                .unwrap_err()
                .code(),
            "insecure_url"
        );
        assert_eq!(checked_url("not a url", &strict).unwrap_err().code(), "invalid_url");
    }
}
