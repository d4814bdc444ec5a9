//! The authentication middleware, framework-free: what it is configured with, and
//! its decision about each request.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::site::{Site, Verdict};
use super::{Realm, Rejection};
use crate::Principal;
use crate::audit::Stage;
use crate::auth::{AuthError, Authenticator, CredentialSources, Credentials, Headers};
use crate::rbac::PolicyHandle;
use crate::store::StateStore;
use crate::throttle::{ClientAddr, RateKey, RateLimiter, ThrottleError, TrustedProxies, Via, retry_after_seconds};

/// The authentication middleware: it reads each request's credentials, turns them
/// into the caller's [`Principal`] with an [`Authenticator`], and refuses the
/// request or hands the principal on to extractors and guards.
///
/// The axum adapter installs it as a tower layer (`portcullis::axum::AuthLayer` is
/// this type), the actix-web adapter as a middleware
/// (`portcullis::actix::AuthMiddleware`). Cloning it is one reference count.
///
/// - [`required`](Self::required): a request without credentials gets 401.
/// - [`optional`](Self::optional): it goes through without a principal; bad
///   credentials are still refused (a wrong token is never anonymous). Credentials
///   of a kind the authenticator does not accept
///   ([`Authenticator::accepts`]) count as none.
///
/// Credentials come from the `Authorization` header, and from a cookie when set with
/// [`sources`](Self::sources); never from the query string (RFC 6750 §2.3).
///
/// ```
/// use portcullis::http::{Gate, Realm};
/// use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
///
/// let key = SigningKey::generate(Algorithm::ES256)?;
/// let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
/// let gate = Gate::required(verifier).realm(Realm::new("orders")?);
/// # let _ = gate;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Gate<A> {
    parts: Arc<Parts<A>>,
}

struct Parts<A> {
    authenticator: Arc<A>,
    sources: Arc<CredentialSources>,
    shared: Arc<Shared>,
    required: bool,
    /// Only certificate-bound tokens (or the certificate itself) are taken.
    bound_only: bool,
}

// By hand: the authenticator is shared, so it need not be `Clone` itself.
impl<A> Clone for Gate<A> {
    fn clone(&self) -> Self {
        Gate {
            parts: self.parts.clone(),
        }
    }
}

impl<A> Clone for Parts<A> {
    fn clone(&self) -> Self {
        Parts {
            authenticator: self.authenticator.clone(),
            sources: self.sources.clone(),
            shared: self.shared.clone(),
            required: self.required,
            bound_only: self.bound_only,
        }
    }
}

impl<A: Authenticator> Gate<A> {
    /// Requests must authenticate.
    pub fn required(authenticator: A) -> Self {
        Self::new(authenticator, true)
    }

    /// Requests may authenticate; anonymous ones pass without a principal.
    pub fn optional(authenticator: A) -> Self {
        Self::new(authenticator, false)
    }

    fn new(authenticator: A, required: bool) -> Self {
        Gate {
            parts: Arc::new(Parts {
                authenticator: Arc::new(authenticator),
                sources: Arc::new(CredentialSources::authorization_header()),
                shared: Arc::new(Shared {
                    realm: Realm::default(),
                    policy: None,
                    proxies: None,
                    limit: None,
                    #[cfg(feature = "tls")]
                    forwarded: None,
                    #[cfg(feature = "metrics")]
                    metrics: Arc::new(crate::metrics::Decisions::register()),
                }),
                required,
                bound_only: false,
            }),
        }
    }

