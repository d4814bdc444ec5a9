//! JSON Web Keys (RFC 7517) and key sets, as plain data.
//!
//! [`Jwk`] holds the members portcullis understands, public and private; turning one
//! into a key checks everything ([`VerifyingKey::from_jwk`](super::VerifyingKey::from_jwk),
//! [`SigningKey::from_jwk`](super::SigningKey::from_jwk)). Private members are zeroized
//! on drop and never shown by `Debug`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Algorithm, KeyError, KeyFamily};

/// Largest JWK or JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Most keys one JWKS may hold.
pub const MAX_JWKS_KEYS: usize = 1024;
/// Longest string member of a JWK, in bytes: six times the base64url of the largest RSA
/// modulus ring accepts (8192 bits, 1,366 characters).
const MAX_MEMBER_BYTES: usize = 8 * 1024;
/// Most `key_ops` entries: RFC 7517 §4.3 defines eight, each at most once.
const MAX_KEY_OPS: usize = 16;

const TOO_MANY_KEYS: &str = "JWKS holds too many keys";
const TOO_LONG: &str = "JWK member too long";
const TOO_MANY_OPS: &str = "JWK key_ops has too many entries";

/// One JSON Web Key.
///
/// Members portcullis does not use (`x5c`, `x5t`, `x5u`, vendor extensions) are
/// ignored on input and never followed. Deserializing refuses a string member over
/// 8 KiB and a `key_ops` of more than 16 entries as it reads them, so what a document
/// costs in memory is bounded by its length.
///
/// ```
/// use portcullis::token::{Algorithm, Jwk, VerifyingKey};
///
/// let jwk: Jwk = serde_json::from_str(r#"{
///     "kty": "OKP", "crv": "Ed25519", "kid": "ed1",
///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
/// }"#)?;
/// let key = VerifyingKey::from_jwk(&jwk)?;
/// assert_eq!(key.algorithm(), Algorithm::EdDSA);
/// assert_eq!(key.kid(), Some("ed1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Jwk {
    /// Key type: `RSA`, `EC`, `OKP` or `oct`.
    #[serde(deserialize_with = "bounded_string")]
    pub kty: String,
    /// Key id.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The algorithm the key is for.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use (`sig` or `enc`).
    #[serde(rename = "use", default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// Permitted operations.
    #[serde(default, deserialize_with = "bounded_key_ops")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Curve (`P-256`, `P-384`, `Ed25519`).
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC/OKP public coordinate.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC public coordinate.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Private: EC/OKP private key, or RSA private exponent.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    /// Private: RSA first prime.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    /// Private: RSA second prime.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Private: RSA first CRT exponent.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp: Option<String>,
    /// Private: RSA second CRT exponent.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dq: Option<String>,
    /// Private: RSA CRT coefficient.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qi: Option<String>,
    /// Private (secret): the `oct` key value.
    #[serde(default, deserialize_with = "bounded_option")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
}

/// A JWK Set (RFC 7517 §5).
///
/// Deserializing refuses more than [`MAX_JWKS_KEYS`] keys at the first key too many,
/// before the rest of the document is read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
    #[serde(deserialize_with = "bounded_keys")]
    pub keys: Vec<Jwk>,
}

/// What a key is for, when checking a JWK's `use` and `key_ops`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Verify,
    Sign,
}

