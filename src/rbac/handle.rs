//! Hot reload: a policy swapped atomically while readers keep going.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::policy::{parse_json, parse_toml, resolve};
use super::{PermissionId, Policy, PolicyDocument, RbacError};

/// A [`Policy`] that can be replaced while requests are being checked.
///
/// Readers call [`current`](Self::current): one atomic load, no lock, never blocked by
/// a reload. A reload compiles the new policy first and swaps it in only if it
/// compiled; a failed reload keeps the old policy and returns the error. Permission
/// ids resolved through the handle stay valid across reloads. Cloning is cheap and
/// shares the policy.
///
/// ```
/// use portcullis::rbac::PolicyHandle;
///
/// let handle = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:read\"]")?;
/// let write = handle.permission("orders:write")?; // resolved once, at start-up
/// assert!(!handle.current().permissions_for(["clerk"]).allows(write));
///
/// handle.reload_toml("[roles.clerk]\npermissions = [\"orders:*\"]")?;
/// assert!(handle.current().permissions_for(["clerk"]).allows(write));
///
/// // A broken policy is refused; the last good one stays.
/// assert_eq!(handle.reload_toml("[roles.clerk]\ninherits = [\"ghost\"]").unwrap_err().code(), "unknown_role");
/// assert!(handle.current().permissions_for(["clerk"]).allows(write));
/// # Ok::<(), portcullis::rbac::RbacError>(())
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    current: Arc<ArcSwap<Policy>>,
}

impl PolicyHandle {
    /// A handle holding `policy`.
    pub fn new(policy: Policy) -> Self {
        PolicyHandle {
            current: Arc::new(ArcSwap::from_pointee(policy)),
        }
    }

    /// Parses and compiles a TOML policy into a new handle.
    pub fn from_toml(text: &str) -> Result<Self, RbacError> {
        Ok(Self::new(Policy::from_toml(text)?))
    }

    /// The policy now in force. Keep the `Arc` for the length of one request, so that
    /// a request is judged by one policy from start to end.
    pub fn current(&self) -> Arc<Policy> {
        self.current.load_full()
    }

    /// Resolves a permission name to an id valid for every policy this handle holds.
    pub fn permission(&self, name: &str) -> Result<PermissionId, RbacError> {
        resolve(self.current.load().registry(), name)
    }

    /// Compiles `document` and, if it compiles, makes it the current policy.
    pub fn reload(&self, document: &PolicyDocument) -> Result<(), RbacError> {
        let registry = Arc::clone(self.current.load().registry());
        let policy = Policy::compile_with(document, registry)?;
        self.current.store(Arc::new(policy));
        tracing::info!(target: "portcullis::audit", event = "policy_reloaded", roles = self.current.load().role_count());
        Ok(())
    }

    /// [`reload`](Self::reload) from TOML text.
    pub fn reload_toml(&self, text: &str) -> Result<(), RbacError> {
        self.reload(&parse_toml(text)?)
    }

    /// [`reload`](Self::reload) from JSON text.
    pub fn reload_json(&self, text: &str) -> Result<(), RbacError> {
        self.reload(&parse_json(text)?)
    }
}

impl std::fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("current", &*self.current.load())
            .finish()
    }
}
