//! The one error type of the authorization module.

/// Why a policy did not compile, or why a check refused.
///
/// Every variant has a stable [`code`](RbacError::code). Names in errors are names
/// from the policy file (roles, permissions), never anything from a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RbacError {
    /// The policy file is not valid TOML or JSON of the policy shape.
    #[error("policy is malformed: {0}")]
    MalformedPolicy(String),
    /// The policy exceeds a size limit (see the module docs).
    #[error("policy is too large: more than {limit} {what}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A role, subject or tenant name is empty.
    #[error("{0} name is empty")]
    EmptyName(&'static str),
    /// A name is longer than 128 bytes or holds whitespace or control characters.
    #[error("{kind} name `{name}` is invalid: at most 128 bytes, no whitespace or control characters")]
    InvalidName {
        /// Role, subject or tenant.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A permission is not `resource:action` (`resource:*` for every action).
    #[error("permission `{0}` is malformed: expected resource:action")]
    MalformedPermission(String),
    /// The same role is defined twice.
    #[error("role `{0}` is defined twice")]
    DuplicateRole(String),
    /// The same subject is bound twice in one scope.
    #[error("subject `{0}` is bound twice")]
    DuplicateSubject(String),
    /// A role is referenced (by `inherits` or a subject binding) but not defined.
    #[error("role `{role}` referenced by {referenced_by} is not defined")]
    UnknownRole {
        /// The missing role.
        role: String,
        /// Who referenced it: `role editor`, `subject alice`, `subject alice in tenant acme`.
        referenced_by: String,
    },
    /// Roles inherit from each other in a cycle.
    #[error("roles inherit in a cycle: {}", .0.join(" -> "))]
    InheritanceCycle(Vec<String>),
    /// The caller lacks the permission.
    #[error("permission denied")]
    Forbidden,
    /// The caller's token lacks the OAuth scope.
    #[error("scope `{0}` is required")]
    InsufficientScope(String),
}

impl RbacError {
    /// The stable, snake_case code for this error.
    ///
    /// ```
    /// use portcullis::rbac::{Policy, RbacError};
    ///
    /// let err = Policy::from_toml("[roles.a]\ninherits = [\"b\"]").unwrap_err();
    /// assert_eq!(err.code(), "unknown_role");
    /// assert_eq!(RbacError::Forbidden.code(), "forbidden");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            RbacError::MalformedPolicy(_) => "malformed_policy",
            RbacError::TooLarge { .. } => "too_large",
            RbacError::EmptyName(_) => "empty_name",
            RbacError::InvalidName { .. } => "invalid_name",
            RbacError::MalformedPermission(_) => "malformed_permission",
            RbacError::DuplicateRole(_) => "duplicate_role",
            RbacError::DuplicateSubject(_) => "duplicate_subject",
            RbacError::UnknownRole { .. } => "unknown_role",
            RbacError::InheritanceCycle(_) => "inheritance_cycle",
            RbacError::Forbidden => "forbidden",
            RbacError::InsufficientScope(_) => "insufficient_scope",
        }
    }
}
