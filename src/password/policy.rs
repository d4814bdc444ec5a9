//! Which new passwords to accept, per NIST SP 800-63B-4 section 3.1.1.2.

use std::collections::HashSet;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::{ContextWord, MAX_PASSWORD_BYTES, PasswordError};

/// Rules for choosing a password, following NIST SP 800-63B-4:
///
/// - length is counted in Unicode code points: at least `min_length` (default 8; NIST
///   asks for **15 when the password is the only factor**, 8 with a second factor), at
///   most `max_length` (default 128; never under 64, so passphrases fit);
/// - no composition rules (no "one digit, one symbol"): NIST forbids them;
/// - with the `zxcvbn` feature (the default when it is enabled), a password of up to
///   24 code points that zxcvbn estimates can be guessed in under 10^6 attempts is
///   refused as `common_password`. Its dictionaries hold the 30,000 most common leaked
///   passwords, English words, names, and keyboard, repeat and sequence patterns, with
///   l33t and case variants. Longer passwords skip this rule: zxcvbn's cost grows
///   faster than quadratically with length (measured on crafted l33t input: 18 ms at
///   24 code points, 34 ms at 32, 212 ms at 64), and no entry of its list is that long;
/// - words of the service's own blocklist are refused as `blocklisted` (compared
///   after NFKC and lowercasing);
/// - the account name or the service name, or either with up to six digits or
///   symbols around it, is refused as `matches_context`.
///
/// Errors name the rule that failed, never the password. Only new passwords are
/// checked: a login never applies the policy.
///
/// **Cost:** without zxcvbn a check is microseconds; with it, up to about 20 ms of one
/// core (more on the first call, which loads its dictionaries): as much CPU as a hash.
/// From async code, run it on the pool with `PasswordPool::check_policy_async`
/// (feature `tokio`).
///
/// ```
/// use portcullis::password::PasswordRules;
///
/// let policy = PasswordRules::builder().service_name("Acme Orders").build()?;
/// assert_eq!(policy.check("short", "alice").unwrap_err().code(), "too_short");
/// assert_eq!(policy.check("alice2026!", "alice").unwrap_err().code(), "matches_context");
/// assert_eq!(policy.check("ACME ORDERS", "alice").unwrap_err().code(), "matches_context");
/// policy.check("correct horse battery staple", "alice")?;
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PasswordRules {
    min_length: usize,
    max_length: usize,
    service: Option<String>,
    blocklist: Arc<HashSet<String>>,
    #[cfg(feature = "zxcvbn")]
    common_passwords: bool,
}

/// zxcvbn's boundary between score 1 and score 2.
#[cfg(feature = "zxcvbn")]
const MIN_GUESSES: u64 = 1_000_000;

/// The longest password (in code points) zxcvbn is run on.
#[cfg(feature = "zxcvbn")]
const MAX_ZXCVBN_CHARS: usize = 24;

/// Account names longer than this (in bytes) cannot appear in a password of at most
/// 1024 code points even after NFKC, and are not folded.
const MAX_CONTEXT_BYTES: usize = 64 * 1024;

/// Context words shorter than this are not compared (a password has at least 8).
const MIN_DERIVED_WORD: usize = 3;

/// How many digits or symbols around a context word still count as a derivative.
const MAX_DECORATION: usize = 6;

impl PasswordRules {
    /// The default policy: 8 to 128 code points, the common-password check when the
    /// `zxcvbn` feature is on, no service name, no blocklist.
    pub fn new() -> Self {
        PasswordRules {
            min_length: 8,
            max_length: 128,
            service: None,
            blocklist: Arc::default(),
            #[cfg(feature = "zxcvbn")]
            common_passwords: true,
        }
    }

    /// A builder to change lengths, name the service, or add blocklisted words.
    pub fn builder() -> PasswordRulesBuilder {
        PasswordRulesBuilder {
            policy: PasswordRules::new(),
            blocklist: HashSet::new(),
        }
    }

    /// The minimum length, in code points.
    pub fn min_length(&self) -> usize {
        self.min_length
    }