impl Jwk {
    /// Parses one JWK from JSON, with the size limit applied first.
    pub fn from_json(json: &str) -> Result<Self, KeyError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(KeyError::invalid("JWK document too large"));
        }
        serde_json::from_str(json)
            .map_err(|err| KeyError::invalid(limit(&err).unwrap_or("JWK is not valid JSON of the JWK shape")))
    }

    /// Whether this JWK carries private members.
    pub fn is_private(&self) -> bool {
        self.d.is_some() || self.k.is_some()
    }

    /// A copy without private members. For `oct` keys this is no key at all: the
    /// secret is the key, so `None`.
    pub fn to_public(&self) -> Option<Jwk> {
        if self.kty == "oct" {
            return None;
        }
        let mut public = self.clone();
        for member in [
            &mut public.d,
            &mut public.p,
            &mut public.q,
            &mut public.dp,
            &mut public.dq,
            &mut public.qi,
        ] {
            member.zeroize();
            *member = None;
        }
        Some(public)
    }

    /// RFC 7638 thumbprint (SHA-256, base64url), a natural `kid`.
    pub fn thumbprint(&self) -> Result<String, KeyError> {
        let missing = || KeyError::invalid("JWK lacks a member its thumbprint needs");
        let canonical = match self.kty.as_str() {
            "RSA" => serde_json::json!({
                "e": self.e.as_ref().ok_or_else(missing)?,
                "kty": "RSA",
                "n": self.n.as_ref().ok_or_else(missing)?,
            }),
            "EC" => serde_json::json!({
                "crv": self.crv.as_ref().ok_or_else(missing)?,
                "kty": "EC",
                "x": self.x.as_ref().ok_or_else(missing)?,
                "y": self.y.as_ref().ok_or_else(missing)?,
            }),
            "OKP" => serde_json::json!({
                "crv": self.crv.as_ref().ok_or_else(missing)?,
                "kty": "OKP",
                "x": self.x.as_ref().ok_or_else(missing)?,
            }),
            "oct" => serde_json::json!({ "k": self.k.as_ref().ok_or_else(missing)?, "kty": "oct" }),
            _ => return Err(KeyError::Algorithm { reason: "unknown kty" }),
        };
        // serde_json's map is ordered by key, which is RFC 7638's required order.
        let bytes = serde_json::to_vec(&canonical).map_err(|_| missing())?;
        Ok(super::b64::encode(
            ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref(),
        ))
    }

    /// Checks `use` and `key_ops` against `purpose` (RFC 7517 §4.2, §4.3).
    pub(crate) fn check_usable(&self, purpose: Purpose) -> Result<(), KeyError> {
        if let Some(key_use) = &self.key_use
            && key_use != "sig"
        {
            return Err(KeyError::Unusable);
        }
        if let Some(ops) = &self.key_ops {
            let wanted = match purpose {
                Purpose::Verify => "verify",
                Purpose::Sign => "sign",
            };
            if !ops.iter().any(|op| op == wanted) {
                return Err(KeyError::Unusable);
            }
        }
        Ok(())
    }

    /// The algorithm this JWK is for: its `alg`, checked against `requested` and its
    /// key type; inferred from the curve for EC and OKP keys when it has none.
    pub(crate) fn algorithm(&self, requested: Option<Algorithm>) -> Result<Algorithm, KeyError> {
        let declared = match &self.alg {
            Some(name) => Some(name.parse::<Algorithm>().map_err(|_| KeyError::Algorithm {
                reason: "JWK alg is not a supported signature algorithm",
            })?),
            None => None,
        };
        let inferred = match (self.kty.as_str(), self.crv.as_deref()) {
            ("EC", Some("P-256")) => Some(Algorithm::ES256),
            ("EC", Some("P-384")) => Some(Algorithm::ES384),
            ("OKP", Some("Ed25519")) => Some(Algorithm::EdDSA),
            ("RSA" | "oct", _) => None,
            _ => {
                return Err(KeyError::Algorithm {
                    reason: "unsupported kty or crv",
                });
            }
        };
        let alg = match (declared, requested) {
            (Some(d), Some(r)) if d != r => {
                return Err(KeyError::Algorithm {
                    reason: "JWK alg differs from the requested algorithm",
                });
            }
            (Some(alg), _) | (None, Some(alg)) => alg,
            (None, None) => inferred.ok_or(KeyError::Algorithm {
                reason: "RSA and oct JWKs need an alg (or one given by the caller)",
            })?,
        };
        let family_fits = matches!(
            (alg.family(), self.kty.as_str()),
            (KeyFamily::Hmac, "oct") | (KeyFamily::Rsa, "RSA") | (KeyFamily::Ec, "EC") | (KeyFamily::Ed, "OKP")
        );
        if !family_fits || inferred.is_some_and(|i| i != alg) {
            return Err(KeyError::Algorithm {
                reason: "JWK key type or curve does not fit its algorithm",
            });
        }
        Ok(alg)
    }

    pub(crate) fn member(value: &Option<String>) -> Result<Vec<u8>, KeyError> {
        let text = value.as_ref().ok_or(KeyError::invalid("JWK lacks a required member"))?;
        super::b64::decode(text.as_bytes()).ok_or(KeyError::invalid("JWK member is not canonical base64url"))
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("crv", &self.crv)
            .field("private", &self.is_private())
            .finish_non_exhaustive()
    }
}

impl JwkSet {
    /// Parses a JWKS document, with the size and key-count limits applied.
    pub fn from_json(json: &str) -> Result<Self, KeyError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(KeyError::invalid("JWKS document too large"));
        }
        // The key-count and member limits hold while the document is read.
        serde_json::from_str(json)
            .map_err(|err| KeyError::invalid(limit(&err).unwrap_or("JWKS is not valid JSON of the JWKS shape")))
    }
}

/// Which limit a parse error reports, if it reports one.
fn limit(err: &serde_json::Error) -> Option<&'static str> {
    let message = err.to_string();
    [TOO_MANY_KEYS, TOO_LONG, TOO_MANY_OPS]
        .into_iter()
        .find(|limit| message.starts_with(limit))
}

