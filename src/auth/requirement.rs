//! What a route requires of an authenticated caller, resolved when the router is
//! built and checked per request without string work for permissions.

use std::sync::Arc;

use super::AuthError;
use crate::Principal;
use crate::rbac::{PermissionId, PolicyHandle, RbacError};

/// A route's requirement: a permission (through the RBAC policy), a role or an
/// OAuth scope (from the token), or any-of / all-of combinations.
///
/// ```
/// use portcullis::Principal;
/// use portcullis::auth::Requirement;
/// use portcullis::rbac::PolicyHandle;
///
/// let policy = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:write\"]")?;
/// let write = Requirement::permission(&policy, "orders:write")?;
/// let admin_or_write = Requirement::any_of([Requirement::role("admin"), write.clone()]);
///
/// let clerk = Principal::new("bob").with_roles(["clerk"]);
/// assert!(admin_or_write.check(&clerk).is_ok());
/// let err = Requirement::all_of([write, Requirement::scope("orders.write")]).check(&clerk).unwrap_err();
/// assert_eq!(err.code(), "forbidden");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Requirement(Arc<Inner>);

enum Inner {
    Permission {
        policy: PolicyHandle,
        id: PermissionId,
        name: String,
    },
    Role(String),
    Scope(String),
    AnyOf(Vec<Requirement>),
    AllOf(Vec<Requirement>),
}

impl std::fmt::Debug for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Requirement {
    /// The permission `name` (`resource:action`) under `policy`, resolved now: the
    /// check per request is a bit test on the caller's permission set, and stays
    /// right across hot reloads of the policy.
    ///
    /// # Errors
    ///
    /// The policy's error for a malformed permission name.
    pub fn permission(policy: &PolicyHandle, name: &str) -> Result<Self, RbacError> {
        let id = policy.permission(name)?;
        Ok(Requirement(Arc::new(Inner::Permission {
            policy: policy.clone(),
            id,
            name: name.to_owned(),
        })))
    }

    /// The role `name` among the roles of the caller's token.
    pub fn role(name: impl Into<String>) -> Self {
        Requirement(Arc::new(Inner::Role(name.into())))
    }

    /// The OAuth scope `name` among the token's `scope` / `scp` (RFC 8693 §4.2).
    pub fn scope(name: impl Into<String>) -> Self {
        Requirement(Arc::new(Inner::Scope(name.into())))
    }

    /// Met when any of `requirements` is (none: never met).
    pub fn any_of(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        Requirement(Arc::new(Inner::AnyOf(requirements.into_iter().collect())))
    }

    /// Met when all of `requirements` are (none: always met).
    pub fn all_of(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        Requirement(Arc::new(Inner::AllOf(requirements.into_iter().collect())))
    }

    /// Checks `principal`.
    ///
    /// # Errors
    ///
    /// [`AuthError::Forbidden`] (HTTP 403). Its `required` lists the OAuth scopes
    /// the caller lacks, for the challenge's `scope` parameter (RFC 6750 §3), when
    /// the requirement is one list of needs (no any-of inside) and some of them
    /// are scopes. Permissions and roles are never named to the client: they are
    /// the service's own vocabulary, not something the client can ask a token
    /// for ([`describe`](Self::describe) names them for the audit log).
    pub fn check(&self, principal: &Principal) -> Result<(), AuthError> {
        if self.met(principal) {
            return Ok(());
        }
        let required = self.missing_scopes(principal).map(|scopes| scopes.join(" "));
        Err(AuthError::Forbidden {
            missing_scopes: required.filter(|scopes| !scopes.is_empty()),
        })
    }

    fn met(&self, principal: &Principal) -> bool {
        match &*self.0 {
            // The caller's roles tested in place: no permission set is built.
            Inner::Permission { policy, id, .. } => policy.current().principal_allows(principal, *id),
            Inner::Role(role) => principal.has_role(role),
            Inner::Scope(scope) => principal.has_scope(scope),
            Inner::AnyOf(all) => all.iter().any(|r| r.met(principal)),
            Inner::AllOf(all) => all.iter().all(|r| r.met(principal)),
        }
    }

