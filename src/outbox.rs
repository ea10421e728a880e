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

use serde::{Deserialize, Serialize};

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

/// One waiting answer, stored as a JSON object (readable in the browser's tools).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "is_false")]
    pub told: bool,
    /// The endpoint asks a proof of work with it (see [`crate::proof`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub proof: bool,
    /// The solved proof it is sent with (base64 ALTCHA payload), kept for its retries: the
    /// collector accepts one proof again for the same submission id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altcha: Option<String>,
    /// Times it was refused for its proof and solved again ([`crate::proof::MAX_REPROOFS`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reproofs: u32,
}

impl Entry {
    /// A new answer sent at `now`, due at once; `proof`: its endpoint asks a proof of work.
    pub fn new(id: &str, url: &str, body: &str, proof: bool, now: u64) -> Entry {
        Entry {
            id: id.to_owned(),
            url: url.to_owned(),
            body: body.to_owned(),
            created: now,
            attempts: 0,
            next: now,
            told: false,
            proof,
            altcha: None,
            reproofs: 0,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
    let s = header.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = s.parse::<u64>().unwrap_or(u64::MAX);
    Some(secs.saturating_mul(1000).min(MAX_RETRY_AFTER_MS))
}

fn is_false(b: &bool) -> bool {
    !*b
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
    /// The outbox from what storage held: one item per stored entry, `None` where an entry
    /// could not be read. Unreadable entries are skipped, never fatal: a damaged or foreign
    /// value under our key must not stop the widget.
    pub fn from_stored(items: impl IntoIterator<Item = Option<Entry>>) -> Outbox {
        Outbox {
            entries: items.into_iter().flatten().collect(),
        }
    }

    /// Adds an answer sent at `now`, due at once. An id already waiting is not added twice (the
    /// resident pressed "send" again on the same answers). Refused when the outbox is full.
    pub fn add(
        &mut self,
        id: &str,
        url: &str,
        body: &str,
        proof: bool,
        now: u64,
    ) -> Result<(), Full> {
        if self.get(id).is_some() {
            return Ok(());
        }
        let bytes: usize = self.entries.iter().map(|e| e.body.len()).sum();
        if self.entries.len() >= MAX_ENTRIES || bytes + body.len() > MAX_BYTES {
            return Err(Full);
        }
        self.entries.push(Entry::new(id, url, body, proof, now));
        Ok(())
    }

    /// Gives entry `id` its solved proof, usable from `at` (the challenge's wait): it is due
    /// then. `false` if the entry is not here.
    pub fn prove(&mut self, id: &str, altcha: &str, at: u64) -> bool {
        let Some(e) = self.entries.iter_mut().find(|e| e.id == id) else {
            return false;
        };
        e.altcha = Some(altcha.to_owned());
        e.next = e.next.max(at);
        true
    }

    /// The endpoint refused entry `id` for its proof: it needs a new one, unless it was
    /// solved again [`crate::proof::MAX_REPROOFS`] times already. Whether it is to be sent
    /// again (`false`: drop it, the resident is told).
    pub fn reprove(&mut self, id: &str) -> bool {
        let Some(e) = self.entries.iter_mut().find(|e| e.id == id) else {
            return false;
        };
        if e.reproofs >= crate::proof::MAX_REPROOFS {
            return false;
        }
        e.reproofs += 1;
        e.proof = true;
        e.altcha = None;
        true
    }

    /// Whether entry `id` waits for a proof before it can be sent.
    pub fn unproven(&self, id: &str) -> bool {
        self.get(id).is_some_and(|e| e.proof && e.altcha.is_none())
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
            o.add(id, URL, &body(id), false, NOW + i as u64).unwrap();
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
        o.add("a", URL, &body("a"), false, NOW + 20).unwrap();
        assert_eq!(o.entries.len(), 3);
        assert_eq!(o.get("a"), Some(&before));
    }

    #[test]
    fn entries_expire_after_seven_days() {
        let mut o = with(&["old"]);
        o.add("new", URL, &body("new"), false, NOW + MAX_AGE_MS - 1)
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
            o.add(&format!("id{i}"), URL, "{}", false, NOW).unwrap();
        }
        assert_eq!(o.add("one-more", URL, "{}", false, NOW), Err(Full));
        assert!(o.get("one-more").is_none());
        // Room again once one is delivered.
        o.remove("id0");
        assert_eq!(o.add("one-more", URL, "{}", false, NOW), Ok(()));

        let mut o = Outbox::default();
        let big = "x".repeat(MAX_BYTES / 2);
        o.add("a", URL, &big, false, NOW).unwrap();
        o.add("b", URL, &big, false, NOW).unwrap();
        assert_eq!(o.add("c", URL, "{}", false, NOW), Err(Full));
    }

    /// What the web layer does: the stored JSON array read item by item.
    fn parse(text: &str) -> Outbox {
        let items: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
        Outbox::from_stored(
            items
                .into_iter()
                .map(|v| serde_json::from_value::<Entry>(v).ok()),
        )
    }

    #[test]
    fn survives_storage_round_trip() {
        let mut o = with(&["a", "b"]);
        o.entries[0].body = "{\"v\":1,\"answers\":{\"c\":\"« quote \\\" » \n é\"}}".into();
        o.retry("a", NOW + 5, Some(3_000), 0.0);
        o.retry("b", NOW + 5, None, 0.25);
        let text = serde_json::to_string(&o.entries).unwrap();
        assert!(text.starts_with(r#"[{"id":"a","url":""#), "{text}");
        assert_eq!(parse(&text), o);
        assert_eq!(parse("[]"), Outbox::default());
    }

    #[test]
    fn damaged_storage_is_skipped_not_fatal() {
        assert!(parse("").entries.is_empty());
        assert!(parse("not json").entries.is_empty());
        assert!(parse("{\"id\":\"a\"}").entries.is_empty());
        let o = parse(
            r#"[{"id":"a"},7,{"id":"b","url":"u","body":"{}","created":-5,"attempts":0,"next":"x"},[],
                {"id":"c","url":"u","body":"{}","created":12,"attempts":2,"next":34}]"#,
        );
        let ids: Vec<_> = o.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c"], "incomplete or mistyped entries are skipped");
        assert_eq!((o.entries[0].attempts, o.entries[0].next), (2, 34));
        assert!(!o.entries[0].told);
    }

    #[test]
    fn an_entry_waits_for_its_proof_keeps_it_and_is_solved_again_at_most_twice() {
        let mut o = Outbox::default();
        o.add("p", URL, &body("p"), true, NOW).unwrap();
        o.add("n", URL, &body("n"), false, NOW).unwrap();
        assert!(o.unproven("p"));
        assert!(!o.unproven("n"));
        // Solved, usable 3 s later (the challenge's wait): due then, not before.
        assert!(o.prove("p", "QUJD", NOW + 3_000));
        assert!(!o.unproven("p"));
        assert_eq!(due(&o, NOW + 2_999, false), vec!["n"]);
        assert_eq!(due(&o, NOW + 3_000, false), vec!["p", "n"]);
        // Kept in storage with it, for its retries.
        let text = serde_json::to_string(&o.entries).unwrap();
        let back: Vec<Entry> = serde_json::from_str(&text).unwrap();
        assert_eq!(back[0].altcha.as_deref(), Some("QUJD"));
        assert!(
            !text.contains("reproofs"),
            "defaults are not stored: {text}"
        );
        // Refused for its proof: solved again twice, then given up.
        assert!(o.reprove("p"));
        assert!(o.unproven("p"));
        assert!(o.prove("p", "REVG", NOW));
        assert!(o.reprove("p"));
        assert!(!o.reprove("p"));
        assert!(!o.reprove("gone"));
        assert!(!o.prove("gone", "x", NOW));
        // An entry stored by an older widget (no proof members) reads as needing none.
        let old: Entry = serde_json::from_str(
            r#"{"id":"o","url":"u","body":"{}","created":1,"attempts":0,"next":1}"#,
        )
        .unwrap();
        assert!(!old.proof && old.altcha.is_none() && old.reproofs == 0);
    }
}
