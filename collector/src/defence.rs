//! Keeping robots out without knowing anyone: nothing here stores or derives anything about a
//! resident (no address, no cookie, no fingerprint). Each defence is per form
//! ([`Defences`], the `[form.ID]` keys `honeypot`, `min_seconds`, `proof_of_work`, `pow_cost`,
//! `pow_difficulty`, `pow_busy_per_hour`), all on by default for polls.
//!
//! - **Honeypot**: a field no person sees or reaches ([`voix_form::answer::HONEYPOT`]); filled,
//!   the answer is refused with `honeypot` (the widget does not show it as an error).
//! - **Proof of work**, the ALTCHA v2 protocol (`altcha` crate): `GET /v1/forms/{id}/challenge`
//!   hands out a signed, expiring PBKDF2/SHA-256 challenge in deterministic mode (the collector
//!   draws the counter, so every solve costs the same on average and verifying is one HMAC);
//!   the widget solves it with the browser's SubtleCrypto and sends the ALTCHA payload with the
//!   answer. The signed `data` names the form and the second it was issued, so a challenge of
//!   another form does not do, and an answer sent sooner than `min_seconds` after it is
//!   refused with `too_fast`. Each challenge is good for one answer: [`Spend`] is recorded in
//!   the store until the challenge expires, so a replay is refused by every collector sharing
//!   the database.
//! - **Difficulty rises with traffic**: past `pow_busy_per_hour` answers in the last hour on
//!   this collector, each further multiple doubles nothing but adds the base difficulty again
//!   ([`difficulty`]), up to [`MAX_RISE`] times.
//! - **The no-JS page** cannot compute a proof: it carries a signed render token
//!   ([`Keys::token`]) naming the form and the second the page was made; a post needs one, at
//!   least `min_seconds` old, not expired, used once — so a post must follow a fetch of the page
//!   by a person's time, and a script pays a page fetch and the wait per answer. With the
//!   honeypot and the per-client rate limit, that is the no-JS page's defence.
//!
//! The keys are derived from one secret kept in the database (made at the first start), so
//! several collectors on one PostgreSQL sign and verify alike.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Mutex, PoisonError},
};

use altcha::{
    Challenge, CreateChallengeOptions, Payload, VerifySolutionOptions, create_challenge,
    verify_solution,
};
use base64::Engine;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;
use voix_form::ErrorCode;

/// The KDF of our challenges: the one browsers have natively (SubtleCrypto).
pub const ALGORITHM: &str = "PBKDF2/SHA-256";
/// How long a challenge may be solved and used. The widget fetches one when the form is shown
/// and another when it has expired; a resident taking longer loses nothing.
pub const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_hours(1);
/// How long a no-JS page may stay open before its post is refused (`proof_expired`: the page
/// comes back with the answers kept and a fresh token).
pub const TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(4);
/// Most times the base difficulty is added while a form is busy.
pub const MAX_RISE: u32 = 16;
/// Default PBKDF2 iterations per attempt. Measured (`tests/e2e/defences.test.mjs` and the
/// `defence_cost` example): with 200 attempts on average, the widget's median solve in headless
/// Chromium is about 250 ms at 5 000 (170 ms at 1 000, where each attempt's cost is mostly the
/// browser's promise round trips), while a robot solving natively pays about 110 ms of one core
/// per answer (22 ms at 1 000): more iterations per attempt widen what a robot pays more than
/// what a resident waits.
pub const DEFAULT_POW_COST: u32 = 5_000;
/// Default mean attempts per challenge.
pub const DEFAULT_POW_DIFFICULTY: u32 = 200;
/// Default seconds between showing a form and its answer.
pub const DEFAULT_MIN_SECONDS: u32 = 3;
/// Default answers per hour past which a form's difficulty rises.
pub const DEFAULT_BUSY_PER_HOUR: u32 = 600;

/// A form's defences (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defences {
    /// Refuse answers whose hidden field is filled.
    pub honeypot: bool,
    /// Refuse answers sent sooner than this after the form was shown (0: off). Needs the proof
    /// of work's challenge in the widget, the render token on the no-JS page.
    pub min_seconds: u32,
    /// Require a proof of work from the widget and a render token from the no-JS page.
    pub proof_of_work: bool,
    /// PBKDF2 iterations per attempt.
    pub pow_cost: u32,
    /// Mean attempts per challenge when the form is not busy.
    pub pow_difficulty: u32,
    /// Answers in the last hour past which the difficulty rises (0: never).
    pub pow_busy_per_hour: u32,
}

