//! The outbox: answers the resident has sent and the endpoint has not yet confirmed.
//!
//! Pure: no storage, no clock, no network. The web layer (`web::courier`) keeps an [`Outbox`]
//! in `localStorage` (or in memory when the browser refuses storage), passes the time in
//! milliseconds and a random jitter in, and carries out what this module decides:
//! - an answer is written here *before* its first POST, under its 128-bit idempotency id;
//! - it leaves only on a 2xx or a terminal refusal ([`verdict`]);
//! - otherwise it is retried: exponential backoff with jitter ([`backoff`]), or exactly when the
//!   endpoint said (`Retry-After`, [`retry_after`]);
//! - entries older than [`MAX_AGE_MS`] are dropped, and the outbox holds at most
//!   [`MAX_ENTRIES`] answers and [`MAX_BYTES`] of bodies, so it never fills the site's storage.
//!
//! Sending the same entry twice is harmless by design: the endpoint stores an id once.

use crate::prelude::*;

use voix_form::{
    i18n::push_decimal,
    json::{self, Value},
};

/// The `localStorage` key (per host-page origin, shared by every widget of that origin).
pub const STORAGE_KEY: &str = "voix-outbox";
/// How long an unsent answer is kept: 7 days.
pub const MAX_AGE_MS: u64 = 7 * 24 * 3600 * 1000;
/// At most this many waiting answers.
pub const MAX_ENTRIES: usize = 100;
/// At most this many bytes of waiting bodies (a form's answer is usually well under 2 KB).
pub const MAX_BYTES: usize = 200 * 1024;
/// The first retry comes after 0.5 to 1 s; each failure doubles it…
pub const FIRST_DELAY_MS: u64 = 1_000;
/// …up to 30 to 60 s, so an answer arrives within a minute of the endpoint coming back.
pub const MAX_DELAY_MS: u64 = 60_000;
/// A `Retry-After` longer than an hour is taken as an hour.
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// One waiting answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Idempotency id (also inside `body`).
    pub id: String,
    /// Where it is POSTed.
    pub url: String,
    /// The JSON body, exactly as first sent.
    pub body: String,
    /// When the resident sent it (ms since the epoch).
    pub created: u64,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not before this time (ms since the epoch).
    pub next: u64,
    /// `next` was set by the endpoint's `Retry-After`: wait even when the page is closing.
    pub told: bool,
}

/// What an HTTP outcome means for an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Stored by the endpoint: drop the entry.
    Delivered,
    /// Refused for good (the same request would be refused again): drop it, tell the resident.
    Terminal,
    /// Try again later; keep it.
    Retry,
}

/// The verdict for an HTTP status, `None` meaning no HTTP answer (offline, DNS, CORS, aborted).
///
/// Retried: no answer, 408, 429, 5xx, and the odd 1xx/3xx a proxy might produce. Every other
/// 4xx is terminal — 400, 404, 409, 413 and 422 by name, and 401/403/405/415… because sending
/// the same bytes again cannot change a client error.
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(408 | 429) => Verdict::Retry,
        Some(400..=499) => Verdict::Terminal,
        _ => Verdict::Retry,
    }
}

/// The wait before retry number `attempts` (1 for the first retry): `FIRST_DELAY_MS` doubled
/// per earlier failure, capped at `MAX_DELAY_MS`, of which a random half (`jitter` in 0..1) is
/// kept so many browsers coming back together do not all retry in the same instant.
pub fn backoff(attempts: u32, jitter: f64) -> u64 {
    let full = FIRST_DELAY_MS
        .saturating_mul(1 << attempts.saturating_sub(1).min(16))
        .min(MAX_DELAY_MS);
    full / 2 + (full as f64 / 2.0 * jitter.clamp(0.0, 1.0)) as u64
}

/// A `Retry-After` header in milliseconds: whole seconds only (what the collector sends); an
/// HTTP date or anything else gives `None` and the normal backoff applies.
pub fn retry_after(header: &str) -> Option<u64> {
    let s = json::whole_number(header.trim())?;
    Some((u64::from(s) * 1000).min(MAX_RETRY_AFTER_MS))
}

