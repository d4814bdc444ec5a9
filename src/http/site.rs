//! What the audit log reads of a request, and the one place a decision is recorded.

use std::borrow::Cow;
use std::net::SocketAddr;

use crate::Principal;
use crate::audit::{self, Credential, Decision, Outcome, Stage};

/// A request as the audit log reads it. Each adapter implements it for its
/// framework's request, and for what it keeps of a request that has moved on. It is
/// read only while a subscriber listens for the decision, so an adapter gathers
/// nothing for a log nobody reads.
pub(crate) trait Site {
    /// The request method.
    fn method(&self) -> &str;
    /// The matched route template, or the path when no route matched; never the
    /// query string.
    fn route(&self) -> Cow<'_, str>;
    /// The peer's address, when the server gives it.
    fn client(&self) -> Option<SocketAddr>;
}

/// One decision about one request: who decided, what, and why.
#[derive(Clone, Copy)]
pub(crate) struct Verdict<'a> {
    pub(crate) outcome: Outcome,
    pub(crate) stage: Stage,
    pub(crate) code: Option<&'static str>,
    pub(crate) principal: Option<&'a Principal>,
    pub(crate) requirement: Option<&'a str>,
    /// The client, when the middleware found it behind trusted proxies.
    pub(crate) client: Option<SocketAddr>,
    /// What the decision was about.
    pub(crate) credential: Credential,
    /// The gate's registered series, when the decision is one of its requests'.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: Option<&'a crate::metrics::Decisions>,
}

impl<'a> Verdict<'a> {
    /// A refusal by `stage` with `code`.
    pub(crate) fn denied(stage: Stage, code: &'static str) -> Self {
        Verdict {
            outcome: Outcome::Denied,
            stage,
            code: Some(code),
            principal: None,
            requirement: None,
            client: None,
            credential: Credential::None,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// A refusal of `err` by `stage`, about the credential the error names.
    pub(crate) fn refused(stage: Stage, err: &crate::auth::AuthError) -> Self {
        Verdict {
            credential: err.credential(),
            ..Verdict::denied(stage, err.code())
        }
    }

    /// A request let through by `stage`.
    pub(crate) fn allowed(stage: Stage, principal: Option<&'a Principal>) -> Self {
        Verdict {
            outcome: if principal.is_some() {
                Outcome::Allowed
            } else {
                Outcome::Anonymous
            },
            stage,
            code: None,
            principal,
            requirement: None,
            client: None,
            credential: principal.map_or(Credential::None, Principal::credential),
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// The same verdict about a request from `client` (when known better than the
    /// site knows it).
    pub(crate) fn from(self, client: Option<SocketAddr>) -> Self {
        Verdict {
            client: client.or(self.client),
            ..self
        }
    }

    /// The same verdict about `principal` (and its credential, when it has one).
    pub(crate) fn of(self, principal: Option<&'a Principal>) -> Self {
        Verdict {
            principal,
            credential: principal.map_or(self.credential, Principal::credential),
            ..self
        }
    }

    /// The same verdict, counted on the series `context`'s gate registered.
    pub(crate) fn counted(self, context: Option<&'a super::gate::Authenticated>) -> Self {
        match context {
            Some(context) => self.counted_by(&context.shared),
            None => self,
        }
    }

    /// The same verdict, counted on the series of the gate that shares `shared`.
    #[allow(unused_variables)]
    pub(crate) fn counted_by(self, shared: &'a super::gate::Shared) -> Self {
        #[cfg(feature = "metrics")]
        return Verdict {
            metrics: Some(&*shared.metrics),
            ..self
        };
        #[cfg(not(feature = "metrics"))]
        self
    }

    /// The same verdict, naming what the route required.
    pub(crate) fn requiring(self, requirement: Option<&'a str>) -> Self {
        Verdict { requirement, ..self }
    }

    /// Counts the verdict (with the `metrics` feature), without logging it.
    pub(crate) fn count(self) {
        #[cfg(feature = "metrics")]
        match self.metrics {
            Some(metrics) => metrics.record(self.outcome, self.stage, self.credential, self.code),
            None => crate::metrics::decision(self.outcome, self.stage, self.credential, self.code),
        }
    }

    /// Records the verdict about the request at `site`: counted (with the
    /// `metrics` feature), and logged if anything listens.
    pub(crate) fn record(self, site: &(impl Site + ?Sized)) {
        self.count();
        if !audit::enabled(self.outcome) {
            return;
        }
        audit::log(&Decision {
            outcome: self.outcome,
            stage: self.stage,
            credential: self.credential,
            code: self.code,
            subject: self.principal.map(Principal::subject),
            token_id: self.principal.and_then(Principal::token_id),
            client: self.client.or_else(|| site.client()),
            method: site.method(),
            route: &site.route(),
            requirement: self.requirement,
        });
    }
}
