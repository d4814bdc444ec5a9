//! A set of verifying keys, selected by `kid`.

use std::collections::HashMap;

use super::jwk::JwkSet;
use super::{Algorithm, KeyError, TokenError, VerifyingKey};

/// Above this many keys, lookups go through a hash map instead of a scan.
const SCAN_LIMIT: usize = 8;

/// The keys a [`Verifier`](super::Verifier) may use, selected by the token's `kid`,
/// then its `alg` (RFC 7517 §4.5, RFC 7515 §4.1.4).
///
/// A token with a `kid` uses the keys with exactly that `kid` (compared byte for
/// byte, never interpreted as a path or URL); if no key has it, a set of exactly one
/// key *without* a `kid` (say, one loaded from PEM) uses that key. A token without a
/// `kid` considers every key. Among those, the key whose own algorithm is the
/// header's `alg` is used: every key is pinned to one algorithm, so `alg` only picks
/// between keys and never changes how a key verifies. One candidate of another
/// algorithm is `algorithm_mismatch`; no candidate is `unknown_key`; two that fit are
/// `ambiguous_key`, never a guess.
///
/// ```
/// use portcullis::token::{Algorithm, KeySet, SigningKey};
///
/// let old = SigningKey::generate(Algorithm::EdDSA)?.with_kid("2024")?;
/// let new = SigningKey::generate(Algorithm::ES256)?.with_kid("2025")?;
/// let set = KeySet::new([old.verifying_key(), new.verifying_key()])?;
/// assert_eq!(set.len(), 2);
/// assert_eq!(set.get("2025").map(|k| k.algorithm()), Some(Algorithm::ES256));
/// # Ok::<(), portcullis::token::KeyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    by_kid: HashMap<Box<str>, Vec<usize>>,
}

impl KeySet {
    /// A set of one key, used for tokens with its `kid` or with none.
    pub fn single(key: VerifyingKey) -> Self {
        KeySet {
            keys: vec![key],
            by_kid: HashMap::new(),
        }
    }

    /// A set of keys. Refuses an empty set and two keys with the same `kid` and
    /// algorithm (a `kid` may name keys of different algorithms).
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Result<Self, KeyError> {
        Self::build(keys.into_iter().collect())
    }

    fn build(keys: Vec<VerifyingKey>) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::NoKey);
        }
        let mut by_kid: HashMap<Box<str>, Vec<usize>> = HashMap::new();
        for (index, key) in keys.iter().enumerate() {
            if let Some(kid) = key.kid() {
                let same = by_kid.entry(Box::from(kid)).or_default();
                if same.iter().any(|&other| keys[other].algorithm() == key.algorithm()) {
                    return Err(KeyError::DuplicateKid);
                }
                same.push(index);
            }
        }
        if keys.len() <= SCAN_LIMIT {
            by_kid.clear();
        }
        Ok(KeySet { keys, by_kid })
    }

    /// The verifying keys of a JWKS. Keys that cannot verify signatures (`use: enc`,
    /// `key_ops` without `verify`, unsupported `kty`, `alg` or curve, RSA keys without
    /// `alg`, weak keys) are left out and logged at debug level; a JWKS with no usable
    /// key at all is an error.
    ///
    /// ```
    /// use portcullis::token::{JwkSet, KeySet};
    ///
    /// let jwks = JwkSet::from_json(r#"{"keys":[
    ///   {"kty":"OKP","crv":"Ed25519","kid":"sig","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ///   {"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    /// ]}"#)?;
    /// let set = KeySet::from_jwks(&jwks)?;
    /// assert!(set.get("sig").is_some());
    /// assert!(set.get("enc").is_none());
    /// # Ok::<(), portcullis::token::KeyError>(())
    /// ```
    pub fn from_jwks(jwks: &JwkSet) -> Result<Self, KeyError> {
        Self::from_jwks_with_rsa_default(jwks, None)
    }

    /// As [`from_jwks`](Self::from_jwks), with `rsa_default` as the algorithm of RSA
    /// keys that name none (identity providers often leave `alg` out; RFC 7518 leaves
    /// the choice to the application). EC and OKP keys without `alg` take the one
    /// their curve implies.
    ///
    /// # Errors
    ///
    /// No usable key, or two keys with the same `kid` and algorithm.
    pub fn from_jwks_with_rsa_default(jwks: &JwkSet, rsa_default: Option<Algorithm>) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for jwk in &jwks.keys {
            let key = match rsa_default {
                Some(alg) if jwk.kty == "RSA" && jwk.alg.is_none() => VerifyingKey::from_jwk_for(jwk, alg),
                _ => VerifyingKey::from_jwk(jwk),
            };
            match key {
                Ok(key) => keys.push(key),
                Err(err) => tracing::debug!(kid = jwk.kid.as_deref(), code = err.code(), "JWKS key left out"),
            }
        }
        Self::build(keys)
    }

    /// The first key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.with_kid(kid).next()
    }

    fn with_kid<'a, 'k>(&'a self, kid: &'k str) -> impl Iterator<Item = &'a VerifyingKey> + use<'a, 'k> {
        let indexed = (!self.by_kid.is_empty()).then(|| self.by_kid.get(kid).map(Vec::as_slice).unwrap_or_default());
        let scanned = indexed
            .is_none()
            .then_some(self.keys.iter().filter(move |key| key.kid() == Some(kid)));
        indexed
            .into_iter()
            .flatten()
            .map(|&index| &self.keys[index])
            .chain(scanned.into_iter().flatten())
    }

    /// The key for a token with this `kid` and `alg` (see the type's docs).
    /// The key it returns always has algorithm `alg`.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&VerifyingKey, TokenError> {
        let picked = match kid {
            Some(kid) => match pick(self.with_kid(kid), alg)? {
                None => match self.keys.as_slice() {
                    [only] if only.kid().is_none() => pick(std::iter::once(only), alg)?,
                    _ => None,
                },
                found => found,
            },
            None => pick(self.keys.iter(), alg)?,
        };
        picked.ok_or(TokenError::UnknownKey)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty (never, for a set made by the constructors).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter()
    }
}