    /// The maximum length, in code points.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Checks a new password for `account` (the user's login name; pass `""` if there
    /// is none). Rules are checked in order: length, context, blocklist, common.
    pub fn check(&self, password: &str, account: &str) -> Result<(), PasswordError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong { max: self.max_length });
        }
        let length = password.chars().count();
        if length < self.min_length {
            return Err(PasswordError::TooShort { min: self.min_length });
        }
        if length > self.max_length {
            return Err(PasswordError::TooLong { max: self.max_length });
        }
        let folded = fold(password);
        if account.len() <= MAX_CONTEXT_BYTES && is_derived_from(&folded, &fold(account)) {
            return Err(PasswordError::MatchesContext(ContextWord::Account));
        }
        if self
            .service
            .as_deref()
            .is_some_and(|service| is_derived_from(&folded, service))
        {
            return Err(PasswordError::MatchesContext(ContextWord::Service));
        }
        if self.blocklist.contains(folded.as_str()) {
            return Err(PasswordError::Blocklisted);
        }
        #[cfg(feature = "zxcvbn")]
        if self.common_passwords && length <= MAX_ZXCVBN_CHARS && zxcvbn::zxcvbn(password, &[]).guesses() < MIN_GUESSES
        {
            return Err(PasswordError::CommonPassword);
        }
        Ok(())
    }
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self::new()
    }
}

/// NFKC then lowercase, so `ＡＬＩＣＥ` and `Alice` compare equal to `alice`. The
/// buffer is sized exactly first, so no reallocation leaves a copy behind.
fn fold(s: &str) -> Zeroizing<String> {
    let folded = || s.nfkc().flat_map(char::to_lowercase);
    let mut out = Zeroizing::new(String::with_capacity(folded().map(char::len_utf8).sum()));
    out.extend(folded());
    out
}

/// `password` is `word` with at most [`MAX_DECORATION`] digits, symbols or spaces
/// before and after it, in all (`alice`, `Alice1`, `!alice2026`, `bob42bob42!`).
fn is_derived_from(password: &str, word: &str) -> bool {
    if word.chars().count() < MIN_DERIVED_WORD {
        return false;
    }
    let decoration = |s: &str| s.chars().all(|c| !c.is_alphabetic()).then(|| s.chars().count());
    password.match_indices(word).any(|(at, _)| {
        let (before, after) = (&password[..at], &password[at + word.len()..]);
        matches!((decoration(before), decoration(after)), (Some(b), Some(a)) if b + a <= MAX_DECORATION)
    })
}

/// Configures a [`PasswordRules`]; [`build`](Self::build) validates it.
#[derive(Debug, Clone)]
#[must_use]
pub struct PasswordRulesBuilder {
    policy: PasswordRules,
    blocklist: HashSet<String>,
}

impl PasswordRulesBuilder {
    /// The minimum length in code points: at least 8 (NIST's floor); use 15 where the
    /// password is the only authentication factor.
    pub fn min_length(mut self, chars: usize) -> Self {
        self.policy.min_length = chars;
        self
    }

    /// The maximum length in code points: 64 to 1024.
    pub fn max_length(mut self, chars: usize) -> Self {
        self.policy.max_length = chars;
        self
    }

    /// The service's name, refused as a password (with its derivatives).
    pub fn service_name(mut self, name: &str) -> Self {
        self.policy.service = Some(fold(name).to_string());
        self
    }

    /// Words to refuse as passwords, for example the product's and company's names.
    ///
    /// ```
    /// use portcullis::password::PasswordRules;
    ///
    /// let policy = PasswordRules::builder().blocklist(["acmeacme", "Springfield1"]).build()?;
    /// assert_eq!(policy.check("SPRINGFIELD1", "bob").unwrap_err().code(), "blocklisted");
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn blocklist<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.blocklist
            .extend(words.into_iter().map(|w| fold(w.as_ref()).to_string()));
        self
    }

    /// Whether to refuse passwords zxcvbn finds guessable in under 10^6 attempts
    /// (default: on). Feature `zxcvbn`.
    #[cfg(feature = "zxcvbn")]
    #[cfg_attr(docsrs, doc(cfg(feature = "zxcvbn")))]
    pub fn common_passwords(mut self, on: bool) -> Self {
        self.policy.common_passwords = on;
        self
    }

    /// Checks the lengths and builds the policy.
    pub fn build(mut self) -> Result<PasswordRules, PasswordError> {
        let p = &self.policy;
        if p.min_length < 8 {
            return Err(PasswordError::InvalidConfig(
                "min_length must be at least 8 (NIST SP 800-63B)".into(),
            ));
        }
        if !(64..=1024).contains(&p.max_length) || p.min_length > p.max_length {
            return Err(PasswordError::InvalidConfig(
                "max_length must be 64 to 1024 and at least min_length".into(),
            ));
        }
        self.policy.blocklist = Arc::new(self.blocklist);
        Ok(self.policy)
    }
}
