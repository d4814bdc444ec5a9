//! Time as the token module reads it: the clock (the system's, or one of the
//! application's for tests and simulations) and the leeway on time claims.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default leeway for time claims: 30 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Largest leeway a verifier accepts: 5 minutes.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// The current time, in whole seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Seconds since the Unix epoch, from the system clock (0 before the epoch).
pub(crate) fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
