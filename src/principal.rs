//! Who is calling, and what they may do: the identity every adapter and policy check
//! works with, built from verified token claims.

use std::fmt;
use std::iter::FusedIterator;
use std::sync::Arc;

use crate::audit::Credential;
use crate::token::claims::Text;

/// The authenticated caller.
///
/// Built by [`Verifier::verify_principal`](crate::token::Verifier::verify_principal)
/// (or [`PrincipalMapping::principal`](crate::token::PrincipalMapping::principal))
/// from a verified token, or by hand with
/// [`Principal::new`] for other credentials. `Debug` leaves out the raw claims.
///
/// A principal from a token holds the token's verified payload text once, and its
/// subject, roles, scopes and the rest as places in that text: building one copies
/// no string that needs no unescaping.
///
/// ```
/// use portcullis::Principal;
///
/// let alice = Principal::new("alice").with_roles(["clerk"]).with_scopes(["orders.read"]);
/// assert!(alice.has_role("clerk"));
/// assert!(alice.has_scope("orders.read"));
/// assert!(!alice.has_scope("orders.write"));
/// assert_eq!(alice.roles(), ["clerk"]);
/// ```
// Shared: cloning a principal (an extractor per handler argument, a cache hit) is
// one reference count.
#[derive(Clone)]
pub struct Principal(Arc<Inner>);

/// Where a string sits in a principal's text.
type Span = (usize, usize);

/// What a verified token says of its caller, for [`Principal::from_token`]: the
/// strings as the payload's parse read them, in `claims` or their own.
pub(crate) struct TokenParts {
    pub(crate) subject: Text,
    pub(crate) roles: Vec<Text>,
    pub(crate) scopes: Vec<Text>,
    pub(crate) tenant: Option<Text>,
    pub(crate) issuer: Option<Text>,
    pub(crate) token_id: Option<Text>,
    pub(crate) expires_at: Option<i64>,
    /// `cnf` → `x5t#S256`, decoded.
    pub(crate) certificate_sha256: Option<[u8; 32]>,
    /// The payload's JSON text, as verified.
    pub(crate) claims: String,
}

#[derive(Clone)]
struct Inner {
    /// Every string of the principal: the verified payload's JSON text (if any),
    /// then the strings that are not in it (unescaped, or given by hand).
    text: String,
    /// Where the payload's text ends in `text` (0: none).
    claims_end: usize,
    subject: Span,
    tenant: Option<Span>,
    issuer: Option<Span>,
    token_id: Option<Span>,
    /// The API key's record id, when the caller used one.
    api_key: Option<Span>,
    /// The roles, then the scopes.
    names: Vec<Span>,
    /// How many of `names` are roles.
    roles: usize,
    expires_at: Option<i64>,
    /// The certificate the token is bound to (RFC 8705): its SHA-256.
    certificate_sha256: Option<[u8; 32]>,
    /// What the caller authenticated with.
    credential: Credential,
}

impl Inner {
    fn at(&self, (start, end): Span) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Appends `s` to the text: where it now sits.
    fn push(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        (start, self.text.len())
    }

    /// Where `text` sits: in the payload's text, which was read at address `base`
    /// (appending may since have moved it), or appended.
    fn place(&mut self, text: &Text, base: usize) -> Option<Span> {
        match *text {
            Text::Own(ref s) => Some(self.push(s)),
            Text::At { addr, len } => {
                let start = addr.checked_sub(base)?;
                let end = start.checked_add(len)?;
                let inside =
                    end <= self.claims_end && self.text.is_char_boundary(start) && self.text.is_char_boundary(end);
                inside.then_some((start, end))
            }
        }
    }
}

impl Inner {
    /// [`place`](Self::place) for a string that may be absent.
    fn place_optional(&mut self, text: Option<&Text>, base: usize) -> Option<Option<Span>> {
        match text {
            None => Some(None),
            Some(text) => self.place(text, base).map(Some),
        }
    }
}

impl Principal {
    /// A principal with only a subject; add roles and scopes with the `with_` methods.
    pub fn new(subject: impl Into<String>) -> Self {
        let text: String = subject.into();
        let subject = (0, text.len());
        Principal(Arc::new(Inner {
            text,
            claims_end: 0,
            subject,
            tenant: None,
            issuer: None,
            token_id: None,
            api_key: None,
            names: Vec::new(),
            roles: 0,
            expires_at: None,
            certificate_sha256: None,
            credential: Credential::Bearer,
        }))
    }