    /// What is required, for logs: permission and scope names as they are, roles
    /// as `role:NAME`, all-of as a space-separated list, any-of as `any-of(…)`.
    pub fn describe(&self) -> String {
        let list = |all: &[Requirement]| all.iter().map(Requirement::describe).collect::<Vec<_>>().join(" ");
        match &*self.0 {
            Inner::Permission { name, .. } | Inner::Scope(name) => name.clone(),
            Inner::Role(role) => format!("role:{role}"),
            Inner::AllOf(all) => list(all),
            Inner::AnyOf(all) => format!("any-of({})", list(all)),
        }
    }

    /// The OAuth scopes required that `principal` lacks, when the requirement is one
    /// list of needs (no any-of inside): what a 403 challenge's `scope` parameter
    /// can truthfully say, since RFC 6750 §3 reads that list as "all of these".
    fn missing_scopes<'r>(&'r self, principal: &Principal) -> Option<Vec<&'r str>> {
        match &*self.0 {
            Inner::AnyOf(_) => None,
            Inner::AllOf(all) => {
                let mut missing = Vec::new();
                for requirement in all {
                    missing.extend(requirement.missing_scopes(principal)?);
                }
                Some(missing)
            }
            Inner::Scope(scope) if !principal.has_scope(scope) => Some(vec![scope.as_str()]),
            Inner::Scope(_) | Inner::Permission { .. } | Inner::Role(_) => Some(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PolicyHandle {
        PolicyHandle::from_toml("[roles.viewer]\npermissions = [\"orders:read\"]\n[roles.admin]\npermissions = [\"orders:*\"]\n[subjects]\ncarol = [\"admin\"]").unwrap()
    }

    #[test]
    fn permissions_come_from_token_roles_and_policy_bindings() {
        let read = Requirement::permission(&policy(), "orders:read").unwrap();
        assert!(read.check(&Principal::new("x").with_roles(["viewer"])).is_ok());
        assert!(read.check(&Principal::new("carol")).is_ok());
        assert!(read.check(&Principal::new("dave")).is_err());
    }

    #[test]
    fn combinators_follow_boolean_logic_and_describe_their_parts() {
        let p = Principal::new("x").with_roles(["a"]).with_scopes(["s"]);
        assert!(
            Requirement::all_of([Requirement::role("a"), Requirement::scope("s")])
                .check(&p)
                .is_ok()
        );
        assert!(
            Requirement::any_of([Requirement::role("b"), Requirement::scope("s")])
                .check(&p)
                .is_ok()
        );
        let none = Requirement::any_of([Requirement::role("b"), Requirement::scope("t")]);
        assert_eq!(none.check(&p), Err(AuthError::Forbidden { missing_scopes: None }));
        assert_eq!(none.describe(), "any-of(role:b t)");
        let both = Requirement::all_of([Requirement::role("b"), Requirement::scope("t")]);
        assert_eq!(
            both.check(&p),
            Err(AuthError::Forbidden {
                missing_scopes: Some("t".into())
            })
        );
        assert_eq!(both.describe(), "role:b t");
        assert!(Requirement::any_of([]).check(&p).is_err());
        assert!(Requirement::all_of([]).check(&p).is_ok());
    }

    /// Found in review: challenges named roles and permissions (`scope="role:admin"`)
    /// and scopes the caller already held.
    #[test]
    fn a_refusal_names_only_the_oauth_scopes_the_caller_lacks() {
        let p = Principal::new("x").with_scopes(["payments"]);
        let forbidden = |required: Option<&str>| {
            Err(AuthError::Forbidden {
                missing_scopes: required.map(str::to_owned),
            })
        };
        assert_eq!(Requirement::role("admin").check(&p), forbidden(None));
        let read = Requirement::permission(&policy(), "orders:read").unwrap();
        assert_eq!(read.check(&p), forbidden(None));
        let held_and_missing = Requirement::all_of([
            read,
            Requirement::scope("payments"),
            Requirement::all_of([Requirement::scope("orders.export"), Requirement::role("clerk")]),
        ]);
        assert_eq!(held_and_missing.check(&p), forbidden(Some("orders.export")));
    }
}
