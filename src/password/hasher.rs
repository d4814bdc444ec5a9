//! The argon2id hasher: hash, verify, rehash decisions, peppers.

use std::fmt;
use std::sync::Arc;

use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

use super::{Limits, Params, PasswordError, PasswordHash, Pepper, Variant, Version};

/// The longest password accepted by [`PasswordHasher`], in bytes (UTF-8). Long enough
/// for 1,024 four-byte code points; a [`PasswordRules`](super::PasswordRules) sets
/// the user-facing limit, in characters, well below it.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// The outcome of a password verification.
///
/// `needs_rehash` is only ever true when `ok` is: rehashing is something to do with a
/// password just proven right, and never with a wrong one.
///
/// ```
/// use portcullis::password::PasswordHasher;
///
/// let hasher = PasswordHasher::new();
/// let stored = hasher.hash("correct horse battery staple")?;
/// let v = hasher.verify("correct horse battery staple", &stored)?;
/// assert!(v.ok && !v.needs_rehash);
/// assert!(!hasher.verify("Correct horse battery staple", &stored)?.ok);
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    /// The password matches the stored hash.
    pub ok: bool,
    /// The password matches, but the stored hash was made with another variant,
    /// version, parameters or pepper than the hasher's current ones: hash the password
    /// again and store the new hash.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords with argon2id (RFC 9106), safe by default.
///
/// - New hashes are argon2id version 19 with [`Params`] (OWASP's m = 19 MiB, t = 2,
///   p = 1 unless configured), a fresh 16-byte salt from the operating system, and
///   the current [`Pepper`] if one is set. The output is a PHC string.
/// - [`verify`](Self::verify) accepts every well-formed argon2 PHC string (argon2id,
///   argon2i, argon2d; versions 16 and 19) within [`Limits`], compares in constant
///   time, and reports [`needs_rehash`](PasswordCheck::needs_rehash).
/// - [`verify_unknown_user`](Self::verify_unknown_user) spends the same time as a real
///   verification, so a login for a missing account cannot be told apart by timing.
///
/// Each hash or verification at the defaults allocates 19 MiB for its duration and
/// takes about 20 ms of one core: call it from async code only through
/// [`PasswordPool`](super::PasswordPool), which bounds both and keeps that memory
/// from one job to the next.
///
/// Passwords are hashed as the UTF-8 bytes given; `"café"` typed as NFC and as NFD are
/// different passwords unless [`normalize_unicode`](HasherBuilder::normalize_unicode)
/// is switched on. Cloning is cheap (the configuration is shared).
///
/// ```
/// use portcullis::password::{Params, PasswordHasher, Pepper};
///
/// let old = PasswordHasher::builder().params(Params { t_cost: 3, ..Params::default() }).build()?;
/// let stored = old.hash("hunter2 is my password")?;
///
/// let current = PasswordHasher::new();
/// let v = current.verify("hunter2 is my password", &stored)?;
/// assert!(v.ok && v.needs_rehash); // t=3 is not the current t=2: store a new hash
/// let upgraded = current.hash("hunter2 is my password")?;
/// assert!(!current.verify("hunter2 is my password", &upgraded)?.needs_rehash);
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    limits: Limits,
    pepper: Option<Pepper>,
    retired: Vec<Pepper>,
    normalize: bool,
    /// The stored hash [`PasswordHasher::verify_unknown_user`] verifies against: the
    /// current parameters and pepper, a random salt and an all-zero output.
    decoy: PasswordHash,
    rng: SystemRandom,
}

