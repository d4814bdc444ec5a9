//! Compilation of a [`PolicyDocument`] into one permission set per role, and checks.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::document::{Tenant, Unique};
use super::permission::{self, Parsed, PermissionId, PermissionSet, Registry};
use super::{PolicyDocument, RbacError};
use crate::Principal;

/// The largest policy file read, in bytes.
pub const MAX_POLICY_BYTES: usize = 16 * 1024 * 1024;
/// The most roles a policy may define.
pub const MAX_ROLES: usize = 10_000;
/// The most distinct permissions (concrete and wildcard) a policy may name.
pub const MAX_PERMISSIONS: usize = 100_000;
/// The most subject bindings (global and per tenant, together).
pub const MAX_BINDINGS: usize = 1_000_000;
/// The most roles one role inherits, or one subject is bound to.
pub const MAX_ROLES_PER_ENTRY: usize = 1_000;
/// The longest role, subject or tenant name, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// The most permission bits a [`PolicyHandle`](super::PolicyHandle) hands out over its
/// life: ids stay valid across reloads, so bits are never reused.
pub const MAX_REGISTRY_BITS: usize = 4 * MAX_PERMISSIONS;

/// A compiled policy: every role resolved to one [`PermissionSet`] through its whole
/// inheritance, so a check is a bit test.
///
/// ```
/// use portcullis::rbac::Policy;
///
/// let policy = Policy::from_toml(r#"
///     [roles.viewer]
///     permissions = ["orders:read"]
///     [roles.clerk]
///     inherits = ["viewer"]
///     permissions = ["orders:write"]
///     [subjects]
///     alice = ["clerk"]
/// "#)?;
/// // Resolved once, at start-up.
/// let write = policy.permission("orders:write")?;
/// // Per request: the caller's roles combined once, then bit tests.
/// let caller = policy.permissions_for(["viewer"]);
/// assert!(!policy.check(&caller, write));
/// assert!(policy.check(&policy.permissions_for(["clerk"]), write));
/// assert!(policy.check_str(&policy.subject_permissions("alice", None), "orders:read"));
/// # Ok::<(), portcullis::rbac::RbacError>(())
/// ```
pub struct Policy {
    registry: Arc<Mutex<Registry>>,
    registry_id: u32,
    /// Snapshot of the registry at compile time, for [`Policy::check_str`] without a lock.
    concrete: Lookup<u32>,
    wildcard: Lookup<u32>,
    bits: u32,
    permission_count: usize,
    role_index: Lookup<usize>,
    roles: Vec<CompiledRole>,
    /// Bindings of subjects that have no issuer.
    local: SubjectBindings,
    /// Bindings of each issuer's subjects.
    issuers: Lookup<SubjectBindings>,
    tenants: usize,
}

/// A map from names, built once from the policy (trusted text) and only read after,
/// on the request path: foldhash (seeded at random per process) where std's SipHash
/// costs about three times as much per lookup. Keys chosen by a caller never go in,
/// so the keyed hash's flooding defence is not needed here.
type Lookup<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// One issuer's subject bindings (or those of subjects without one): global, and
/// per tenant.
#[derive(Default)]
struct SubjectBindings {
    global: Bindings,
    tenants: Lookup<Bindings>,
}

impl SubjectBindings {
    fn roles<'a>(&'a self, subject: &str, tenant: Option<&str>) -> impl Iterator<Item = &'a usize> {
        let global = self.global.get(subject).map(|r| &r[..]).unwrap_or_default();
        let scoped = tenant
            .and_then(|t| self.tenants.get(t))
            .and_then(|bindings| bindings.get(subject))
            .map(|r| &r[..])
            .unwrap_or_default();
        global.iter().chain(scoped)
    }

    fn len(&self) -> usize {
        self.global.len() + self.tenants.values().map(HashMap::len).sum::<usize>()
    }
}

struct CompiledRole {
    name: String,
    inherits: Vec<usize>,
    grants: Vec<String>,
    set: PermissionSet,
}

impl Policy {
    /// Compiles a policy document; every error is found here, once.
    pub fn compile(document: &PolicyDocument) -> Result<Self, RbacError> {
        Self::compile_with(document, Arc::new(Mutex::new(Registry::new())))
    }

