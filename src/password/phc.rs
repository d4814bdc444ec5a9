//! Strict reading and writing of argon2 PHC strings.
//!
//! The format is the one the reference C implementation writes
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), with the optional `keyid` and
//! `data` parameters of the PHC string format after `p`. Reading is strict so that one
//! stored hash has exactly one spelling: parameters in the order m, t, p, keyid, data;
//! decimals without sign or leading zeros; base64 (standard alphabet) without padding
//! and with zero trailing bits. A missing `v=` means version 16, as in the reference
//! implementation.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

use super::{Limits, PasswordError, Variant, Version};

/// The longest PHC string read, in bytes. A string at the largest default limits
/// (64-byte salt and output, 8-byte keyid, 32-byte data) is under 300 bytes.
pub const MAX_PHC_LEN: usize = 1024;

/// argon2's own floors (RFC 9106 section 3.1).
const MIN_SALT: usize = 8;
const MIN_OUTPUT: usize = 4;
const MAX_KEYID: usize = 8;
const MAX_DATA: usize = 32;

/// A parsed argon2 PHC string: the variant, version and cost parameters a hash was
/// made with, its pepper key id, salt and output.
///
/// Use it to inspect stored hashes (for example, to count those still at version 16).
/// `Debug` shows the parameters but not the hash output.
///
/// ```
/// use portcullis::password::{PasswordHash, Variant, Version};
///
/// let h = PasswordHash::parse("$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ")?;
/// assert_eq!(h.variant(), Variant::Argon2i);
/// assert_eq!(h.version(), Version::V16); // no `v=` field: the original version
/// assert_eq!((h.m_cost(), h.t_cost(), h.p_cost()), (65_536, 2, 1));
/// assert_eq!(h.salt_len(), 8);
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub(super) variant: Variant,
    pub(super) version: Version,
    pub(super) m_cost: u32,
    pub(super) t_cost: u32,
    pub(super) p_cost: u32,
    pub(super) keyid: Option<Vec<u8>>,
    pub(super) data: Vec<u8>,
    pub(super) salt: Vec<u8>,
    pub(super) output: Vec<u8>,
}

impl PasswordHash {
    /// Reads a PHC string. Errors have stable codes: `malformed_hash`,
    /// `unsupported_algorithm`, `unsupported_version` and `invalid_params`; nothing
    /// of the input is echoed.
    ///
    /// ```
    /// use portcullis::password::PasswordHash;
    ///
    /// let code = |s: &str| PasswordHash::parse(s).unwrap_err().code();
    /// assert_eq!(code("$2b$12$abcdefghijklmnopqrstuv"), "unsupported_algorithm");
    /// assert_eq!(code("$argon2id$v=18$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaA"), "unsupported_version");
    /// assert_eq!(code("$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$aGFzaA"), "invalid_params");
    /// assert_eq!(code("$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$aGFzaA"), "malformed_hash");
    /// ```
    pub fn parse(phc: &str) -> Result<Self, PasswordError> {
        use PasswordError::MalformedHash as Malformed;
        if phc.len() > MAX_PHC_LEN {
            return Err(Malformed("longer than 1024 bytes"));
        }
        let rest = phc.strip_prefix('$').ok_or(Malformed("does not start with '$'"))?;
        let mut fields = rest.split('$');
        let id = fields.next().unwrap_or_default();
        let variant = Variant::from_phc(id).ok_or_else(|| {
            if is_phc_symbol(id) {
                PasswordError::UnsupportedAlgorithm
            } else {
                Malformed("bad algorithm identifier")
            }
        })?;

        let mut field = fields.next().ok_or(Malformed("missing parameters"))?;
        let version = match field.strip_prefix("v=") {
            Some(v) => {
                let number = decimal(v).ok_or(Malformed("bad version number"))?;
                field = fields.next().ok_or(Malformed("missing parameters"))?;
                Version::from_number(number).ok_or(PasswordError::UnsupportedVersion)?
            }
            None => Version::V16,
        };
        let params = field;
        let salt = fields.next().ok_or(Malformed("missing salt"))?;
        let output = fields.next().ok_or(Malformed("missing hash"))?;
        if fields.next().is_some() {
            return Err(Malformed("too many fields"));
        }

        let mut hash = PasswordHash {
            variant,
            version,
            m_cost: 0,
            t_cost: 0,
            p_cost: 0,
            keyid: None,
            data: Vec::new(),
            salt: b64(salt).ok_or(Malformed("salt is not canonical unpadded base64"))?,
            output: b64(output).ok_or(Malformed("hash is not canonical unpadded base64"))?,
        };
        hash.read_params(params)?;
        hash.check_rules()?;
        Ok(hash)
    }