impl PasswordHasher {
    /// A hasher with the defaults: OWASP parameters, default [`Limits`], no pepper.
    ///
    /// ```
    /// let hasher = portcullis::password::PasswordHasher::new();
    /// assert!(hasher.hash("a password")?.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn new() -> Self {
        Inner::hasher(HasherBuilder::default())
    }

    /// A builder to set parameters, limits, peppers or Unicode normalization.
    ///
    /// ```
    /// use portcullis::password::{PasswordHasher, Pepper};
    ///
    /// let hasher = PasswordHasher::builder()
    ///     .pepper(Pepper::new("p2", b"new secret, 16 bytes or more".to_vec())?)
    ///     .retired_pepper(Pepper::new("p1", b"old secret, 16 bytes or more".to_vec())?)
    ///     .build()?;
    /// assert!(hasher.hash("a password")?.contains(",keyid=cDI$"));
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn builder() -> HasherBuilder {
        HasherBuilder::default()
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> &Params {
        &self.inner.params
    }

    /// The limits stored hashes must keep to.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Hashes `password` into a PHC string, with a fresh salt and the current pepper.
    ///
    /// Fails only for a password over [`MAX_PASSWORD_BYTES`], or if the operating
    /// system's random generator or memory allocator fails.
    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        self.hash_in(password, &mut Memory::default())
    }

    /// [`hash`](Self::hash) in `memory`.
    pub(super) fn hash_in(&self, password: &str, memory: &mut Memory) -> Result<String, PasswordError> {
        let inner = &*self.inner;
        let password = inner.prepare(password)?;
        let mut salt = vec![0u8; inner.params.salt_len];
        inner
            .rng
            .fill(&mut salt)
            .map_err(|_| PasswordError::Internal("random generator failed"))?;
        let mut hash = current_format(&inner.params, inner.pepper.as_ref(), salt);
        let mut output = vec![0u8; inner.params.output_len];
        let pepper = inner.pepper.as_ref().map(Pepper::secret);
        compute(&hash, pepper, password.as_bytes(), &mut output, memory)?;
        hash.output = output;
        Ok(hash.to_string())
    }

    /// Verifies `password` against a stored PHC string.
    ///
    /// Errors (each with a stable [`code`](PasswordError::code)) mean the stored hash
    /// could not be checked at all: it is malformed, exceeds the [`Limits`], or names
    /// a pepper that is not configured. A wrong password is `Ok` with `ok: false`.
    ///
    /// So is a password over [`MAX_PASSWORD_BYTES`], which [`hash`](Self::hash)
    /// refuses: no hash made here is of it, and it is never compared. It costs what
    /// any wrong password costs (argon2 runs with the stored hash's parameters, on the
    /// empty password rather than on a prefix of it, which could match), so neither
    /// the answer nor its timing tells an over-long password from another wrong one.
    ///
    /// ```
    /// use portcullis::password::{MAX_PASSWORD_BYTES, PasswordHasher};
    ///
    /// let hasher = PasswordHasher::new();
    /// let stored = hasher.hash("correct horse battery staple")?;
    /// let over_long = "a".repeat(MAX_PASSWORD_BYTES + 1);
    /// let v = hasher.verify(&over_long, &stored)?;
    /// assert!(!v.ok && !v.needs_rehash);
    /// assert_eq!(hasher.hash(&over_long).unwrap_err().code(), "password_too_long");
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn verify(&self, password: &str, phc: &str) -> Result<PasswordCheck, PasswordError> {
        self.verify_in(password, phc, &mut Memory::default())
    }

    /// [`verify`](Self::verify) in `memory`.
    pub(super) fn verify_in(
        &self,
        password: &str,
        phc: &str,
        memory: &mut Memory,
    ) -> Result<PasswordCheck, PasswordError> {
        let hash = PasswordHash::parse(phc)?;
        self.inner.verify_parsed(password, &hash, memory)
    }

    /// Spends what [`verify`](Self::verify) spends on a stored hash at the current
    /// parameters, then reports a mismatch. Call it when the account does not exist,
    /// so that the response time does not reveal that.
    ///
    /// ```
    /// use portcullis::password::PasswordHasher;
    ///
    /// let hasher = PasswordHasher::new();
    /// # let users: std::collections::HashMap<&str, String> = Default::default();
    /// let outcome = match users.get("mallory") {
    ///     Some(stored) => hasher.verify("guess", stored)?,
    ///     None => hasher.verify_unknown_user("guess"),
    /// };
    /// assert!(!outcome.ok);
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn verify_unknown_user(&self, password: &str) -> PasswordCheck {
        self.verify_unknown_user_in(password, &mut Memory::default())
    }

    /// [`verify_unknown_user`](Self::verify_unknown_user) in `memory`.
    pub(super) fn verify_unknown_user_in(&self, password: &str, memory: &mut Memory) -> PasswordCheck {
        let inner = &*self.inner;
        // The same path as a real verification; the decoy's all-zero output matches
        // with probability 2^-128 or less, and the answer is "no" regardless.
        let _ = inner.verify_parsed(password, &inner.decoy, memory);
        PasswordCheck {
            ok: false,
            needs_rehash: false,
        }
    }

    /// Whether a stored hash differs from what [`hash`](Self::hash) would make now
    /// (variant, version, parameters, salt or output length, pepper), without checking
    /// a password. argon2-cffi calls this `check_needs_rehash`.
    ///
    /// ```
    /// use portcullis::password::PasswordHasher;
    ///
    /// let hasher = PasswordHasher::new();
    /// let legacy = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    /// assert!(hasher.needs_rehash(legacy)?);
    /// assert!(!hasher.needs_rehash(&hasher.hash("pw")?)?);
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn needs_rehash(&self, phc: &str) -> Result<bool, PasswordError> {
        Ok(self.inner.differs(&PasswordHash::parse(phc)?))
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("PasswordHasher")
            .field("params", &inner.params)
            .field("limits", &inner.limits)
            .field("pepper", &inner.pepper)
            .field("retired_peppers", &inner.retired)
            .field("normalize_unicode", &inner.normalize)
            .finish()
    }
}

