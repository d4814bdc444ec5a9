//! Sealed data, version 1: the wire format (`DESIGN.md`, "Sealed data, version 1").
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | version, `0x01` |
//! | 1 | 1 | suite: `0x01` AES-256-GCM, `0x02` ChaCha20-Poly1305 |
//! | 2 | 4 | key id (u32, big-endian) |
//! | 6 | 32 | salt, random per message |
//! | 38 | 12 | nonce, random per message |
//! | 50 | n + 16 | the AEAD ciphertext of the n-byte plaintext, then its tag |

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

use super::{Plaintext, SecretsError};

/// The version byte of this format.
pub const VERSION: u8 = 1;

/// The header's length: version, suite, key id, salt, nonce.
pub(crate) const HEADER_LEN: usize = 50;
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// HKDF's info: these 20 bytes, then the suite byte and the key id.
const INFO_PREFIX: &[u8; 20] = b"portcullis sealed v1";

/// The largest plaintext sealed or opened: 64 MiB. Larger input is refused before any
/// work, as is sealed data (or its text form) that could only hold a larger one.
pub const MAX_PLAINTEXT_BYTES: usize = 64 << 20;
/// The most entries an encryption context holds: 64.
pub const MAX_CONTEXT_ENTRIES: usize = 64;
/// The largest encoded encryption context: 16 KiB.
pub const MAX_CONTEXT_BYTES: usize = 16 << 10;

/// The longest sealed data (binary) that can hold a plaintext within the limit.
const MAX_SEALED_BYTES: usize = HEADER_LEN + MAX_PLAINTEXT_BYTES + TAG_LEN;

/// An AEAD suite of sealed data, from ring.
///
/// ```
/// use portcullis::secrets::Suite;
///
/// assert_eq!("chacha20-poly1305".parse::<Suite>()?, Suite::ChaCha20Poly1305);
/// assert_eq!(Suite::Aes256Gcm.to_string(), "aes-256-gcm");
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Suite {
    /// AES-256-GCM (suite byte `0x01`): the default.
    #[default]
    Aes256Gcm,
    /// ChaCha20-Poly1305 (suite byte `0x02`), for machines without AES instructions.
    ChaCha20Poly1305,
}

impl Suite {
    /// Its name in keyring documents and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Aes256Gcm => "aes-256-gcm",
            Suite::ChaCha20Poly1305 => "chacha20-poly1305",
        }
    }

    /// Its byte in the sealed header.
    pub fn byte(self) -> u8 {
        match self {
            Suite::Aes256Gcm => 0x01,
            Suite::ChaCha20Poly1305 => 0x02,
        }
    }

    fn from_byte(byte: u8) -> Option<Suite> {
        match byte {
            0x01 => Some(Suite::Aes256Gcm),
            0x02 => Some(Suite::ChaCha20Poly1305),
            _ => None,
        }
    }

    fn algorithm(self) -> &'static aead::Algorithm {
        match self {
            Suite::Aes256Gcm => &aead::AES_256_GCM,
            Suite::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Suite {
    type Err = SecretsError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "aes-256-gcm" => Ok(Suite::Aes256Gcm),
            "chacha20-poly1305" => Ok(Suite::ChaCha20Poly1305),
            _ => Err(SecretsError::UnsupportedSuite),
        }
    }
}