    /// `m=…,t=…,p=…[,keyid=…][,data=…]`, in exactly that order.
    fn read_params(&mut self, params: &str) -> Result<(), PasswordError> {
        use PasswordError::MalformedHash as Malformed;
        let mut items = params.split(',');
        let mut cost = |name: &str| {
            let item = items.next().ok_or(Malformed("missing m, t or p"))?;
            let value = item
                .strip_prefix(name)
                .and_then(|v| v.strip_prefix('='))
                .ok_or(Malformed("parameters must be m, t, p in that order"))?;
            decimal(value).ok_or(Malformed("bad decimal parameter"))
        };
        self.m_cost = cost("m")?;
        self.t_cost = cost("t")?;
        self.p_cost = cost("p")?;
        let mut next = items.next();
        if let Some(value) = next.and_then(|item| item.strip_prefix("keyid=")) {
            self.keyid = Some(b64(value).ok_or(Malformed("keyid is not canonical unpadded base64"))?);
            next = items.next();
        }
        if let Some(value) = next.and_then(|item| item.strip_prefix("data=")) {
            self.data = b64(value).ok_or(Malformed("data is not canonical unpadded base64"))?;
            if self.data.is_empty() {
                // An empty `data=` would give one hash two spellings.
                return Err(PasswordError::InvalidParams("data must be 1 to 32 bytes"));
            }
            next = items.next();
        }
        match next {
            None => Ok(()),
            Some(_) => Err(Malformed("unknown, repeated or misplaced parameter")),
        }
    }

    /// argon2's own validity rules, RFC 9106 section 3.1.
    fn check_rules(&self) -> Result<(), PasswordError> {
        use PasswordError::InvalidParams as Invalid;
        if self.t_cost < 1 {
            return Err(Invalid("t must be at least 1"));
        }
        if self.p_cost < 1 || self.p_cost > 0x00FF_FFFF {
            return Err(Invalid("p must be 1 to 2^24-1"));
        }
        if u64::from(self.m_cost) < 8 * u64::from(self.p_cost) {
            return Err(Invalid("m must be at least 8 * p"));
        }
        if self.salt.len() < MIN_SALT {
            return Err(Invalid("salt must be at least 8 bytes"));
        }
        if self.output.len() < MIN_OUTPUT {
            return Err(Invalid("hash must be at least 4 bytes"));
        }
        if self.keyid.as_ref().is_some_and(|k| k.is_empty() || k.len() > MAX_KEYID) {
            return Err(Invalid("keyid must be 1 to 8 bytes"));
        }
        if self.data.len() > MAX_DATA {
            return Err(Invalid("data must be at most 32 bytes"));
        }
        Ok(())
    }

    /// Refuses parameters over `limits` before any memory is allocated.
    pub(super) fn check_limits(&self, limits: &Limits) -> Result<(), PasswordError> {
        let over = PasswordError::ParamsExceedLimits;
        if self.m_cost > limits.max_m_cost {
            return Err(over("memory"));
        }
        if self.t_cost > limits.max_t_cost {
            return Err(over("passes"));
        }
        if u64::from(self.m_cost) * u64::from(self.t_cost) > limits.max_work {
            return Err(over("work"));
        }
        if self.p_cost > limits.max_p_cost {
            return Err(over("lanes"));
        }
        if self.salt.len() > limits.max_salt_len {
            return Err(over("salt length"));
        }
        if self.output.len() > limits.max_output_len {
            return Err(over("output length"));
        }
        Ok(())
    }

