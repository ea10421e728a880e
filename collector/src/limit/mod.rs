//! Per-client rate limiting of answers: a token bucket per (client, form), kept in memory and
//! bounded, without keeping any client address.
//!
//! A bucket is found by a keyed hash (SipHash-1-3) of the client's address and the form id. The
//! 128-bit key is drawn from the operating system at start and replaced every day; the old key
//! is dropped with every bucket, so a hash from yesterday cannot be linked to an address any
//! more, not even by whoever reads the process memory. The address itself lives only as long as
//! the request. IPv6 clients are grouped by their /64 network: one subscriber usually holds a
//! whole /64 and could otherwise mint a fresh bucket per request.
//!
//! The client address is the TCP peer. Behind a reverse proxy that is the proxy, so every
//! resident would share one bucket: set `trust_forwarded_for` and the right-most
//! `X-Forwarded-For` entry (the address the proxy saw) is used instead. Only do that when
//! every request passes through such a proxy — a client reaching the collector directly writes
//! its own header and chooses its own bucket.
//!
//! Memory is bounded: at most [`MAX_KEYS`] buckets. Full buckets carry no information (a
//! missing bucket is a full one) and are dropped once a minute and whenever the map is full;
//! if the map is still full, the buckets touched longest ago are dropped, which hands those
//! clients a fresh burst rather than refusing residents never seen before.
//!
//! Written here rather than with `governor`: its keyed store has no size cap (only
//! `retain_recent`), and the cap, the daily re-keying that forgets every bucket and the pruning
//! are what this module is about; the bucket itself ([`Bucket`]) is a few lines of arithmetic.
//!
//! Without a known client address (the app served without connect info, as in some tests) no
//! limit applies: [`crate::launch`] always provides it.

use std::{
    collections::{BTreeMap, HashMap},
    hash::Hasher,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use siphasher::sip::SipHasher13;

use crate::{Config, config::RateLimit, error::AppError, metrics::Metrics};

mod bucket;
mod client;

pub use bucket::{Bucket, retry_after_secs};
pub use client::{ClientIp, client_ip};

/// Proof-of-work challenges a client may ask per answer the form's rate allows.
pub const CHALLENGES_PER_ANSWER: u32 = 3;
/// Most buckets kept at once (a few MB).
pub const MAX_KEYS: usize = 100_000;
/// How long one hashing key is used before it is replaced (and every bucket forgotten).
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// How often full buckets are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// The rate limiter of an [`AppState`](crate::AppState): rates per form, buckets per (client, form).
#[derive(Debug)]
pub struct Limiter {
    rates: BTreeMap<String, RateLimit>,
    default_rate: RateLimit,
    trust_forwarded_for: bool,
    max_keys: usize,
    metrics: Arc<Metrics>,
    inner: Mutex<Buckets>,
}

#[derive(Debug)]
struct Buckets {
    key: HashKey,
    map: HashMap<u64, Entry>,
    pruned_at: Instant,
}

// The rate is kept beside the bucket: the key hides which form a bucket belongs to, and
// pruning needs the rate to know whether a bucket is full.
#[derive(Debug, Clone, Copy)]
struct Entry {
    bucket: Bucket,
    rate: RateLimit,
}

#[derive(Debug)]
struct HashKey {
    k0: u64,
    k1: u64,
    born: Instant,
}

impl HashKey {
    fn fresh(now: Instant) -> HashKey {
        let mut bytes = [0u8; 16];
        if let Err(e) = getrandom::fill(&mut bytes) {
            // Practically impossible on the systems we run on. The standard library's own
            // hash keys are random per process, which is still unguessable from outside.
            tracing::warn!(error = %e, "no OS randomness; rate-limit key derived from std");
            use std::hash::{BuildHasher, Hash};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            now.hash(&mut h);
            let a = h.finish();
            a.hash(&mut h);
            bytes[..8].copy_from_slice(&a.to_le_bytes());
            bytes[8..].copy_from_slice(&h.finish().to_le_bytes());
        }
        let (k0, k1) = bytes.split_at(8);
        HashKey {
            k0: u64::from_le_bytes(k0.try_into().unwrap_or_default()),
            k1: u64::from_le_bytes(k1.try_into().unwrap_or_default()),
            born: now,
        }
    }

    fn hash(&self, ip: IpAddr, form_id: &str) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.k0, self.k1);
        match canonical(ip) {
            IpAddr::V4(v4) => {
                h.write_u8(4);
                h.write(&v4.octets());
            }
            IpAddr::V6(v6) => {
                h.write_u8(6);
                h.write(&v6.octets()[..8]);
            }
        }
        h.write(form_id.as_bytes());
        h.write_u8(0xff);
        h.finish()
    }
}