    /// A principal of the given parts, built in one go: its text and its names'
    /// places are each sized once (three allocations in all, with the principal).
    pub(crate) fn assemble(
        subject: &str,
        roles: &[String],
        scopes: &[String],
        tenant: Option<&str>,
        api_key: Option<&str>,
    ) -> Self {
        let length = subject.len()
            + roles.iter().chain(scopes).map(String::len).sum::<usize>()
            + tenant.map_or(0, str::len)
            + api_key.map_or(0, str::len);
        let mut inner = Inner {
            text: String::with_capacity(length),
            claims_end: 0,
            subject: (0, 0),
            tenant: None,
            issuer: None,
            token_id: None,
            api_key: None,
            names: Vec::with_capacity(roles.len() + scopes.len()),
            roles: roles.len(),
            expires_at: None,
            certificate_sha256: None,
            credential: match api_key {
                Some(_) => Credential::ApiKey,
                None => Credential::Bearer,
            },
        };
        inner.subject = inner.push(subject);
        for name in roles.iter().chain(scopes) {
            let span = inner.push(name);
            inner.names.push(span);
        }
        inner.tenant = tenant.map(|tenant| inner.push(tenant));
        inner.api_key = api_key.map(|id| inner.push(id));
        Principal(Arc::new(inner))
    }

    /// A principal from a verified token's parts (see
    /// [`PrincipalMapping::principal`](crate::token::PrincipalMapping::principal));
    /// `None` if a part said to be in the payload's text is not.
    pub(crate) fn from_token(token: TokenParts) -> Option<Self> {
        let claims_end = token.claims.len();
        let base = token.claims.as_ptr() as usize;
        let mut inner = Inner {
            text: token.claims,
            claims_end,
            subject: (0, 0),
            tenant: None,
            issuer: None,
            token_id: None,
            api_key: None,
            names: Vec::with_capacity(token.roles.len() + token.scopes.len()),
            roles: token.roles.len(),
            expires_at: token.expires_at,
            certificate_sha256: token.certificate_sha256,
            credential: Credential::Bearer,
        };
        inner.subject = inner.place(&token.subject, base)?;
        for name in token.roles.iter().chain(&token.scopes) {
            let span = inner.place(name, base)?;
            inner.names.push(span);
        }
        inner.tenant = inner.place_optional(token.tenant.as_ref(), base)?;
        inner.issuer = inner.place_optional(token.issuer.as_ref(), base)?;
        inner.token_id = inner.place_optional(token.token_id.as_ref(), base)?;
        Some(Principal(Arc::new(inner)))
    }

