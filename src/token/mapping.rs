//! From a verified token's claims to the caller's [`Principal`]: where roles and
//! the tenant are read from.

use serde_json::{Map, Value};

use super::claims::{Registered, Text};
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
    /// [`Verifier::verify_principal`](super::Verifier::verify_principal) maps in the
    /// same pass that parses the payload; this is for claims you already hold.
    ///
    /// ```
    /// use portcullis::token::{ClaimPath, PrincipalMapping, RegisteredClaims};
    ///
    /// let mut registered = RegisteredClaims::default();
    /// registered.sub = Some("alice".into());
    /// let claims = serde_json::json!({ "realm_access": { "roles": ["clerk"] }, "scope": "a b" });
    /// let serde_json::Value::Object(claims) = claims else { unreachable!() };
    /// let keycloak = PrincipalMapping::default().roles(ClaimPath::dotted("realm_access.roles"));
    /// let alice = keycloak.principal(registered, claims)?;
    /// assert_eq!(alice.roles(), ["clerk"]);
    /// assert_eq!(alice.scopes(), ["a", "b"]);
    /// # Ok::<(), portcullis::token::TokenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingClaim`] without `sub`, [`TokenError::InvalidClaim`] for
    /// roles, scopes or a tenant of the wrong type.
    pub fn principal(&self, registered: RegisteredClaims, claims: Map<String, Value>) -> Result<Principal, TokenError> {
        // One set of rules: the claims are read as the verifier reads a payload.
        let text = Value::Object(claims).to_string();
        let mut de = serde_json::Deserializer::from_str(&text);
        let mapped = serde::de::DeserializeSeed::deserialize(self.seed(), &mut de)
            .map_err(|_| TokenError::invalid_claim("custom"))?;
        let registered = Registered {
            iss: registered.iss.map(Text::Own),
            sub: registered.sub.map(Text::Own),
            jti: registered.jti.map(Text::Own),
            exp: registered.exp,
            ..Registered::default()
        };
        self.finish(registered, mapped, text)
    }

    /// What reads the mapped claims in the payload's one pass.
    pub(crate) fn seed(&self) -> MappingSeed<'_> {
        MappingSeed(self)
    }

    /// The principal from the registered claims, what the pass found, and the
    /// payload text it kept.
    pub(crate) fn finish(
        &self,
        registered: Registered,
        mapped: Mapped,
        claims: String,
    ) -> Result<Principal, TokenError> {
        let subject = registered.sub.ok_or(TokenError::MissingClaim { claim: "sub".into() })?;
        let invalid = |path: &ClaimPath| TokenError::InvalidClaim {
            claim: path.display().into(),
        };
        let roles = match mapped.roles {
            Found::Absent => Vec::new(),
            Found::One(role) => vec![role],
            Found::List(roles) => roles,
            // Words are read only for `scope` and `scp`: never here, and refused if so.
            Found::Words(_) | Found::Object | Found::Invalid => return Err(invalid(&self.roles)),
        };
        let scopes = match (mapped.scope, mapped.scp) {
            (Found::Words(scope), _) => scope,
            (Found::One(_) | Found::List(_) | Found::Object | Found::Invalid, _) => {
                return Err(TokenError::InvalidClaim { claim: "scope".into() });
            }
            (Found::Absent, Found::Words(scp) | Found::List(scp)) => scp,
            // Text is read only for roles and tenant: never here, and refused if so.
            (Found::Absent, Found::One(_) | Found::Object | Found::Invalid) => {
                return Err(TokenError::InvalidClaim { claim: "scp".into() });
            }
            (Found::Absent, Found::Absent) => Vec::new(),
        };
        let tenant = match mapped.tenant {
            Found::Absent => None,
            Found::One(tenant) => Some(tenant),
            Found::Words(_) | Found::List(_) | Found::Object | Found::Invalid => return Err(invalid(&self.tenant)),
        };
        let certificate_sha256 = confirmation(mapped.cnf, mapped.x5t_s256, &claims)?;
        Principal::from_token(TokenParts {
            subject,
            roles,
            scopes,
            tenant,
            issuer: registered.iss,
            token_id: registered.jti,
            expires_at: registered.exp,
            certificate_sha256,
            claims,
        })
        .ok_or(TokenError::malformed("claims"))
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

/// What one mapped claim was in the payload.
#[derive(Debug, Default)]
pub(crate) enum Found {
    /// Not there (or a level on its path is not an object).
    #[default]
    Absent,
    /// A string.
    One(Text),
    /// A string read as space-separated words (`scope`, `scp`), split as read.
    Words(Vec<Text>),
    /// An array of strings.
    List(Vec<Text>),
    /// An object.
    Object,
    /// Anything else.
    Invalid,
}

/// The mapped claims, as the payload's one pass found them.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    roles: Found,
    tenant: Found,
    scope: Found,
    scp: Found,
    cnf: Found,
    x5t_s256: Found,
}