    /// The argon2 variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }
    /// The argon2 version (16 when the string has no `v=` field).
    pub fn version(&self) -> Version {
        self.version
    }
    /// Memory in KiB.
    pub fn m_cost(&self) -> u32 {
        self.m_cost
    }
    /// Passes.
    pub fn t_cost(&self) -> u32 {
        self.t_cost
    }
    /// Lanes.
    pub fn p_cost(&self) -> u32 {
        self.p_cost
    }
    /// The pepper key id (`keyid`), if the hash was made with a pepper.
    pub fn keyid(&self) -> Option<&[u8]> {
        self.keyid.as_deref()
    }
    /// Salt length in bytes.
    pub fn salt_len(&self) -> usize {
        self.salt.len()
    }
    /// Output length in bytes.
    pub fn output_len(&self) -> usize {
        self.output.len()
    }
    /// True when the string carries argon2 associated data (`data=`).
    pub fn has_associated_data(&self) -> bool {
        !self.data.is_empty()
    }
}

/// Writes the canonical PHC string: what [`PasswordHash::parse`] read, except that a
/// missing `v=` (version 16) is written out as `v=16`.
impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.variant.as_str())?;
        // A version-16 hash is written as the reference implementation writes it today.
        write!(f, "$v={}", self.version.number())?;
        write!(f, "$m={},t={},p={}", self.m_cost, self.t_cost, self.p_cost)?;
        if let Some(keyid) = &self.keyid {
            write!(f, ",keyid={}", B64.encode(keyid))?;
        }
        if !self.data.is_empty() {
            write!(f, ",data={}", B64.encode(&self.data))?;
        }
        write!(f, "${}${}", B64.encode(&self.salt), B64.encode(&self.output))
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHash")
            .field("variant", &self.variant)
            .field("version", &self.version)
            .field("m_cost", &self.m_cost)
            .field("t_cost", &self.t_cost)
            .field("p_cost", &self.p_cost)
            .field("keyid", &self.keyid.as_ref().map(|k| String::from_utf8_lossy(k)))
            .field("salt_len", &self.salt.len())
            .field("output_len", &self.output.len())
            .finish_non_exhaustive()
    }
}

/// A PHC function symbol: `[a-z0-9-]{1,32}`.
fn is_phc_symbol(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A PHC decimal: digits only, no sign, no leading zero, fits in u32.
fn decimal(s: &str) -> Option<u32> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// Standard-alphabet base64 without padding and with zero trailing bits.
fn b64(s: &str) -> Option<Vec<u8>> {
    B64.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

    #[test]
    fn display_is_the_inverse_of_parse() {
        assert_eq!(PasswordHash::parse(GOOD).unwrap().to_string(), GOOD);
        let with_pepper = "$argon2id$v=19$m=32,t=3,p=4,keyid=azE,data=BAQEBAQEBAQEBAQE$c29tZXNhbHQ$aGFzaGhhc2g";
        assert_eq!(PasswordHash::parse(with_pepper).unwrap().to_string(), with_pepper);
    }

    #[test]
    fn decimals_are_canonical() {
        assert_eq!(decimal("19456"), Some(19456));
        assert_eq!(decimal("0"), Some(0));
        for bad in ["", "019", "+1", "-1", "1 ", "4294967296", "1e3"] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_output() {
        let shown = format!("{:?}", PasswordHash::parse(GOOD).unwrap());
        assert!(shown.contains("m_cost: 19456"));
        assert!(!shown.contains("aGFzaGhh"));
    }
}
