//! Where the token module reads the time: the system clock, or one of the
//! application's (tests, simulations).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, in whole seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Seconds since the Unix epoch, from the system clock (0 before the epoch).
pub(crate) fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
