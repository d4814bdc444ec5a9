//! Route guards, framework-free: a route's [`Requirement`] and the decision on each
//! request.

use std::sync::Arc;

use super::Rejection;
use super::gate::{Authenticated, NOT_INSTALLED};
use super::site::{Site, Verdict};
use crate::audit::Stage;
use crate::auth::{AuthError, Requirement};
use crate::rbac::{PolicyHandle, RbacError};

/// A route guard: it refuses callers that do not meet its [`Requirement`] (403),
/// and requests without a caller (401). It reads what the [`Gate`](super::Gate)
/// left in the request, so it goes on routes under one.
///
/// The axum adapter installs it as a tower layer (`portcullis::axum::GuardLayer` is
/// this type), with `route_layer`; the actix-web adapter as a middleware around a
/// `Route` (`portcullis::actix::GuardMiddleware`). On the route, not the whole
/// resource: a method the route does not serve then still gets 405.
///
/// ```
/// use portcullis::auth::Requirement;
/// use portcullis::http::Guard;
/// use portcullis::rbac::PolicyHandle;
///
/// let policy = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:write\"]")?;
/// let write = Guard::permission(&policy, "orders:write")?;
/// let admin_or_clerk = Guard::new(Requirement::any_of([Requirement::role("admin"), Requirement::role("clerk")]));
/// # let _ = (write, admin_or_clerk);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Guard {
    requirement: Arc<Requirement>,
    /// For the audit log, made once when the router is built.
    described: Arc<str>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Guard").field(&self.described).finish()
    }
}

impl Guard {
    /// A guard for `requirement`.
    pub fn new(requirement: Requirement) -> Self {
        Guard {
            described: requirement.describe().into(),
            requirement: Arc::new(requirement),
        }
    }

    /// The caller holds `permission` under `policy`, resolved now.
    ///
    /// # Errors
    ///
    /// The policy's error for a malformed permission name.
    pub fn permission(policy: &PolicyHandle, permission: &str) -> Result<Self, RbacError> {
        Ok(Self::new(Requirement::permission(policy, permission)?))
    }

    /// The caller's token carries `role`.
    pub fn role(role: &str) -> Self {
        Self::new(Requirement::role(role))
    }

    /// The caller's token carries the OAuth scope `scope`.
    pub fn scope(scope: &str) -> Self {
        Self::new(Requirement::scope(scope))
    }

    /// The guard's decision on the request at `site`, recorded: `Err` is the
    /// response that refuses it.
    pub(crate) fn check(&self, context: Option<&Authenticated>, site: &impl Site) -> Result<(), Rejection> {
        let principal = context.and_then(|context| context.principal.as_ref());
        let verdict = match (context, principal) {
            (None, _) => Err(NOT_INSTALLED),
            (Some(_), None) => Err(AuthError::MissingCredentials),
            (Some(_), Some(principal)) => self.requirement.check(principal),
        };
        let recorded = match &verdict {
            Ok(()) => Verdict::allowed(Stage::Authorization, principal),
            Err(err) => Verdict::refused(Stage::Authorization, err).of(principal),
        };
        recorded.requiring(Some(&self.described)).counted(context).record(site);
        verdict.map_err(|err| Authenticated::rejection(context, &err))
    }
}