    /// Adds roles.
    pub fn with_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        let inner = Arc::make_mut(&mut self.0);
        for role in roles {
            let span = inner.push(&role.into());
            inner.names.insert(inner.roles, span);
            inner.roles += 1;
        }
        self
    }

    /// Adds OAuth scopes.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        let inner = Arc::make_mut(&mut self.0);
        for scope in scopes {
            let span = inner.push(&scope.into());
            inner.names.push(span);
        }
        self
    }

    /// Sets the tenant.
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        let inner = Arc::make_mut(&mut self.0);
        inner.tenant = Some(inner.push(&tenant.into()));
        self
    }

    /// Marks the principal as authenticated by the API key whose record id is `id`
    /// (what [`ApiKeys`](crate::secrets::apikey::ApiKeys) does).
    ///
    /// ```
    /// use portcullis::Principal;
    ///
    /// let script = Principal::new("svc-reports").with_api_key("k7Rz0aQm2Vb9XcLp");
    /// assert_eq!(script.api_key_id(), Some("k7Rz0aQm2Vb9XcLp"));
    /// assert_eq!(Principal::new("alice").api_key_id(), None);
    /// ```
    pub fn with_api_key(mut self, id: impl Into<String>) -> Self {
        let inner = Arc::make_mut(&mut self.0);
        inner.api_key = Some(inner.push(&id.into()));
        self
    }

    /// The record id of the API key the caller used, if it used one: a service can
    /// tell a key from a token with it (`principal.api_key_id().is_some()`).
    pub fn api_key_id(&self) -> Option<&str> {
        self.0.api_key.map(|span| self.0.at(span))
    }

    /// The subject (`sub`).
    pub fn subject(&self) -> &str {
        self.0.at(self.0.subject)
    }

    /// The roles, as the token listed them.
    pub fn roles(&self) -> Names<'_> {
        Names {
            inner: &self.0,
            spans: self.0.names.get(..self.0.roles).unwrap_or_default(),
        }
    }

    /// The OAuth scopes.
    pub fn scopes(&self) -> Names<'_> {
        Names {
            inner: &self.0,
            spans: self.0.names.get(self.0.roles..).unwrap_or_default(),
        }
    }

    /// Whether the principal has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().contains(role)
    }

    /// Whether the principal has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().contains(scope)
    }

    /// The tenant, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.0.tenant.map(|span| self.0.at(span))
    }

    /// The token's issuer (`iss`), if it came from a token.
    pub fn issuer(&self) -> Option<&str> {
        self.0.issuer.map(|span| self.0.at(span))
    }

    /// The token id (`jti`), if any.
    pub fn token_id(&self) -> Option<&str> {
        self.0.token_id.map(|span| self.0.at(span))
    }

    /// When the credential expires (`exp`, seconds since the epoch), if known.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.expires_at
    }

    /// What the caller authenticated with: a bearer token (the default for a
    /// principal made by hand), an API key, a client certificate or a password.
    /// Metrics label decisions with it.
    pub fn credential(&self) -> Credential {
        self.0.credential
    }

    /// The same principal, authenticated with `credential` (for an
    /// [`Authenticator`](crate::auth::Authenticator) of your own).
    ///
    /// ```
    /// use portcullis::Principal;
    /// use portcullis::audit::Credential;
    ///
    /// let service = Principal::new("billing").with_credential(Credential::Certificate);
    /// assert_eq!(service.credential(), Credential::Certificate);
    /// ```
    pub fn with_credential(mut self, credential: Credential) -> Self {
        Arc::make_mut(&mut self.0).credential = credential;
        self
    }

    /// The SHA-256 of the client certificate the token is bound to (RFC 8705 §3.1,
    /// `cnf` → `x5t#S256`), if it is bound.
    ///
    /// The gate checks every bound token against the request's certificate (see
    /// [`confirm_certificate`](Self::confirm_certificate)): a principal a handler
    /// sees with a thumbprint here came over a connection with that certificate.
    pub fn certificate_sha256(&self) -> Option<&[u8; 32]> {
        self.0.certificate_sha256.as_ref()
    }

    /// Whether this caller may be served over a connection whose client certificate
    /// has the SHA-256 `presented` (`None`: no certificate): always, for a principal
    /// whose token is not bound; for a bound token, only when the thumbprints are
    /// equal, compared in constant time. The gate calls this for every request;
    /// call it yourself when you verify tokens outside it.
    ///
    /// ```
    /// use portcullis::Principal;
    /// use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
    ///
    /// let key = SigningKey::generate(Algorithm::ES256)?;
    /// let verifier = Verifier::builder(KeySet::single(key.verifying_key())).build()?;
    /// let issuer = Issuer::builder(key).build()?;
    /// let certificate = [7u8; 32]; // the SHA-256 of the client's certificate (DER)
    /// let token = issuer.issue_bound("billing", &(), &certificate)?;
    /// let caller = verifier.verify_principal(&token)?;
    /// assert_eq!(caller.certificate_sha256(), Some(&certificate));
    /// assert!(caller.confirm_certificate(Some(&certificate)).is_ok());
    /// assert_eq!(caller.confirm_certificate(Some(&[8u8; 32])).unwrap_err().code(), "certificate_mismatch");
    /// assert_eq!(caller.confirm_certificate(None).unwrap_err().code(), "certificate_mismatch");
    /// // An unbound token goes over any connection.
    /// assert!(Principal::new("alice").confirm_certificate(None).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`AuthError::CertificateMismatch`](crate::auth::AuthError::CertificateMismatch).
    pub fn confirm_certificate(&self, presented: Option<&[u8; 32]>) -> Result<(), crate::auth::AuthError> {
        use subtle::ConstantTimeEq;
        let Some(bound) = &self.0.certificate_sha256 else {
            return Ok(());
        };
        match presented {
            Some(presented) if bool::from(bound.ct_eq(presented)) => Ok(()),
            _ => Err(crate::auth::AuthError::CertificateMismatch),
        }
    }

    /// Every claim of the token, as verified, read into `T` (a struct of the
    /// claims you need, or `serde_json::Value` for all of them). A principal built
    /// by hand has none: `T` is read from `{}`.
    ///
    /// ```
    /// use portcullis::Principal;
    ///
    /// #[derive(serde::Deserialize, Default)]
    /// struct Extra { #[serde(default)] department: Option<String> }
    ///
    /// let by_hand = Principal::new("alice");
    /// assert_eq!(by_hand.claims::<Extra>()?.department, None);
    /// # Ok::<(), portcullis::token::TokenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TokenError::InvalidClaim`](crate::token::TokenError::InvalidClaim) (claim
    /// `custom`) when the claims do not fit `T`.
    pub fn claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::token::TokenError> {
        serde_json::from_str(self.claims_json()).map_err(|_| crate::token::TokenError::invalid_claim("custom"))
    }

    /// The token's claims as the verified JSON text of its payload (`{}` for a
    /// principal built by hand): kept as text, read only when asked for.
    pub fn claims_json(&self) -> &str {
        match self.0.text.get(..self.0.claims_end) {
            Some(text) if !text.is_empty() => text,
            _ => "{}",
        }
    }
}

