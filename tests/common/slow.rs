//! An authenticator that waits before answering, as an API-key lookup would.

use std::time::Duration;

use portcullis::Principal;
use portcullis::auth::{AuthError, Authenticator, Credentials};
use portcullis::token::TokenError;

/// Accepts the bearer token `let-me-in` as `svc-billing`, after 2 ms.
pub struct Slow;

impl Authenticator for Slow {
    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        match credentials {
            Credentials::Bearer("let-me-in") => Ok(Principal::new("svc-billing")),
            _ => Err(AuthError::InvalidToken(TokenError::InvalidSignature)),
        }
    }
}
