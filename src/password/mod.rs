//! Password hashing with argon2id, safe by default, and password policy.
//!
//! - [`PasswordHasher`]: argon2id version 19 with OWASP's parameters (19 MiB, 2 passes,
//!   1 lane), PHC strings, fresh salts from the operating system, optional [`Pepper`]s
//!   with rotation, [`PasswordCheck::needs_rehash`] to upgrade hashes at login, and
//!   [`verify_unknown_user`](PasswordHasher::verify_unknown_user) against account
//!   enumeration by timing.
//! - [`PasswordPool`] (feature `tokio`): the same work on blocking threads behind a
//!   bounded queue, so a login flood gets [`PasswordError::Busy`] instead of starving
//!   the server or exhausting its memory.
//! - [`PasswordRules`]: NIST SP 800-63B-4 rules for new passwords.
//!
//! A login, end to end:
//!
//! ```
//! use portcullis::password::{PasswordHasher, PasswordRules};
//!
//! let hasher = PasswordHasher::new();
//!
//! // Sign-up: check the policy, store only the hash.
//! PasswordRules::new().check("correct horse battery staple", "alice")?;
//! let mut stored = hasher.hash("correct horse battery staple")?;
//!
//! // Login: verify, and upgrade the stored hash when the hasher has moved on.
//! let outcome = hasher.verify("correct horse battery staple", &stored)?;
//! assert!(outcome.ok);
//! if outcome.needs_rehash {
//!     stored = hasher.hash("correct horse battery staple")?;
//! }
//! # let _ = stored;
//! # Ok::<(), portcullis::password::PasswordError>(())
//! ```
//!
//! Limits, all checked before any work: PHC strings up to [`MAX_PHC_LEN`] (1024)
//! bytes; stored hashes within [`Limits`] (256 MiB, 16 passes, 16 lanes, 64-byte salt
//! and output by default). Passwords are up to [`MAX_PASSWORD_BYTES`] (4096) bytes:
//! `hash` refuses a longer one, and `verify` finds that it matches no stored hash,
//! after the same work as for any wrong password.
//! Passwords and peppers are zeroized after use and never appear in `Debug` output or
//! errors.

mod error;
mod hasher;
mod params;
mod pepper;
mod phc;
mod policy;
#[cfg(feature = "tokio")]
mod pool;

pub use error::{ContextWord, PasswordError};
pub use hasher::{HasherBuilder, MAX_PASSWORD_BYTES, PasswordCheck, PasswordHasher};
pub use params::{Limits, Params, Variant, Version};
pub use pepper::Pepper;
pub use phc::{MAX_PHC_LEN, PasswordHash};
pub use policy::{PasswordRules, PasswordRulesBuilder};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use pool::{PasswordPool, PoolBuilder, PoolStats};