impl Defences {
    /// The defaults: everything on for a poll; for a form, the honeypot only.
    pub fn default_for(poll: bool) -> Defences {
        Defences {
            honeypot: true,
            min_seconds: if poll { DEFAULT_MIN_SECONDS } else { 0 },
            proof_of_work: poll,
            pow_cost: DEFAULT_POW_COST,
            pow_difficulty: DEFAULT_POW_DIFFICULTY,
            pow_busy_per_hour: DEFAULT_BUSY_PER_HOUR,
        }
    }

    /// Whether the no-JS page's post needs a render token.
    pub fn needs_token(&self) -> bool {
        self.proof_of_work || self.min_seconds > 0
    }
}

/// The mean attempts of a challenge for a form with `base` difficulty that stored `recent`
/// answers in the last hour: `base` while `recent` is under `busy`, then `base` once more for
/// every further `busy` answers, at most [`MAX_RISE`] times `base`. `busy` 0 never rises.
pub fn difficulty(base: u32, recent: u64, busy: u32) -> u32 {
    let base = base.max(1);
    if busy == 0 {
        return base;
    }
    let times = (recent / u64::from(busy)).saturating_add(1);
    let times = u32::try_from(times).unwrap_or(u32::MAX).min(MAX_RISE);
    base.saturating_mul(times)
}

/// Something to record as used until it expires: a solved challenge or a render token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    /// What identifies it in the store (`c:` + the challenge's signature, `t:` + the token's
    /// nonce).
    pub key: String,
    /// Until when it must be remembered (after that it is refused as expired anyway).
    pub expires: Timestamp,
}

/// The keys, derived from the database's secret.
#[derive(Clone)]
pub struct Keys {
    challenge: String,
    derived: String,
    token: Vec<u8>,
    admin: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 16 random bytes as hex, from the OS.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS has no randomness to give");
    hex(&bytes)
}

/// A uniformly drawn number below `n` (at least 1).
fn below(n: u32) -> u32 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS has no randomness to give");
    (u64::from_le_bytes(bytes) % u64::from(n.max(1))) as u32
}

