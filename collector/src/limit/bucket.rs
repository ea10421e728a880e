//! One token bucket: pure arithmetic on the instants it is given.

use std::time::{Duration, Instant};

use super::KEY_LIFETIME;
use crate::config::RateLimit;

/// One token, in bucket units: the level grows by `per_minute` units per millisecond, so a
/// token takes `60 000 / per_minute` ms to come back — integer arithmetic, exact in tests.
const TOKEN: u64 = 60_000;

/// A token bucket: up to `burst` tokens, refilled at `per_minute`. Pure: the time is always
/// given, so tests use explicit instants.
///
/// # Example
/// ```
/// use std::time::{Duration, Instant};
/// use voix_collector::{config::RateLimit, limit::Bucket};
/// let rate = RateLimit { per_minute: 6, burst: 1 };
/// let t0 = Instant::now();
/// let mut b = Bucket::full(rate, t0);
/// assert!(b.take(rate, t0).is_ok());
/// assert_eq!(b.take(rate, t0), Err(Duration::from_secs(10)));
/// assert!(b.take(rate, t0 + Duration::from_secs(10)).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    // Tokens × TOKEN, at instant `at`.
    level: u64,
    pub(super) at: Instant,
}

impl Bucket {
    /// A bucket holding `rate.burst` tokens at `now`.
    pub fn full(rate: RateLimit, now: Instant) -> Bucket {
        Bucket {
            level: capacity(rate),
            at: now,
        }
    }

    /// Takes one token at `now`, or says how long until one is available.
    pub fn take(&mut self, rate: RateLimit, now: Instant) -> Result<(), Duration> {
        self.refill(rate, now);
        if self.level >= TOKEN {
            self.level -= TOKEN;
            return Ok(());
        }
        if rate.per_minute == 0 {
            // Unlimited rates never reach a bucket; a zero burst never refills.
            return Err(KEY_LIFETIME);
        }
        let missing = TOKEN - self.level;
        let ms = missing.div_ceil(u64::from(rate.per_minute));
        Err(Duration::from_millis(ms))
    }

    /// Whether the bucket is back to `rate.burst` tokens at `now` (and so can be forgotten).
    pub fn is_full(&self, rate: RateLimit, now: Instant) -> bool {
        let mut b = *self;
        b.refill(rate, now);
        b.level >= capacity(rate)
    }

    fn refill(&mut self, rate: RateLimit, now: Instant) {
        let cap = capacity(rate);
        let elapsed = now.saturating_duration_since(self.at);
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let gained = ms.saturating_mul(u64::from(rate.per_minute));
        if gained >= cap.saturating_sub(self.level) {
            self.level = cap;
            self.at = self.at.max(now);
        } else {
            // Only whole milliseconds are spent, so no fraction of a token is lost.
            self.level += gained;
            self.at += Duration::from_millis(ms);
        }
    }
}

fn capacity(rate: RateLimit) -> u64 {
    u64::from(rate.burst) * TOKEN
}

/// `wait` as a `Retry-After` value: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_millis()
        .div_ceil(1000)
        .clamp(1, u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: RateLimit = RateLimit {
        per_minute: 10,
        burst: 3,
    };

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn burst_then_one_token_per_interval() {
        let t0 = Instant::now();
        let mut b = Bucket::full(RATE, t0);
        for _ in 0..3 {
            assert_eq!(b.take(RATE, t0), Ok(()));
        }
        // 10 a minute: one token every 6 s.
        assert_eq!(b.take(RATE, t0), Err(secs(6)));
        assert_eq!(
            b.take(RATE, t0 + Duration::from_millis(5_999)),
            Err(Duration::from_millis(1))
        );
        assert_eq!(b.take(RATE, t0 + secs(6)), Ok(()));
        assert_eq!(b.take(RATE, t0 + secs(6)), Err(secs(6)));
        // Partial progress is kept: 4 s now, 2 s later.
        assert_eq!(b.take(RATE, t0 + secs(10)), Err(secs(2)));
        assert_eq!(b.take(RATE, t0 + secs(12)), Ok(()));
    }

    #[test]
    fn refill_stops_at_the_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::full(RATE, t0);
        assert!(b.take(RATE, t0).is_ok());
        assert!(!b.is_full(RATE, t0 + secs(5)));
        assert!(b.is_full(RATE, t0 + secs(6)));
        // An hour idle is still only three tokens.
        let later = t0 + secs(3600);
        for _ in 0..3 {
            assert!(b.take(RATE, later).is_ok());
        }
        assert!(b.take(RATE, later).is_err());
    }

    #[test]
    fn time_going_backwards_gives_nothing() {
        let t0 = Instant::now() + secs(100);
        let mut b = Bucket::full(RATE, t0);
        for _ in 0..3 {
            b.take(RATE, t0).unwrap();
        }
        assert!(b.take(RATE, t0 - secs(50)).is_err());
        assert_eq!(b.take(RATE, t0 + secs(6)), Ok(()));
    }

    #[test]
    fn slow_rates_and_retry_after() {
        let slow = RateLimit {
            per_minute: 1,
            burst: 1,
        };
        let t0 = Instant::now();
        let mut b = Bucket::full(slow, t0);
        b.take(slow, t0).unwrap();
        assert_eq!(b.take(slow, t0), Err(secs(60)));
        assert_eq!(retry_after_secs(secs(60)), 60);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(6_001)), 7);
    }
}