    /// The realm named in challenges (default `api`).
    pub fn realm(mut self, realm: Realm) -> Self {
        self.shared_mut().realm = realm;
        self
    }

    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut Arc::make_mut(&mut self.parts).shared)
    }

    /// The proxies whose forwarding headers name the client (see
    /// [`TrustedProxies::client`]): the audit log and the rate limit then see the
    /// client, not the proxy. A trusted proxy's unreadable forwarding headers are an
    /// audit event (`malformed_forwarding`), and the request goes on as from the
    /// last trusted hop.
    ///
    /// ```
    /// use portcullis::http::Gate;
    /// use portcullis::throttle::TrustedProxies;
    /// # use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
    /// # let key = SigningKey::generate(Algorithm::ES256)?;
    /// # let verifier = Verifier::builder(KeySet::single(key.verifying_key())).build()?;
    ///
    /// let gate = Gate::required(verifier).trusted_proxies(TrustedProxies::parse("10.0.0.0/8")?);
    /// # let _ = gate;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.shared_mut().proxies = Some(proxies);
        self
    }

    /// Believes the client certificate that the [trusted
    /// proxies](Self::trusted_proxies) forward in `X-Forwarded-Client-Cert`, read as
    /// `forwarded` says; from any other peer the header is ignored. The forwarded
    /// identity is the request's [`Credentials::Certificate`] (when the sources
    /// [read certificates](crate::auth::CredentialSources::with_client_certificate))
    /// in place of the proxy's own certificate. A trusted proxy's unreadable header
    /// is an audit event (`malformed_xfcc`) and no identity, never an error page.
    ///
    /// ```
    /// use portcullis::http::Gate;
    /// use portcullis::throttle::TrustedProxies;
    /// use portcullis::tls::{ClientCertificates, ForwardedCertificates};
    ///
    /// let gate = Gate::required(ClientCertificates::new())
    ///     .trusted_proxies(TrustedProxies::parse("10.0.0.0/8")?)
    ///     .forwarded_client_certificates(ForwardedCertificates::on_the_proxys_word());
    /// # let _ = gate;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn forwarded_client_certificates(mut self, forwarded: crate::tls::ForwardedCertificates) -> Self {
        self.shared_mut().forwarded = Some(forwarded);
        self
    }

    /// Limits the rate of requests through the gate, kept per `by`, after
    /// authentication: a request over the limit is 429 `too_many_requests` with
    /// `Retry-After` (recorded at stage `rate_limit`); a store that cannot answer is
    /// 503 `store_unavailable`, never a request let through uncounted.
    ///
    /// A limiter whose store answers without waiting
    /// ([`MemoryStore`](crate::store::MemoryStore)) is asked in place; one on a shared
    /// store ([`Fallback`](crate::store::Fallback) over Redis) is awaited, the request
    /// then taking the adapters' waiting path.
    ///
    /// ```
    /// use portcullis::http::{Gate, RateBy};
    /// use portcullis::store::MemoryStore;
    /// use portcullis::throttle::{Quota, RateLimiter};
    /// # use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
    /// # let key = SigningKey::generate(Algorithm::ES256)?;
    /// # let verifier = Verifier::builder(KeySet::single(key.verifying_key())).build()?;
    ///
    /// let limiter = RateLimiter::new(MemoryStore::default(), "api", Quota::per_second(20)?.burst(40)?)?;
    /// let gate = Gate::required(verifier).rate_limit(limiter, RateBy::Caller);
    /// # let _ = gate;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate_limit<S: StateStore>(mut self, limiter: RateLimiter<S>, by: RateBy) -> Self {
        self.shared_mut().limit = Some((Arc::new(limiter), by));
        self
    }

    /// Takes only tokens bound to the connection's client certificate (RFC 8705):
    /// an unbound token or an API key is 401 `invalid_token` with code
    /// `token_not_bound`, and the client certificate itself still authenticates
    /// where the [sources](Self::sources) read it. For the routes where a stolen
    /// bearer token must be worthless.
    ///
    /// Whatever this says, every gate refuses a *bound* token over a connection
    /// without its certificate (`certificate_mismatch`); see
    /// [`Principal::confirm_certificate`].
    ///
    /// ```
    /// use portcullis::http::Gate;
    /// # use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
    /// # let key = SigningKey::generate(Algorithm::ES256)?;
    /// # let verifier = Verifier::builder(KeySet::single(key.verifying_key())).build()?;
    ///
    /// let internal = Gate::required(verifier).bound_tokens_only();
    /// # let _ = internal;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bound_tokens_only(mut self) -> Self {
        Arc::make_mut(&mut self.parts).bound_only = true;
        self
    }

    /// Where credentials are read from (default: the `Authorization` header only).
    pub fn sources(mut self, sources: CredentialSources) -> Self {
        Arc::make_mut(&mut self.parts).sources = Arc::new(sources);
        self
    }

    /// The RBAC policy that [`Authorized`](super::Authorized) extractors check
    /// against.
    pub fn policy(mut self, policy: PolicyHandle) -> Self {
        self.shared_mut().policy = Some(policy);
        self
    }

    /// The request's caller (`None`: anonymous, where that is allowed), when the
    /// authenticator can answer without waiting (token verification can); `None`
    /// means "await [`authenticate`](Self::authenticate)".
    ///
    /// `peer` finds the connection's client certificate (or the one a trusted
    /// proxy forwarded); it is asked only when a certificate matters: the sources
    /// read certificates, or the token is bound to one.
    #[allow(clippy::type_complexity)]
    pub(crate) fn authenticate_now<'h, H: Headers + ?Sized>(
        &self,
        headers: &'h H,
        peer: impl Fn() -> Option<&'h PeerCertificate>,
    ) -> Option<Result<Option<Principal>, AuthError>> {
        let parts = &*self.parts;
        let started = self.clock();
        let outcome = match self.credentials(headers, &peer) {
            Err(err) => Some(Err(err)),
            Ok(None) => Some(Ok(None)),
            Ok(Some(credentials)) => parts
                .authenticator
                .authenticate_now(&credentials)
                .map(|result| self.confirmed(result?, &credentials, &peer).map(Some)),
        };
        if outcome.is_some() {
            self.timed(started);
        }
        outcome
    }

    /// The request's caller, awaiting the authenticator.
    pub(crate) async fn authenticate<'h, H: Headers + ?Sized>(
        &self,
        headers: &'h H,
        peer: impl Fn() -> Option<&'h PeerCertificate>,
    ) -> Result<Option<Principal>, AuthError> {
        let started = self.clock();
        let outcome = async {
            match self.credentials(headers, &peer)? {
                None => Ok(None),
                Some(credentials) => {
                    let principal = self.parts.authenticator.authenticate(&credentials).await?;
                    self.confirmed(principal, &credentials, &peer).map(Some)
                }
            }
        }
        .await;
        self.timed(started);
        outcome
    }

    fn clock(&self) -> Started {
        self.parts.shared.clock()
    }

    fn timed(&self, started: Started) {
        self.parts.shared.timed(started);
    }

    /// `principal`, when its token's certificate binding holds over this
    /// connection, and the gate takes what it was bound to (or not).
    fn confirmed<'h>(
        &self,
        principal: Principal,
        credentials: &Credentials<'_>,
        peer: &impl Fn() -> Option<&'h PeerCertificate>,
    ) -> Result<Principal, AuthError> {
        if principal.certificate_sha256().is_some() {
            principal.confirm_certificate(peer().map(thumbprint))?;
        } else if self.parts.bound_only && !credentials.is_certificate() {
            return Err(AuthError::TokenNotBound);
        }
        Ok(principal)
    }

    /// The request's credentials, of a kind the authenticator accepts; any other
    /// kind counts as none (see [`crate::auth`] for the rules).
    fn credentials<'h, H: Headers + ?Sized>(
        &self,
        headers: &'h H,
        peer: &impl Fn() -> Option<&'h PeerCertificate>,
    ) -> Result<Option<Credentials<'h>>, AuthError> {
        let parts = &*self.parts;
        #[allow(unused_mut)]
        let mut presented = parts.sources.extract(headers)?;
        #[cfg(feature = "tls")]
        if presented.is_none() && parts.sources.reads_client_certificate() {
            presented = peer().map(Credentials::Certificate);
        }
        #[cfg(not(feature = "tls"))]
        let _ = peer;
        match presented.filter(|credentials| parts.authenticator.accepts(credentials)) {
            None if parts.required => Err(AuthError::MissingCredentials),
            credentials => Ok(credentials),
        }
    }
}