impl Keys {
    /// A new secret: 32 random bytes as hex (stored once, see [`crate::store::Store::secret`]).
    pub fn fresh_secret() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS has no randomness to give");
        hex(&bytes)
    }

    /// The keys made from `secret` (the database's).
    pub fn new(secret: &str) -> Keys {
        let secret = secret.as_bytes();
        Keys {
            challenge: hex(&hmac(secret, b"voix altcha challenge")),
            derived: hex(&hmac(secret, b"voix altcha derived key")),
            token: hmac(secret, b"voix no-js render token"),
            admin: hmac(secret, b"voix admin session"),
        }
    }

    /// The key admin sessions are signed with for the admin token `token`: from the
    /// database's secret (every collector sharing the database accepts the sessions of the
    /// others) and the token (changing the token ends every session).
    pub fn admin_session(&self, token: &str) -> Vec<u8> {
        hmac(&self.admin, token.as_bytes())
    }

    /// HMAC-SHA-256 of `data` with `key`, as hex.
    pub fn sign(key: &[u8], data: &str) -> String {
        hex(&hmac(key, data.as_bytes()))
    }

    /// A new challenge for `form` at `now`, of mean `attempts`, each of `cost` iterations;
    /// `wait` is what the widget waits after getting it before sending (`min_seconds`).
    pub fn challenge(
        &self,
        form: &str,
        cost: u32,
        attempts: u32,
        wait: u32,
        now: Timestamp,
    ) -> Challenge {
        let mut data = BTreeMap::new();
        data.insert("form".to_owned(), form.into());
        data.insert("issued".to_owned(), now.as_second().into());
        data.insert("wait".to_owned(), wait.into());
        // Counters 0..2·attempts: `attempts` derivations on average (the solver starts at 0).
        let counter = below(attempts.saturating_mul(2));
        create_challenge(CreateChallengeOptions {
            algorithm: ALGORITHM.to_owned(),
            cost: cost.max(1),
            counter: Some(counter),
            data: Some(data),
            expires_at: Some((now + CHALLENGE_LIFETIME).as_second()),
            hmac_signature_secret: Some(self.challenge.clone()),
            hmac_key_signature_secret: Some(self.derived.clone()),
            ..CreateChallengeOptions::default()
        })
        .expect("a PBKDF2 challenge with a hex prefix is always made")
    }

    /// Checks `payload` (base64 of the ALTCHA JSON) for `form` at `now`: what to record as used,
    /// or the code to refuse it with.
    pub fn verify(
        &self,
        payload: &str,
        form: &str,
        min_seconds: u32,
        now: Timestamp,
    ) -> Result<Spend, ErrorCode> {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .ok()
            .and_then(|json| serde_json::from_slice::<Payload>(&json).ok())
            .ok_or(ErrorCode::ProofInvalid)?;
        let params = &payload.challenge.parameters;
        if params.algorithm != ALGORITHM {
            return Err(ErrorCode::ProofInvalid);
        }
        let mut options =
            VerifySolutionOptions::new(&payload.challenge, &payload.solution, &self.challenge);
        options.hmac_key_signature_secret = Some(self.derived.clone());
        let result = verify_solution(options).map_err(|_| ErrorCode::ProofInvalid)?;
        if result.expired {
            return Err(ErrorCode::ProofExpired);
        }
        if !result.verified {
            return Err(ErrorCode::ProofInvalid);
        }
        // Signed, so ours: a missing member is a challenge of another kind.
        let data = params.data.as_ref().ok_or(ErrorCode::ProofInvalid)?;
        if data.get("form").and_then(|f| f.as_str()) != Some(form) {
            return Err(ErrorCode::ProofInvalid);
        }
        let issued = data
            .get("issued")
            .and_then(serde_json::Value::as_i64)
            .ok_or(ErrorCode::ProofInvalid)?;
        if now.as_second() < issued.saturating_add(i64::from(min_seconds)) {
            return Err(ErrorCode::TooFast);
        }
        let expires = params
            .expires_at
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or(ErrorCode::ProofInvalid)?;
        let signature = payload
            .challenge
            .signature
            .as_deref()
            .ok_or(ErrorCode::ProofInvalid)?;
        Ok(Spend {
            key: format!("c:{signature}"),
            expires,
        })
    }

    /// A render token for the no-JS page of `form`, made at `now`:
    /// `FORM.ISSUED.NONCE.SIGNATURE` (form ids have no dot).
    pub fn token(&self, form: &str, now: Timestamp) -> String {
        let signed = format!("{form}.{}.{}", now.as_second(), nonce());
        let signature = hex(&hmac(&self.token, signed.as_bytes()));
        format!("{signed}.{signature}")
    }

    /// Checks a render token posted with the no-JS page of `form` at `now`.
    pub fn verify_token(
        &self,
        token: &str,
        form: &str,
        min_seconds: u32,
        now: Timestamp,
    ) -> Result<Spend, ErrorCode> {
        let (signed, signature) = token.rsplit_once('.').ok_or(ErrorCode::ProofInvalid)?;
        let expected = hex(&hmac(&self.token, signed.as_bytes()));
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            signature.as_bytes(),
        )) {
            return Err(ErrorCode::ProofInvalid);
        }
        let mut parts = signed.split('.');
        let (Some(id), Some(issued), Some(nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ErrorCode::ProofInvalid);
        };
        if id != form {
            return Err(ErrorCode::ProofInvalid);
        }
        let issued = issued
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or(ErrorCode::ProofInvalid)?;
        let expires = issued + TOKEN_LIFETIME;
        if now >= expires {
            return Err(ErrorCode::ProofExpired);
        }
        if now < issued + SignedDuration::from_secs(i64::from(min_seconds)) {
            return Err(ErrorCode::TooFast);
        }
        Ok(Spend {
            key: format!("t:{nonce}"),
            expires,
        })
    }
}

/// Answers stored per form in the last hour, on this collector, by minute: what makes a form's
/// difficulty rise. Memory: one 60-slot ring per form.
#[derive(Debug, Default)]
pub struct Traffic {
    forms: Mutex<HashMap<String, Ring>>,
}

#[derive(Debug)]
struct Ring {
    /// The minute (since the epoch) of each slot's count.
    minutes: [i64; 60],
    counts: [u64; 60],
}

impl Default for Ring {
    fn default() -> Self {
        Self {
            minutes: [i64::MIN; 60],
            counts: [0; 60],
        }
    }
}

impl Traffic {
    /// Counts one answer to `form` at `now`.
    pub fn record(&self, form: &str, now: Timestamp) {
        let minute = now.as_second().div_euclid(60);
        let slot = minute.rem_euclid(60) as usize;
        let mut forms = self.forms.lock().unwrap_or_else(PoisonError::into_inner);
        let ring = forms.entry(form.to_owned()).or_default();
        if ring.minutes[slot] != minute {
            ring.minutes[slot] = minute;
            ring.counts[slot] = 0;
        }
        ring.counts[slot] += 1;
    }

