//! Metrics for every security decision, through the [`metrics`](https://docs.rs/metrics)
//! facade (feature `metrics`).
//!
//! portcullis records; it installs no recorder. The application picks the exporter
//! (Prometheus with `metrics-exporter-prometheus`, OpenTelemetry, …), installs it,
//! then calls [`enable`] **before** building the gates, verifiers, pools, stores and
//! keyrings: each registers the handles of its hot-path series when it is built, so
//! a request pays an atomic add, not a registry lookup. Until [`enable`], every
//! handle is a no-op and no clock is read for durations: the cost is nil.
//!
//! Labels come only from closed sets (the values listed below): never a subject, a
//! client address, a token id, an API key id or a raw path.
//!
//! | series | type | labels | what to alert on |
//! |---|---|---|---|
//! | `portcullis_auth_decisions_total` | counter | `outcome` (allowed, anonymous, denied), `stage` (authentication, authorization, handler, rate_limit), `credential` (bearer, api_key, certificate, password, none), `code` (a stable code, or `ok`) | a rise of `denied` by `code`: `expired` (clock skew, a client not refreshing), `invalid_signature` or `unknown_key` (an attack, or a key rotation gone wrong), `certificate_mismatch` (stolen bound tokens), `invalid_credentials` (password guessing) |
//! | `portcullis_auth_decision_duration_seconds` | histogram ([`DECISION_BUCKETS`]) | `stage` (authentication: authorization is a bit test that costs less than reading the clock twice, so it is not timed) | p99 over a few ms: keys being fetched, the cache too small |
//! | `portcullis_password_jobs` | gauge | `state` (running, waiting) | `waiting` near the queue's size: add capacity |
//! | `portcullis_password_rejected_total` | counter | — | any rate: logins answered 503 |
//! | `portcullis_jwks_fetches_total` | counter | `result` (ok, error) | `error` growing: the identity provider unreachable |
//! | `portcullis_jwks_keys` | gauge: the last key set fetched (any issuer's) | — | 0: every token will be refused |
//! | `portcullis_token_cache_requests_total` | counter | `result` (hit, miss) | the hit ratio falling: the cache too small for the traffic |
//! | `portcullis_throttle_blocks_total` | counter | `scope` (account_client, account, client, capacity, in_flight, rate_limit) | `account` or `client` rising: credential stuffing; `capacity`: the store's cap too low |
//! | `portcullis_store_operations_total` | counter | `backend` (redis), `op` (blocked, fail, clear, rate, revoke, revocations, api_key), `result` (ok, error) | `error` above zero |
//! | `portcullis_store_fallbacks_total` | counter | `backend`: the shared store's (redis; a store of your own says `custom`) | any: the shared store is down and replicas count alone |
//! | `portcullis_keyring_operations_total` | counter | `op` (seal, open, rotate, rewrap), counted when called | a change in the `open` rate |
//! | `portcullis_keyring_primary_age_seconds` | gauge, set at each keyring operation | — | older than the rotation policy |
//!
//! ```
//! // In the application, once, at start-up, before building anything else:
//! // let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
//! //     .set_buckets_for_metric(Matcher::Full(AUTH_DECISION_DURATION.into()), DECISION_BUCKETS)?
//! //     .install_recorder()?;
//! portcullis::metrics::enable();
//! assert!(portcullis::metrics::enabled());
//! assert_eq!(portcullis::metrics::AUTH_DECISIONS, "portcullis_auth_decisions_total");
//! ```

// Without an adapter there is no gate: its decision series go unused.
#![cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]

use quanta::Instant;

use std::sync::atomic::{AtomicBool, Ordering};

use ::metrics::{Counter, Gauge, Histogram, Unit};

use crate::audit::{Credential, Outcome, Stage};

/// Authentication and authorization decisions.
pub const AUTH_DECISIONS: &str = "portcullis_auth_decisions_total";
/// How long each decision took.
pub const AUTH_DECISION_DURATION: &str = "portcullis_auth_decision_duration_seconds";
/// Password jobs running and waiting on a pool.
pub const PASSWORD_JOBS: &str = "portcullis_password_jobs";
/// Password jobs refused because the pool was full.
pub const PASSWORD_REJECTED: &str = "portcullis_password_rejected_total";
/// Key-set fetches from an identity provider.
pub const JWKS_FETCHES: &str = "portcullis_jwks_fetches_total";
/// Keys in the last key set fetched.
pub const JWKS_KEYS: &str = "portcullis_jwks_keys";
/// Lookups in the verified-token cache.
pub const TOKEN_CACHE_REQUESTS: &str = "portcullis_token_cache_requests_total";
/// Login attempts and requests refused by a throttle or a rate limit.
pub const THROTTLE_BLOCKS: &str = "portcullis_throttle_blocks_total";
/// Operations on a shared state store.
pub const STORE_OPERATIONS: &str = "portcullis_store_operations_total";
/// Switches to the local fallback while a shared store is down.
pub const STORE_FALLBACKS: &str = "portcullis_store_fallbacks_total";
/// Keyring operations.
pub const KEYRING_OPERATIONS: &str = "portcullis_keyring_operations_total";
/// The age of a keyring's primary key.
pub const KEYRING_PRIMARY_AGE: &str = "portcullis_keyring_primary_age_seconds";