impl<A> Gate<A> {
    /// The client certificate of a request from `peer` as the gate sees it: from a
    /// trusted proxy whose forwarded certificates the gate believes, the one its
    /// header names (or none: never the proxy's own); from anyone else, the
    /// connection's. Nothing is read when the gate believes no forwarded
    /// certificates.
    pub(crate) fn forwarded_identity<H: Headers + ?Sized>(&self, peer: Option<SocketAddr>, headers: &H) -> Forwarded {
        #[cfg(feature = "tls")]
        {
            let shared = &self.parts.shared;
            let (Some(forwarded), Some(proxies), Some(peer)) = (&shared.forwarded, &shared.proxies, peer) else {
                return Forwarded::Connection;
            };
            if !proxies.trusts(peer.ip()) {
                return Forwarded::Connection;
            }
            let mut value = String::new();
            for line in headers.values("x-forwarded-client-cert") {
                // Joined up to the parser's limit, never past it.
                if value.len() + 1 + line.len() > crate::tls::MAX_XFCC_BYTES {
                    tracing::warn!(target: "portcullis::audit", event = "malformed_xfcc", code = "malformed_xfcc", reason = "longer than 64 KiB", peer = %peer.ip());
                    return Forwarded::Proxied(None);
                }
                if !value.is_empty() {
                    value.push(',');
                }
                value.push_str(std::str::from_utf8(line).unwrap_or("\u{0}"));
            }
            if value.is_empty() {
                return Forwarded::Proxied(None);
            }
            match forwarded.identity(&value, peer.ip()) {
                Ok(identity) => Forwarded::Proxied(Some(Arc::new(identity))),
                Err(err) => {
                    tracing::warn!(target: "portcullis::audit", event = "malformed_xfcc", code = err.code(), reason = %err, peer = %peer.ip());
                    Forwarded::Proxied(None)
                }
            }
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = (peer, headers);
            Forwarded::Connection
        }
    }

