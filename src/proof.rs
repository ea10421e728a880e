//! The proof of work a collector may ask with each answer (ALTCHA v2, `PBKDF2/SHA-256`; see
//! the collector's `defence` module): what the solver needs from a challenge, what it sends
//! back. Pure; the web layer (`web::pow`) fetches the challenge and derives the keys with the
//! browser's SubtleCrypto, which runs off the page's thread, so solving never freezes the page.
//!
//! A challenge comes from `GET /v1/forms/{id}/challenge` (the responses URL with `challenge` for
//! `responses`). The solver tries counters 0, 1, 2…: the password is the nonce's bytes followed
//! by the counter as a big-endian 32-bit integer ([`password`]), the salt the salt's bytes; the
//! first counter whose derived key starts with the key prefix is the solution. The answer then
//! carries `altcha`: base64 of `{"challenge": <the challenge as received>, "solution":
//! {"counter": n, "derivedKey": "<hex>"}}` ([`payload`], spliced in by [`with_proof`]).

use serde::Deserialize;
use voix_form::ErrorCode;

/// The only algorithm the widget solves: the browser has it natively.
pub const ALGORITHM: &str = "PBKDF2/SHA-256";
/// Requests the solver keeps in flight at once (the browser spreads them over its threads).
pub const LANES: u32 = 4;
/// Counters tried before giving up on a challenge (far beyond any difficulty a collector
/// asks; a challenge that needs more is not one we can answer).
pub const MAX_COUNTER: u32 = 1 << 22;
/// How many times an answer refused for its proof is solved and sent again.
pub const MAX_REPROOFS: u32 = 2;

/// A challenge, as far as solving it goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Challenge {
    /// Its parameters.
    pub parameters: Parameters,
}

/// What a challenge asks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameters {
    /// The key derivation ([`ALGORITHM`]).
    pub algorithm: String,
    /// Iterations per attempt.
    pub cost: u32,
    /// Bytes of the derived key.
    pub key_length: u32,
    /// Hex: what the derived key must start with.
    pub key_prefix: String,
    /// Hex.
    pub nonce: String,
    /// Hex.
    pub salt: String,
    /// When it expires (Unix seconds).
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The collector's own members: `wait`, the seconds to let pass before sending.
    #[serde(default)]
    pub data: Option<Data>,
}

/// The collector's members of a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Data {
    /// Seconds between getting the challenge and sending the answer.
    #[serde(default)]
    pub wait: u32,
}

impl Parameters {
    /// Whether the widget can solve it: our algorithm, a hex nonce, salt and prefix, a prefix
    /// no longer than the key.
    pub fn solvable(&self) -> bool {
        self.algorithm == ALGORITHM
            && self.cost > 0
            && hex_decode(&self.nonce).is_some()
            && hex_decode(&self.salt).is_some()
            && hex_decode(&self.key_prefix).is_some_and(|p| p.len() <= self.key_length as usize)
            && (1..=64).contains(&self.key_length)
    }

    /// Milliseconds to wait after receiving it before the answer may be sent.
    pub fn wait_ms(&self) -> u64 {
        self.data.as_ref().map_or(0, |d| u64::from(d.wait) * 1000)
    }
}

/// The URL of a form's challenges, from its responses URL (`…/v1/forms/ID/responses`).
pub fn challenge_url(responses_url: &str) -> Option<String> {
    responses_url
        .strip_suffix("/responses")
        .map(|base| [base, "/challenge"].concat())
}

/// The password of attempt `counter`: the nonce's bytes, then the counter (big-endian u32).
pub fn password(nonce: &[u8], counter: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(nonce.len() + 4);
    p.extend_from_slice(nonce);
    p.extend_from_slice(&counter.to_be_bytes());
    p
}

/// `hex` as bytes (`None` unless an even number of hex digits).
pub fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    digits
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// `bytes` as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

/// The ALTCHA payload's JSON for `challenge` (its JSON text exactly as received) solved by
/// `counter` with `key` in `ms` milliseconds (the protocol's optional `time`, which the
/// collector ignores and tests read), to be sent base64-encoded.
pub fn payload(challenge: &str, counter: u32, key: &[u8], ms: u32) -> String {
    use voix_form::i18n::itoa;
    [
        "{\"challenge\":",
        challenge,
        ",\"solution\":{\"counter\":",
        &itoa(counter as usize),
        ",\"derivedKey\":\"",
        &hex(key),
        "\",\"time\":",
        &itoa(ms as usize),
        "}}",
    ]
    .concat()
}

