//! A set of verifying keys, selected by `kid`.

use std::collections::HashMap;

use super::jwk::JwkSet;
use super::{KeyError, TokenError, VerifyingKey};

/// Above this many keys, lookups go through a hash map instead of a scan.
const SCAN_LIMIT: usize = 8;

/// The keys a [`Verifier`](super::Verifier) may use, selected by the token's `kid`.
///
/// A token with a `kid` uses the key with exactly that `kid` (compared byte for byte,
/// never interpreted as a path or URL); if no key has it, a set of exactly one key
/// *without* a `kid` (say, one loaded from PEM) uses that key. A token without a `kid`
/// uses the set's only key when it holds exactly one. Anything else is `unknown_key`.
/// The choice never depends on the header's `alg`: the selected key's own algorithm
/// must then match it.
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
    by_kid: HashMap<Box<str>, usize>,
}

impl KeySet {
    /// A set of one key, used for tokens with its `kid` or with none.
    pub fn single(key: VerifyingKey) -> Self {
        KeySet {
            keys: vec![key],
            by_kid: HashMap::new(),
        }
    }

    /// A set of keys. Refuses an empty set and two keys with the same `kid`.
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Result<Self, KeyError> {
        Self::build(keys.into_iter().collect())
    }

    fn build(keys: Vec<VerifyingKey>) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::NoKey);
        }
        let mut by_kid = HashMap::new();
        for (index, key) in keys.iter().enumerate() {
            if let Some(kid) = key.kid()
                && by_kid.insert(Box::from(kid), index).is_some()
            {
                return Err(KeyError::DuplicateKid);
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
        let mut keys = Vec::new();
        for jwk in &jwks.keys {
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => keys.push(key),
                Err(err) => tracing::debug!(kid = jwk.kid.as_deref(), code = err.code(), "JWKS key left out"),
            }
        }
        Self::build(keys)
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        if self.by_kid.is_empty() {
            self.keys.iter().find(|key| key.kid() == Some(kid))
        } else {
            self.by_kid.get(kid).map(|&index| &self.keys[index])
        }
    }

    /// Selects the key for a token's `kid` (see the type's docs).
    pub(crate) fn select(&self, kid: Option<&str>) -> Result<&VerifyingKey, TokenError> {
        match kid {
            Some(kid) => match (self.get(kid), self.keys.as_slice()) {
                (Some(key), _) => Ok(key),
                (None, [only]) if only.kid().is_none() => Ok(only),
                (None, _) => Err(TokenError::UnknownKey),
            },
            None => match self.keys.as_slice() {
                [only] => Ok(only),
                _ => Err(TokenError::UnknownKey),
            },
        }
    }

    /// How many keys the set holds.
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
        assert!(set.select(Some("issuer-kid")).is_ok());
        assert!(set.select(None).is_ok());
    }

    #[test]
    fn a_lone_key_with_a_kid_serves_only_that_kid_or_none() {
        let set = KeySet::single(key(Some("a")));
        assert!(set.select(Some("a")).is_ok());
        assert!(set.select(None).is_ok());
        assert_eq!(set.select(Some("b")).err(), Some(TokenError::UnknownKey));
    }

    #[test]
    fn several_keys_need_a_matching_kid() {
        let set = KeySet::new([key(Some("a")), key(Some("b"))]).expect("set");
        assert_eq!(set.select(None).err(), Some(TokenError::UnknownKey));
        assert_eq!(set.select(Some("c")).err(), Some(TokenError::UnknownKey));
        assert!(KeySet::new([key(Some("a")), key(Some("a"))]).is_err());
    }

    #[test]
    fn large_sets_look_up_through_the_map() {
        let set = KeySet::new((0..20).map(|i| key(Some(&format!("k{i}"))))).expect("set");
        assert_eq!(set.get("k17").and_then(VerifyingKey::kid), Some("k17"));
        assert!(set.get("k20").is_none());
    }
}