    /// The client of a request from `peer`, when the gate needs one (trusted
    /// proxies or a rate limit are configured): `None` otherwise, at no cost.
    pub(crate) fn client_of<H: Headers + ?Sized>(&self, peer: Option<SocketAddr>, headers: &H) -> Option<Client> {
        let shared = &self.parts.shared;
        if shared.proxies.is_none() && shared.limit.is_none() {
            return None;
        }
        let peer = peer?;
        let addr = match &shared.proxies {
            Some(proxies) => proxies.client(peer.ip(), headers),
            None => ClientAddr::peer(peer.ip()),
        };
        if addr.malformed() {
            tracing::warn!(target: "portcullis::audit", event = "malformed_forwarding", peer = %peer.ip());
        }
        let audit = match addr.via() {
            Via::Peer if addr.ip() == peer.ip() => peer,
            // A forwarded client: its port is the proxy's business.
            _ => SocketAddr::new(addr.ip(), 0),
        };
        Some(Client { addr, audit })
    }

    /// The middleware's decision on the request at `site` (from `client`, when the
    /// gate found it), recorded: the context to leave in its extensions, or the
    /// response that refuses it. For a gate whose rate limit answers without
    /// waiting (see [`waits`](Self::waits)).
    pub(crate) fn admit(
        &self,
        outcome: Result<Option<Principal>, AuthError>,
        site: &impl Site,
        client: Option<Client>,
    ) -> Result<Authenticated, Rejection> {
        let principal = self.authenticated(outcome, site, client)?;
        if let Some((limit, by)) = &self.parts.shared.limit {
            let route = matches!(by, RateBy::Route).then(|| site.route());
            if let Some(key) = rate_key(*by, principal.as_ref(), client.as_ref(), route.as_deref()) {
                self.limited(limit.limit_now(key), principal.as_ref(), client, site)?;
            }
        }
        Ok(self.pass(principal, client))
    }

    /// As [`admit`](Self::admit), awaiting a rate limit kept on a shared store.
    pub(crate) async fn admit_waiting(
        &self,
        outcome: Result<Option<Principal>, AuthError>,
        site: &impl Site,
        client: Option<Client>,
    ) -> Result<Authenticated, Rejection> {
        let principal = self.authenticated(outcome, site, client)?;
        if let Some((limit, by)) = &self.parts.shared.limit {
            let route = matches!(by, RateBy::Route).then(|| site.route().into_owned());
            if let Some(key) = rate_key(*by, principal.as_ref(), client.as_ref(), route.as_deref()) {
                let answer = limit.limit(key).await;
                self.limited(answer, principal.as_ref(), client, site)?;
            }
        }
        Ok(self.pass(principal, client))
    }

    /// Whether the gate's rate limit must wait for its store (a shared one): the
    /// adapters then take their waiting path.
    pub(crate) fn waits(&self) -> bool {
        self.parts.shared.limit.as_ref().is_some_and(|(limit, _)| limit.waits())
    }