impl Inner {
    fn hasher(b: HasherBuilder) -> PasswordHasher {
        let rng = SystemRandom::new();
        let mut salt = vec![0u8; b.params.salt_len];
        // A decoy salt need not be secret or even random; the generator is tried, and
        // a failure leaves zeros, which cost exactly the same to hash.
        let _ = rng.fill(&mut salt);
        let decoy = current_format(&b.params, b.pepper.as_ref(), salt);
        let inner = Inner {
            params: b.params,
            limits: b.limits,
            pepper: b.pepper,
            retired: b.retired,
            normalize: b.normalize,
            decoy,
            rng,
        };
        PasswordHasher { inner: Arc::new(inner) }
    }

    /// Bounds the password and applies NFC (RFC 8265 OpaqueString) when switched on.
    fn prepare<'a>(&self, password: &'a str) -> Result<Prepared<'a>, PasswordError> {
        let too_long = || PasswordError::PasswordTooLong {
            max: MAX_PASSWORD_BYTES,
        };
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(too_long());
        }
        if !self.normalize || unicode_normalization::is_nfc(password) {
            return Ok(Prepared::Given(password));
        }
        // NFC at most triples UTF-8 length; reserving it up front leaves no stale copies.
        let mut normalized = Zeroizing::new(String::with_capacity(3 * password.len()));
        normalized.extend(password.nfc());
        if normalized.len() > MAX_PASSWORD_BYTES {
            return Err(too_long());
        }
        Ok(Prepared::Normalized(normalized))
    }

    fn verify_parsed(
        &self,
        password: &str,
        hash: &PasswordHash,
        memory: &mut Memory,
    ) -> Result<PasswordCheck, PasswordError> {
        hash.check_limits(&self.limits)?;
        let secret = match &hash.keyid {
            None => None,
            Some(id) => Some(self.pepper_for(id).ok_or(PasswordError::UnknownPepper)?.secret()),
        };
        // A password `hash` refuses matches no stored hash, but its answer must cost
        // what a wrong password's does: argon2 runs on the empty password instead
        // (never on a prefix of the given one, which could match), and `ok` is false.
        let password = match self.prepare(password) {
            Ok(password) => Some(password),
            Err(PasswordError::PasswordTooLong { .. }) => None,
            Err(err) => return Err(err),
        };
        let mut output = Zeroizing::new(vec![0u8; hash.output.len()]);
        let input = password.as_ref().map_or(&[][..], Prepared::as_bytes);
        compute(hash, secret, input, &mut output, memory)?;
        let ok = bool::from(output.as_slice().ct_eq(&hash.output)) && password.is_some();
        Ok(PasswordCheck {
            ok,
            needs_rehash: ok && self.differs(hash),
        })
    }

    fn pepper_for(&self, id: &[u8]) -> Option<&Pepper> {
        self.pepper.iter().chain(&self.retired).find(|p| p.id_bytes() == id)
    }

    /// argon2-cffi's `check_needs_rehash`, plus the pepper and associated data.
    fn differs(&self, hash: &PasswordHash) -> bool {
        let p = &self.params;
        hash.variant != Variant::Argon2id
            || hash.version != Version::V19
            || (hash.m_cost, hash.t_cost, hash.p_cost) != (p.m_cost, p.t_cost, p.p_cost)
            || hash.salt.len() != p.salt_len
            || hash.output.len() != p.output_len
            || !hash.data.is_empty()
            || hash.keyid.as_deref() != self.pepper.as_ref().map(Pepper::id_bytes)
    }
}