/// A submission's JSON `body` with `"altcha": altcha` as its first member. `altcha` is base64
/// (nothing to escape); the body is a JSON object as the widget wrote it.
pub fn with_proof(body: &str, altcha: &str) -> String {
    match body.strip_prefix('{') {
        Some(rest) => {
            let sep = if rest.trim_start().starts_with('}') {
                ""
            } else {
                ","
            };
            ["{\"altcha\":\"", altcha, "\"", sep, rest].concat()
        }
        None => body.to_owned(),
    }
}

/// Whether an answer refused with `code` is sent again with a new proof: a missing, invalid,
/// expired or already used proof, or one sent too soon.
pub fn needs_new_proof(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ProofRequired
            | ErrorCode::ProofInvalid
            | ErrorCode::ProofExpired
            | ErrorCode::ProofReplayed
            | ErrorCode::TooFast
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hex_and_passwords() {
        assert_eq!(
            challenge_url("https://avis.example.fr/v1/forms/sondage/responses").as_deref(),
            Some("https://avis.example.fr/v1/forms/sondage/challenge")
        );
        assert_eq!(challenge_url("https://x.example/other"), None);
        assert_eq!(hex_decode("00ff7A"), Some(vec![0, 255, 122]));
        assert_eq!(hex_decode("0"), None);
        assert_eq!(hex_decode("zz"), None);
        assert_eq!(hex(&[0, 255, 122]), "00ff7a");
        assert_eq!(password(&[1, 2], 258), vec![1, 2, 0, 0, 1, 2]);
    }

    #[test]
    fn the_proof_is_spliced_in_first() {
        let body = r#"{"v":1,"id":"abcdefgh","answers":{"nom":"a"}}"#;
        let sent = with_proof(body, "ZXhhbXBsZQ==");
        let v: serde_json::Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(v["altcha"], "ZXhhbXBsZQ==");
        assert_eq!(v["answers"]["nom"], "a");
        assert_eq!(with_proof("{}", "QQ=="), r#"{"altcha":"QQ=="}"#);
        assert_eq!(with_proof("oops", "QQ=="), "oops");
    }

    #[test]
    fn which_refusals_ask_for_a_new_proof() {
        for code in ErrorCode::ALL {
            let expected = code.as_str().starts_with("proof_") || code == ErrorCode::TooFast;
            assert_eq!(needs_new_proof(code), expected, "{code:?}");
        }
    }

    /// The widget's way of solving, checked against the `altcha` crate (the collector's): the
    /// same password gives the crate's derived key, the payload verifies. (Natively: the web
    /// side's SubtleCrypto is tested in Chromium, `web::tests`.)
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_payload_made_here_verifies_with_the_altcha_crate() {
        use altcha::{
            CreateChallengeOptions, VerifySolutionOptions, create_challenge, verify_solution,
        };
        use base64::Engine;
        let secret = "s3cret";
        let challenge = create_challenge(CreateChallengeOptions {
            algorithm: ALGORITHM.into(),
            cost: 50,
            counter: Some(7),
            data: Some(
                [("wait".to_owned(), serde_json::json!(3))]
                    .into_iter()
                    .collect(),
            ),
            hmac_signature_secret: Some(secret.into()),
            hmac_key_signature_secret: Some("k".into()),
            ..CreateChallengeOptions::default()
        })
        .unwrap();
        let raw = serde_json::to_string(&challenge).unwrap();
        let parsed: Challenge = serde_json::from_str(&raw).unwrap();
        let p = &parsed.parameters;
        assert!(p.solvable());
        assert_eq!(p.wait_ms(), 3000);
        let (nonce, salt) = (hex_decode(&p.nonce).unwrap(), hex_decode(&p.salt).unwrap());
        let prefix = hex_decode(&p.key_prefix).unwrap();
        // The web solver's loop, with PBKDF2 from the `pbkdf2` crate instead of SubtleCrypto.
        let (counter, key) = (0..100u32)
            .map(|c| {
                let mut key = vec![0u8; p.key_length as usize];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(&password(&nonce, c), &salt, p.cost, &mut key);
                (c, key)
            })
            .find(|(_, key)| key.starts_with(&prefix))
            .expect("solved");
        assert_eq!(counter, 7);
        let text = payload(&raw, counter, &key, 12);
        let sent = base64::engine::general_purpose::STANDARD.encode(&text);
        let decoded: altcha::Payload = serde_json::from_str(&text).unwrap();
        assert_eq!(decoded.solution.time, Some(12.0));
        let mut options = VerifySolutionOptions::new(&decoded.challenge, &decoded.solution, secret);
        options.hmac_key_signature_secret = Some("k".into());
        assert!(verify_solution(options).unwrap().verified, "{sent}");
    }
}
