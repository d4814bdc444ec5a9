//! The key format of `DESIGN.md` ("API keys"): `<prefix>_<30 base62><6 base62 CRC-32>`.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::ApiKeyError;

/// Characters of randomness in a key: 30 of base62, about 178.6 bits.
pub const RANDOM_LEN: usize = 30;
/// Characters of checksum: CRC-32 in base62, left-padded with `0`.
pub const CHECKSUM_LEN: usize = 6;
/// The longest prefix, in characters.
pub const MAX_PREFIX_LEN: usize = 16;
/// The longest well-formed key: a 16-character prefix, `_`, 30 and 6 characters.
pub const MAX_KEY_LEN: usize = MAX_PREFIX_LEN + 1 + RANDOM_LEN + CHECKSUM_LEN;

/// The base62 digits, in digit order: `0-9`, `A-Z`, `a-z`.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A well-formed API key, borrowed from the text it was read from: what
/// [`check`] returns. `Debug` shows the prefix only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyParts<'a> {
    key: &'a str,
    prefix_len: usize,
}

impl<'a> KeyParts<'a> {
    /// The prefix (what the key is for), without the `_`.
    pub fn prefix(&self) -> &'a str {
        &self.key[..self.prefix_len]
    }

    /// The whole key.
    pub fn as_str(&self) -> &'a str {
        self.key
    }
}

impl fmt::Debug for KeyParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyParts({}_<redacted>)", self.prefix())
    }
}

/// Checks that `key` is a well-formed API key: its prefix (`[a-z][a-z0-9]{1,15}`), an
/// `_`, 30 base62 characters and the 6-character base62 CRC-32 of everything before
/// them. No storage is asked and nothing is allocated; a typo or a random string
/// fails here (the checksum lets through about one random string in 2^32).
///
/// ```
/// use portcullis::secrets::apikey::check;
///
/// let key = portcullis::secrets::apikey::generate("pk")?;
/// assert_eq!(check(&key)?.prefix(), "pk");
/// assert_eq!(check("pk_not-a-key").unwrap_err().code(), "invalid_api_key");
/// # Ok::<(), portcullis::secrets::apikey::ApiKeyError>(())
/// ```
///
/// # Errors
///
/// [`ApiKeyError::Invalid`] for anything else.
pub fn check(key: &str) -> Result<KeyParts<'_>, ApiKeyError> {
    let bytes = key.as_bytes();
    if bytes.len() > MAX_KEY_LEN {
        return Err(ApiKeyError::Invalid);
    }
    let prefix_len = bytes.iter().position(|&b| b == b'_').ok_or(ApiKeyError::Invalid)?;
    if !is_prefix(&bytes[..prefix_len]) || bytes.len() != prefix_len + 1 + RANDOM_LEN + CHECKSUM_LEN {
        return Err(ApiKeyError::Invalid);
    }
    let (body, checksum) = bytes.split_at(prefix_len + 1 + RANDOM_LEN);
    if !bytes[prefix_len + 1..].iter().all(|&b| digit(b).is_some()) {
        return Err(ApiKeyError::Invalid);
    }
    if checksum != encode_checksum(crc32fast::hash(body)) {
        return Err(ApiKeyError::Invalid);
    }
    Ok(KeyParts { key, prefix_len })
}

/// Whether `prefix` is a valid key prefix: `[a-z][a-z0-9]{1,15}`.
///
/// ```
/// use portcullis::secrets::apikey::is_valid_prefix;
///
/// assert!(is_valid_prefix("pk"));
/// assert!(!is_valid_prefix("p"));
/// assert!(!is_valid_prefix("Pk"));
/// ```
pub fn is_valid_prefix(prefix: &str) -> bool {
    is_prefix(prefix.as_bytes())
}

fn is_prefix(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && (2..=MAX_PREFIX_LEN).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A new key with `prefix`: 30 base62 characters from the system's CSPRNG (each
/// drawn by rejection, so all 62 are equally likely) and its checksum. The text is
/// zeroized when dropped.
///
/// ```
/// use portcullis::secrets::apikey::{check, generate};
///
/// let key = generate("pk")?;
/// assert!(key.starts_with("pk_") && key.len() == 39);
/// assert!(check(&key).is_ok());
/// # Ok::<(), portcullis::secrets::apikey::ApiKeyError>(())
/// ```
///
/// # Errors
///
/// [`ApiKeyError::InvalidConfig`] for a prefix that is not `[a-z][a-z0-9]{1,15}`;
/// [`ApiKeyError::Random`] when the system's CSPRNG fails.
pub fn generate(prefix: &str) -> Result<Zeroizing<String>, ApiKeyError> {
    if !is_valid_prefix(prefix) {
        return Err(ApiKeyError::InvalidConfig("an API key prefix is [a-z][a-z0-9]{1,15}"));
    }
    let mut key = Zeroizing::new(String::with_capacity(MAX_KEY_LEN));
    key.push_str(prefix);
    key.push('_');
    let rng = SystemRandom::new();
    let mut pool = Zeroizing::new([0u8; 64]);
    let mut drawn = 0;
    while drawn < RANDOM_LEN {
        rng.fill(&mut pool[..]).map_err(|_| ApiKeyError::Random)?;
        // 248 = 4 × 62: bytes at or above it are dropped, so none is favoured.
        for &byte in pool.iter().filter(|&&b| b < 248).take(RANDOM_LEN - drawn) {
            key.push(char::from(ALPHABET[usize::from(byte % 62)]));
            drawn += 1;
        }
    }
    let checksum = encode_checksum(crc32fast::hash(key.as_bytes()));
    key.extend(checksum.iter().map(|&b| char::from(b)));
    Ok(key)
}

/// CRC-32 in base62, most significant digit first, left-padded to 6 with `0`.
fn encode_checksum(mut crc: u32) -> [u8; CHECKSUM_LEN] {
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(crc % 62) as usize];
        crc /= 62;
    }
    out
}

fn digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'Z' => Some(byte - b'A' + 10),
        b'a'..=b'z' => Some(byte - b'a' + 36),
        _ => None,
    }
}

/// A random record id: 16 base62 characters (about 95 bits), public.
pub(crate) fn record_id() -> Result<String, ApiKeyError> {
    let rng = SystemRandom::new();
    let mut id = String::with_capacity(16);
    let mut pool = [0u8; 32];
    while id.len() < 16 {
        rng.fill(&mut pool).map_err(|_| ApiKeyError::Random)?;
        for &byte in pool.iter().filter(|&&b| b < 248).take(16 - id.len()) {
            id.push(char::from(ALPHABET[usize::from(byte % 62)]));
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_crc32_in_six_base62_digits() {
        assert_eq!(&encode_checksum(0), b"000000");
        assert_eq!(&encode_checksum(61), b"00000z");
        assert_eq!(&encode_checksum(62), b"000010");
        assert_eq!(&encode_checksum(u32::MAX), b"4gfFC3");
        // zlib's crc32 of "123456789" is 0xCBF43926 (the CRC catalogue's check value).
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn digits_round_trip() {
        for (value, &byte) in ALPHABET.iter().enumerate() {
            assert_eq!(digit(byte), Some(value as u8));
        }
        assert_eq!(digit(b'_'), None);
    }

    #[test]
    fn record_ids_are_sixteen_base62_characters() {
        let id = record_id().unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| digit(b).is_some()));
    }
}
