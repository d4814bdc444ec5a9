//! Argon2 cost parameters for new hashes, and the limits on what a stored hash may ask for.

use serde::Deserialize;

use super::PasswordError;

/// An argon2 variant (RFC 9106 section 3.1, the `y` type value).
///
/// New hashes are always [`Argon2id`](Variant::Argon2id), which RFC 9106 section 4
/// recommends; the other two are accepted only when verifying stored hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Data-dependent memory access (side-channel exposed; not for passwords).
    Argon2d,
    /// Data-independent memory access.
    Argon2i,
    /// The hybrid RFC 9106 recommends for passwords.
    Argon2id,
}

impl Variant {
    /// The PHC identifier: `argon2d`, `argon2i` or `argon2id`.
    ///
    /// ```
    /// assert_eq!(portcullis::password::Variant::Argon2id.as_str(), "argon2id");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Argon2d => "argon2d",
            Variant::Argon2i => "argon2i",
            Variant::Argon2id => "argon2id",
        }
    }

    pub(super) fn from_phc(id: &str) -> Option<Self> {
        match id {
            "argon2d" => Some(Variant::Argon2d),
            "argon2i" => Some(Variant::Argon2i),
            "argon2id" => Some(Variant::Argon2id),
            _ => None,
        }
    }

    pub(super) fn to_argon2(self) -> argon2::Algorithm {
        match self {
            Variant::Argon2d => argon2::Algorithm::Argon2d,
            Variant::Argon2i => argon2::Algorithm::Argon2i,
            Variant::Argon2id => argon2::Algorithm::Argon2id,
        }
    }
}

/// An argon2 version: 16 (0x10, the original) or 19 (0x13, RFC 9106).
///
/// New hashes are always [`V19`](Version::V19); version 16 is verified for old hashes
/// and flagged for rehashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Version 0x10.
    V16,
    /// Version 0x13, the one RFC 9106 specifies.
    V19,
}

impl Version {
    /// The decimal number written in a PHC string's `v=` field.
    ///
    /// ```
    /// assert_eq!(portcullis::password::Version::V19.number(), 19);
    /// ```
    pub fn number(self) -> u32 {
        match self {
            Version::V16 => 16,
            Version::V19 => 19,
        }
    }

    pub(super) fn from_number(v: u32) -> Option<Self> {
        match v {
            16 => Some(Version::V16),
            19 => Some(Version::V19),
            _ => None,
        }
    }

    pub(super) fn to_argon2(self) -> argon2::Version {
        match self {
            Version::V16 => argon2::Version::V0x10,
            Version::V19 => argon2::Version::V0x13,
        }
    }
}

/// Cost parameters for new hashes. The default is OWASP's first recommendation for
/// argon2id: 19 MiB of memory, 2 passes, 1 lane, a 16-byte salt and a 32-byte output.
///
/// The fields are public so a configuration reads plainly (and deserializes from TOML
/// or JSON); [`PasswordHasher::builder`](super::PasswordHasher::builder) validates them
/// once, so a built hasher never holds a weak or impossible set:
///
/// - `m_cost` (KiB) at least [`Params::MIN_M_COST`] and `m_cost * t_cost` at least
///   [`Params::MIN_WORK`], the weakest of OWASP's equivalent recommendations
///   (m = 7 MiB with t = 5);
/// - `m_cost >= 8 * p_cost` (RFC 9106 section 3.1);
/// - `salt_len` 16 to 64 bytes, `output_len` 16 to 64 bytes;
/// - every value within the hasher's [`Limits`].
///
/// ```
/// use portcullis::password::{Params, PasswordHasher};
///
/// let stronger = Params { m_cost: 65_536, t_cost: 3, p_cost: 4, ..Params::default() };
/// let hasher = PasswordHasher::builder().params(stronger).build()?;
/// assert_eq!(hasher.params().m_cost, 65_536);
///
/// let weak = Params { m_cost: 1024, ..Params::default() };
/// assert_eq!(PasswordHasher::builder().params(weak).build().unwrap_err().code(), "invalid_config");
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Memory, in KiB (argon2's `m`).
    pub m_cost: u32,
    /// Passes over memory (argon2's `t`).
    pub t_cost: u32,
    /// Lanes (argon2's `p`).
    pub p_cost: u32,
    /// Salt length in bytes, drawn from the operating system's generator per hash.
    pub salt_len: usize,
    /// Output (tag) length in bytes.
    pub output_len: usize,
}

impl Params {
    /// OWASP's smallest recommended memory for argon2id, 7 MiB, in KiB.
    pub const MIN_M_COST: u32 = 7 * 1024;
    /// The smallest `m_cost * t_cost` accepted for new hashes (7 MiB x 5 passes).
    pub const MIN_WORK: u64 = 7 * 1024 * 5;
    /// The smallest salt for new hashes, in bytes (RFC 9106 section 3.1 recommends 16).
    pub const MIN_SALT_LEN: usize = 16;
    /// The smallest output for new hashes, in bytes.
    pub const MIN_OUTPUT_LEN: usize = 16;
    /// The largest salt or output for new hashes, in bytes.
    pub const MAX_LEN: usize = 64;