/// A string of at most [`MAX_MEMBER_BYTES`], refused before it is copied.
struct Bounded(String);

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoundedVisitor;
        impl Visitor<'_> for BoundedVisitor {
            type Value = Bounded;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a string of at most {MAX_MEMBER_BYTES} bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bounded, E> {
                if v.len() > MAX_MEMBER_BYTES {
                    return Err(E::custom(TOO_LONG));
                }
                Ok(Bounded(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Bounded, E> {
                if v.len() > MAX_MEMBER_BYTES {
                    return Err(E::custom(TOO_LONG));
                }
                Ok(Bounded(v))
            }
        }
        deserializer.deserialize_string(BoundedVisitor)
    }
}

/// A string of at most 8 KiB; also for the string members of an OIDC discovery document.
pub(crate) fn bounded_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Bounded::deserialize(deserializer).map(|Bounded(s)| s)
}

fn bounded_option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Bounded>::deserialize(deserializer)?.map(|Bounded(s)| s))
}

/// At most `max` elements, refused at the first one too many.
fn bounded_seq<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(
    mut seq: A,
    max: usize,
    too_many: &'static str,
) -> Result<Vec<T>, A::Error> {
    let mut items = Vec::new();
    while let Some(item) = seq.next_element()? {
        if items.len() == max {
            return Err(de::Error::custom(too_many));
        }
        items.push(item);
    }
    Ok(items)
}

fn bounded_key_ops<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    struct Ops(Vec<String>);
    impl<'de> Deserialize<'de> for Ops {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct OpsVisitor;
            impl<'de> Visitor<'de> for OpsVisitor {
                type Value = Ops;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "at most {MAX_KEY_OPS} key operations")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Ops, A::Error> {
                    let ops: Vec<Bounded> = bounded_seq(seq, MAX_KEY_OPS, TOO_MANY_OPS)?;
                    Ok(Ops(ops.into_iter().map(|Bounded(op)| op).collect()))
                }
            }
            deserializer.deserialize_seq(OpsVisitor)
        }
    }
    Ok(Option::<Ops>::deserialize(deserializer)?.map(|Ops(ops)| ops))
}

fn bounded_keys<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Jwk>, D::Error> {
    struct KeysVisitor;
    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = Vec<Jwk>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "at most {MAX_JWKS_KEYS} keys")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<Jwk>, A::Error> {
            bounded_seq(seq, MAX_JWKS_KEYS, TOO_MANY_KEYS)
        }
    }
    deserializer.deserialize_seq(KeysVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(json: &str) -> &'static str {
        match JwkSet::from_json(json) {
            Err(KeyError::Invalid { reason }) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits_are_refused_while_parsing_with_their_own_reasons() {
        let long = format!(
            r#"{{"keys":[{{"kty":"EC","kid":"{}"}}]}}"#,
            "k".repeat(MAX_MEMBER_BYTES + 1)
        );
        assert_eq!(reason(&long), TOO_LONG);
        let ops = vec![r#""verify""#; MAX_KEY_OPS + 1].join(",");
        assert_eq!(
            reason(&format!(r#"{{"keys":[{{"kty":"EC","key_ops":[{ops}]}}]}}"#)),
            TOO_MANY_OPS
        );
        let keys = vec![r#"{"kty":"EC"}"#; MAX_JWKS_KEYS + 1].join(",");
        assert_eq!(reason(&format!(r#"{{"keys":[{keys}]}}"#)), TOO_MANY_KEYS);
        assert_eq!(reason(r#"{"keys":{}}"#), "JWKS is not valid JSON of the JWKS shape");
    }

    #[test]
    fn members_within_the_limits_read_as_before() {
        let ops = vec![r#""verify""#; MAX_KEY_OPS].join(",");
        let kid = "k".repeat(MAX_MEMBER_BYTES);
        let json = format!(r#"{{"kty":"EC","kid":"{kid}","use":null,"key_ops":[{ops}],"x5c":["skipped"]}}"#);
        let jwk = Jwk::from_json(&json).unwrap();
        assert_eq!(jwk.kid.as_deref(), Some(kid.as_str()));
        assert_eq!(jwk.key_use, None);
        assert_eq!(jwk.key_ops.as_ref().map(Vec::len), Some(MAX_KEY_OPS));
        assert_eq!(Jwk::from_json(r#"{"kty":"EC","key_ops":null}"#).unwrap().key_ops, None);
        let escaped = Jwk::from_json(r#"{"kty":"\u0045C"}"#).unwrap();
        assert_eq!(escaped.kty, "EC");
    }
}