impl Mapped {
    fn slot(&mut self, target: Target) -> &mut Found {
        match target {
            Target::Roles => &mut self.roles,
            Target::Tenant => &mut self.tenant,
            Target::Scope => &mut self.scope,
            Target::Scp => &mut self.scp,
            Target::Cnf => &mut self.cnf,
            Target::X5tS256 => &mut self.x5t_s256,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Roles,
    Tenant,
    Scope,
    Scp,
    /// `cnf` (RFC 7800): read to tell present from absent.
    Cnf,
    /// `cnf` → `x5t#S256` (RFC 8705 §3.1).
    X5tS256,
}

/// How many claims one pass looks for: roles, tenant, `cnf`, `cnf.x5t#S256`, and
/// (in the last slot, at the top level only) `scope` or `scp`.
const WANTS: usize = 5;

/// The path of RFC 8705's certificate thumbprint: `cnf` (its first level) then
/// `x5t#S256`.
static CNF_X5T: std::sync::LazyLock<[String; 2]> =
    std::sync::LazyLock::new(|| ["cnf".to_owned(), "x5t#S256".to_owned()]);

/// The token's certificate binding (RFC 8705 §3.1): the SHA-256 of the certificate
/// it is bound to, when `cnf` holds `x5t#S256`. A `cnf` without `x5t#S256` (a
/// token bound only some other way: a JWK, DPoP's `jkt`) is `invalid_claim`: this
/// verifier cannot check that proof of possession, so it never takes such a token
/// as a bare bearer token. Other members beside `x5t#S256` are not checked: the
/// certificate binding alone is enforced.
fn confirmation(cnf: Found, x5t: Found, claims: &str) -> Result<Option<[u8; 32]>, TokenError> {
    let invalid = || TokenError::InvalidClaim { claim: "cnf".into() };
    match (cnf, x5t) {
        (Found::Absent, _) => Ok(None),
        (Found::Object, Found::One(text)) => {
            let encoded = text.resolve(claims).ok_or_else(invalid)?;
            let mut buffer = [0u8; 48];
            let decoded = super::b64::decode_buffered(encoded.as_bytes(), &mut buffer).ok_or_else(invalid)?;
            <[u8; 32]>::try_from(&*decoded).map(Some).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// A mapped claim the value being read is on the path to: `rest` names the levels
/// still below it (none: the value is the claim).
#[derive(Debug, Clone, Copy)]
struct Want<'m> {
    target: Target,
    rest: &'m [String],
}

/// Reads the mapped claims of a payload object.
pub(crate) struct MappingSeed<'m>(&'m PrincipalMapping);

impl<'de> serde::de::DeserializeSeed<'de> for MappingSeed<'_> {
    type Value = Mapped;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Mapped, D::Error> {
        let mut mapped = Mapped::default();
        let mut wants = [None; WANTS];
        wants[0] = Some(Want {
            target: Target::Roles,
            rest: self.0.roles.segments(),
        });
        wants[1] = Some(Want {
            target: Target::Tenant,
            rest: self.0.tenant.segments(),
        });
        wants[2] = Some(Want {
            target: Target::Cnf,
            rest: &CNF_X5T[..1],
        });
        wants[3] = Some(Want {
            target: Target::X5tS256,
            rest: &CNF_X5T[..],
        });
        Probe {
            wants,
            top: true,
            out: &mut mapped,
        }
        .deserialize(deserializer)?;
        Ok(mapped)
    }
}

/// Reads a value for the claims that want it, skipping (but, under the strict
/// wrapper, still checking) everything else.
struct Probe<'p> {
    wants: [Option<Want<'p>>; WANTS],
    /// The payload object itself, where `scope` and `scp` are read.
    top: bool,
    out: &'p mut Mapped,
}

impl Probe<'_> {
    fn leaves(&self) -> impl Iterator<Item = Target> + '_ {
        self.wants
            .iter()
            .flatten()
            .filter(|want| want.rest.is_empty())
            .map(|want| want.target)
    }