/// A stored hash as this hasher makes it, with `salt` and an all-zero output.
fn current_format(params: &Params, pepper: Option<&Pepper>, salt: Vec<u8>) -> PasswordHash {
    PasswordHash {
        variant: Variant::Argon2id,
        version: Version::V19,
        m_cost: params.m_cost,
        t_cost: params.t_cost,
        p_cost: params.p_cost,
        keyid: pepper.map(|p| p.id_bytes().to_vec()),
        data: Vec::new(),
        salt,
        output: vec![0u8; params.output_len],
    }
}

/// A password as given, or its NFC form in a buffer zeroized on drop.
enum Prepared<'a> {
    Given(&'a str),
    Normalized(Zeroizing<String>),
}

impl Prepared<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Prepared::Given(password) => password.as_bytes(),
            Prepared::Normalized(password) => password.as_bytes(),
        }
    }
}

/// Argon2's working memory, kept between jobs by a [`PasswordPool`](super::PasswordPool)
/// worker so that a job allocates nothing once the memory is warm.
///
/// It grows to the largest job it has run and never shrinks. The blocks are derived
/// from the password and pepper, so they are zeroized after every job, also one that
/// fails or panics: memory not in use is all zeros, and growing it (which may move
/// it) leaves no secret behind.
#[derive(Default)]
pub(super) struct Memory {
    blocks: Vec<argon2::Block>,
}

impl Memory {
    /// Runs `fill` on the first `count` blocks, allocating them if this memory has
    /// fewer, then zeroizes them.
    fn with_blocks<T>(
        &mut self,
        count: usize,
        fill: impl FnOnce(&mut [argon2::Block]) -> T,
    ) -> Result<T, PasswordError> {
        if let Some(missing) = count.checked_sub(self.blocks.len()).filter(|&n| n > 0) {
            self.blocks
                .try_reserve_exact(missing)
                .map_err(|_| PasswordError::Internal("out of memory"))?;
            self.blocks.resize(count, argon2::Block::default());
        }
        let in_use = Wipe(&mut self.blocks[..count]);
        Ok(fill(&mut *in_use.0))
    }
}

/// Zeroizes the blocks it holds when dropped, on success, error or unwinding.
struct Wipe<'a>(&'a mut [argon2::Block]);