    /// Parses and compiles a TOML policy.
    pub fn from_toml(text: &str) -> Result<Self, RbacError> {
        Self::compile(&parse_toml(text)?)
    }

    /// Parses and compiles a JSON policy.
    pub fn from_json(text: &str) -> Result<Self, RbacError> {
        Self::compile(&parse_json(text)?)
    }

    pub(super) fn compile_with(document: &PolicyDocument, registry: Arc<Mutex<Registry>>) -> Result<Self, RbacError> {
        Compiler::new(document)?.compile(registry)
    }

    pub(super) fn registry(&self) -> &Arc<Mutex<Registry>> {
        &self.registry
    }

    /// Resolves a permission name to the id checks use. Call it at start-up (it takes a
    /// lock and may allocate); the id stays valid across [`PolicyHandle`] reloads.
    /// A permission the policy never grants is valid and simply never allowed.
    ///
    /// [`PolicyHandle`]: super::PolicyHandle
    pub fn permission(&self, name: &str) -> Result<PermissionId, RbacError> {
        resolve(&self.registry, name)
    }

    /// The permissions held by a caller with these roles: the union of the roles'
    /// compiled sets. Roles the policy does not define grant nothing and are reported
    /// to the audit log (target `portcullis::audit`).
    pub fn permissions_for<'a>(&self, roles: impl IntoIterator<Item = &'a str>) -> PermissionSet {
        let mut set = PermissionSet::empty(self.registry_id, self.bits);
        let (mut unknown, mut first_unknown) = (0usize, None);
        for role in roles {
            match self.role_index.get(role) {
                Some(index) => set.union_with(&self.roles[*index].set),
                None => {
                    unknown += 1;
                    first_unknown.get_or_insert(role);
                }
            }
        }
        if let Some(role) = first_unknown {
            unknown_roles(role, unknown);
        }
        set
    }

    /// The permissions the policy binds to `subject` of no issuer (the top-level
    /// `[subjects]`): its global bindings and, if `tenant` is given, its bindings in
    /// that tenant. For a subject of a token's issuer, see
    /// [`issuer_subject_permissions`](Self::issuer_subject_permissions).
    pub fn subject_permissions(&self, subject: &str, tenant: Option<&str>) -> PermissionSet {
        self.bound_permissions(None, subject, tenant)
    }

    /// The permissions the policy binds to `subject` of `issuer` (under
    /// `[issuers."<issuer>"]`): globally and, if `tenant` is given, in that tenant.
    /// Bindings of other issuers, and of no issuer, never apply.
    ///
    /// ```
    /// use portcullis::rbac::Policy;
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [roles.admin]
    ///     permissions = ["orders:*"]
    ///     [issuers."https://a.example".subjects]
    ///     alice = ["admin"]
    /// "#)?;
    /// let from_a = policy.issuer_subject_permissions("https://a.example", "alice", None);
    /// let from_b = policy.issuer_subject_permissions("https://b.example", "alice", None);
    /// assert!(policy.check_str(&from_a, "orders:delete"));
    /// assert!(!policy.check_str(&from_b, "orders:delete"));
    /// assert!(!policy.check_str(&policy.subject_permissions("alice", None), "orders:delete"));
    /// # Ok::<(), portcullis::rbac::RbacError>(())
    /// ```
    pub fn issuer_subject_permissions(&self, issuer: &str, subject: &str, tenant: Option<&str>) -> PermissionSet {
        self.bound_permissions(Some(issuer), subject, tenant)
    }

    fn bound_permissions(&self, issuer: Option<&str>, subject: &str, tenant: Option<&str>) -> PermissionSet {
        let mut set = PermissionSet::empty(self.registry_id, self.bits);
        self.add_subject(&mut set, issuer, subject, tenant);
        set
    }

    /// The permissions of a verified caller: the roles in their token, plus the roles
    /// the policy binds to their subject within their issuer (globally and in their
    /// tenant).
    pub fn principal_permissions(&self, principal: &Principal) -> PermissionSet {
        let mut set = self.permissions_for(principal.roles());
        self.add_subject(&mut set, principal.issuer(), principal.subject(), principal.tenant());
        set
    }

    fn add_subject(&self, set: &mut PermissionSet, issuer: Option<&str>, subject: &str, tenant: Option<&str>) {
        let bindings = match issuer {
            None => Some(&self.local),
            Some(issuer) => self.issuers.get(issuer),
        };
        for index in bindings.into_iter().flat_map(|b| b.roles(subject, tenant)) {
            set.union_with(&self.roles[*index].set);
        }
    }

    /// Whether `set` grants `permission`: two bit tests, no allocation, no lock.
    #[inline]
    pub fn check(&self, set: &PermissionSet, permission: PermissionId) -> bool {
        set.allows(permission)
    }

    /// [`check`](Self::check) by name, for convenience: two hash lookups, no
    /// allocation, no lock. A malformed name is never allowed.
    pub fn check_str(&self, set: &PermissionSet, permission: &str) -> bool {
        self.bits(permission).is_some_and(|id| set.allows(id))
    }

    /// The bits a check of `permission` tests, without registering it: `None` for a
    /// malformed name or one this policy never mentions (never allowed).
    fn bits(&self, permission: &str) -> Option<PermissionId> {
        let parsed = permission::parse(permission).ok()?;
        let wildcard = self.wildcard.get(parsed.resource).copied();
        let concrete = match parsed.action {
            Some(_) => self.concrete.get(permission).copied(),
            None => wildcard,
        };
        match (concrete, wildcard) {
            (Some(concrete), Some(wildcard)) => Some(PermissionId::new(self.registry_id, concrete, wildcard)),
            (Some(bit), None) | (None, Some(bit)) => Some(PermissionId::new(self.registry_id, bit, bit)),
            (None, None) => None,
        }
    }

    /// Whether `principal` holds `permission`: the roles in its token, then the
    /// roles the policy binds to its subject within its issuer (globally and in its
    /// tenant), each role's compiled set tested in place. Unlike
    /// [`principal_permissions`](Self::principal_permissions), it builds no set:
    /// one hash lookup per role and two bit tests, no allocation, no lock. Roles
    /// the policy does not define grant nothing and are reported to the audit log.
    ///
    /// ```
    /// use portcullis::Principal;
    /// use portcullis::rbac::Policy;
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [roles.clerk]
    ///     permissions = ["orders:read"]
    ///     [subjects]
    ///     carol = ["clerk"]
    /// "#)?;
    /// let read = policy.permission("orders:read")?;
    /// assert!(policy.principal_allows(&Principal::new("x").with_roles(["clerk"]), read));
    /// assert!(policy.principal_allows(&Principal::new("carol"), read));
    /// assert!(!policy.principal_allows(&Principal::new("dave"), read));
    /// # Ok::<(), portcullis::rbac::RbacError>(())
    /// ```
    pub fn principal_allows(&self, principal: &Principal, permission: PermissionId) -> bool {
        let (mut allowed, mut unknown, mut first_unknown) = (false, 0usize, None);
        for role in principal.roles() {
            match self.role_index.get(role) {
                Some(&index) => allowed |= self.roles[index].set.allows(permission),
                None => {
                    unknown += 1;
                    first_unknown.get_or_insert(role);
                }
            }
        }
        if let Some(role) = first_unknown {
            unknown_roles(role, unknown);
        }
        allowed || {
            let bindings = match principal.issuer() {
                None => Some(&self.local),
                Some(issuer) => self.issuers.get(issuer),
            };
            bindings
                .into_iter()
                .flat_map(|b| b.roles(principal.subject(), principal.tenant()))
                .any(|&index| self.roles[index].set.allows(permission))
        }
    }

    /// [`principal_allows`](Self::principal_allows) by name: a malformed name, or
    /// one the policy never mentions, is never allowed.
    ///
    /// ```
    /// use portcullis::Principal;
    /// use portcullis::rbac::Policy;
    ///
    /// let policy = Policy::from_toml("[roles.clerk]\npermissions = [\"orders:*\"]")?;
    /// let clerk = Principal::new("x").with_roles(["clerk"]);
    /// assert!(policy.principal_allows_str(&clerk, "orders:write"));
    /// assert!(!policy.principal_allows_str(&clerk, "invoices:read"));
    /// # Ok::<(), portcullis::rbac::RbacError>(())
    /// ```
    pub fn principal_allows_str(&self, principal: &Principal, permission: &str) -> bool {
        self.bits(permission)
            .is_some_and(|id| self.principal_allows(principal, id))
    }

    /// [`check`](Self::check) as a `Result`, for `?` in handlers.
    pub fn authorize(&self, set: &PermissionSet, permission: PermissionId) -> Result<(), RbacError> {
        if set.allows(permission) {
            Ok(())
        } else {
            Err(RbacError::Forbidden)
        }
    }

    /// Which of `roles` grants `permission`, through which inheritance path: for audit
    /// logs and debugging, not for the request path (it walks the hierarchy).
    ///
    /// ```
    /// use portcullis::rbac::{Explanation, Policy};
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [roles.viewer]
    ///     permissions = ["orders:*"]
    ///     [roles.clerk]
    ///     inherits = ["viewer"]
    /// "#)?;
    /// let why = policy.explain(["clerk"], "orders:read");
    /// assert_eq!(why.to_string(), "orders:read is granted to clerk through clerk -> viewer by orders:*");
    /// assert!(matches!(policy.explain(["guest"], "orders:read"), Explanation::Denied { .. }));
    /// # Ok::<(), portcullis::rbac::RbacError>(())
    /// ```
    pub fn explain<'a>(&self, roles: impl IntoIterator<Item = &'a str>, permission: &str) -> Explanation {
        let name = permission.to_owned();
        // A malformed name is granted by nothing, but the unknown roles are still listed.
        let parsed = permission::parse(permission).ok();
        let mut unknown_roles = Vec::new();
        for role in roles {
            let Some(&start) = self.role_index.get(role) else {
                unknown_roles.push(permission::shorten(role));
                continue;
            };
            if let Some((path, grant)) = parsed.and_then(|wanted| self.find_grant(start, wanted)) {
                let path = path.into_iter().map(|i| self.roles[i].name.clone()).collect();
                return Explanation::Granted {
                    permission: name,
                    role: role.to_owned(),
                    path,
                    grant,
                };
            }
        }
        Explanation::Denied {
            permission: name,
            unknown_roles,
        }
    }

    /// Breadth-first from `start`: the shortest inheritance path to a role whose own
    /// grants cover `wanted`.
    fn find_grant(&self, start: usize, wanted: Parsed<'_>) -> Option<(Vec<usize>, String)> {
        let mut parent = vec![usize::MAX; self.roles.len()];
        let mut queue = VecDeque::from([start]);
        parent[start] = start;
        while let Some(at) = queue.pop_front() {
            let covering = self.roles[at].grants.iter().find(|grant| {
                permission::parse(grant)
                    .is_ok_and(|g| g.resource == wanted.resource && (g.action.is_none() || g.action == wanted.action))
            });
            if let Some(grant) = covering {
                let mut path = vec![at];
                while *path.last().unwrap_or(&start) != start {
                    path.push(parent[path[path.len() - 1]]);
                }
                path.reverse();
                return Some((path, grant.clone()));
            }
            for &next in &self.roles[at].inherits {
                if parent[next] == usize::MAX {
                    parent[next] = at;
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// The number of roles.
    pub fn role_count(&self) -> usize {
        self.roles.len()
    }

    /// The number of distinct permissions (and resource wildcards) the policy names.
    pub fn permission_count(&self) -> usize {
        self.permission_count
    }

    /// The number of subject bindings, global and per tenant, of every issuer.
    pub fn binding_count(&self) -> usize {
        self.local.len() + self.issuers.values().map(SubjectBindings::len).sum::<usize>()
    }

    /// The number of tenants with bindings.
    pub fn tenant_count(&self) -> usize {
        self.tenants
    }

    /// Whether the policy defines `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.role_index.contains_key(role)
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("roles", &self.roles.len())
            .field("permissions", &self.permission_count())
            .field("bindings", &self.binding_count())
            .finish_non_exhaustive()
    }
}

/// Why a permission is granted or not; see [`Policy::explain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Explanation {
    /// `role` (one of the caller's) grants it: `path` runs from `role` through
    /// `inherits` to the role whose own `grant` covers the permission.
    Granted {
        /// The permission asked about.
        permission: String,
        /// The caller's role it came through.
        role: String,
        /// `role`, then each inherited role to the one that grants it.
        path: Vec<String>,
        /// The grant that covers it: the permission itself or `resource:*`.
        grant: String,
    },
    /// None of the roles grants it.
    Denied {
        /// The permission asked about.
        permission: String,
        /// Roles the policy does not define.
        unknown_roles: Vec<String>,
    },
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::Granted {
                permission,
                role,
                path,
                grant,
            } => {
                write!(
                    f,
                    "{permission} is granted to {role} through {} by {grant}",
                    path.join(" -> ")
                )
            }
            Explanation::Denied {
                permission,
                unknown_roles,
            } if unknown_roles.is_empty() => {
                write!(f, "{permission} is granted by none of the roles")
            }
            Explanation::Denied {
                permission,
                unknown_roles,
            } => {
                write!(
                    f,
                    "{permission} is granted by none of the roles (unknown: {})",
                    unknown_roles.join(", ")
                )
            }
        }
    }
}

