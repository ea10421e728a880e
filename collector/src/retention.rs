//! Deletes answers older than their form's `retain_days`, at start and then every hour.
//!
//! Keeping answers only as long as needed is a GDPR principle (storage limitation) that a
//! town hall states in its privacy notice; doing it here means nobody has to remember a cron
//! job. The cutoff is computed in the store's own timestamp format, so the comparison is the
//! text comparison the store documents. An hourly pass keeps answers at most an hour beyond
//! their limit; a failed pass is logged and retried at the next one.
//!
//! # Example
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 2023-11-14T22:13:20Z
//! assert_eq!(voix_collector::retention::cutoff(now, 30), "2023-10-15T22:13:20Z");
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{AppState, time};

/// Time between two passes.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// The instant before which answers are deleted when they are kept `days` days, as RFC 3339
/// UTC (the format of `received_at`). Clamps to the epoch.
pub fn cutoff(now: SystemTime, days: u32) -> String {
    let keep = Duration::from_secs(u64::from(days) * 86_400);
    time::rfc3339(now.checked_sub(keep).unwrap_or(UNIX_EPOCH))
}

/// One pass at `now`: purges every form that has a `retain_days`, logs and counts what was
/// deleted, and returns the total. A form whose purge fails is logged and skipped.
pub async fn run_once(state: &AppState, now: SystemTime) -> u64 {
    let mut total = 0;
    for form in state.forms() {
        let Some(days) = state.settings(&form.id).retain_days else {
            continue;
        };
        let before = cutoff(now, days);
        match state.store().purge_before(&form.id, &before).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(form = %form.id, deleted = n, cutoff = %before, "retention: old answers deleted");
                }
                state.metrics().retention_deleted(&form.id, n);
                total += n;
            }
            Err(e) => {
                tracing::error!(form = %form.id, error = %e, "retention: purge failed");
            }
        }
    }
    total
}

/// Whether any form has a retention limit (otherwise [`run`] has nothing to do).
pub fn is_needed(state: &AppState) -> bool {
    state
        .forms()
        .any(|f| state.settings(&f.id).retain_days.is_some())
}

/// Runs [`run_once`] now and then every [`EVERY`], forever; returns at once when no form has
/// a retention limit. Spawn it beside the server.
pub async fn run(state: AppState) {
    if !is_needed(&state) {
        return;
    }
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        run_once(&state, SystemTime::now()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn cutoffs() {
        // 2024-03-01T12:00:00Z minus one day crosses the leap day.
        assert_eq!(cutoff(at(1_709_294_400), 1), "2024-02-29T12:00:00Z");
        assert_eq!(cutoff(at(1_709_294_400), 0), "2024-03-01T12:00:00Z");
        assert_eq!(cutoff(at(1_709_294_400), 366), "2023-03-01T12:00:00Z");
        // Further back than the epoch: nothing is older, nothing is deleted.
        assert_eq!(cutoff(at(86_400), 2), "1970-01-01T00:00:00Z");
        assert_eq!(cutoff(at(1_709_294_400), u32::MAX), "1970-01-01T00:00:00Z");
    }
}