    /// Records what every claim that ends here found.
    fn found(&mut self, found: impl Fn(Target) -> Found) {
        for index in 0..self.wants.len() {
            if let Some(want) = self.wants[index]
                && want.rest.is_empty()
            {
                *self.out.slot(want.target) = found(want.target);
            }
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Probe<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("claims")
    }

    // A string without escapes, left where it is in the payload.
    fn visit_borrowed_str<E: serde::de::Error>(mut self, v: &'de str) -> Result<(), E> {
        self.found(|target| match target {
            Target::Scope | Target::Scp => Found::Words(v.split_ascii_whitespace().map(Text::at).collect()),
            _ => Found::One(Text::at(v)),
        });
        Ok(())
    }

    // A string with escapes, unescaped into a buffer that will not last: copied.
    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> Result<(), E> {
        self.found(|target| match target {
            Target::Scope | Target::Scp => {
                Found::Words(v.split_ascii_whitespace().map(|w| Text::Own(w.to_owned())).collect())
            }
            _ => Found::One(Text::Own(v.to_owned())),
        });
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> Result<(), E> {
        self.found(|_| Found::Invalid);
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> Result<(), E> {
        self.found(|_| Found::Invalid);
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> Result<(), E> {
        self.found(|_| Found::Invalid);
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> Result<(), E> {
        self.found(|_| Found::Invalid);
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.found(|_| Found::Invalid);
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Roles and `scp` may be arrays of strings; nothing else may.
        let lists = self
            .leaves()
            .any(|target| matches!(target, Target::Roles | Target::Scp));
        let mut items = Some(Vec::new());
        while let Some(item) = seq.next_element_seed(Element)? {
            match (item, &mut items) {
                (Some(item), Some(items)) if lists => items.push(item),
                _ => items = None,
            }
        }
        let is_list = |target: Target| matches!(target, Target::Roles | Target::Scp);
        let mut lists_left = self.leaves().filter(|&target| is_list(target)).count();
        for want in self.wants.into_iter().flatten().filter(|want| want.rest.is_empty()) {
            *self.out.slot(want.target) = match &mut items {
                Some(list) if is_list(want.target) => {
                    // Moved to the last claim that takes it; copied only when two
                    // claims share one path.
                    lists_left -= 1;
                    Found::List(if lists_left == 0 {
                        std::mem::take(list)
                    } else {
                        list.clone()
                    })
                }
                _ => Found::Invalid,
            };
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.found(|_| Found::Object);
        while let Some(key) = map.next_key::<super::json::Key<'de>>()? {
            let key: &str = &key.0;
            let mut wants = [None; WANTS];
            let mut any = false;
            for (slot, want) in wants.iter_mut().zip(self.wants) {
                if let Some(Want {
                    target,
                    rest: [first, rest @ ..],
                }) = want
                    && first == key
                {
                    *slot = Some(Want { target, rest });
                    any = true;
                }
            }
            if self.top {
                let leaf = match key {
                    "scope" => Some(Target::Scope),
                    "scp" => Some(Target::Scp),
                    _ => None,
                };
                if let Some(target) = leaf {
                    wants[WANTS - 1] = Some(Want { target, rest: &[] });
                    any = true;
                }
            }
            if any {
                map.next_value_seed(Probe {
                    wants,
                    top: false,
                    out: &mut *self.out,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// An array element: its text if it is a string.
struct Element;

impl<'de> serde::de::DeserializeSeed<'de> for Element {
    type Value = Option<Text>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Option<Text>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Element {
    type Value = Option<Text>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Option<Text>, E> {
        Ok(Some(Text::at(v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<Text>, E> {
        Ok(Some(Text::Own(v.to_owned())))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Option<Text>, E> {
        Ok(None)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Option<Text>, E> {
        Ok(None)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Option<Text>, E> {
        Ok(None)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Option<Text>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<Text>, E> {
        Ok(None)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Text>, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<Text>, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(claims: serde_json::Value) -> Result<Principal, TokenError> {
        let Value::Object(claims) = claims else {
            panic!("claims are an object")
        };
        principal_of(claims)
    }

    fn principal_of(claims: Map<String, Value>) -> Result<Principal, TokenError> {
        let registered = RegisteredClaims {
            sub: Some("billing".into()),
            ..RegisteredClaims::default()
        };
        PrincipalMapping::default().principal(registered, claims)
    }

    #[test]
    fn cnf_x5t_s256_is_read_as_the_certificate_binding() {
        let thumbprint = [0xAB; 32];
        let encoded = super::super::b64::encode(&thumbprint);
        let bound = principal(serde_json::json!({ "cnf": { "x5t#S256": encoded } })).unwrap();
        assert_eq!(bound.certificate_sha256(), Some(&thumbprint));
        let unbound = principal(serde_json::json!({ "roles": ["a"] })).unwrap();
        assert_eq!(unbound.certificate_sha256(), None);
    }

    #[test]
    fn a_binding_that_cannot_be_checked_is_an_invalid_claim() {
        let short = super::super::b64::encode(&[1u8; 31]);
        let long = super::super::b64::encode(&[1u8; 33]);
        let padded = format!("{}=", super::super::b64::encode(&[1u8; 32]));
        for cnf in [
            // Bound some other way (DPoP, a JWK): not a bare bearer token here.
            serde_json::json!({ "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" }),
            serde_json::json!({}),
            serde_json::json!("x5t"),
            serde_json::json!(["x5t#S256"]),
            serde_json::json!(null),
            serde_json::json!({ "x5t#S256": 5 }),
            serde_json::json!({ "x5t#S256": short }),
            serde_json::json!({ "x5t#S256": long }),
            serde_json::json!({ "x5t#S256": padded }),
            serde_json::json!({ "x5t#S256": { "nested": true } }),
        ] {
            let err = principal(serde_json::json!({ "cnf": cnf })).unwrap_err();
            assert_eq!(err, TokenError::InvalidClaim { claim: "cnf".into() }, "{cnf}");
        }
    }
}
