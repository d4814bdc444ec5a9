//! Who is calling, and what they may do: the identity every adapter and policy check
//! works with, built from verified token claims.

use std::fmt;
use std::sync::Arc;

/// The authenticated caller.
///
/// Built by [`Verifier::verify_principal`](crate::token::Verifier::verify_principal)
/// (or [`PrincipalMapping::principal`](crate::token::PrincipalMapping::principal))
/// from a verified token, or by hand with
/// [`Principal::new`] for other credentials. `Debug` leaves out the raw claims.
///
/// ```
/// use portcullis::Principal;
///
/// let alice = Principal::new("alice").with_roles(["clerk"]).with_scopes(["orders.read"]);
/// assert!(alice.has_role("clerk"));
/// assert!(alice.has_scope("orders.read"));
/// assert!(!alice.has_scope("orders.write"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Principal(Arc<Inner>);

// Shared: cloning a principal (an extractor per handler argument, a cache hit) is
// one reference count.
/// What a verified token says of its caller, for [`Principal::from_token`].
pub(crate) struct TokenParts {
    pub(crate) subject: String,
    pub(crate) roles: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) tenant: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) token_id: Option<String>,
    pub(crate) expires_at: Option<i64>,
    /// The payload's JSON text, as verified.
    pub(crate) claims: String,
}

#[derive(Clone, PartialEq)]
struct Inner {
    subject: String,
    roles: Vec<String>,
    scopes: Vec<String>,
    tenant: Option<String>,
    issuer: Option<String>,
    token_id: Option<String>,
    expires_at: Option<i64>,
    /// The verified payload's JSON text (empty for a principal built by hand).
    claims: String,
}

impl Principal {
    /// A principal with only a subject; add roles and scopes with the `with_` methods.
    pub fn new(subject: impl Into<String>) -> Self {
        Principal(Arc::new(Inner {
            subject: subject.into(),
            roles: Vec::new(),
            scopes: Vec::new(),
            tenant: None,
            issuer: None,
            token_id: None,
            expires_at: None,
            claims: String::new(),
        }))
    }

    /// A principal from a verified token's parts (see
    /// [`PrincipalMapping::principal`](crate::token::PrincipalMapping::principal)).
    pub(crate) fn from_token(token: TokenParts) -> Self {
        Principal(Arc::new(Inner {
            subject: token.subject,
            roles: token.roles,
            scopes: token.scopes,
            tenant: token.tenant,
            issuer: token.issuer,
            token_id: token.token_id,
            expires_at: token.expires_at,
            claims: token.claims,
        }))
    }

    /// Adds roles.
    pub fn with_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        Arc::make_mut(&mut self.0)
            .roles
            .extend(roles.into_iter().map(Into::into));
        self
    }

    /// Adds OAuth scopes.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        Arc::make_mut(&mut self.0)
            .scopes
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Sets the tenant.
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.0).tenant = Some(tenant.into());
        self
    }

    /// The subject (`sub`).
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The roles, as the token listed them.
    pub fn roles(&self) -> &[String] {
        &self.0.roles
    }

    /// The OAuth scopes.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether the principal has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.0.roles.iter().any(|r| r == role)
    }

    /// Whether the principal has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|s| s == scope)
    }

    /// The tenant, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.0.tenant.as_deref()
    }

    /// The token's issuer (`iss`), if it came from a token.
    pub fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }

    /// The token id (`jti`), if any.
    pub fn token_id(&self) -> Option<&str> {
        self.0.token_id.as_deref()
    }

    /// When the credential expires (`exp`, seconds since the epoch), if known.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.expires_at
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
        match self.0.claims.as_str() {
            "" => "{}",
            text => text,
        }
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.0.subject)
            .field("roles", &self.0.roles)
            .field("scopes", &self.0.scopes)
            .field("tenant", &self.0.tenant)
            .field("token_id", &self.0.token_id)
            .field("expires_at", &self.0.expires_at)
            .finish_non_exhaustive()
    }
}
