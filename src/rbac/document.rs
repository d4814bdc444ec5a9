//! The policy's source shape: TOML or JSON (DESIGN.md), or built in code.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A policy before compilation: roles with the roles they inherit and the permissions
/// they grant, and subjects bound to roles, globally or within a tenant.
///
/// A subject is a name only within its issuer: OIDC's `sub` is unique per issuer, not
/// across them. So bindings say whose subjects they name. Those under
/// `[issuers."<iss>"]` hold for principals whose token came from that issuer
/// (`iss`, compared exactly); the top-level `[subjects]` and `[tenants]` hold only
/// for principals with no issuer (made in code, or from tokens without `iss`). A
/// principal from any other issuer gets none of them.
///
/// ```toml
/// [roles.viewer]
/// permissions = ["orders:read"]
/// [roles.editor]
/// inherits = ["viewer"]
/// permissions = ["orders:write", "invoices:*"]
/// [issuers."https://auth.example".subjects]
/// alice = ["editor"]
/// [issuers."https://auth.example".tenants.acme.subjects]
/// bob = ["viewer"]
/// [subjects]            # principals without an issuer
/// batch-job = ["viewer"]
/// ```
///
/// The same in code:
///
/// ```
/// use portcullis::rbac::{Policy, PolicyDocument, Role};
///
/// let doc = PolicyDocument::new()
///     .role("viewer", Role::new().grant("orders:read"))
///     .role("editor", Role::new().inherit("viewer").grant("orders:write").grant("invoices:*"))
///     .issuer_subject("https://auth.example", "alice", ["editor"])
///     .issuer_tenant_subject("https://auth.example", "acme", "bob", ["viewer"])
///     .subject("batch-job", ["viewer"]);
/// let policy = Policy::compile(&doc)?;
/// assert_eq!(policy.role_count(), 2);
/// assert_eq!(policy.binding_count(), 3);
/// # Ok::<(), portcullis::rbac::RbacError>(())
/// ```
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    #[serde(default)]
    pub(super) roles: Unique<Role>,
    #[serde(default)]
    pub(super) subjects: Unique<Vec<String>>,
    #[serde(default)]
    pub(super) tenants: Unique<Tenant>,
    #[serde(default)]
    pub(super) issuers: Unique<IssuerBindings>,
}

/// The subject bindings of one issuer: globally and within tenants.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IssuerBindings {
    #[serde(default)]
    pub(super) subjects: Unique<Vec<String>>,
    #[serde(default)]
    pub(super) tenants: Unique<Tenant>,
}

/// One role: the roles it inherits and the permissions it grants directly.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    #[serde(default)]
    pub(super) inherits: Vec<String>,
    #[serde(default)]
    pub(super) permissions: Vec<String>,
}

/// Subject bindings that hold only within one tenant.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Tenant {
    #[serde(default)]
    pub(super) subjects: Unique<Vec<String>>,
}

impl PolicyDocument {
    /// An empty policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines a role. Defining one name twice is a `duplicate_role` compile error.
    #[must_use]
    pub fn role(mut self, name: &str, role: Role) -> Self {
        self.roles.insert(name, role);
        self
    }

    /// Binds a subject of no issuer (a principal made in code, or from a token
    /// without `iss`) to roles for every tenant.
    #[must_use]
    pub fn subject<'a>(mut self, subject: &str, roles: impl IntoIterator<Item = &'a str>) -> Self {
        self.subjects
            .insert(subject, roles.into_iter().map(str::to_owned).collect());
        self
    }

    /// Binds a subject of no issuer to roles within one tenant only.
    #[must_use]
    pub fn tenant_subject<'a>(mut self, tenant: &str, subject: &str, roles: impl IntoIterator<Item = &'a str>) -> Self {
        bind_in_tenant(&mut self.tenants, tenant, subject, roles);
        self
    }

    /// Binds a subject of `issuer` (a token's `iss`) to roles for every tenant.
    #[must_use]
    pub fn issuer_subject<'a>(mut self, issuer: &str, subject: &str, roles: impl IntoIterator<Item = &'a str>) -> Self {
        let roles = roles.into_iter().map(str::to_owned).collect();
        self.issuer_entry(issuer).subjects.insert(subject, roles);
        self
    }

    /// Binds a subject of `issuer` to roles within one tenant only.
    #[must_use]
    pub fn issuer_tenant_subject<'a>(
        mut self,
        issuer: &str,
        tenant: &str,
        subject: &str,
        roles: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        bind_in_tenant(&mut self.issuer_entry(issuer).tenants, tenant, subject, roles);
        self
    }

    fn issuer_entry(&mut self, issuer: &str) -> &mut IssuerBindings {
        if !self.issuers.entries.contains_key(issuer) {
            self.issuers.insert(issuer, IssuerBindings::default());
        }
        self.issuers.entries.entry(issuer.to_owned()).or_default()
    }
}

fn bind_in_tenant<'a>(
    tenants: &mut Unique<Tenant>,
    tenant: &str,
    subject: &str,
    roles: impl IntoIterator<Item = &'a str>,
) {
    let roles = roles.into_iter().map(str::to_owned).collect();
    match tenants.entries.get_mut(tenant) {
        Some(t) => t.subjects.insert(subject, roles),
        None => {
            let mut t = Tenant::default();
            t.subjects.insert(subject, roles);
            tenants.insert(tenant, t);
        }
    }
}

impl Role {
    /// A role that grants nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inherit every permission of `role`.
    #[must_use]
    pub fn inherit(mut self, role: &str) -> Self {
        self.inherits.push(role.to_owned());
        self
    }

    /// Grant `permission` (`resource:action` or `resource:*`).
    #[must_use]
    pub fn grant(mut self, permission: &str) -> Self {
        self.permissions.push(permission.to_owned());
        self
    }
}

/// A map that keeps the keys it saw twice instead of letting the last one win
/// silently, so that compilation can name them (serde_json would drop the first).
#[derive(Debug, Clone)]
pub(super) struct Unique<V> {
    pub entries: BTreeMap<String, V>,
    pub repeated: Vec<String>,
}

impl<V> Default for Unique<V> {
    fn default() -> Self {
        Unique {
            entries: BTreeMap::new(),
            repeated: Vec::new(),
        }
    }
}

impl<V> Unique<V> {
    fn insert(&mut self, key: &str, value: V) {
        if self.entries.insert(key.to_owned(), value).is_some() {
            self.repeated.push(key.to_owned());
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Unique<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UniqueVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueVisitor<V> {
            type Value = Unique<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut unique = Unique::default();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    unique.insert(&key, value);
                }
                Ok(unique)
            }
        }
        deserializer.deserialize_map(UniqueVisitor(PhantomData))
    }
}