/// Why an answer could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// The waiting answers, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Entries in the order they were sent (and are retried).
    pub entries: Vec<Entry>,
}

impl Outbox {
    /// Reads what [`Outbox::to_json`] wrote. Anything unreadable is skipped, never fatal: a
    /// damaged or foreign value under our key must not stop the widget.
    pub fn parse(text: &str) -> Outbox {
        let mut entries = Vec::new();
        if let Ok(Value::Array(items)) = json::parse(text) {
            for v in &items {
                let s = |k| v.get(k).and_then(Value::as_str).map(str::to_owned);
                let n = |k| match v.get(k) {
                    Some(Value::Number(n)) => number(n),
                    _ => 0,
                };
                if let (Some(id), Some(url), Some(body)) = (s("id"), s("url"), s("body")) {
                    entries.push(Entry {
                        id,
                        url,
                        body,
                        created: n("created"),
                        attempts: n("attempts") as u32,
                        next: n("next"),
                        told: matches!(v.get("told"), Some(Value::Bool(true))),
                    });
                }
            }
        }
        Outbox { entries }
    }

    /// The outbox as JSON, for storage: an array of objects, readable in the browser's tools.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for e in &self.entries {
            if out.len() > 1 {
                out.push(',');
            }
            for (k, v) in [
                ("{\"id\":", &e.id),
                (",\"url\":", &e.url),
                (",\"body\":", &e.body),
            ] {
                out.push_str(k);
                json::write_str(&mut out, v);
            }
            for (k, v) in [
                (",\"created\":", e.created),
                (",\"attempts\":", e.attempts.into()),
                (",\"next\":", e.next),
            ] {
                out.push_str(k);
                push_decimal(&mut out, v);
            }
            out.push_str(if e.told { ",\"told\":true}" } else { "}" });
        }
        out.push(']');
        out
    }

    /// Adds an answer sent at `now`, due at once. An id already waiting is not added twice (the
    /// resident pressed "send" again on the same answers). Refused when the outbox is full.
    pub fn add(&mut self, id: &str, url: &str, body: &str, now: u64) -> Result<(), Full> {
        if self.get(id).is_some() {
            return Ok(());
        }
        let bytes: usize = self.entries.iter().map(|e| e.body.len()).sum();
        if self.entries.len() >= MAX_ENTRIES || bytes + body.len() > MAX_BYTES {
            return Err(Full);
        }
        self.entries.push(Entry {
            id: id.to_owned(),
            url: url.to_owned(),
            body: body.to_owned(),
            created: now,
            attempts: 0,
            next: now,
            told: false,
        });
        Ok(())
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Drops the entry with this id; whether there was one.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        self.entries.len() != before
    }

    /// Records a failed attempt at `now` and sets the next one: after `told` ms when the
    /// endpoint said so, else after the backoff. `false` if the entry is not here (delivered by
    /// another tab, expired, or never kept because the outbox was full).
    pub fn retry(&mut self, id: &str, now: u64, told: Option<u64>, jitter: f64) -> bool {
        let Some(e) = self.entries.iter_mut().find(|e| e.id == id) else {
            return false;
        };
        e.attempts = e.attempts.saturating_add(1);
        e.told = told.is_some();
        e.next = now + told.unwrap_or_else(|| backoff(e.attempts, jitter));
        true
    }

    /// Drops entries older than [`MAX_AGE_MS`]; how many.
    pub fn expire(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        self.entries
            .retain(|e| now.saturating_sub(e.created) < MAX_AGE_MS);
        before - self.entries.len()
    }

    /// The entries to send now, oldest first: those whose time has come, and with `eager` (page
    /// load, back online, page hidden) every one the endpoint did not ask to hold.
    pub fn due(&self, now: u64, eager: bool) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(move |e| e.next <= now || (eager && !e.told))
    }

    /// When the earliest entry not in `busy` falls due.
    pub fn wake(&self, busy: &[String]) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| !busy.contains(&e.id))
            .map(|e| e.next)
            .min()
    }
}

