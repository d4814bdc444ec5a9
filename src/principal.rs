//! Who is calling, and what they may do: the identity every adapter and policy check
//! works with, built from verified token claims.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::token::{RegisteredClaims, TokenError};

/// The authenticated caller.
///
/// Built by [`Verifier::verify_principal`](crate::token::Verifier::verify_principal)
/// (or [`Principal::from_claims`]) from a verified token, or by hand with
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
#[derive(Clone, PartialEq)]
struct Inner {
    subject: String,
    roles: Vec<String>,
    scopes: Vec<String>,
    tenant: Option<String>,
    issuer: Option<String>,
    token_id: Option<String>,
    expires_at: Option<i64>,
    claims: Map<String, Value>,
}

/// A path to a claim: one member name per level, e.g. `realm_access` then `roles`
/// for Keycloak.
///
/// ```
/// use portcullis::ClaimPath;
///
/// assert_eq!(ClaimPath::dotted("realm_access.roles").segments(), ["realm_access", "roles"]);
/// // Names containing dots (namespaced claims) stay whole:
/// assert_eq!(ClaimPath::name("https://example.com/roles").segments(), ["https://example.com/roles"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath(Vec<String>);

impl ClaimPath {
    /// A top-level claim, its name taken whole.
    pub fn name(name: impl Into<String>) -> Self {
        ClaimPath(vec![name.into()])
    }

    /// A nested claim, levels separated by `.`.
    pub fn dotted(path: &str) -> Self {
        ClaimPath(path.split('.').map(str::to_owned).collect())
    }

    /// The member names, outermost first.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The value at this path, if every level is present.
    pub fn find<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        let (first, rest) = self.0.split_first()?;
        rest.iter()
            .try_fold(claims.get(first)?, |value, segment| value.as_object()?.get(segment))
    }

    fn display(&self) -> String {
        self.0.join(".")
    }
}

/// Which claims hold roles and tenant. Scopes are always read from `scope`
/// (space-separated, RFC 8693 §4.2) or, failing that, `scp` (array or string).
///
/// ```
/// use portcullis::{ClaimPath, PrincipalMapping};
///
/// let keycloak = PrincipalMapping::default().roles(ClaimPath::dotted("realm_access.roles"));
/// # let _ = keycloak;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalMapping {
    roles: ClaimPath,
    tenant: ClaimPath,
}

impl Default for PrincipalMapping {
    /// Roles from `roles`, tenant from `tenant`.
    fn default() -> Self {
        PrincipalMapping {
            roles: ClaimPath::name("roles"),
            tenant: ClaimPath::name("tenant"),
        }
    }
}

impl PrincipalMapping {
    /// Where the roles are: an array of strings (or one string).
    pub fn roles(mut self, path: ClaimPath) -> Self {
        self.roles = path;
        self
    }

    /// Where the tenant is: a string.
    pub fn tenant(mut self, path: ClaimPath) -> Self {
        self.tenant = path;
        self
    }
}

fn strings(value: &Value, split: bool) -> Option<Vec<String>> {
    match value {
        Value::String(s) if split => Some(s.split_ascii_whitespace().map(str::to_owned).collect()),
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
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
            claims: Map::new(),
        }))
    }

    /// Maps verified claims to a principal. `sub` is required; roles, scopes and tenant
    /// of the wrong type are `invalid_claim` (never silently empty).
    pub fn from_claims(
        registered: RegisteredClaims,
        claims: Map<String, Value>,
        mapping: &PrincipalMapping,
    ) -> Result<Self, TokenError> {
        let subject = registered.sub.ok_or(TokenError::MissingClaim { claim: "sub".into() })?;
        let invalid = |path: &ClaimPath| TokenError::InvalidClaim {
            claim: path.display().into(),
        };
        let roles = match mapping.roles.find(&claims) {
            None => Vec::new(),
            Some(value) => strings(value, false).ok_or_else(|| invalid(&mapping.roles))?,
        };
        let scopes = match (claims.get("scope"), claims.get("scp")) {
            (Some(Value::String(s)), _) => s.split_ascii_whitespace().map(str::to_owned).collect(),
            (Some(_), _) => return Err(TokenError::InvalidClaim { claim: "scope".into() }),
            (None, Some(scp)) => strings(scp, true).ok_or(TokenError::InvalidClaim { claim: "scp".into() })?,
            (None, None) => Vec::new(),
        };
        let tenant = match mapping.tenant.find(&claims) {
            None => None,
            Some(Value::String(t)) => Some(t.clone()),
            Some(_) => return Err(invalid(&mapping.tenant)),
        };
        Ok(Principal(Arc::new(Inner {
            subject,
            roles,
            scopes,
            tenant,
            issuer: registered.iss,
            token_id: registered.jti,
            expires_at: registered.exp,
            claims,
        })))
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

    /// Every claim of the token, as verified.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
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