    /// Answers to `form` in the hour before `now`.
    pub fn last_hour(&self, form: &str, now: Timestamp) -> u64 {
        let minute = now.as_second().div_euclid(60);
        let forms = self.forms.lock().unwrap_or_else(PoisonError::into_inner);
        forms.get(form).map_or(0, |ring| {
            ring.minutes
                .iter()
                .zip(ring.counts)
                .filter(|(m, _)| **m > minute - 60 && **m <= minute)
                .map(|(_, c)| c)
                .sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use altcha::{Solution, SolveChallengeOptions, solve_challenge};

    use super::*;

    fn keys() -> Keys {
        Keys::new("a secret of the database, 32 bytes or so")
    }

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn encode(challenge: &Challenge, solution: &Solution) -> String {
        let payload = serde_json::json!({ "challenge": challenge, "solution": solution });
        base64::engine::general_purpose::STANDARD.encode(payload.to_string())
    }

    fn solved(keys: &Keys, form: &str, at: Timestamp) -> (Challenge, Solution) {
        let challenge = keys.challenge(form, 10, 20, 3, at);
        let solution = solve_challenge(SolveChallengeOptions::new(&challenge))
            .unwrap()
            .expect("solved");
        (challenge, solution)
    }

    #[test]
    fn a_solved_challenge_verifies_once_its_wait_is_over() {
        let keys = keys();
        let now = Timestamp::now();
        let (challenge, solution) = solved(&keys, "sondage", now);
        assert_eq!(challenge.parameters.algorithm, ALGORITHM);
        assert_eq!(challenge.parameters.cost, 10);
        let payload = encode(&challenge, &solution);
        let spend = keys.verify(&payload, "sondage", 3, now + SignedDuration::from_secs(3));
        let spend = spend.unwrap();
        assert_eq!(
            spend.key,
            format!("c:{}", challenge.signature.as_deref().unwrap())
        );
        assert_eq!(
            spend.expires.as_second(),
            (now + CHALLENGE_LIFETIME).as_second()
        );
        // Too soon after it was issued.
        assert_eq!(
            keys.verify(&payload, "sondage", 3, now + SignedDuration::from_secs(1)),
            Err(ErrorCode::TooFast)
        );
    }

    #[test]
    fn every_tampering_is_refused() {
        let keys = keys();
        let now = Timestamp::now();
        let (challenge, solution) = solved(&keys, "sondage", now);
        let later = now + SignedDuration::from_secs(10);
        // Another form's challenge.
        assert_eq!(
            keys.verify(&encode(&challenge, &solution), "avis", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        // A wrong derived key, a wrong counter.
        let mut wrong = solution.clone();
        wrong.derived_key = "00".repeat(32);
        assert_eq!(
            keys.verify(&encode(&challenge, &wrong), "sondage", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        // Easier parameters: the signature no longer holds.
        let mut easier = challenge.clone();
        easier.parameters.cost = 1;
        assert_eq!(
            keys.verify(&encode(&easier, &solution), "sondage", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        let mut backdated = challenge.clone();
        backdated
            .parameters
            .data
            .as_mut()
            .unwrap()
            .insert("issued".into(), 0.into());
        assert_eq!(
            keys.verify(&encode(&backdated, &solution), "sondage", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        // Unsigned.
        let mut unsigned = challenge.clone();
        unsigned.signature = None;
        assert_eq!(
            keys.verify(&encode(&unsigned, &solution), "sondage", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        // Signed with another secret.
        assert_eq!(
            Keys::new("another secret").verify(&encode(&challenge, &solution), "sondage", 0, later),
            Err(ErrorCode::ProofInvalid)
        );
        // Not base64, not JSON, not a payload.
        for junk in ["", "%%%", "aGVsbG8=", "e30="] {
            assert_eq!(
                keys.verify(junk, "sondage", 0, later),
                Err(ErrorCode::ProofInvalid),
                "{junk}"
            );
        }
    }

    #[test]
    fn an_expired_challenge_is_refused_as_expired() {
        let keys = keys();
        let long_ago = Timestamp::now() - SignedDuration::from_hours(2);
        let (challenge, solution) = solved(&keys, "sondage", long_ago);
        assert_eq!(
            keys.verify(
                &encode(&challenge, &solution),
                "sondage",
                0,
                Timestamp::now()
            ),
            Err(ErrorCode::ProofExpired)
        );
    }

    #[test]
    fn challenges_differ_and_cost_what_was_asked() {
        let keys = keys();
        let a = keys.challenge("sondage", 1000, 200, 3, t(0));
        let b = keys.challenge("sondage", 1000, 200, 3, t(0));
        assert_ne!(a.parameters.nonce, b.parameters.nonce);
        assert_ne!(a.signature, b.signature);
        assert_eq!(a.parameters.cost, 1000);
        assert_eq!(a.parameters.key_length, 32);
        // Deterministic mode: the prefix is half the key, and its signature lets us verify
        // without deriving again.
        assert_eq!(a.parameters.key_prefix.len(), 32);
        assert!(a.parameters.key_signature.is_some());
        let data = a.parameters.data.unwrap();
        assert_eq!(data["form"], "sondage");
        assert_eq!(data["issued"], t(0).as_second());
        assert_eq!(data["wait"], 3);
    }

    #[test]
    fn the_counter_is_drawn_below_twice_the_difficulty() {
        let keys = keys();
        let mut total = 0u64;
        for _ in 0..200 {
            let challenge = keys.challenge("sondage", 1, 8, 0, t(0));
            let solution = solve_challenge(SolveChallengeOptions::new(&challenge))
                .unwrap()
                .unwrap();
            assert!(solution.counter < 16, "{}", solution.counter);
            total += u64::from(solution.counter);
        }
        // Mean 7.5 over 200 draws: far from 0 and from 15.
        let mean = total as f64 / 200.0;
        assert!((5.0..10.0).contains(&mean), "{mean}");
    }

    #[test]
    fn difficulty_rises_with_traffic_and_is_capped() {
        assert_eq!(difficulty(200, 0, 600), 200);
        assert_eq!(difficulty(200, 599, 600), 200);
        assert_eq!(difficulty(200, 600, 600), 400);
        assert_eq!(difficulty(200, 1_799, 600), 600);
        assert_eq!(difficulty(200, 1_000_000, 600), 200 * MAX_RISE);
        assert_eq!(difficulty(200, 1_000_000, 0), 200);
        assert_eq!(difficulty(0, 0, 600), 1);
        assert_eq!(difficulty(u32::MAX, 10_000, 1), u32::MAX);
    }

    #[test]
    fn tokens_verify_once_old_enough_and_not_expired() {
        let keys = keys();
        let token = keys.token("avis", t(0));
        let spend = keys.verify_token(&token, "avis", 3, t(3)).unwrap();
        assert!(spend.key.starts_with("t:"));
        assert_eq!(spend.expires, t(0) + TOKEN_LIFETIME);
        assert_ne!(keys.token("avis", t(0)), token, "each has its nonce");
        assert_eq!(
            keys.verify_token(&token, "avis", 3, t(2)),
            Err(ErrorCode::TooFast)
        );
        assert_eq!(
            keys.verify_token(&token, "avis", 3, t(0) + TOKEN_LIFETIME),
            Err(ErrorCode::ProofExpired)
        );
        assert_eq!(
            keys.verify_token(&token, "sondage", 0, t(5)),
            Err(ErrorCode::ProofInvalid)
        );
        // Tampered: an older issue time, another nonce, no signature, another key.
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let mut parts: Vec<&str> = signed.split('.').collect();
        let older = (t(0).as_second() - 100).to_string();
        parts[1] = &older;
        let forged = format!("{}.{signature}", parts.join("."));
        for bad in [forged.as_str(), signed, "", "avis.1.2.3.4"] {
            assert_eq!(
                keys.verify_token(bad, "avis", 0, t(5)),
                Err(ErrorCode::ProofInvalid),
                "{bad}"
            );
        }
        assert_eq!(
            Keys::new("another").verify_token(&token, "avis", 0, t(5)),
            Err(ErrorCode::ProofInvalid)
        );
    }

    #[test]
    fn traffic_counts_the_last_hour() {
        let traffic = Traffic::default();
        for s in 0..90 {
            traffic.record("sondage", t(s * 60));
        }
        traffic.record("avis", t(0));
        // Minutes 30 to 89 are within the hour before minute 89.
        assert_eq!(traffic.last_hour("sondage", t(89 * 60)), 60);
        assert_eq!(traffic.last_hour("sondage", t(200 * 60)), 0);
        assert_eq!(traffic.last_hour("avis", t(30)), 1);
        assert_eq!(traffic.last_hour("nothing", t(0)), 0);
    }
}