    /// The authentication outcome, recorded.
    fn authenticated(
        &self,
        outcome: Result<Option<Principal>, AuthError>,
        site: &impl Site,
        client: Option<Client>,
    ) -> Result<Option<Principal>, Rejection> {
        let audit = client.map(|client| client.audit);
        match outcome {
            Err(err) => {
                Verdict::refused(Stage::Authentication, &err)
                    .from(audit)
                    .counted_by(&self.parts.shared)
                    .record(site);
                Err(Rejection::new(&err, &self.parts.shared.realm))
            }
            Ok(principal) => {
                Verdict::allowed(Stage::Authentication, principal.as_ref())
                    .from(audit)
                    .counted_by(&self.parts.shared)
                    .record(site);
                Ok(principal)
            }
        }
    }

    /// The rate limit's answer: a refusal recorded and rendered, if any.
    fn limited(
        &self,
        answer: Result<Option<Duration>, ThrottleError>,
        principal: Option<&Principal>,
        client: Option<Client>,
        site: &impl Site,
    ) -> Result<(), Rejection> {
        let err = match answer {
            Ok(None) => return Ok(()),
            Ok(Some(wait)) => AuthError::Throttled {
                retry_after_seconds: retry_after_seconds(wait),
            },
            Err(err) => {
                tracing::warn!(target: "portcullis::audit", event = "rate_limit_failed", code = err.code());
                AuthError::StoreUnavailable
            }
        };
        Verdict::denied(Stage::RateLimit, err.code())
            .of(principal)
            .from(client.map(|client| client.audit))
            .counted_by(&self.parts.shared)
            .record(site);
        Err(Rejection::new(&err, &self.parts.shared.realm))
    }

    fn pass(&self, principal: Option<Principal>, client: Option<Client>) -> Authenticated {
        Authenticated {
            principal,
            shared: self.parts.shared.clone(),
            client: client.map(|client| client.audit),
        }
    }
}

/// What a request's rate is kept by, if the gate can tell.
fn rate_key<'a>(
    by: RateBy,
    principal: Option<&'a Principal>,
    client: Option<&'a Client>,
    route: Option<&'a str>,
) -> Option<RateKey<'a>> {
    Some(match by {
        RateBy::Client => RateKey::Client(&client?.addr),
        RateBy::Caller => match principal {
            Some(principal) => match principal.api_key_id() {
                Some(id) => RateKey::ApiKey(id),
                None => RateKey::Subject(principal.subject()),
            },
            None => RateKey::Client(&client?.addr),
        },
        RateBy::Route => RateKey::Route(route?),
    })
}

/// What a gate's rate limit is kept per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateBy {
    /// The client's address (behind trusted proxies, the client they name; IPv6 by
    /// /64).
    Client,
    /// The caller: its API key when it used one, else its subject; anonymous
    /// requests by their client.
    Caller,
    /// The route (its template), for every caller together.
    Route,
}

/// The connection's verified client certificate, as the adapters found it.
#[cfg(feature = "tls")]
pub(crate) type PeerCertificate = crate::tls::PeerIdentity;

/// Without the `tls` feature there is none.
#[cfg(not(feature = "tls"))]
pub(crate) enum PeerCertificate {}

/// A request's client certificate as the gate sees it (see
/// [`Gate::forwarded_identity`]).
pub(crate) enum Forwarded {
    /// The connection's own (no trusted proxy forwarded one).
    Connection,
    /// What a trusted proxy's header names, or nothing: never the proxy's own.
    #[cfg(feature = "tls")]
    Proxied(Option<Arc<PeerCertificate>>),
}

impl Forwarded {
    /// The certificate: the proxied one, else what `connection` finds.
    pub(crate) fn or_connection<'a>(
        &'a self,
        connection: impl FnOnce() -> Option<&'a PeerCertificate>,
    ) -> Option<&'a PeerCertificate> {
        match self {
            Forwarded::Connection => connection(),
            #[cfg(feature = "tls")]
            Forwarded::Proxied(identity) => identity.as_deref(),
        }
    }

    /// What extractors of the request must see in place of the connection's
    /// certificate, when a trusted proxy forwarded (or withheld) one.
    #[cfg(feature = "tls")]
    pub(crate) fn proxied(self) -> Option<ProxiedCertificate> {
        match self {
            Forwarded::Connection => None,
            Forwarded::Proxied(identity) => Some(ProxiedCertificate(identity)),
        }
    }
}