// IPv4 clients seen through an IPv6 socket are the same clients.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Limiter {
    /// The limiter for `config`'s forms, counting refusals in `metrics`.
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> Limiter {
        Limiter::with_capacity(config, metrics, MAX_KEYS)
    }

    /// [`Limiter::new`] keeping at most `max_keys` buckets.
    pub fn with_capacity(config: &Config, metrics: Arc<Metrics>, max_keys: usize) -> Limiter {
        let now = Instant::now();
        Limiter {
            rates: config
                .settings
                .iter()
                .map(|(id, s)| (id.clone(), s.rate_limit))
                .collect(),
            default_rate: config.defaults.rate_limit,
            trust_forwarded_for: config.trust_forwarded_for,
            max_keys: max_keys.max(1),
            metrics,
            inner: Mutex::new(Buckets {
                key: HashKey::fresh(now),
                map: HashMap::new(),
                pruned_at: now,
            }),
        }
    }

    /// Whether the client address comes from `X-Forwarded-For` (see the module docs).
    pub fn trusts_forwarded_for(&self) -> bool {
        self.trust_forwarded_for
    }

    /// Counts one answer from `client` to form `form_id`, or refuses it with
    /// [`AppError::RateLimited`]. Call it after checking the form exists, before reading the
    /// body. `None` (no known address) is never limited.
    pub fn check(&self, form_id: &str, client: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = client else {
            return Ok(());
        };
        self.check_at(form_id, ip, Instant::now()).map_err(|wait| {
            self.metrics.rate_limited(form_id);
            // The form only: the address is what we promised not to log. Debug: the request
            // line (429) is logged anyway, and a flood must not flood the log twice.
            tracing::debug!(form = %form_id, "answer refused: rate limited");
            AppError::RateLimited {
                retry_after_secs: retry_after_secs(wait),
            }
        })
    }

    /// [`Limiter::check`] at `now`; the error is the time until a token is available.
    pub fn check_at(&self, form_id: &str, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        self.take(form_id, form_id, 1, ip, now)
    }

    /// Counts one proof-of-work challenge for `form_id` from `client`: its own buckets, at
    /// [`CHALLENGES_PER_ANSWER`] times the form's answer rate (a resident may need a new
    /// challenge after a refusal or an hour). Issuing one costs a key derivation (about half a
    /// millisecond at the default cost): a client asking for thousands is refused with 429.
    /// Not counted as an answer refused.
    pub fn check_challenge(&self, form_id: &str, client: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = client else {
            return Ok(());
        };
        let bucket = voix_form::cat(&[form_id, "\0challenge"]);
        self.take(form_id, &bucket, CHALLENGES_PER_ANSWER, ip, Instant::now())
            .map_err(|wait| AppError::RateLimited {
                retry_after_secs: retry_after_secs(wait),
            })
    }

    // A token from the bucket `bucket` of `ip`, at `times` the rate of `form_id`.
    fn take(
        &self,
        form_id: &str,
        bucket: &str,
        times: u32,
        ip: IpAddr,
        now: Instant,
    ) -> Result<(), Duration> {
        let rate = self
            .rates
            .get(form_id)
            .copied()
            .unwrap_or(self.default_rate);
        if rate.per_minute == 0 {
            return Ok(());
        }
        let rate = RateLimit {
            per_minute: rate.per_minute.saturating_mul(times),
            burst: rate.burst.saturating_mul(times),
        };
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(inner.key.born) >= KEY_LIFETIME {
            inner.key = HashKey::fresh(now);
            inner.map = HashMap::new();
        }
        if now.saturating_duration_since(inner.pruned_at) >= PRUNE_EVERY {
            inner.prune_full(now);
        }
        let key = inner.key.hash(ip, bucket);
        if !inner.map.contains_key(&key) && inner.map.len() >= self.max_keys {
            inner.make_room(self.max_keys, now);
        }
        let entry = inner.map.entry(key).or_insert(Entry {
            bucket: Bucket::full(rate, now),
            rate,
        });
        entry.rate = rate;
        entry.bucket.take(rate, now)
    }

    /// How many buckets are held.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Buckets {
    fn prune_full(&mut self, now: Instant) {
        self.map.retain(|_, e| !e.bucket.is_full(e.rate, now));
        self.pruned_at = now;
    }

    // Frees at least one slot below `max`: full buckets first, then the least recently
    // touched eighth, so that a flood of new clients does not rescan the map every request.
    fn make_room(&mut self, max: usize, now: Instant) {
        self.prune_full(now);
        if self.map.len() < max {
            return;
        }
        let drop = (self.map.len() / 8).max(self.map.len() + 1 - max);
        let mut ages: Vec<(Instant, u64)> =
            self.map.iter().map(|(k, e)| (e.bucket.at, *k)).collect();
        ages.select_nth_unstable(drop - 1);
        for (_, k) in &ages[..drop] {
            self.map.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn limiter(text: &str, max_keys: usize) -> Limiter {
        let text = format!("forms = [\"a.json\", \"b.json\"]\n{text}");
        let c = crate::config::tests::config(&text, &[]).unwrap();
        let metrics = Arc::new(Metrics::new(c.forms.iter().map(|f| f.id.clone()), |_| {}));
        Limiter::with_capacity(&c, metrics, max_keys)
    }

    fn v4(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(n))
    }

    #[test]
    fn buckets_are_per_client_and_form() {
        let l = limiter("rate_limit = { per_minute = 1, burst = 1 }", 100);
        let t = Instant::now();
        assert!(l.check_at("a", v4(1), t).is_ok());
        assert!(l.check_at("a", v4(1), t).is_err());
        assert!(l.check_at("a", v4(2), t).is_ok());
        assert!(l.check_at("b", v4(1), t).is_ok());
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn ipv6_clients_share_their_slash_64_and_mapped_v4_is_v4() {
        let l = limiter("rate_limit = { per_minute = 1, burst = 1 }", 100);
        let t = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_net: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.check_at("a", a, t).is_ok());
        assert!(l.check_at("a", same_net, t).is_err());
        assert!(l.check_at("a", other_net, t).is_ok());
        let four = v4(0x0a00_0001);
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped());
        assert!(l.check_at("a", four, t).is_ok());
        assert!(l.check_at("a", mapped, t).is_err());
        assert_ne!(canonical(IpAddr::V6(Ipv6Addr::LOCALHOST)), v4(0x7f00_0001));
    }

    #[test]
    fn unlimited_forms_keep_no_bucket() {
        let l = limiter("rate_limit = { per_minute = 0 }", 100);
        let t = Instant::now();
        for _ in 0..1000 {
            assert!(l.check_at("a", v4(1), t).is_ok());
        }
        assert!(l.is_empty());
    }

    #[test]
    fn the_map_never_grows_past_its_cap() {
        // A slow rate, so that no bucket refills during the test: every eviction is forced.
        let cap = 1000;
        let l = limiter("rate_limit = { per_minute = 1, burst = 2 }", cap);
        let t0 = Instant::now();
        for i in 0..20_000u32 {
            let now = t0 + Duration::from_millis(u64::from(i));
            assert!(l.check_at("a", v4(i), now).is_ok());
            assert!(l.len() <= cap, "{} buckets after {i}", l.len());
        }
        assert!(l.len() > cap / 2);
        // The most recent client is still remembered.
        let last = t0 + Duration::from_millis(20_000);
        assert!(l.check_at("a", v4(19_999), last).is_ok());
        assert!(l.check_at("a", v4(19_999), last).is_err());
    }

    #[test]
    fn full_buckets_are_dropped_first_and_periodically() {
        let l = limiter("rate_limit = { per_minute = 60, burst = 1 }", 2);
        let t0 = Instant::now();
        // Client 1 is refused until its bucket refills (1 s).
        l.check_at("a", v4(1), t0).unwrap();
        l.check_at("a", v4(2), t0 + secs(2)).unwrap();
        // At the cap: client 1's bucket is full again, so it goes, not client 2's.
        l.check_at("a", v4(3), t0 + secs(2)).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l.check_at("a", v4(2), t0 + secs(2)).is_err());
        // A minute later, the periodic prune empties every full bucket.
        l.check_at("b", v4(9), t0 + secs(120)).unwrap();
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn the_key_is_replaced_daily_and_buckets_forgotten() {
        let l = limiter("rate_limit = { per_minute = 1, burst = 1 }", 100);
        let t0 = Instant::now();
        let key_before = {
            let inner = l.inner.lock().unwrap();
            (inner.key.k0, inner.key.k1)
        };
        let evening = t0 + KEY_LIFETIME - secs(1);
        for i in 0..5 {
            l.check_at("a", v4(i), evening).unwrap();
        }
        assert!(l.check_at("a", v4(1), evening).is_err());
        assert_eq!(l.len(), 5);
        // A second later the key is a day old: replaced, and every bucket dropped with it.
        let next_day = t0 + KEY_LIFETIME;
        assert!(l.check_at("a", v4(1), next_day).is_ok());
        assert_eq!(l.len(), 1);
        let inner = l.inner.lock().unwrap();
        assert_ne!((inner.key.k0, inner.key.k1), key_before);
    }
}