pub(super) fn resolve(registry: &Mutex<Registry>, name: &str) -> Result<PermissionId, RbacError> {
    let parsed = permission::parse(name)?;
    let mut registry = registry.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(registry.resolve(parsed, name))
}

pub(super) fn parse_toml(text: &str) -> Result<PolicyDocument, RbacError> {
    check_size(text)?;
    // The parser's report names the line and shows it; kept on one line for logs.
    toml::from_str(text).map_err(|e| {
        let report = e.to_string();
        RbacError::MalformedPolicy(report.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

pub(super) fn parse_json(text: &str) -> Result<PolicyDocument, RbacError> {
    check_size(text)?;
    serde_json::from_str(text).map_err(|e| RbacError::MalformedPolicy(e.to_string()))
}

fn check_size(text: &str) -> Result<(), RbacError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(RbacError::TooLarge {
            what: "bytes",
            limit: MAX_POLICY_BYTES,
        });
    }
    Ok(())
}

/// One audit event per caller, however many unknown roles their token names, so a
/// token with thousands of roles cannot flood the log.
fn unknown_roles(first: &str, count: usize) {
    tracing::warn!(
        target: "portcullis::audit",
        event = "unknown_role",
        role = %permission::shorten(first),
        count,
        "roles of a caller are not defined by the policy; they grant nothing"
    );
}

/// Subject -> indices of the roles bound to it.
type Bindings = Lookup<Box<[usize]>>;

/// One compilation: validation, inheritance order, then the sets.
struct Compiler<'d> {
    document: &'d PolicyDocument,
    index: HashMap<String, usize>,
}

impl<'d> Compiler<'d> {
    fn new(document: &'d PolicyDocument) -> Result<Self, RbacError> {
        let roles = &document.roles;
        if let Some(name) = roles.repeated.first() {
            return Err(RbacError::DuplicateRole(permission::shorten(name)));
        }
        if roles.entries.len() > MAX_ROLES {
            return Err(RbacError::TooLarge {
                what: "roles",
                limit: MAX_ROLES,
            });
        }
        let mut index = HashMap::with_capacity(roles.entries.len());
        for (i, (name, role)) in roles.entries.iter().enumerate() {
            check_name("role", name)?;
            if role.inherits.len() > MAX_ROLES_PER_ENTRY {
                return Err(RbacError::TooLarge {
                    what: "parents of one role",
                    limit: MAX_ROLES_PER_ENTRY,
                });
            }
            if role.permissions.len() > MAX_PERMISSIONS {
                return Err(RbacError::TooLarge {
                    what: "permissions of one role",
                    limit: MAX_PERMISSIONS,
                });
            }
            index.insert(name.clone(), i);
        }
        Ok(Compiler { document, index })
    }

    fn role_ref(&self, role: &str, referenced_by: impl FnOnce() -> String) -> Result<usize, RbacError> {
        self.index.get(role).copied().ok_or_else(|| RbacError::UnknownRole {
            role: permission::shorten(role),
            referenced_by: referenced_by(),
        })
    }

    fn compile(self, registry: Arc<Mutex<Registry>>) -> Result<Policy, RbacError> {
        let names: Vec<&String> = self.document.roles.entries.keys().collect();
        let mut inherits = Vec::with_capacity(names.len());
        for (name, role) in &self.document.roles.entries {
            let parents = role
                .inherits
                .iter()
                .map(|parent| self.role_ref(parent, || format!("role {name}")))
                .collect::<Result<Vec<_>, _>>()?;
            inherits.push(parents);
        }
        let order = topological_order(&inherits, &names)?;
        let (local, issuers) = self.bindings()?;

        // Every permission is parsed and counted before the shared registry is touched,
        // so a refused policy leaves no bits behind.
        let mut parsed = Vec::with_capacity(names.len());
        let mut distinct = HashSet::new();
        for role in self.document.roles.entries.values() {
            let grants = role
                .permissions
                .iter()
                .map(|name| permission::parse(name).map(|p| (p, name.as_str())));
            let grants = grants.collect::<Result<Vec<_>, _>>()?;
            distinct.extend(
                grants
                    .iter()
                    .map(|(p, name)| if p.action.is_some() { *name } else { p.resource }),
            );
            if distinct.len() > MAX_PERMISSIONS {
                return Err(RbacError::TooLarge {
                    what: "permissions",
                    limit: MAX_PERMISSIONS,
                });
            }
            parsed.push(grants);
        }
        let permission_count = distinct.len();
        let (registry_id, bits, concrete, wildcard, direct) = {
            let mut reg = registry.lock().unwrap_or_else(PoisonError::into_inner);
            // Bits are never reused (ids must survive reloads); a handle whose policies
            // keep naming new permissions is refused here rather than growing forever.
            if reg.bits() as usize + permission_count > MAX_REGISTRY_BITS {
                let what = "permissions named over this handle's life";
                return Err(RbacError::TooLarge {
                    what,
                    limit: MAX_REGISTRY_BITS,
                });
            }
            let direct: Vec<Vec<u32>> = parsed
                .iter()
                .map(|grants| grants.iter().map(|(p, name)| reg.grant_bit(*p, name)).collect())
                .collect();
            let lookup = |names: &HashMap<String, u32>| names.iter().map(|(name, bit)| (name.clone(), *bit)).collect();
            (reg.id, reg.bits(), lookup(&reg.concrete), lookup(&reg.wildcard), direct)
        };

        // Parents come before children in `order`, so each role unions finished sets.
        let mut sets: Vec<Option<PermissionSet>> = vec![None; names.len()];
        for &role in &order {
            let mut set = PermissionSet::empty(registry_id, bits);
            for &bit in &direct[role] {
                set.insert(bit);
            }
            for &parent in &inherits[role] {
                if let Some(parent_set) = &sets[parent] {
                    set.union_with(parent_set);
                }
            }
            sets[role] = Some(set);
        }
        let roles = self
            .document
            .roles
            .entries
            .iter()
            .zip(inherits)
            .zip(sets)
            .map(|(((name, role), inherits), set)| CompiledRole {
                name: name.clone(),
                inherits,
                grants: role.permissions.clone(),
                set: set.unwrap_or_else(|| PermissionSet::empty(registry_id, bits)),
            })
            .collect();
        Ok(Policy {
            registry,
            registry_id,
            concrete,
            wildcard,
            bits,
            permission_count,
            role_index: self.index.into_iter().collect(),
            roles,
            tenants: distinct_tenants(&local, &issuers),
            local,
            issuers,
        })
    }

    fn bindings(&self) -> Result<(SubjectBindings, Lookup<SubjectBindings>), RbacError> {
        let doc = self.document;
        let count = |subjects: &Unique<Vec<String>>, tenants: &Unique<Tenant>| {
            subjects.entries.len()
                + tenants
                    .entries
                    .values()
                    .map(|t| t.subjects.entries.len())
                    .sum::<usize>()
        };
        let total = count(&doc.subjects, &doc.tenants)
            + doc
                .issuers
                .entries
                .values()
                .map(|i| count(&i.subjects, &i.tenants))
                .sum::<usize>();
        if total > MAX_BINDINGS {
            return Err(RbacError::TooLarge {
                what: "subject bindings",
                limit: MAX_BINDINGS,
            });
        }
        if let Some(name) = doc.issuers.repeated.first() {
            return Err(RbacError::DuplicateSubject(format!(
                "issuer {}",
                permission::shorten(name)
            )));
        }
        let local = self.bind_all(&doc.subjects, &doc.tenants)?;
        let mut issuers = Lookup::with_capacity_and_hasher(doc.issuers.entries.len(), Default::default());
        for (issuer, bindings) in &doc.issuers.entries {
            check_name("issuer", issuer)?;
            issuers.insert(issuer.clone(), self.bind_all(&bindings.subjects, &bindings.tenants)?);
        }
        Ok((local, issuers))
    }

    fn bind_all(&self, subjects: &Unique<Vec<String>>, tenants: &Unique<Tenant>) -> Result<SubjectBindings, RbacError> {
        if let Some(name) = tenants.repeated.first() {
            return Err(RbacError::DuplicateSubject(format!(
                "tenant {}",
                permission::shorten(name)
            )));
        }
        let global = self.bind(subjects, None)?;
        let mut scoped = Lookup::with_capacity_and_hasher(tenants.entries.len(), Default::default());
        for (tenant, bindings) in &tenants.entries {
            check_name("tenant", tenant)?;
            scoped.insert(tenant.clone(), self.bind(&bindings.subjects, Some(tenant))?);
        }
        Ok(SubjectBindings {
            global,
            tenants: scoped,
        })
    }

    fn bind(&self, bindings: &Unique<Vec<String>>, tenant: Option<&str>) -> Result<Bindings, RbacError> {
        if let Some(name) = bindings.repeated.first() {
            return Err(RbacError::DuplicateSubject(permission::shorten(name)));
        }
        let mut out = Lookup::with_capacity_and_hasher(bindings.entries.len(), Default::default());
        for (subject, roles) in &bindings.entries {
            check_name("subject", subject)?;
            if roles.len() > MAX_ROLES_PER_ENTRY {
                return Err(RbacError::TooLarge {
                    what: "roles for one subject",
                    limit: MAX_ROLES_PER_ENTRY,
                });
            }
            let who = || match tenant {
                Some(t) => format!("subject {subject} in tenant {t}"),
                None => format!("subject {subject}"),
            };
            let indices = roles
                .iter()
                .map(|r| self.role_ref(r, who))
                .collect::<Result<Vec<_>, _>>()?;
            out.insert(subject.clone(), indices.into_boxed_slice());
        }
        Ok(out)
    }
}

/// The number of distinct tenant names with bindings, over every issuer.
fn distinct_tenants(local: &SubjectBindings, issuers: &Lookup<SubjectBindings>) -> usize {
    let names: HashSet<&str> = std::iter::once(local)
        .chain(issuers.values())
        .flat_map(|bindings| bindings.tenants.keys().map(String::as_str))
        .collect();
    names.len()
}

fn check_name(kind: &'static str, name: &str) -> Result<(), RbacError> {
    if name.is_empty() {
        return Err(RbacError::EmptyName(kind));
    }
    if name.len() > MAX_NAME_LEN || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RbacError::InvalidName {
            kind,
            name: permission::shorten(name),
        });
    }
    Ok(())
}

