//! Authorization: role-based access control compiled so that a check is a bit test,
//! and OAuth scopes.
//!
//! A [`Policy`] is compiled once from TOML, JSON or code ([`PolicyDocument`]): roles
//! with `inherits` and `permissions` (`resource:action`, or `resource:*` for every
//! action on a resource), and subjects bound to roles globally or per tenant.
//! Compilation validates everything and resolves each role's whole inheritance to one
//! [`PermissionSet`]. Then, per request:
//!
//! 1. the caller's roles are combined once into a [`PermissionSet`]
//!    ([`Policy::principal_permissions`]);
//! 2. each check of a [`PermissionId`] resolved at start-up is two bit tests: no
//!    allocation, no lock, no string work.
//!
//! ```
//! use portcullis::Principal;
//! use portcullis::rbac::{Policy, check_scope};
//!
//! let policy = Policy::from_toml(r#"
//!     [roles.viewer]
//!     permissions = ["orders:read"]
//!     [roles.admin]
//!     inherits = ["viewer"]
//!     permissions = ["orders:*", "audit:read"]
//!     [tenants.acme.subjects]
//!     bob = ["admin"]
//! "#)?;
//! let write_orders = policy.permission("orders:write")?;
//!
//! let bob = Principal::new("bob").with_tenant("acme").with_scopes(["orders.write"]);
//! let perms = policy.principal_permissions(&bob);
//! assert!(policy.check(&perms, write_orders));
//! check_scope(&bob, "orders.write")?;
//!
//! let elsewhere = Principal::new("bob").with_tenant("globex");
//! assert!(!policy.check(&policy.principal_permissions(&elsewhere), write_orders));
//! # Ok::<(), portcullis::rbac::RbacError>(())
//! ```
//!
//! [`PolicyHandle`] swaps in a reloaded policy atomically; readers never block.
//!
//! Limits: policy text 16 MiB; 10,000 roles; 100,000 distinct permissions (400,000
//! over a [`PolicyHandle`]'s life, since ids survive reloads); 1,000,000 subject
//! bindings; 1,000 parents per role and roles per subject; names of 128 bytes,
//! resource and action of 128 bytes each. A set costs one bit per permission, per
//! role: 10,000 roles x 100,000 permissions would hold 125 MB, so keep policies to
//! the size they need.

mod document;
mod error;
mod handle;
mod permission;
mod policy;
mod scope;

pub use document::{PolicyDocument, Role};
pub use error::RbacError;
pub use handle::PolicyHandle;
pub use permission::{PermissionId, PermissionSet};
pub use policy::{
    Explanation, MAX_BINDINGS, MAX_NAME_LEN, MAX_PERMISSIONS, MAX_POLICY_BYTES, MAX_REGISTRY_BITS, MAX_ROLES,
    MAX_ROLES_PER_ENTRY, Policy,
};
pub use scope::check_scope;
