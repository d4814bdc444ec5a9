//! Permission names (`resource:action`), their bit numbers, and sets of them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use super::RbacError;

/// The longest resource or action, in bytes.
pub(crate) const MAX_PART_LEN: usize = 128;

/// `resource:action`, or `resource:*` for every action on the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parsed<'a> {
    pub resource: &'a str,
    /// `None` for the wildcard `*`.
    pub action: Option<&'a str>,
}

/// Parses `resource:action`: both parts 1 to 128 bytes of ASCII letters, digits and
/// `_ - . /`; the action may be `*`, the resource may not.
pub(super) fn parse(permission: &str) -> Result<Parsed<'_>, RbacError> {
    let malformed = || RbacError::MalformedPermission(shorten(permission));
    let (resource, action) = permission.split_once(':').ok_or_else(malformed)?;
    let valid = |part: &str| {
        (1..=MAX_PART_LEN).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
    };
    if !valid(resource) {
        return Err(malformed());
    }
    match action {
        "*" => Ok(Parsed { resource, action: None }),
        action if valid(action) => Ok(Parsed {
            resource,
            action: Some(action),
        }),
        _ => Err(malformed()),
    }
}

/// A name for an error message: long names are cut, so an error stays small.
pub(super) fn shorten(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

static NEXT_REGISTRY: AtomicU32 = AtomicU32::new(1);

/// The bit numbers of permissions, stable for the life of a policy and every policy
/// reloaded from it: a [`PermissionId`] resolved at start-up stays right after a hot
/// reload. Concrete permissions and resource wildcards each get a bit.
#[derive(Debug)]
pub(super) struct Registry {
    pub id: u32,
    pub concrete: HashMap<String, u32>,
    pub wildcard: HashMap<String, u32>,
    next: u32,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            id: NEXT_REGISTRY.fetch_add(1, Ordering::Relaxed),
            concrete: HashMap::new(),
            wildcard: HashMap::new(),
            next: 0,
        }
    }

    pub(crate) fn bits(&self) -> u32 {
        self.next
    }

    fn intern(map: &mut HashMap<String, u32>, next: &mut u32, key: &str) -> u32 {
        if let Some(bit) = map.get(key) {
            return *bit;
        }
        let bit = *next;
        *next += 1;
        map.insert(key.to_owned(), bit);
        bit
    }

    /// The bit a grant of `permission` sets.
    pub(crate) fn grant_bit(&mut self, permission: Parsed<'_>, full: &str) -> u32 {
        match permission.action {
            Some(_) => Self::intern(&mut self.concrete, &mut self.next, full),
            None => Self::intern(&mut self.wildcard, &mut self.next, permission.resource),
        }
    }

    /// The id a check of `permission` tests, interning both of its bits.
    pub(crate) fn resolve(&mut self, permission: Parsed<'_>, full: &str) -> PermissionId {
        let wildcard = Self::intern(&mut self.wildcard, &mut self.next, permission.resource);
        let concrete = match permission.action {
            Some(_) => Self::intern(&mut self.concrete, &mut self.next, full),
            None => wildcard,
        };
        PermissionId {
            registry: self.id,
            concrete,
            wildcard,
        }
    }
}

/// A permission resolved once (at start-up) to the two bits a check tests: its own
/// and its resource's wildcard. Checking it is a bit test with no allocation and no
/// lock. Get one from [`Policy::permission`](super::Policy::permission) or
/// [`PolicyHandle::permission`](super::PolicyHandle::permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PermissionId {
    registry: u32,
    concrete: u32,
    wildcard: u32,
}

impl PermissionId {
    pub(super) fn new(registry: u32, concrete: u32, wildcard: u32) -> Self {
        PermissionId {
            registry,
            concrete,
            wildcard,
        }
    }
}

/// The permissions one caller holds: the union of their roles' compiled sets, built
/// once per request by [`Policy::permissions_for`](super::Policy::permissions_for).
///
/// ```
/// use portcullis::rbac::Policy;
///
/// let policy = Policy::from_toml(r#"
///     [roles.clerk]
///     permissions = ["orders:read", "invoices:*"]
/// "#)?;
/// let (read, pay) = (policy.permission("orders:read")?, policy.permission("invoices:pay")?);
/// let clerk = policy.permissions_for(["clerk"]);
/// assert!(clerk.allows(read) && clerk.allows(pay));
/// assert!(!policy.permissions_for(["nobody"]).allows(read));
/// # Ok::<(), portcullis::rbac::RbacError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PermissionSet {
    registry: u32,
    words: Box<[u64]>,
}

impl PermissionSet {
    pub(super) fn empty(registry: u32, bits: u32) -> Self {
        PermissionSet {
            registry,
            words: vec![0; (bits as usize).div_ceil(64)].into_boxed_slice(),
        }
    }

    pub(super) fn insert(&mut self, bit: u32) {
        if let Some(word) = self.words.get_mut(bit as usize / 64) {
            *word |= 1 << (bit % 64);
        }
    }

    pub(super) fn union_with(&mut self, other: &PermissionSet) {
        for (word, theirs) in self.words.iter_mut().zip(other.words.iter()) {
            *word |= theirs;
        }
    }

    #[inline]
    fn has(&self, bit: u32) -> bool {
        self.words
            .get(bit as usize / 64)
            .is_some_and(|word| word >> (bit % 64) & 1 == 1)
    }

    /// Whether this set grants `permission`: two bit tests, no allocation, no lock.
    /// An id from another policy's registry is never allowed (fail closed).
    #[inline]
    pub fn allows(&self, permission: PermissionId) -> bool {
        self.registry == permission.registry && (self.has(permission.concrete) || self.has(permission.wildcard))
    }

    /// True when the set grants nothing.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|word| *word == 0)
    }
}

impl std::fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let granted: u32 = self.words.iter().map(|w| w.count_ones()).sum();
        f.debug_struct("PermissionSet")
            .field("granted_bits", &granted)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_resource_colon_action() {
        assert_eq!(
            parse("orders:read").unwrap(),
            Parsed {
                resource: "orders",
                action: Some("read")
            }
        );
        assert_eq!(
            parse("orders:*").unwrap(),
            Parsed {
                resource: "orders",
                action: None
            }
        );
        assert_eq!(parse("api/v1.orders:bulk-read").unwrap().resource, "api/v1.orders");
        for bad in [
            "",
            "orders",
            ":read",
            "orders:",
            "*:read",
            "*:*",
            "orders:read:x",
            "or ders:read",
            "orders:ré",
            "a:b*",
        ] {
            assert_eq!(parse(bad).unwrap_err().code(), "malformed_permission", "{bad:?}");
        }
        assert!(parse(&format!("{}:read", "r".repeat(129))).is_err());
    }

    #[test]
    fn ids_are_stable_and_a_wildcard_grant_covers_its_resource() {
        let mut registry = Registry::new();
        let write = registry.resolve(parse("orders:write").unwrap(), "orders:write");
        assert_eq!(registry.resolve(parse("orders:write").unwrap(), "orders:write"), write);
        let all = registry.grant_bit(parse("orders:*").unwrap(), "orders:*");
        let mut set = PermissionSet::empty(registry.id, registry.bits());
        assert!(!set.allows(write));
        set.insert(all);
        assert!(set.allows(write));
        let other = Registry::new();
        assert!(
            !PermissionSet {
                registry: other.id,
                words: set.words.clone()
            }
            .allows(write)
        );
    }
}
