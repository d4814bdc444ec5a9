//! Verifying and signing keys, each bound to one algorithm and an optional `kid`.

use std::fmt;

use jsonwebtoken::{DecodingKey, DecodingKeyKind, EncodingKey};
use ring::signature::{
    EcdsaKeyPair, EcdsaVerificationAlgorithm, Ed25519KeyPair, KeyPair, RsaEncoding, RsaKeyPair, RsaParameters,
};
use zeroize::Zeroizing;

use super::crypto::{ecdsa, eddsa, hmac, rsa};
use super::jwk::{Jwk, Purpose};
use super::{Algorithm, KeyError, KeyFamily, b64};

/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest PEM document accepted, in bytes.
pub const MAX_PEM_BYTES: usize = 64 * 1024;
/// Longest `kid` a key may have, in bytes.
pub const MAX_KID_BYTES: usize = 256;

/// A key that checks signatures of exactly one [`Algorithm`].
///
/// The algorithm is fixed when the key is made; a token whose header names another one
/// is rejected with `algorithm_mismatch`, whatever the key's material could do.
/// `Debug` shows the algorithm and `kid`, never key material.
///
/// ```
/// use portcullis::token::{Algorithm, VerifyingKey};
///
/// let key = VerifyingKey::from_secret(Algorithm::HS256, &[0x42; 32])?.with_kid("2024-06")?;
/// assert_eq!(key.algorithm(), Algorithm::HS256);
/// assert_eq!(format!("{key:?}"), r#"VerifyingKey { alg: HS256, kid: Some("2024-06"), .. }"#);
/// # Ok::<(), portcullis::token::KeyError>(())
/// ```
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    kid: Option<Box<str>>,
    public: Public,
}

#[derive(Clone)]
enum Public {
    Hmac(ring::hmac::Key),
    Rsa {
        params: &'static RsaParameters,
        key: std::sync::Arc<rsa::PublicKey>,
    },
    Ec {
        alg: &'static EcdsaVerificationAlgorithm,
        point: Box<[u8]>,
    },
    Ed([u8; 32]),
}

/// A key that signs with exactly one [`Algorithm`].
///
/// `Debug` shows the algorithm and `kid`, never key material.
///
/// ```
/// use portcullis::token::{Algorithm, SigningKey};
///
/// let key = SigningKey::generate(Algorithm::ES256)?.with_kid("es-1")?;
/// let public = key.verifying_key();
/// assert_eq!(public.algorithm(), Algorithm::ES256);
/// assert_eq!(public.kid(), Some("es-1"));
/// # Ok::<(), portcullis::token::KeyError>(())
/// ```
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<Box<str>>,
    private: Private,
}

enum Private {
    Hmac(ring::hmac::Key),
    Rsa {
        pair: RsaKeyPair,
        padding: &'static dyn RsaEncoding,
        params: &'static RsaParameters,
    },
    Ec(EcdsaKeyPair, &'static EcdsaVerificationAlgorithm),
    Ed(Ed25519KeyPair),
}

fn checked_kid(kid: &str) -> Result<Box<str>, KeyError> {
    if kid.is_empty() || kid.len() > MAX_KID_BYTES {
        return Err(KeyError::invalid("kid must be 1 to 256 bytes"));
    }
    Ok(kid.into())
}

/// The JWK's `kid`, checked, for the key made from it.
fn jwk_kid(jwk: &Jwk) -> Result<Option<Box<str>>, KeyError> {
    jwk.kid.as_deref().map(checked_kid).transpose()
}

/// The uncompressed point (`04 || x || y`) of an EC JWK for `alg`'s curve.
fn ec_point(jwk: &Jwk, alg: Algorithm) -> Result<Vec<u8>, KeyError> {
    let coordinate = ecdsa::coordinate_len(alg).ok_or_else(family_error)?;
    let (x, y) = (Jwk::member(&jwk.x)?, Jwk::member(&jwk.y)?);
    if x.len() != coordinate || y.len() != coordinate {
        return Err(KeyError::invalid("EC coordinates do not fit the algorithm's curve"));
    }
    Ok([&[4][..], &x, &y].concat())
}

/// Sets the public members of an EC JWK from an uncompressed point.
fn set_ec_members(jwk: &mut Jwk, alg: Algorithm, point: &[u8]) {
    let (x, y) = point[1..].split_at((point.len() - 1) / 2);
    jwk.kty = "EC".into();
    jwk.crv = Some(if alg == Algorithm::ES256 { "P-256" } else { "P-384" }.into());
    jwk.x = Some(b64::encode(x));
    jwk.y = Some(b64::encode(y));
}

fn check_secret(alg: Algorithm, secret: &[u8]) -> Result<ring::hmac::Key, KeyError> {
    let min = alg.min_secret_len().ok_or(KeyError::Algorithm {
        reason: "a raw secret needs an HS* algorithm",
    })?;
    if secret.len() < min {
        return Err(KeyError::WeakKey {
            alg,
            bits: secret.len() * 8,
            min_bits: min * 8,
        });
    }
    hmac::key(alg, secret).ok_or(KeyError::Algorithm {
        reason: "not an HMAC algorithm",
    })
}

fn check_pem(pem: &[u8]) -> Result<(), KeyError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(KeyError::invalid("PEM document too large"));
    }
    Ok(())
}