impl PartialEq for Principal {
    /// Principals are equal when everything they say is: subject, roles, scopes,
    /// tenant, issuer, token id, expiry and claims.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.subject() == other.subject()
                && self.roles() == other.roles()
                && self.scopes() == other.scopes()
                && self.tenant() == other.tenant()
                && self.issuer() == other.issuer()
                && self.token_id() == other.token_id()
                && self.api_key_id() == other.api_key_id()
                && self.expires_at() == other.expires_at()
                && self.certificate_sha256() == other.certificate_sha256()
                && self.claims_json() == other.claims_json())
    }
}

impl Eq for Principal {}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.subject())
            .field("roles", &self.roles())
            .field("scopes", &self.scopes())
            .field("tenant", &self.tenant())
            .field("token_id", &self.token_id())
            .field("api_key_id", &self.api_key_id())
            .field("expires_at", &self.expires_at())
            .field("certificate_bound", &self.certificate_sha256().is_some())
            .finish_non_exhaustive()
    }
}

/// A principal's roles or scopes, in order, borrowed from it.
///
/// ```
/// use portcullis::Principal;
///
/// let alice = Principal::new("alice").with_roles(["clerk", "viewer"]);
/// let roles = alice.roles();
/// assert_eq!(roles.len(), 2);
/// assert!(roles.contains("viewer"));
/// assert_eq!(roles.iter().collect::<Vec<_>>(), ["clerk", "viewer"]);
/// assert_eq!(roles, ["clerk", "viewer"]);
/// assert_eq!(roles.to_vec(), vec!["clerk".to_owned(), "viewer".to_owned()]);
/// ```
#[derive(Clone, Copy)]
pub struct Names<'a> {
    inner: &'a Inner,
    spans: &'a [Span],
}

impl<'a> Names<'a> {
    /// How many there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The name at `index`.
    pub fn get(&self, index: usize) -> Option<&'a str> {
        let inner = self.inner;
        self.spans.get(index).map(|&span| inner.at(span))
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// The names, in order.
    pub fn iter(&self) -> NamesIter<'a> {
        NamesIter {
            inner: self.inner,
            spans: self.spans.iter(),
        }
    }

    /// Owned copies of the names.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl<'a> IntoIterator for Names<'a> {
    type Item = &'a str;
    type IntoIter = NamesIter<'a>;

    fn into_iter(self) -> NamesIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Names<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Names<'_> {}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Names<'_> {
    fn eq(&self, other: &[S; N]) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Names<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Names<'_> {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl serde::Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// The iterator of [`Names`].
#[derive(Clone)]
pub struct NamesIter<'a> {
    inner: &'a Inner,
    spans: std::slice::Iter<'a, Span>,
}

impl<'a> Iterator for NamesIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let inner = self.inner;
        self.spans.next().map(|&span| inner.at(span))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl DoubleEndedIterator for NamesIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let inner = self.inner;
        self.spans.next_back().map(|&span| inner.at(span))
    }
}

impl ExactSizeIterator for NamesIter<'_> {}

impl FusedIterator for NamesIter<'_> {}

impl fmt::Debug for NamesIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