/// The one candidate of algorithm `alg`; `None` when there is no candidate at all.
fn pick<'k>(
    candidates: impl Iterator<Item = &'k VerifyingKey>,
    alg: Algorithm,
) -> Result<Option<&'k VerifyingKey>, TokenError> {
    let (mut found, mut count, mut other) = (None, 0usize, None);
    for key in candidates {
        count += 1;
        if key.algorithm() != alg {
            other = Some(key.algorithm());
        } else if found.replace(key).is_some() {
            return Err(TokenError::AmbiguousKey);
        }
    }
    match (found, count, other) {
        (Some(key), ..) => Ok(Some(key)),
        (None, 0, _) => Ok(None),
        (None, 1, Some(expected)) => Err(TokenError::AlgorithmMismatch { expected }),
        _ => Err(TokenError::UnknownKey),
    }
}

impl From<VerifyingKey> for KeySet {
    fn from(key: VerifyingKey) -> Self {
        KeySet::single(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Algorithm;

    fn key(kid: Option<&str>) -> VerifyingKey {
        let key = VerifyingKey::from_secret(Algorithm::HS256, &[1; 32]).expect("key");
        match kid {
            Some(kid) => key.with_kid(kid).expect("kid"),
            None => key,
        }
    }

    #[test]
    fn a_lone_key_without_kid_serves_tokens_with_any_kid() {
        let set = KeySet::single(key(None));
        assert!(set.select(Some("issuer-kid"), Algorithm::HS256).is_ok());
        assert!(set.select(None, Algorithm::HS256).is_ok());
    }

    #[test]
    fn a_lone_key_with_a_kid_serves_only_that_kid_or_none() {
        let set = KeySet::single(key(Some("a")));
        assert!(set.select(Some("a"), Algorithm::HS256).is_ok());
        assert!(set.select(None, Algorithm::HS256).is_ok());
        assert_eq!(
            set.select(Some("b"), Algorithm::HS256).err(),
            Some(TokenError::UnknownKey)
        );
    }

    #[test]
    fn several_keys_need_a_matching_kid() {
        let set = KeySet::new([key(Some("a")), key(Some("b"))]).expect("set");
        // Two HS256 keys and no kid: which one is not guessed.
        assert_eq!(set.select(None, Algorithm::HS256).err(), Some(TokenError::AmbiguousKey));
        assert_eq!(
            set.select(Some("c"), Algorithm::HS256).err(),
            Some(TokenError::UnknownKey)
        );
        assert!(KeySet::new([key(Some("a")), key(Some("a"))]).is_err());
    }

    #[test]
    fn a_kid_may_name_keys_of_different_algorithms_and_alg_picks_one() {
        let hs384 = VerifyingKey::from_secret(Algorithm::HS384, &[2; 48])
            .expect("key")
            .with_kid("a")
            .expect("kid");
        let set = KeySet::new([key(Some("a")), hs384]).expect("set");
        assert_eq!(
            set.select(Some("a"), Algorithm::HS256).map(VerifyingKey::algorithm),
            Ok(Algorithm::HS256)
        );
        assert_eq!(
            set.select(Some("a"), Algorithm::HS384).map(VerifyingKey::algorithm),
            Ok(Algorithm::HS384)
        );
        assert_eq!(
            set.select(Some("a"), Algorithm::HS512).err(),
            Some(TokenError::UnknownKey)
        );
        assert_eq!(
            KeySet::single(key(Some("a"))).select(Some("a"), Algorithm::HS384).err(),
            Some(TokenError::AlgorithmMismatch {
                expected: Algorithm::HS256
            })
        );
    }

    #[test]
    fn large_sets_look_up_through_the_map() {
        let set = KeySet::new((0..20).map(|i| key(Some(&format!("k{i}"))))).expect("set");
        assert_eq!(set.get("k17").and_then(VerifyingKey::kid), Some("k17"));
        assert!(set.get("k20").is_none());
    }
}