/// Left in a request's extensions by the adapters when a trusted proxy forwarded
/// the client's certificate (or none): the `ClientIdentity` extractor reads it in
/// place of the connection's.
#[cfg(feature = "tls")]
#[derive(Clone)]
pub(crate) struct ProxiedCertificate(pub(crate) Option<Arc<PeerCertificate>>);

/// When a timed decision started: an instant with the `metrics` feature, nothing
/// without.
#[cfg(feature = "metrics")]
pub(crate) type Started = Option<quanta::Instant>;
#[cfg(not(feature = "metrics"))]
pub(crate) type Started = ();

impl Shared {
    /// When a timed decision starts: the clock is read only when metrics are on
    /// ([`crate::metrics::enable`] before the gate was built).
    pub(crate) fn clock(&self) -> Started {
        #[cfg(feature = "metrics")]
        return self.metrics.timed().then(quanta::Instant::now);
    }

    /// Records how long an authentication took, since `started`.
    #[allow(unused_variables)]
    pub(crate) fn timed(&self, started: Started) {
        #[cfg(feature = "metrics")]
        if let Some(started) = started {
            self.metrics.duration(started);
        }
    }
}

/// The SHA-256 of a connection's certificate.
fn thumbprint(certificate: &PeerCertificate) -> &[u8; 32] {
    #[cfg(feature = "tls")]
    return certificate.thumbprint();
    #[cfg(not(feature = "tls"))]
    match *certificate {}
}

type Decision<'a> = Pin<Box<dyn Future<Output = Result<Option<Duration>, ThrottleError>> + Send + 'a>>;

/// A gate's rate limit: asked in place when its store answers without waiting,
/// awaited otherwise.
trait Limit: Send + Sync {
    fn waits(&self) -> bool;
    fn limit_now(&self, key: RateKey<'_>) -> Result<Option<Duration>, ThrottleError>;
    fn limit<'a>(&'a self, key: RateKey<'a>) -> Decision<'a>;
}

impl<S: StateStore> Limit for RateLimiter<S> {
    fn waits(&self) -> bool {
        !self.answers_now()
    }

    fn limit_now(&self, key: RateKey<'_>) -> Result<Option<Duration>, ThrottleError> {
        self.check_now(key).unwrap_or(Err(ThrottleError::InvalidConfig(
            "the gate's rate limit needs a store that answers without waiting",
        )))
    }

    fn limit<'a>(&'a self, key: RateKey<'a>) -> Decision<'a> {
        Box::pin(async move {
            match self.check_now(key) {
                Some(answer) => answer,
                None => self.check(key).await,
            }
        })
    }
}

/// The client of a request as the gate found it.
#[derive(Clone, Copy)]
pub(crate) struct Client {
    addr: ClientAddr,
    /// As the audit log names it: the peer, or a forwarded address with port 0.
    audit: SocketAddr,
}

/// What a middleware shares with the extractors and guards of each request.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) realm: Realm,
    pub(crate) policy: Option<PolicyHandle>,
    proxies: Option<TrustedProxies>,
    limit: Option<(Arc<dyn Limit>, RateBy)>,
    #[cfg(feature = "tls")]
    forwarded: Option<crate::tls::ForwardedCertificates>,
    /// The decision series, registered when the gate was built.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: Arc<crate::metrics::Decisions>,
}

/// What the middleware leaves in a request's extensions (two reference counts to
/// clone; no allocation of its own).
#[derive(Clone)]
pub(crate) struct Authenticated {
    pub(crate) principal: Option<Principal>,
    pub(crate) shared: Arc<Shared>,
    /// The client as the gate found it behind trusted proxies, for later records.
    pub(crate) client: Option<SocketAddr>,
}

impl Authenticated {
    /// The response for `error` under the realm of the request's middleware (or the
    /// default realm, without one).
    pub(crate) fn rejection(context: Option<&Self>, error: &AuthError) -> Rejection {
        match context {
            Some(context) => Rejection::new(error, &context.shared.realm),
            None => Rejection::new(error, &Realm::default()),
        }
    }
}

/// An extractor or guard on a route without the middleware: a server
/// misconfiguration, answered with 500 (fail closed).
pub(crate) const NOT_INSTALLED: AuthError =
    AuthError::Internal("the authentication middleware is not installed on this route");
