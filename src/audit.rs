//! Structured `tracing` events for every authentication and authorization decision,
//! on target `portcullis::audit`, so they can be routed to their own sink.
//!
//! An event carries the outcome, the stage that decided, the error code, the subject and token id (only
//! from a verified principal), the client address, the method and the route. It
//! never carries a token, a password, a secret, a claim set or the query string:
//! fields that come from the request are stripped of control characters and cut to
//! [`MAX_FIELD_CHARS`] characters, so a log line cannot be forged or flooded.
//!
//! ```
//! use portcullis::audit::{self, Credential, Decision, Outcome, Stage};
//!
//! audit::record(&Decision {
//!     outcome: Outcome::Denied,
//!     stage: Stage::Authentication,
//!     credential: Credential::Bearer,
//!     code: Some("expired"),
//!     subject: None,
//!     token_id: None,
//!     client: Some("127.0.0.1:50432".parse()?),
//!     method: "GET",
//!     route: "/orders",
//!     requirement: None,
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::net::SocketAddr;

use crate::sanitize::text::strip_controls;

/// The longest request-derived field written: 256 characters.
pub const MAX_FIELD_CHARS: usize = 256;

/// What kind of credential a decision was about (a closed set: the metrics' label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// An OAuth bearer token.
    Bearer,
    /// An API key.
    ApiKey,
    /// A client certificate.
    Certificate,
    /// A password (a login).
    Password,
    /// None was presented (or none could be read).
    None,
}

impl Credential {
    /// `bearer`, `api_key`, `certificate`, `password` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Credential::Bearer => "bearer",
            Credential::ApiKey => "api_key",
            Credential::Certificate => "certificate",
            Credential::Password => "password",
            Credential::None => "none",
        }
    }
}

/// Whether a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Authenticated (and authorized, where the route requires it).
    Allowed,
    /// Let through without a principal (optional authentication, no credentials).
    Anonymous,
    /// Refused; the event's `code` says why.
    Denied,
}

impl Outcome {
    /// `allowed`, `anonymous` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Anonymous => "anonymous",
            Outcome::Denied => "denied",
        }
    }
}

/// Which step of a request made a decision. A request has one authentication
/// decision and may have more (a guard, an extractor, a handler's own refusal):
/// `allowed` at authentication and `denied` at authorization are not a
/// contradiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and checking the credentials.
    Authentication,
    /// A route's requirement: permission, role or scope.
    Authorization,
    /// The handler refused on its own (for example, password work at capacity).
    Handler,
    /// A request rate limit.
    RateLimit,
}

impl Stage {
    /// `authentication`, `authorization`, `handler` or `rate_limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Authentication => "authentication",
            Stage::Authorization => "authorization",
            Stage::Handler => "handler",
            Stage::RateLimit => "rate_limit",
        }
    }
}

/// One decision, as an adapter saw it.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// Let through or not.
    pub outcome: Outcome,
    /// Which step decided.
    pub stage: Stage,
    /// What kind of credential it was about (for metrics; not logged).
    pub credential: Credential,
    /// The stable error code of a denial.
    pub code: Option<&'static str>,
    /// The verified principal's subject; never a value read from an unverified token.
    pub subject: Option<&'a str>,
    /// The verified token's `jti`.
    pub token_id: Option<&'a str>,
    /// The client's address, when the server knows it.
    pub client: Option<SocketAddr>,
    /// The request method.
    pub method: &'a str,
    /// The route: the matched pattern if the framework has one, else the path,
    /// never the query string.
    pub route: &'a str,
    /// What the route required (permission, role or scope), for guard decisions.
    pub requirement: Option<&'a str>,
}

/// Emits `decision` as one event on target `portcullis::audit` (`INFO` when let
/// through, `WARN` when denied), with `event = "auth_decision"`; with the `metrics`
/// feature, also counts it in `portcullis_auth_decisions_total`.
pub fn record(decision: &Decision<'_>) {
    #[cfg(feature = "metrics")]
    crate::metrics::decision(decision.outcome, decision.stage, decision.credential, decision.code);
    log(decision);
}

/// The event alone (the gate counts its decisions on handles of its own).
pub(crate) fn log(decision: &Decision<'_>) {
    // Nothing listening: nothing to prepare (this runs on every request).
    if !enabled(decision.outcome) {
        return;
    }
    let subject = decision.subject.map(field);
    let token_id = decision.token_id.map(field);
    let route = field(decision.route);
    let method = field(decision.method);
    let client = decision.client.map(tracing::field::display);
    macro_rules! emit {
        ($level:expr) => {
            tracing::event!(
                target: "portcullis::audit",
                $level,
                event = "auth_decision",
                outcome = decision.outcome.as_str(),
                stage = decision.stage.as_str(),
                code = decision.code,
                subject = subject.as_deref(),
                token_id = token_id.as_deref(),
                client,
                method = &*method,
                route = &*route,
                requirement = decision.requirement,
            )
        };
    }
    match decision.outcome {
        Outcome::Denied => emit!(tracing::Level::WARN),
        Outcome::Allowed | Outcome::Anonymous => emit!(tracing::Level::INFO),
    }
}

/// Whether anything listens for a decision with this outcome, so that adapters can
/// skip gathering its fields.
pub(crate) fn enabled(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Denied => tracing::enabled!(target: "portcullis::audit", tracing::Level::WARN),
        Outcome::Allowed | Outcome::Anonymous => tracing::enabled!(target: "portcullis::audit", tracing::Level::INFO),
    }
}

/// A request-derived value made safe for a log line.
fn field(value: &str) -> Cow<'_, str> {
    // strip_controls keeps line feeds and tabs for text; a log field keeps neither.
    let mut value = strip_controls(value);
    if value.contains(['\n', '\t']) {
        value = Cow::Owned(value.chars().filter(|c| *c != '\n' && *c != '\t').collect());
    }
    match value.char_indices().nth(MAX_FIELD_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &value[..cut])),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lose_control_characters_and_are_cut() {
        assert_eq!(field("/orders\n[forged] allowed"), "/orders[forged] allowed");
        let long = "a".repeat(MAX_FIELD_CHARS + 10);
        assert_eq!(field(&long).chars().count(), MAX_FIELD_CHARS + 1);
        assert_eq!(field("short"), "short");
    }
}