/// The buckets (seconds) for [`AUTH_DECISION_DURATION`]: 10 µs to 1 s. A cached
/// token takes about a microsecond, a signature check tens of microseconds, a
/// token whose keys must be fetched milliseconds. Configure them in the exporter
/// (Prometheus: `set_buckets_for_metric`), so the histogram is a histogram.
pub const DECISION_BUCKETS: &[f64] = &[
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1.0,
];

/// Whether [`enable`] was called.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns portcullis's metrics on, and describes every series (help text and unit)
/// to the installed recorder. Call it once, after installing the recorder and
/// before building gates, verifiers, pools, stores and keyrings: each registers its
/// series when built. Until then portcullis records nothing and reads no clock for
/// them, whatever recorder is installed.
pub fn enable() {
    ENABLED.store(true, Ordering::Release);
    describe();
}

/// Whether metrics are on ([`enable`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        AUTH_DECISIONS,
        "Authentication and authorization decisions, by outcome, stage, credential kind and stable code."
    );
    describe_histogram!(
        AUTH_DECISION_DURATION,
        Unit::Seconds,
        "How long each decision took, by stage."
    );
    describe_gauge!(PASSWORD_JOBS, "Password jobs on the pool, running and waiting.");
    describe_counter!(PASSWORD_REJECTED, "Password jobs refused: the pool was full.");
    describe_counter!(JWKS_FETCHES, "Key-set fetches from identity providers, by result.");
    describe_gauge!(JWKS_KEYS, "Keys in the last key set fetched.");
    describe_counter!(TOKEN_CACHE_REQUESTS, "Verified-token cache lookups, by result.");
    describe_counter!(
        THROTTLE_BLOCKS,
        "Logins and requests refused by a throttle or rate limit, by scope."
    );
    describe_counter!(
        STORE_OPERATIONS,
        "Shared state store operations, by backend, operation and result."
    );
    describe_counter!(
        STORE_FALLBACKS,
        "Switches to the local fallback while a shared store was down."
    );
    describe_counter!(KEYRING_OPERATIONS, "Keyring operations, by kind.");
    describe_gauge!(
        KEYRING_PRIMARY_AGE,
        Unit::Seconds,
        "The age of the keyring's primary key."
    );
}

/// The credentials a caller can be let in with.
const CREDENTIALS: [Credential; 4] = [
    Credential::Bearer,
    Credential::ApiKey,
    Credential::Certificate,
    Credential::Password,
];

/// The stages that let requests through (the others only refuse).
const STAGES: [Stage; 2] = [Stage::Authentication, Stage::Authorization];

/// Where an `allowed` decision's handle is, if it has one.
fn allowed_index(stage: Stage, credential: Credential) -> Option<(usize, usize)> {
    let stage = STAGES.iter().position(|s| *s == stage)?;
    let credential = CREDENTIALS.iter().position(|c| *c == credential)?;
    Some((stage, credential))
}

/// The decision series' handles, registered when a gate is built: what a request
/// let through pays is an atomic add and a histogram sample.
pub(crate) struct Decisions {
    /// `allowed`, by stage and credential, code `ok`.
    allowed: [[Counter; 4]; 2],
    /// `anonymous` at authentication (credential `none`).
    anonymous: Counter,
    /// Authentication's durations.
    duration: Histogram,
    /// Whether metrics were on when the handles were registered.
    timed: bool,
}

impl Decisions {
    /// Registers the handles with the recorder installed now (no-ops before
    /// [`enable`]).
    pub(crate) fn register() -> Self {
        if !enabled() {
            return Decisions {
                allowed: [const { [const { Counter::noop() }; 4] }; 2],
                anonymous: Counter::noop(),
                duration: Histogram::noop(),
                timed: false,
            };
        }
        Decisions {
            timed: true,
            allowed: STAGES.map(|stage| {
                CREDENTIALS.map(|credential| {
                    ::metrics::counter!(
                        AUTH_DECISIONS,
                        "outcome" => Outcome::Allowed.as_str(),
                        "stage" => stage.as_str(),
                        "credential" => credential.as_str(),
                        "code" => "ok",
                    )
                })
            }),
            anonymous: ::metrics::counter!(
                AUTH_DECISIONS,
                "outcome" => Outcome::Anonymous.as_str(),
                "stage" => Stage::Authentication.as_str(),
                "credential" => Credential::None.as_str(),
                "code" => "ok",
            ),
            duration: ::metrics::histogram!(AUTH_DECISION_DURATION, "stage" => Stage::Authentication.as_str()),
        }
    }