impl serde::Serialize for Suite {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Suite {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// What the header of sealed data says, read without a key ([`inspect`]).
///
/// ```
/// use portcullis::secrets::{Context, Keyring, Suite, inspect};
///
/// let keyring = Keyring::generate(Suite::ChaCha20Poly1305)?;
/// let sealed = keyring.seal(b"card 4242", &Context::new())?;
/// let header = inspect(&sealed)?;
/// assert_eq!(header.suite(), Suite::ChaCha20Poly1305);
/// assert_eq!(header.key_id(), keyring.primary().id());
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SealedHeader {
    version: u8,
    suite: Suite,
    key_id: u32,
}

impl SealedHeader {
    /// The format version (1).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The AEAD suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The id of the keyring key it was sealed under.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

/// Reads the header of sealed data (binary form) without a key: its version, suite
/// and key id. Nothing here is authenticated until the data is opened.
///
/// # Errors
///
/// [`SecretsError::Malformed`] for data too short to be sealed,
/// [`SecretsError::UnsupportedVersion`], [`SecretsError::UnsupportedSuite`],
/// [`SecretsError::TooLarge`].
///
/// ```
/// use portcullis::secrets::{SecretsError, inspect};
///
/// assert_eq!(inspect(b""), Err(SecretsError::Malformed));
/// assert_eq!(inspect(&[2; 80]), Err(SecretsError::UnsupportedVersion { version: 2 }));
/// ```
pub fn inspect(sealed: &[u8]) -> Result<SealedHeader, SecretsError> {
    let (&version, _) = sealed.split_first().ok_or(SecretsError::Malformed)?;
    if version != VERSION {
        return Err(SecretsError::UnsupportedVersion { version });
    }
    if sealed.len() > MAX_SEALED_BYTES {
        return Err(SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES,
        });
    }
    if sealed.len() < HEADER_LEN + TAG_LEN {
        return Err(SecretsError::Malformed);
    }
    let suite = Suite::from_byte(sealed[1]).ok_or(SecretsError::UnsupportedSuite)?;
    let key_id = u32::from_be_bytes([sealed[2], sealed[3], sealed[4], sealed[5]]);
    Ok(SealedHeader { version, suite, key_id })
}

/// [`inspect`] for the text form (base64url without padding).
///
/// # Errors
///
/// As [`inspect`]; text that is not canonical base64url is
/// [`SecretsError::Malformed`].
pub fn inspect_text(sealed: &str) -> Result<SealedHeader, SecretsError> {
    inspect(&from_text(sealed)?)
}

/// The text form of sealed data: base64url without padding.
pub fn to_text(sealed: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(sealed)
}

/// Sealed data from its text form, within the size limit.
pub fn from_text(text: &str) -> Result<Vec<u8>, SecretsError> {
    if text.len() > MAX_SEALED_BYTES.div_ceil(3) * 4 {
        return Err(SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES,
        });
    }
    URL_SAFE_NO_PAD.decode(text).map_err(|_| SecretsError::Malformed)
}

/// An encryption context: names and values bound into sealed data's associated
/// data, so that data sealed for one row does not open as another's.
///
/// The context is not stored in the sealed data: the caller gives the same one to
/// open it. Names are unique and non-empty; values may be empty. At most
/// [`MAX_CONTEXT_ENTRIES`] entries and [`MAX_CONTEXT_BYTES`] encoded.
///
/// ```
/// use portcullis::secrets::Context;
///
/// let context = Context::new().with("table", "users")?.with("row", "42")?;
/// assert_eq!(context.get("row"), Some("42"));
/// assert!(Context::new().with("", "x").is_err());
/// assert!(context.clone().with("row", "43").is_err()); // names are unique
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Context {
    entries: BTreeMap<String, String>,
    /// The encoding's length so far (4 for the count).
    encoded: usize,
}

impl Context {
    /// The empty context.
    pub fn new() -> Context {
        Context {
            entries: BTreeMap::new(),
            encoded: 4,
        }
    }

    /// This context with one more entry.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InvalidContext`] for an empty or repeated name, or past the
    /// limits.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Result<Context, SecretsError> {
        self.insert(name.into(), value.into())?;
        Ok(self)
    }

    /// A context of these entries.
    ///
    /// # Errors
    ///
    /// As [`with`](Self::with).
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Context, SecretsError> {
        pairs
            .into_iter()
            .try_fold(Context::new(), |context, (name, value)| context.with(name, value))
    }

