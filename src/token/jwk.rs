//! JSON Web Keys (RFC 7517) and key sets, as plain data.
//!
//! [`Jwk`] holds the members portcullis understands, public and private; turning one
//! into a key checks everything ([`VerifyingKey::from_jwk`](super::VerifyingKey::from_jwk),
//! [`SigningKey::from_jwk`](super::SigningKey::from_jwk)). Private members are zeroized
//! on drop and never shown by `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Algorithm, KeyError, KeyFamily};

/// Largest JWK or JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Most keys one JWKS may hold.
pub const MAX_JWKS_KEYS: usize = 1024;

/// One JSON Web Key.
///
/// Members portcullis does not use (`x5c`, `x5t`, `x5u`, vendor extensions) are
/// ignored on input and never followed.
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
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The algorithm the key is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use (`sig` or `enc`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// Permitted operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Curve (`P-256`, `P-384`, `Ed25519`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC/OKP public coordinate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC public coordinate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Private: EC/OKP private key, or RSA private exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    /// Private: RSA first prime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    /// Private: RSA second prime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Private: RSA first CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp: Option<String>,
    /// Private: RSA second CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dq: Option<String>,
    /// Private: RSA CRT coefficient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi: Option<String>,
    /// Private (secret): the `oct` key value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
}

/// A JWK Set (RFC 7517 §5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
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
        serde_json::from_str(json).map_err(|_| KeyError::invalid("JWK is not valid JSON of the JWK shape"))
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
        let set: JwkSet =
            serde_json::from_str(json).map_err(|_| KeyError::invalid("JWKS is not valid JSON of the JWKS shape"))?;
        if set.keys.len() > MAX_JWKS_KEYS {
            return Err(KeyError::invalid("JWKS holds too many keys"));
        }
        Ok(set)
    }
}