/// Plain digits as a `u64` (saturating); anything else is 0.
fn number(n: &str) -> u64 {
    let mut v: u64 = 0;
    for b in n.bytes() {
        if !b.is_ascii_digit() {
            return 0;
        }
        v = v.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://avis.example.fr/v1/forms/f/responses";
    const NOW: u64 = 1_764_000_000_000;

    fn body(id: &str) -> String {
        format!(r#"{{"v":1,"id":"{id}","answers":{{"note":"good"}}}}"#)
    }

    fn due(o: &Outbox, now: u64, eager: bool) -> Vec<&str> {
        o.due(now, eager).map(|e| e.id.as_str()).collect()
    }

    fn with(ids: &[&str]) -> Outbox {
        let mut o = Outbox::default();
        for (i, id) in ids.iter().enumerate() {
            o.add(id, URL, &body(id), NOW + i as u64).unwrap();
        }
        o
    }

    #[test]
    fn terminal_and_retryable_statuses() {
        for s in [200, 201, 204, 299] {
            assert_eq!(verdict(Some(s)), Verdict::Delivered, "{s}");
        }
        for s in [400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 451] {
            assert_eq!(verdict(Some(s)), Verdict::Terminal, "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504, 599, 301, 302, 100] {
            assert_eq!(verdict(Some(s)), Verdict::Retry, "{s}");
        }
        assert_eq!(verdict(None), Verdict::Retry);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1, 0.0), 500);
        assert_eq!(backoff(1, 0.999_999), 999);
        assert_eq!(backoff(2, 0.0), 1_000);
        assert_eq!(backoff(3, 0.5), 3_000);
        assert_eq!(backoff(6, 1.0), 32_000);
        assert_eq!(backoff(7, 1.0), MAX_DELAY_MS);
        assert_eq!(backoff(7, 0.0), MAX_DELAY_MS / 2);
        assert_eq!(backoff(u32::MAX, 1.0), MAX_DELAY_MS);
        // Out-of-range jitter is clamped, never a negative or runaway wait.
        assert_eq!(backoff(1, -3.0), 500);
        assert_eq!(backoff(1, 7.0), 1_000);
        for a in 1..40 {
            assert!(backoff(a, 0.3) <= backoff(a + 1, 0.3));
        }
    }

    #[test]
    fn retry_after_seconds_only_and_capped() {
        assert_eq!(retry_after("2"), Some(2_000));
        assert_eq!(retry_after(" 120 "), Some(120_000));
        assert_eq!(retry_after("0"), Some(0));
        assert_eq!(retry_after("999999"), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after("-1"), None);
        assert_eq!(retry_after("1.5"), None);
        assert_eq!(retry_after(""), None);
    }

    #[test]
    fn schedule_after_failures() {
        let mut o = with(&["a"]);
        assert_eq!(due(&o, NOW, false), ["a"], "due at once");
        assert!(o.retry("a", NOW, None, 0.0));
        assert_eq!(o.get("a").unwrap().attempts, 1);
        assert!(due(&o, NOW + 499, false).is_empty());
        assert_eq!(due(&o, NOW + 500, false), ["a"]);
        assert!(o.retry("a", NOW + 500, None, 0.0));
        assert_eq!(o.get("a").unwrap().next, NOW + 1_500);
        assert_eq!(o.wake(&[]), Some(NOW + 1_500));
        assert_eq!(o.wake(&["a".into()]), None, "in flight: no timer for it");
        assert!(!o.retry("gone", NOW, None, 0.0));
    }

    #[test]
    fn retry_after_is_honoured_even_when_eager() {
        let mut o = with(&["a", "b"]);
        o.retry("a", NOW, Some(2_000), 0.0);
        o.retry("b", NOW, None, 0.0);
        let a = o.get("a").unwrap();
        assert!(a.told);
        assert_eq!(a.next, NOW + 2_000);
        // Page load, back online or page closing: send what we may, not what we were told to hold.
        assert_eq!(due(&o, NOW + 1, true), ["b"]);
        assert!(due(&o, NOW + 1, false).is_empty());
        assert_eq!(due(&o, NOW + 2_000, false), ["a", "b"]);
        // A later failure without Retry-After goes back to the backoff.
        o.retry("a", NOW + 2_000, None, 0.0);
        assert!(!o.get("a").unwrap().told);
    }

    #[test]
    fn delivered_or_terminal_entries_leave() {
        let mut o = with(&["a", "b", "c"]);
        assert!(o.remove("b"));
        assert!(!o.remove("b"));
        assert_eq!(due(&o, NOW + 10, false), ["a", "c"]);
    }

    #[test]
    fn oldest_first_and_duplicates_suppressed() {
        let mut o = with(&["c", "a", "b"]);
        assert_eq!(
            due(&o, NOW + 10, false),
            ["c", "a", "b"],
            "in the order sent"
        );
        // The same answers sent again (same id) do not make a second entry or reset the schedule.
        o.retry("a", NOW + 10, None, 0.0);
        let before = o.get("a").unwrap().clone();
        o.add("a", URL, &body("a"), NOW + 20).unwrap();
        assert_eq!(o.entries.len(), 3);
        assert_eq!(o.get("a"), Some(&before));
    }

    #[test]
    fn entries_expire_after_seven_days() {
        let mut o = with(&["old"]);
        o.add("new", URL, &body("new"), NOW + MAX_AGE_MS - 1)
            .unwrap();
        assert_eq!(o.expire(NOW + MAX_AGE_MS - 1), 0);
        assert_eq!(o.expire(NOW + MAX_AGE_MS), 1);
        assert_eq!(due(&o, u64::MAX, false), ["new"]);
        // A clock set back in time does not expire anything.
        assert_eq!(o.expire(0), 0);
    }

    #[test]
    fn bounded_in_count_and_bytes() {
        let mut o = Outbox::default();
        for i in 0..MAX_ENTRIES {
            o.add(&format!("id{i}"), URL, "{}", NOW).unwrap();
        }
        assert_eq!(o.add("one-more", URL, "{}", NOW), Err(Full));
        assert!(o.get("one-more").is_none());
        // Room again once one is delivered.
        o.remove("id0");
        assert_eq!(o.add("one-more", URL, "{}", NOW), Ok(()));

        let mut o = Outbox::default();
        let big = "x".repeat(MAX_BYTES / 2);
        o.add("a", URL, &big, NOW).unwrap();
        o.add("b", URL, &big, NOW).unwrap();
        assert_eq!(o.add("c", URL, "{}", NOW), Err(Full));
    }

    #[test]
    fn survives_storage_round_trip() {
        let mut o = with(&["a", "b"]);
        o.entries[0].body = "{\"v\":1,\"answers\":{\"c\":\"« quote \\\" » \n é\"}}".into();
        o.retry("a", NOW + 5, Some(3_000), 0.0);
        o.retry("b", NOW + 5, None, 0.25);
        let back = Outbox::parse(&o.to_json());
        assert_eq!(back, o);
        assert_eq!(
            Outbox::parse(&Outbox::default().to_json()),
            Outbox::default()
        );
    }

    #[test]
    fn damaged_storage_is_skipped_not_fatal() {
        assert!(Outbox::parse("").entries.is_empty());
        assert!(Outbox::parse("not json").entries.is_empty());
        assert!(Outbox::parse("{\"id\":\"a\"}").entries.is_empty());
        let o = Outbox::parse(
            r#"[{"id":"a"},7,{"id":"b","url":"u","body":"{}","created":-5,"next":"x"},[],
                {"id":"c","url":"u","body":"{}","created":12,"attempts":2,"next":34}]"#,
        );
        let ids: Vec<_> = o.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            ["b", "c"],
            "entries without id, url or body are skipped"
        );
        // Malformed numbers read as zero: due at once (and, created at 0, expired at once).
        assert_eq!((o.entries[0].created, o.entries[0].next), (0, 0));
        assert_eq!((o.entries[1].attempts, o.entries[1].next), (2, 34));
    }
}