impl Drop for Wipe<'_> {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// Runs argon2 for `hash`'s variant, version and parameters over `password` in
/// `memory`, writing `output.len()` bytes. The parameters were validated by the
/// parser (and limits) or by the builder, so failure here means an allocation the
/// system refused.
fn compute(
    hash: &PasswordHash,
    secret: Option<&[u8]>,
    password: &[u8],
    output: &mut [u8],
    memory: &mut Memory,
) -> Result<(), PasswordError> {
    let internal = |_| PasswordError::Internal("argon2 rejected validated parameters");
    let data = argon2::AssociatedData::new(&hash.data).map_err(internal)?;
    let params = argon2::ParamsBuilder::new()
        .m_cost(hash.m_cost)
        .t_cost(hash.t_cost)
        .p_cost(hash.p_cost)
        .output_len(output.len())
        .data(data)
        .build()
        .map_err(internal)?;
    let (variant, version) = (hash.variant.to_argon2(), hash.version.to_argon2());
    let context = match secret {
        Some(secret) => argon2::Argon2::new_with_secret(secret, variant, version, params).map_err(internal)?,
        None => argon2::Argon2::new(variant, version, params),
    };
    // argon2 0.6 would free its own working memory without clearing it; `Memory`
    // zeroizes it after the job.
    memory.with_blocks(context.params().block_count(), |blocks| {
        context
            .hash_password_into_with_memory(password, &hash.salt, output, blocks)
            .map_err(internal)
    })??;
    #[cfg(test)]
    tests::record_run(hash);
    Ok(())
}

/// Configures a [`PasswordHasher`]; [`build`](Self::build) validates everything once.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct HasherBuilder {
    params: Params,
    limits: Limits,
    pepper: Option<Pepper>,
    retired: Vec<Pepper>,
    normalize: bool,
}

impl HasherBuilder {
    /// Cost parameters for new hashes (default [`Params::owasp`]).
    pub fn params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    /// Limits on what stored hashes may ask for (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The pepper new hashes are made with. Hashes without a `keyid` still verify and
    /// report `needs_rehash`.
    pub fn pepper(mut self, pepper: Pepper) -> Self {
        self.pepper = Some(pepper);
        self
    }

    /// A previous pepper, kept so hashes made with it still verify (and report
    /// `needs_rehash`). Remove it once no stored hash names it.
    pub fn retired_pepper(mut self, pepper: Pepper) -> Self {
        self.retired.push(pepper);
        self
    }

    /// Normalize passwords to NFC (RFC 8265's OpaqueString profile) before hashing
    /// and verifying, so that `"café"` typed with a combining accent matches the
    /// precomposed one. Off by default, because turning it on changes what existing
    /// non-NFC hashes were made from.
    ///
    /// ```
    /// use portcullis::password::PasswordHasher;
    ///
    /// let (nfc, nfd) = ("caf\u{e9} au lait", "cafe\u{301} au lait");
    /// let plain = PasswordHasher::new();
    /// assert!(!plain.verify(nfd, &plain.hash(nfc)?)?.ok);
    /// let normalizing = PasswordHasher::builder().normalize_unicode(true).build()?;
    /// assert!(normalizing.verify(nfd, &normalizing.hash(nfc)?)?.ok);
    /// # Ok::<(), portcullis::password::PasswordError>(())
    /// ```
    pub fn normalize_unicode(mut self, on: bool) -> Self {
        self.normalize = on;
        self
    }

    /// Checks the configuration and builds the hasher.
    ///
    /// Fails with `invalid_config` for parameters under OWASP's floor or over the
    /// limits, limits over the hard caps (salt and output 256 bytes), or two peppers
    /// with one id.
    pub fn build(self) -> Result<PasswordHasher, PasswordError> {
        let invalid = |why: &str| Err(PasswordError::InvalidConfig(why.to_owned()));
        self.limits.validate()?;
        self.params.validate(&self.limits)?;
        let mut ids: Vec<&[u8]> = self.pepper.iter().chain(&self.retired).map(Pepper::id_bytes).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return invalid("two peppers share an id");
        }
        Ok(Inner::hasher(self))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