fn family_error() -> KeyError {
    KeyError::Algorithm {
        reason: "key type does not fit the algorithm",
    }
}

impl VerifyingKey {
    /// An HMAC key from a raw secret. Refuses secrets shorter than the hash
    /// (HS256: 32 bytes, HS384: 48, HS512: 64; RFC 7518 §3.2).
    pub fn from_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        let key = check_secret(alg, secret)?;
        Ok(Self::new(alg, Public::Hmac(key)))
    }

    /// A public key from PEM: SPKI (`PUBLIC KEY`) for every asymmetric algorithm, or
    /// PKCS#1 (`RSA PUBLIC KEY`) for RSA. At most [`MAX_PEM_BYTES`].
    ///
    /// ```
    /// use portcullis::token::{Algorithm, VerifyingKey};
    ///
    /// let pem = "-----BEGIN PUBLIC KEY-----\n\
    ///     MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n\
    ///     -----END PUBLIC KEY-----\n";
    /// let key = VerifyingKey::from_pem(Algorithm::EdDSA, pem.as_bytes())?;
    /// assert!(VerifyingKey::from_pem(Algorithm::ES256, pem.as_bytes()).is_err());
    /// # Ok::<(), portcullis::token::KeyError>(())
    /// ```
    pub fn from_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        check_pem(pem)?;
        let bad = |_| KeyError::invalid("not a PEM public key of this key type");
        let key = match alg.family() {
            KeyFamily::Hmac => {
                return Err(KeyError::Algorithm {
                    reason: "HMAC keys are secrets, not PEM",
                });
            }
            KeyFamily::Rsa => DecodingKey::from_rsa_pem(pem).map_err(bad)?,
            KeyFamily::Ec => DecodingKey::from_ec_pem(pem).map_err(bad)?,
            KeyFamily::Ed => DecodingKey::from_ed_pem(pem).map_err(bad)?,
        };
        Self::from_decoding_key(alg, &key)
    }

    /// A key from a JWK, for the algorithm the JWK declares (or its curve implies).
    /// `use`/`key_ops` that exclude verification make it [`KeyError::Unusable`]; the
    /// JWK's `kid` becomes the key's.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        Self::from_jwk_inner(jwk, None)
    }

    /// As [`from_jwk`](Self::from_jwk), for a JWK without `alg` (RSA and `oct` keys
    /// need one) or to insist on `alg`: a JWK declaring another algorithm is refused.
    pub fn from_jwk_for(jwk: &Jwk, alg: Algorithm) -> Result<Self, KeyError> {
        Self::from_jwk_inner(jwk, Some(alg))
    }

    fn from_jwk_inner(jwk: &Jwk, requested: Option<Algorithm>) -> Result<Self, KeyError> {
        jwk.check_usable(Purpose::Verify)?;
        let alg = jwk.algorithm(requested)?;
        let key = match alg.family() {
            KeyFamily::Hmac => {
                let secret = Zeroizing::new(Jwk::member(&jwk.k)?);
                Self::from_secret(alg, &secret)?
            }
            KeyFamily::Rsa => Self::rsa(alg, rsa::PublicKey::new(&Jwk::member(&jwk.n)?, &Jwk::member(&jwk.e)?))?,
            KeyFamily::Ec => Self::ec(alg, &ec_point(jwk, alg)?)?,
            KeyFamily::Ed => Self::ed(&Jwk::member(&jwk.x)?)?,
        };
        Ok(VerifyingKey {
            kid: jwk_kid(jwk)?,
            ..key
        })
    }

    /// A key from jsonwebtoken's [`DecodingKey`], bound to `alg`. This is how the
    /// portcullis [`CryptoProvider`](super::interop::PROVIDER) serves `jsonwebtoken::decode`.
    pub(crate) fn from_decoding_key(alg: Algorithm, key: &DecodingKey) -> Result<Self, KeyError> {
        let bytes = match key.kind() {
            DecodingKeyKind::SecretOrDer(bytes) => bytes.as_slice(),
            DecodingKeyKind::RsaModulusExponent { n, e } => {
                if alg.family() != KeyFamily::Rsa {
                    return Err(family_error());
                }
                return Self::rsa(alg, rsa::PublicKey::new(n, e));
            }
        };
        match alg.family() {
            KeyFamily::Hmac => Self::from_secret(alg, bytes),
            KeyFamily::Rsa => {
                let (n, e) =
                    super::der::rsa_public_key(bytes).ok_or(KeyError::invalid("not a PKCS#1 RSA public key"))?;
                Self::rsa(alg, rsa::PublicKey::new(n, e))
            }
            KeyFamily::Ec => Self::ec(alg, bytes),
            KeyFamily::Ed => Self::ed(bytes),
        }
    }

    fn new(alg: Algorithm, public: Public) -> Self {
        super::crypto::install();
        VerifyingKey { alg, kid: None, public }
    }

    fn rsa(alg: Algorithm, key: rsa::PublicKey) -> Result<Self, KeyError> {
        let params = rsa::parameters(alg).ok_or_else(family_error)?;
        let bits = key.bits();
        if bits < MIN_RSA_BITS {
            return Err(KeyError::WeakKey {
                alg,
                bits,
                min_bits: MIN_RSA_BITS,
            });
        }
        if bits > 8192 || key.e.is_empty() || key.e.len() > 4 || key.e.last().is_some_and(|b| b & 1 == 0) {
            return Err(KeyError::invalid("RSA modulus over 8192 bits or unusable exponent"));
        }
        Ok(Self::new(
            alg,
            Public::Rsa {
                params,
                key: std::sync::Arc::new(key),
            },
        ))
    }

    fn ec(alg: Algorithm, point: &[u8]) -> Result<Self, KeyError> {
        let verification = ecdsa::verification(alg).ok_or_else(family_error)?;
        let coordinate = ecdsa::coordinate_len(alg).ok_or_else(family_error)?;
        if point.len() != 1 + 2 * coordinate || point[0] != 4 {
            return Err(KeyError::invalid(
                "EC public key is not an uncompressed point of the algorithm's curve",
            ));
        }
        Ok(Self::new(
            alg,
            Public::Ec {
                alg: verification,
                point: point.into(),
            },
        ))
    }

    fn ed(public: &[u8]) -> Result<Self, KeyError> {
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::invalid("Ed25519 public key must be 32 bytes"))?;
        Ok(Self::new(Algorithm::EdDSA, Public::Ed(public)))
    }

    /// The same key with `kid` (1 to [`MAX_KID_BYTES`] bytes).
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> Result<Self, KeyError> {
        self.kid = Some(checked_kid(kid.as_ref())?);
        Ok(self)
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Checks `signature` over `message` with this key's algorithm.
    pub(crate) fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.public {
            Public::Hmac(key) => hmac::verify(key, message, signature),
            Public::Rsa { params, key } => key.verify(params, message, signature),
            Public::Ec { alg, point } => ecdsa::verify(alg, point, message, signature),
            Public::Ed(public) => eddsa::verify(public, message, signature),
        }
    }

    /// The public JWK of an asymmetric key (`None` for HMAC: a secret has no public half).
    pub fn to_jwk(&self) -> Option<Jwk> {
        let mut jwk = Jwk::default();
        jwk.kid = self.kid.as_deref().map(str::to_owned);
        jwk.alg = Some(self.alg.as_str().to_owned());
        jwk.key_use = Some("sig".to_owned());
        match &self.public {
            Public::Hmac(_) => return None,
            Public::Rsa { key, .. } => {
                jwk.kty = "RSA".into();
                jwk.n = Some(b64::encode(&key.n));
                jwk.e = Some(b64::encode(&key.e));
            }
            Public::Ec { point, .. } => set_ec_members(&mut jwk, self.alg, point),
            Public::Ed(public) => {
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(b64::encode(public));
            }
        }
        Some(jwk)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// An HMAC signing key from a raw secret (same length rules as
    /// [`VerifyingKey::from_secret`]).
    pub fn from_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        let key = check_secret(alg, secret)?;
        Ok(Self::new(alg, Private::Hmac(key)))
    }

    /// A private key from PEM: PKCS#8 (`PRIVATE KEY`) for every asymmetric algorithm,
    /// or PKCS#1 (`RSA PRIVATE KEY`) for RSA. At most [`MAX_PEM_BYTES`].
    pub fn from_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        check_pem(pem)?;
        let bad = |_| KeyError::invalid("not a PEM private key of this key type");
        let key = match alg.family() {
            KeyFamily::Hmac => {
                return Err(KeyError::Algorithm {
                    reason: "HMAC keys are secrets, not PEM",
                });
            }
            KeyFamily::Rsa => EncodingKey::from_rsa_pem(pem).map_err(bad)?,
            KeyFamily::Ec => EncodingKey::from_ec_pem(pem).map_err(bad)?,
            KeyFamily::Ed => EncodingKey::from_ed_pem(pem).map_err(bad)?,
        };
        Self::from_encoding_key(alg, &key)
    }

    /// A key from jsonwebtoken's [`EncodingKey`] (HMAC secret, PKCS#1 RSA DER, PKCS#8
    /// EC or Ed25519 DER), bound to `alg`.
    pub(crate) fn from_encoding_key(alg: Algorithm, key: &EncodingKey) -> Result<Self, KeyError> {
        let der = key.as_bytes();
        let rejected = |_| KeyError::invalid("private key rejected");
        match alg.family() {
            KeyFamily::Hmac => Self::from_secret(alg, der),
            KeyFamily::Rsa => Self::rsa(alg, RsaKeyPair::from_der(der).map_err(rejected)?),
            KeyFamily::Ec => {
                let signing = ecdsa::signing(alg).ok_or_else(family_error)?;
                let verification = ecdsa::verification(alg).ok_or_else(family_error)?;
                let pair =
                    EcdsaKeyPair::from_pkcs8(signing, der, &ring::rand::SystemRandom::new()).map_err(rejected)?;
                Ok(Self::new(alg, Private::Ec(pair, verification)))
            }
            KeyFamily::Ed => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?;
                Ok(Self::new(alg, Private::Ed(pair)))
            }
        }
    }

    /// A key from a private JWK (`d` and friends, or `k` for `oct`).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        jwk.check_usable(Purpose::Sign)?;
        let alg = jwk.algorithm(None)?;
        let member = |m: &Option<String>| Jwk::member(m).map(Zeroizing::new);
        let rejected = |_| KeyError::invalid("private key rejected");
        let key = match alg.family() {
            KeyFamily::Hmac => Self::from_secret(alg, &member(&jwk.k)?)?,
            KeyFamily::Rsa => {
                let (n, e, d) = (member(&jwk.n)?, member(&jwk.e)?, member(&jwk.d)?);
                let (p, q) = (member(&jwk.p)?, member(&jwk.q)?);
                let (dp, dq, qi) = (member(&jwk.dp)?, member(&jwk.dq)?, member(&jwk.qi)?);
                let pair = RsaKeyPair::from_components(&ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: n.as_slice(),
                        e: e.as_slice(),
                    },
                    d: d.as_slice(),
                    p: p.as_slice(),
                    q: q.as_slice(),
                    dP: dp.as_slice(),
                    dQ: dq.as_slice(),
                    qInv: qi.as_slice(),
                })
                .map_err(rejected)?;
                Self::rsa(alg, pair)?
            }
            KeyFamily::Ec => {
                let signing = ecdsa::signing(alg).ok_or_else(family_error)?;
                let verification = ecdsa::verification(alg).ok_or_else(family_error)?;
                let (point, d) = (ec_point(jwk, alg)?, member(&jwk.d)?);
                let pair = EcdsaKeyPair::from_private_key_and_public_key(
                    signing,
                    &d,
                    &point,
                    &ring::rand::SystemRandom::new(),
                )
                .map_err(rejected)?;
                Self::new(alg, Private::Ec(pair, verification))
            }
            KeyFamily::Ed => {
                let pair =
                    Ed25519KeyPair::from_seed_and_public_key(&member(&jwk.d)?, &member(&jwk.x)?).map_err(rejected)?;
                Self::new(alg, Private::Ed(pair))
            }
        };
        Ok(SigningKey {
            kid: jwk_kid(jwk)?,
            ..key
        })
    }

    /// A fresh random key. HMAC secrets are as long as the hash; EC keys use the
    /// algorithm's curve. RSA keys cannot be generated here (ring does not generate
    /// them): use `portcullis keygen --alg RS256` or another tool and load the PEM.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        Self::from_jwk(&Self::generate_jwk(alg)?)
    }

    /// A fresh random key as a private JWK (with `alg` and `use: sig`), ready to store.
    pub fn generate_jwk(alg: Algorithm) -> Result<Jwk, KeyError> {
        use ring::rand::SecureRandom;
        let rng = ring::rand::SystemRandom::new();
        fn failed<E>(_: E) -> KeyError {
            KeyError::invalid("key generation failed")
        }
        let mut jwk = Jwk::default();
        jwk.alg = Some(alg.as_str().into());
        jwk.key_use = Some("sig".into());
        match alg.family() {
            KeyFamily::Hmac => {
                let len = alg.min_secret_len().ok_or_else(family_error)?;
                let mut secret = Zeroizing::new(vec![0u8; len]);
                rng.fill(&mut secret).map_err(failed)?;
                jwk.kty = "oct".into();
                jwk.k = Some(b64::encode(&secret));
            }
            KeyFamily::Ec => {
                let signing = ecdsa::signing(alg).ok_or_else(family_error)?;
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).map_err(failed)?;
                let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng).map_err(failed)?;
                let d = super::der::pkcs8_ec_private_scalar(pkcs8.as_ref())
                    .ok_or(KeyError::invalid("unexpected PKCS#8 layout"))?;
                set_ec_members(&mut jwk, alg, pair.public_key().as_ref());
                jwk.d = Some(b64::encode(d));
            }
            KeyFamily::Ed => {
                let mut seed = Zeroizing::new([0u8; 32]);
                rng.fill(seed.as_mut()).map_err(failed)?;
                let pair = Ed25519KeyPair::from_seed_unchecked(seed.as_ref()).map_err(failed)?;
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(b64::encode(pair.public_key().as_ref()));
                jwk.d = Some(b64::encode(seed.as_ref()));
            }
            KeyFamily::Rsa => {
                return Err(KeyError::Algorithm {
                    reason: "RSA keys cannot be generated by the library",
                });
            }
        }
        Ok(jwk)
    }

    fn new(alg: Algorithm, private: Private) -> Self {
        super::crypto::install();
        SigningKey {
            alg,
            kid: None,
            private,
        }
    }

    fn rsa(alg: Algorithm, pair: RsaKeyPair) -> Result<Self, KeyError> {
        let padding = rsa::padding(alg).ok_or_else(family_error)?;
        let params = rsa::parameters(alg).ok_or_else(family_error)?;
        let bits = pair.public().modulus_len() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::WeakKey {
                alg,
                bits,
                min_bits: MIN_RSA_BITS,
            });
        }
        Ok(Self::new(alg, Private::Rsa { pair, padding, params }))
    }

    /// The same key with `kid` (1 to [`MAX_KID_BYTES`] bytes).
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> Result<Self, KeyError> {
        self.kid = Some(checked_kid(kid.as_ref())?);
        Ok(self)
    }

    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The matching verifying key, with the same algorithm and `kid`.
    pub fn verifying_key(&self) -> VerifyingKey {
        let public = match &self.private {
            Private::Hmac(key) => Public::Hmac(key.clone()),
            Private::Rsa { pair, params, .. } => Public::Rsa {
                params,
                key: std::sync::Arc::new(rsa::public_of(pair)),
            },
            Private::Ec(pair, alg) => Public::Ec {
                alg,
                point: pair.public_key().as_ref().into(),
            },
            Private::Ed(pair) => {
                let mut public = [0u8; 32];
                public.copy_from_slice(pair.public_key().as_ref());
                Public::Ed(public)
            }
        };
        VerifyingKey {
            alg: self.alg,
            kid: self.kid.clone(),
            public,
        }
    }

    /// Signs `message` (a JWS signing input) with this key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let failed = |_| KeyError::invalid("signing failed");
        Ok(match &self.private {
            Private::Hmac(key) => hmac::sign(key, message),
            Private::Rsa { pair, padding, .. } => rsa::sign(pair, *padding, message).map_err(failed)?,
            Private::Ec(pair, _) => ecdsa::sign(pair, message).map_err(failed)?,
            Private::Ed(pair) => eddsa::sign(pair, message),
        })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