    fn insert(&mut self, name: String, value: String) -> Result<(), SecretsError> {
        if name.is_empty() {
            return Err(SecretsError::InvalidContext("empty name"));
        }
        if self.entries.len() >= MAX_CONTEXT_ENTRIES {
            return Err(SecretsError::InvalidContext("too many entries"));
        }
        let encoded = self.encoded + 8 + name.len() + value.len();
        if encoded > MAX_CONTEXT_BYTES {
            return Err(SecretsError::InvalidContext("too large"));
        }
        match self.entries.entry(name) {
            std::collections::btree_map::Entry::Occupied(_) => Err(SecretsError::InvalidContext("repeated name")),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value);
                self.encoded = encoded;
                Ok(())
            }
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.get(name).map(String::as_str)
    }

    /// The entries, sorted by name (bytewise).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The canonical encoding (DESIGN.md): the count (u32), then each entry sorted by
    /// name as name length (u32), name, value length (u32), value; big-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded);
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        // Each length is within MAX_CONTEXT_BYTES, so these casts are exact.
        out.extend_from_slice(&(self.entries.len() as u32).to_be_bytes());
        for (name, value) in &self.entries {
            out.extend_from_slice(&(name.len() as u32).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value.as_bytes());
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Context {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A JSON object of strings; a repeated name is an error, not the last one winning.
impl<'de> serde::Deserialize<'de> for Context {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Context;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string values")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Context, A::Error> {
                let mut context = Context::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    context.insert(name, value).map_err(serde::de::Error::custom)?;
                }
                Ok(context)
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Seals `plaintext` under `key` (the keyring key `key_id` of `suite`).
pub(crate) fn seal(
    key: &[u8; 32],
    suite: Suite,
    key_id: u32,
    plaintext: &[u8],
    context: &Context,
) -> Result<Vec<u8>, SecretsError> {
    if plaintext.len() > MAX_PLAINTEXT_BYTES {
        return Err(SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES,
        });
    }
    let rng = SystemRandom::new();
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.push(suite.byte());
    out.extend_from_slice(&key_id.to_be_bytes());
    out.resize(HEADER_LEN, 0);
    rng.fill(&mut out[6..HEADER_LEN]).map_err(|_| SecretsError::Random)?;
    let (salt, nonce) = salt_and_nonce(&out[..HEADER_LEN]);
    let sealing = message_key(key, suite, key_id, salt)?;
    let aad = associated_data(&out[..HEADER_LEN], context);
    out.extend_from_slice(plaintext);
    let tag = sealing
        .seal_in_place_separate_tag(nonce, Aad::from(&aad[..]), &mut out[HEADER_LEN..])
        .map_err(|_| SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES,
        })?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens `sealed` (whose header said `header`) with `key`.
pub(crate) fn open(
    key: &[u8; 32],
    header: &SealedHeader,
    sealed: &[u8],
    context: &Context,
) -> Result<Plaintext, SecretsError> {
    let (salt, nonce) = salt_and_nonce(&sealed[..HEADER_LEN]);
    let opening = message_key(key, header.suite, header.key_id, salt)?;
    let aad = associated_data(&sealed[..HEADER_LEN], context);
    let mut buffer = Plaintext::new(sealed[HEADER_LEN..].to_vec());
    let len = opening
        .open_in_place(nonce, Aad::from(&aad[..]), buffer.as_mut_bytes())
        .map_err(|_| SecretsError::AuthenticationFailed)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

fn salt_and_nonce(header: &[u8]) -> (&[u8], Nonce) {
    let salt = &header[6..6 + SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&header[6 + SALT_LEN..HEADER_LEN]);
    (salt, Nonce::assume_unique_for_key(nonce))
}

/// The message key: HKDF-SHA-256 (RFC 5869) of the keyring key, salted with the
/// message's salt, for this suite and key id. A fresh key per message lifts the
/// random-nonce budget of a single AES-GCM key (about 2^32 messages).
fn message_key(key: &[u8; 32], suite: Suite, key_id: u32, salt: &[u8]) -> Result<LessSafeKey, SecretsError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(key);
    let id = key_id.to_be_bytes();
    let suite_byte = [suite.byte()];
    let info: [&[u8]; 3] = [INFO_PREFIX, &suite_byte, &id];
    // Both suites take 32-byte keys: the output is 32 bytes, as the format says.
    let okm = prk
        .expand(&info, suite.algorithm())
        .map_err(|_| SecretsError::UnsupportedSuite)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn associated_data(header: &[u8], context: &Context) -> Vec<u8> {
    let mut aad = Vec::with_capacity(HEADER_LEN + context.encoded);
    aad.extend_from_slice(header);
    context.encode_into(&mut aad);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_encoding_is_the_documented_one() {
        assert_eq!(Context::new().encode(), [0, 0, 0, 0]);
        let context = Context::from_pairs([("row", "42"), ("a", "")]).unwrap();
        assert_eq!(
            context.encode(),
            [
                &[0, 0, 0, 2][..],
                &[0, 0, 0, 1],
                b"a",
                &[0, 0, 0, 0],
                &[0, 0, 0, 3],
                b"row",
                &[0, 0, 0, 2],
                b"42"
            ]
            .concat()
        );
        assert_eq!(context.encoded, context.encode().len());
    }

    #[test]
    fn names_sort_bytewise() {
        let context = Context::from_pairs([("b", "1"), ("B", "2"), ("é", "3"), ("z", "4")]).unwrap();
        let names: Vec<&str> = context.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["B", "b", "z", "é"]);
    }

    #[test]
    fn context_limits_hold() {
        let big = "x".repeat(MAX_CONTEXT_BYTES);
        assert_eq!(
            Context::new().with("n", big),
            Err(SecretsError::InvalidContext("too large"))
        );
        let full = Context::from_pairs((0..MAX_CONTEXT_ENTRIES).map(|i| (i.to_string(), ""))).unwrap();
        assert_eq!(
            full.with("one more", ""),
            Err(SecretsError::InvalidContext("too many entries"))
        );
    }

    #[test]
    fn a_repeated_name_in_json_is_refused() {
        assert!(serde_json::from_str::<Context>(r#"{"row":"1","row":"2"}"#).is_err());
        assert!(serde_json::from_str::<Context>(r#"{"":"1"}"#).is_err());
        let context: Context = serde_json::from_str(r#"{"table":"users","row":"42"}"#).unwrap();
        assert_eq!(
            context,
            Context::from_pairs([("row", "42"), ("table", "users")]).unwrap()
        );
    }
}