    /// OWASP's parameters: m = 19456 KiB, t = 2, p = 1, 16-byte salt, 32-byte output.
    ///
    /// ```
    /// let p = portcullis::password::Params::owasp();
    /// assert_eq!((p.m_cost, p.t_cost, p.p_cost), (19_456, 2, 1));
    /// ```
    pub const fn owasp() -> Self {
        Params {
            m_cost: 19_456,
            t_cost: 2,
            p_cost: 1,
            salt_len: 16,
            output_len: 32,
        }
    }

    pub(super) fn validate(&self, limits: &Limits) -> Result<(), PasswordError> {
        let bad = |what: &str| Err(PasswordError::InvalidConfig(what.to_owned()));
        if self.t_cost == 0 || self.p_cost == 0 {
            return bad("t_cost and p_cost must be at least 1");
        }
        if self.m_cost < Self::MIN_M_COST || u64::from(self.m_cost) * u64::from(self.t_cost) < Self::MIN_WORK {
            return bad("m_cost must be at least 7168 KiB and m_cost * t_cost at least 35840 (OWASP)");
        }
        if u64::from(self.m_cost) < 8 * u64::from(self.p_cost) {
            return bad("m_cost must be at least 8 * p_cost");
        }
        if !(Self::MIN_SALT_LEN..=Self::MAX_LEN).contains(&self.salt_len) {
            return bad("salt_len must be 16 to 64 bytes");
        }
        if !(Self::MIN_OUTPUT_LEN..=Self::MAX_LEN).contains(&self.output_len) {
            return bad("output_len must be 16 to 64 bytes");
        }
        if self.m_cost > limits.max_m_cost
            || self.t_cost > limits.max_t_cost
            || u64::from(self.m_cost) * u64::from(self.t_cost) > limits.max_work
            || self.p_cost > limits.max_p_cost
            || self.output_len > limits.max_output_len
            || self.salt_len > limits.max_salt_len
        {
            return bad("params exceed the hasher's limits");
        }
        Ok(())
    }
}

impl Default for Params {
    fn default() -> Self {
        Self::owasp()
    }
}

/// The most a *stored* hash may ask of [`verify`](super::PasswordHasher::verify).
///
/// A PHC string carries its own cost parameters, so a hash planted in (or corrupted
/// in) a database could ask for 4 GiB and a million passes. Anything over these limits
/// is refused with [`ParamsExceedLimits`](PasswordError::ParamsExceedLimits) before
/// any memory is allocated. Defaults: 256 MiB, 16 passes, 16 lanes, 64-byte salt and
/// output, and at most 524,288 KiB-passes of work (`m_cost * t_cost`: 64 MiB x 8, or
/// 13 times OWASP's 19 MiB x 2, about 0.4 s of one core). The hasher's own [`Params`]
/// must fit within them. Hard caps on the limits themselves: 4 GiB, 1024 passes, 255
/// lanes, 2^32 KiB-passes, 256-byte salt and output.
///
/// ```
/// use portcullis::password::{Limits, PasswordHasher};
///
/// let hasher = PasswordHasher::builder().limits(Limits { max_m_cost: 65_536, ..Limits::default() }).build()?;
/// let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
/// assert_eq!(hasher.verify("pw", huge).unwrap_err().code(), "params_exceed_limits");
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest `m` (KiB) a stored hash may use.
    pub max_m_cost: u32,
    /// Largest `t` a stored hash may use.
    pub max_t_cost: u32,
    /// Largest `p` a stored hash may use.
    pub max_p_cost: u32,
    /// Largest salt a stored hash may carry, in bytes.
    pub max_salt_len: usize,
    /// Largest output a stored hash may carry, in bytes.
    pub max_output_len: usize,
    /// Largest `m_cost * t_cost` (KiB-passes) a stored hash may use: its CPU time.
    pub max_work: u64,
}

impl Limits {
    pub(super) fn validate(&self) -> Result<(), PasswordError> {
        let within_caps = self.max_m_cost <= 4 * 1024 * 1024
            && self.max_t_cost <= 1024
            && self.max_p_cost <= 255
            && self.max_work <= 1 << 32
            && self.max_salt_len <= 256
            && self.max_output_len <= 256;
        if within_caps {
            Ok(())
        } else {
            Err(PasswordError::InvalidConfig(
                "limits exceed the hard caps (4 GiB, 1024 passes, 255 lanes)".into(),
            ))
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_m_cost: 256 * 1024,
            max_t_cost: 16,
            max_p_cost: 16,
            max_salt_len: 64,
            max_output_len: 64,
            max_work: 512 * 1024,
        }
    }
}