/// Kahn's algorithm over `inherits` (child -> parents): parents first. What is left
/// over lies on or behind a cycle, which is then walked to name it.
fn topological_order(inherits: &[Vec<usize>], names: &[&String]) -> Result<Vec<usize>, RbacError> {
    let n = inherits.len();
    let mut children = vec![Vec::new(); n];
    let mut waiting = vec![0usize; n];
    for (child, parents) in inherits.iter().enumerate() {
        waiting[child] = parents.len();
        for &parent in parents {
            children[parent].push(child);
        }
    }
    let mut ready: VecDeque<usize> = (0..n).filter(|&r| waiting[r] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(role) = ready.pop_front() {
        order.push(role);
        for &child in &children[role] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push_back(child);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every unfinished role has an unfinished parent; follow them until one repeats.
    let mut at = (0..n).find(|&r| waiting[r] > 0).unwrap_or(0);
    let mut seen = vec![usize::MAX; n];
    let mut walk = Vec::new();
    while seen[at] == usize::MAX {
        seen[at] = walk.len();
        walk.push(at);
        at = inherits[at].iter().copied().find(|&p| waiting[p] > 0).unwrap_or(at);
    }
    let mut cycle: Vec<String> = walk[seen[at]..].iter().map(|&r| names[r].clone()).collect();
    cycle.push(names[at].clone());
    Err(RbacError::InheritanceCycle(cycle))
}