    use super::*;

    /// One argon2 run on this thread: the stored hash's costs and salt.
    type Run = (u32, u32, u32, Vec<u8>);

    std::thread_local! {
        static RUNS: std::cell::RefCell<Vec<Run>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    /// Called by `compute` after each argon2 run that completed.
    pub(super) fn record_run(hash: &PasswordHash) {
        RUNS.with(|runs| {
            runs.borrow_mut()
                .push((hash.m_cost, hash.t_cost, hash.p_cost, hash.salt.clone()))
        });
    }

    /// The argon2 runs `f` made on this thread.
    fn runs_of(f: impl FnOnce()) -> Vec<Run> {
        RUNS.with(|runs| runs.borrow_mut().clear());
        f();
        RUNS.with(|runs| runs.take())
    }

    fn run_of(phc: &str) -> Run {
        let hash = PasswordHash::parse(phc).unwrap();
        (hash.m_cost, hash.t_cost, hash.p_cost, hash.salt)
    }

    const MISMATCH: PasswordCheck = PasswordCheck {
        ok: false,
        needs_rehash: false,
    };

    /// An over-long password is a wrong password, and costs what one costs: one argon2
    /// run with the stored hash's parameters and salt (not the hasher's own).
    #[test]
    fn an_over_long_password_is_a_mismatch_after_one_argon2_run_with_the_stored_parameters() {
        let older = Params {
            m_cost: 12_288,
            t_cost: 3,
            ..Params::default()
        };
        let stored = PasswordHasher::builder()
            .params(older)
            .build()
            .unwrap()
            .hash("pw")
            .unwrap();
        let hasher = PasswordHasher::new();
        let over_long = "a".repeat(MAX_PASSWORD_BYTES + 1);

        let wrong = runs_of(|| assert_eq!(hasher.verify("wrong", &stored), Ok(MISMATCH)));
        let long = runs_of(|| assert_eq!(hasher.verify(&over_long, &stored), Ok(MISMATCH)));
        assert_eq!(wrong, [run_of(&stored)]);
        assert_eq!(long, wrong);
        // Its first 4096 bytes are not compared either: that prefix is the password.
        let prefix = hasher.hash(&over_long[..MAX_PASSWORD_BYTES]).unwrap();
        assert_eq!(hasher.verify(&over_long, &prefix), Ok(MISMATCH));
        assert!(hasher.verify(&over_long[..MAX_PASSWORD_BYTES], &prefix).unwrap().ok);
    }

    /// With normalization on, a password that only NFC takes over the limit is the
    /// same: `hash` refuses it, `verify` runs argon2 and says no.
    #[test]
    fn a_password_over_the_limit_after_nfc_is_a_mismatch_after_one_argon2_run() {
        let hasher = PasswordHasher::builder().normalize_unicode(true).build().unwrap();
        // U+0958 is excluded from composition: 3 bytes, 6 bytes in NFC.
        let doubling = "\u{958}".repeat(1000);
        assert!(doubling.len() <= MAX_PASSWORD_BYTES);
        assert_eq!(hasher.hash(&doubling).unwrap_err().code(), "password_too_long");
        let stored = hasher.hash("pw").unwrap();
        let runs = runs_of(|| assert_eq!(hasher.verify(&doubling, &stored), Ok(MISMATCH)));
        assert_eq!(runs, [run_of(&stored)]);
    }

    #[test]
    fn an_unknown_user_with_an_over_long_password_costs_one_argon2_run_on_the_decoy() {
        let hasher = PasswordHasher::new();
        let decoy = &hasher.inner.decoy;
        let decoy = (decoy.m_cost, decoy.t_cost, decoy.p_cost, decoy.salt.clone());
        let over_long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        let long = runs_of(|| assert_eq!(hasher.verify_unknown_user(&over_long), MISMATCH));
        let short = runs_of(|| assert_eq!(hasher.verify_unknown_user("pw"), MISMATCH));
        assert_eq!(long, [decoy]);
        assert_eq!(short, long);
    }

    /// One `Memory` serves job after job without moving, is all zeros between them,
    /// and grows only for a job that needs more.
    #[test]
    fn memory_is_reused_zeroized_after_each_job_and_grown_only_when_needed() {
        let hasher = PasswordHasher::new();
        let stored = hasher.hash("pw").unwrap();
        let blocks = |m: &Memory| (m.blocks.as_ptr(), m.blocks.len());
        let all_zero = |m: &Memory| m.blocks.iter().all(|b| b.as_ref().iter().all(|&w| w == 0));

        let mut memory = Memory::default();
        assert!(hasher.verify_in("pw", &stored, &mut memory).unwrap().ok);
        let warm = blocks(&memory);
        assert_eq!(warm.1, 19_456);
        assert!(all_zero(&memory));
        assert!(!hasher.verify_in("wrong", &stored, &mut memory).unwrap().ok);
        let again = hasher.hash_in("pw", &mut memory).unwrap();
        assert!(!hasher.verify_unknown_user_in("pw", &mut memory).ok);
        assert!(hasher.verify_in("pw", &again, &mut memory).unwrap().ok);
        assert_eq!(blocks(&memory), warm);
        assert!(all_zero(&memory));

        let bigger = Params {
            m_cost: 65_536,
            ..Params::default()
        };
        let big = PasswordHasher::builder()
            .params(bigger)
            .build()
            .unwrap()
            .hash("pw")
            .unwrap();
        assert!(hasher.verify_in("pw", &big, &mut memory).unwrap().ok);
        assert_eq!(memory.blocks.len(), 65_536);
        assert!(all_zero(&memory));
        assert!(hasher.verify_in("pw", &stored, &mut memory).unwrap().ok);
        assert_eq!(memory.blocks.len(), 65_536);
    }

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9106 section 5: each vector written as the PHC string a hasher would store
    /// (secret named by `keyid`, associated data in `data`) and verified through the
    /// same path as any stored hash. Only the pepper's 16-byte floor is bypassed: the
    /// RFC's secret is 8 bytes.
    #[test]
    fn rfc_9106_section_5_vectors_verify_through_the_stored_hash_path() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/rfc/argon2_rfc9106.json")).unwrap();
        let cases = doc["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for case in cases {
            let field = |name: &str| unhex(case[name].as_str().unwrap());
            let variant = case["variant"].as_str().unwrap();
            let phc = format!(
                "${variant}$v=19$m={},t={},p={},keyid={},data={}${}${}",
                case["m"],
                case["t"],
                case["p"],
                B64.encode(b"rfc"),
                B64.encode(field("ad_hex")),
                B64.encode(field("salt_hex")),
                B64.encode(field("tag_hex")),
            );
            let password = String::from_utf8(field("password_hex")).unwrap();
            let mut builder = PasswordHasher::builder();
            builder.pepper = Some(Pepper::unchecked("rfc", field("secret_hex")));
            let hasher = Inner::hasher(builder);
            let verified = hasher.verify(&password, &phc).unwrap();
            assert_eq!(
                verified,
                PasswordCheck {
                    ok: true,
                    needs_rehash: true
                },
                "{variant}"
            );

            // Any other secret, data or password gives a different tag.
            let mut other = PasswordHasher::builder();
            other.pepper = Some(Pepper::unchecked("rfc", vec![3; 9]));
            assert!(!Inner::hasher(other).verify(&password, &phc).unwrap().ok, "{variant}");
            let no_data = phc.replacen(&format!(",data={}", B64.encode(field("ad_hex"))), "", 1);
            assert!(!hasher.verify(&password, &no_data).unwrap().ok, "{variant}");
            assert!(!hasher.verify("\u{1}", &phc).unwrap().ok, "{variant}");
        }
    }
}
