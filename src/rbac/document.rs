//! The policy's source shape: TOML or JSON (DESIGN.md), or built in code.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A policy before compilation: roles with the roles they inherit and the permissions
/// they grant, and subjects bound to roles, globally or within a tenant.
///
/// ```toml
/// [roles.viewer]
/// permissions = ["orders:read"]
/// [roles.editor]
/// inherits = ["viewer"]
/// permissions = ["orders:write", "invoices:*"]
/// [subjects]
/// alice = ["editor"]
/// [tenants.acme.subjects]
/// bob = ["viewer"]
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
///     .subject("alice", ["editor"])
///     .tenant_subject("acme", "bob", ["viewer"]);
/// let policy = Policy::compile(&doc)?;
/// assert_eq!(policy.role_count(), 2);
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

    /// Binds a subject to roles for every tenant.
    #[must_use]
    pub fn subject<'a>(mut self, subject: &str, roles: impl IntoIterator<Item = &'a str>) -> Self {
        self.subjects
            .insert(subject, roles.into_iter().map(str::to_owned).collect());
        self
    }

    /// Binds a subject to roles within one tenant only.
    #[must_use]
    pub fn tenant_subject<'a>(mut self, tenant: &str, subject: &str, roles: impl IntoIterator<Item = &'a str>) -> Self {
        let roles = roles.into_iter().map(str::to_owned).collect();
        match self.tenants.entries.get_mut(tenant) {
            Some(t) => t.subjects.insert(subject, roles),
            None => {
                let mut t = Tenant::default();
                t.subjects.insert(subject, roles);
                self.tenants.insert(tenant, t);
            }
        }
        self
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
