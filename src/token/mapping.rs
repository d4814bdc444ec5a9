//! From a verified token's claims to the caller's [`Principal`]: where roles and
//! the tenant are read from.

use serde_json::{Map, Value};

use super::{RegisteredClaims, TokenError};
use crate::Principal;
use crate::principal::TokenParts;

/// A path to a claim: one member name per level, e.g. `realm_access` then `roles`
/// for Keycloak.
///
/// ```
/// use portcullis::token::ClaimPath;
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
/// use portcullis::token::{ClaimPath, PrincipalMapping};
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
    /// Maps a verified token's claims to a principal. `sub` is required; roles,
    /// scopes and tenant of the wrong type are `invalid_claim` (never silently
    /// empty).
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingClaim`] without `sub`, [`TokenError::InvalidClaim`] for
    /// roles, scopes or a tenant of the wrong type.
    pub fn principal(&self, registered: RegisteredClaims, claims: Map<String, Value>) -> Result<Principal, TokenError> {
        let mapping = self;
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
        Ok(Principal::from_token(TokenParts {
            subject,
            roles,
            scopes,
            tenant,
            issuer: registered.iss,
            token_id: registered.jti,
            expires_at: registered.exp,
            claims,
        }))
    }

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
