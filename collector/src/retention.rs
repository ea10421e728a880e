//! Deletes answers older than their form's `retain_days`, at start and then every hour.
//!
//! Keeping answers only as long as needed is a GDPR principle (storage limitation) that a
//! town hall states in its privacy notice; doing it here means nobody has to remember a cron
//! job. An hourly pass keeps answers at most an hour beyond their limit; a failed pass is logged
//! and retried at the next one.
//!
//! # Example
//! ```
//! let now = "2023-11-14T22:13:20Z".parse().unwrap();
//! let cutoff = voix_collector::retention::cutoff(now, 30);
//! assert_eq!(cutoff.to_string(), "2023-10-15T22:13:20Z");
//! ```

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::{AppState, time};

/// Time between two passes.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// The instant before which answers are deleted when they are kept `days` days (days of 24
/// hours: UTC has no daylight saving). Clamps to the epoch.
pub fn cutoff(now: Timestamp, days: u32) -> Timestamp {
    let keep = SignedDuration::from_hours(i64::from(days) * 24);
    now.checked_sub(keep)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .max(Timestamp::UNIX_EPOCH)
}

/// One pass at `now`: purges every form that has a `retain_days`, logs and counts what was
/// deleted, and returns the total. A form whose purge fails is logged and skipped.
pub async fn run_once(state: &AppState, now: Timestamp) -> u64 {
    let mut total = 0;
    for form in state.forms() {
        let Some(days) = state.settings(&form.id).retain_days else {
            continue;
        };
        let before = cutoff(now, days);
        match state.store().purge_before(&form.id, before).await {
            Ok(n) => {
                if n > 0 {
                    state.published().changed(&form.id);
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
        run_once(&state, time::now()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn cutoffs() {
        let now = at("2024-03-01T12:00:00Z");
        // One day back crosses the leap day.
        assert_eq!(cutoff(now, 1), at("2024-02-29T12:00:00Z"));
        assert_eq!(cutoff(now, 0), now);
        assert_eq!(cutoff(now, 366), at("2023-03-01T12:00:00Z"));
        // Further back than the epoch: nothing is older, nothing is deleted.
        assert_eq!(cutoff(at("1970-01-02T00:00:00Z"), 2), Timestamp::UNIX_EPOCH);
        assert_eq!(cutoff(now, u32::MAX), Timestamp::UNIX_EPOCH);
    }
}
