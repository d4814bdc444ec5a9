//! OAuth scope checks, alongside permissions.

use super::RbacError;
use crate::Principal;

/// Requires the caller's token to carry the OAuth `scope` (from its `scope` or `scp`
/// claim). Scopes say what the *client* may do on the user's behalf; check them in
/// addition to the user's permissions, not instead.
///
/// ```
/// use portcullis::Principal;
/// use portcullis::rbac::check_scope;
///
/// let caller = Principal::new("alice").with_scopes(["orders.read"]);
/// assert!(check_scope(&caller, "orders.read").is_ok());
/// assert_eq!(check_scope(&caller, "orders.write").unwrap_err().code(), "insufficient_scope");
/// ```
pub fn check_scope(principal: &Principal, scope: &str) -> Result<(), RbacError> {
    if principal.has_scope(scope) {
        Ok(())
    } else {
        Err(RbacError::InsufficientScope(scope.to_owned()))
    }
}