    /// Counts one decision.
    pub(crate) fn record(&self, outcome: Outcome, stage: Stage, credential: Credential, code: Option<&'static str>) {
        match (outcome, allowed_index(stage, credential)) {
            (Outcome::Allowed, Some((stage, credential))) => self.allowed[stage][credential].increment(1),
            (Outcome::Anonymous, _) if stage == Stage::Authentication => self.anonymous.increment(1),
            // Refusals (and anything unusual) through the registry.
            _ => decision(outcome, stage, credential, code),
        }
    }

    /// Whether durations are recorded (metrics were on when registered).
    pub(crate) fn timed(&self) -> bool {
        self.timed
    }

    /// Records how long an authentication took, since `started`.
    pub(crate) fn duration(&self, started: Instant) {
        self.duration.record(started.elapsed().as_secs_f64());
    }
}

impl std::fmt::Debug for Decisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decisions")
    }
}

/// Counts one decision through the recorder's registry (for decisions made outside
/// a gate: the application's own, through [`audit::record`](crate::audit::record)).
pub(crate) fn decision(outcome: Outcome, stage: Stage, credential: Credential, code: Option<&'static str>) {
    if !enabled() {
        return;
    }
    ::metrics::counter!(
        AUTH_DECISIONS,
        "outcome" => outcome.as_str(),
        "stage" => stage.as_str(),
        "credential" => credential.as_str(),
        "code" => code.unwrap_or("ok"),
    )
    .increment(1);
}

/// Counts one operation on a shared store.
pub(crate) fn store_operation(backend: &'static str, op: &'static str, result: &'static str) {
    if !enabled() {
        return;
    }
    ::metrics::counter!(STORE_OPERATIONS, "backend" => backend, "op" => op, "result" => result).increment(1);
}

/// A counter whose one label takes its value from a closed set.
pub(crate) fn count(name: &'static str, label: &'static str, value: &'static str) {
    if !enabled() {
        return;
    }
    ::metrics::counter!(name, label => value).increment(1);
}

/// Handles for a counter with one label over a closed set of values, registered
/// when their owner is built.
pub(crate) struct Labeled<const N: usize> {
    values: [&'static str; N],
    counters: [Counter; N],
}

impl<const N: usize> Labeled<N> {
    pub(crate) fn register(name: &'static str, label: &'static str, values: [&'static str; N]) -> Self {
        let on = enabled();
        Labeled {
            values,
            counters: values.map(|value| match on {
                true => ::metrics::counter!(name, label => value),
                false => Counter::noop(),
            }),
        }
    }

    /// Counts one under `value` (one of the values it was registered with).
    pub(crate) fn increment(&self, value: &'static str) {
        match self.values.iter().position(|v| *v == value) {
            Some(index) => self.counters[index].increment(1),
            None => count_unregistered(),
        }
    }
}

impl<const N: usize> std::fmt::Debug for Labeled<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Labeled").field("values", &self.values).finish()
    }
}

/// A value outside a series' closed set is a bug here, never a label.
#[cold]
fn count_unregistered() {
    debug_assert!(false, "a metric label value outside its closed set");
}

/// A password pool's series, registered when the pool is built. Gauges move by
/// increments, so several pools add up.
pub(crate) struct PoolMetrics {
    running: Gauge,
    waiting: Gauge,
    rejected: Counter,
}

impl PoolMetrics {
    pub(crate) fn register() -> Self {
        if !enabled() {
            return PoolMetrics {
                running: Gauge::noop(),
                waiting: Gauge::noop(),
                rejected: Counter::noop(),
            };
        }
        PoolMetrics {
            running: ::metrics::gauge!(PASSWORD_JOBS, "state" => "running"),
            waiting: ::metrics::gauge!(PASSWORD_JOBS, "state" => "waiting"),
            rejected: ::metrics::counter!(PASSWORD_REJECTED),
        }
    }

    pub(crate) fn rejected(&self) {
        self.rejected.increment(1);
    }

    /// One more (`up`) or one fewer job running.
    pub(crate) fn running(&self, up: bool) {
        match up {
            true => self.running.increment(1.0),
            false => self.running.decrement(1.0),
        }
    }

    /// One more (`up`) or one fewer job waiting for a worker.
    pub(crate) fn waiting(&self, up: bool) {
        match up {
            true => self.waiting.increment(1.0),
            false => self.waiting.decrement(1.0),
        }
    }
}
