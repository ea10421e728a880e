//! Solves a collector's proof-of-work challenge with the browser's own crypto (see
//! [`crate::proof`]): each attempt is one SubtleCrypto `importKey` + `deriveBits` (PBKDF2,
//! SHA-256), which the browser runs off the page's thread, so the page never freezes and the
//! wasm ships no hash code. [`LANES`] attempts are in flight at once. Plain promise callbacks,
//! like every request here (no async executor in the wasm).
//!
//! SubtleCrypto exists only in a secure context (https, or `http://localhost`): [`available`]
//! says whether this page has it. Where it has not, a form that asks for a proof is not shown:
//! its no-JS page is linked instead (see `entry`).

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use js_sys::{Object, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};

use super::{effects, get, prop, set};
use crate::proof::{self, LANES, MAX_COUNTER};

/// A solved challenge: what to send, and from when (the challenge's wait).
#[derive(Debug, Clone)]
pub struct Solved {
    /// The `altcha` member: base64 of the payload.
    pub altcha: String,
    /// Not to be sent before this (ms since the epoch).
    pub usable_at: u64,
    /// Not to be sent after this (ms since the epoch): get another one.
    pub expires_at: u64,
}

/// The page's SubtleCrypto, if it has one (only secure contexts do).
fn subtle() -> Option<SubtleCrypto> {
    let crypto = get(&super::window(), "crypto");
    let subtle = get(&crypto, "subtle");
    (!subtle.is_undefined() && !subtle.is_null()).then(|| subtle.unchecked_into())
}

/// Whether this page can solve a challenge.
pub fn available() -> bool {
    subtle().is_some()
}

/// Who hears how a search ended.
type Done = Box<dyn FnOnce(Option<Solved>)>;

/// The search for one challenge's counter, shared by its lanes.
struct Search {
    subtle: SubtleCrypto,
    nonce: Vec<u8>,
    prefix: Vec<u8>,
    /// `{name: "PBKDF2", hash: "SHA-256", salt, iterations}`, made once.
    params: Object,
    bits: u32,
    /// The challenge as received, echoed in the payload.
    raw: String,
    next: Cell<u32>,
    /// When the challenge arrived (ms since the epoch).
    received: u64,
    usable_at: u64,
    expires_at: u64,
    done: RefCell<Option<Done>>,
}

impl Search {
    fn finish(&self, solved: Option<Solved>) {
        if let Some(done) = self.done.borrow_mut().take() {
            done(solved);
        }
    }
}

/// Fetches a challenge from `url` and solves it; `done` hears the result once (`None`: no
/// challenge, one we cannot solve, or the browser's crypto failed).
pub fn solve(url: &str, done: Done) {
    if subtle().is_none() {
        return done(None);
    }
    effects::request(
        "GET",
        url,
        None,
        Box::new(
            move |reply| match reply.filter(|r| r.status == 200).and_then(|r| r.json) {
                Some(json) => solve_challenge(json, done),
                None => done(None),
            },
        ),
    );
}

/// Solves `json`, a challenge just received.
pub(super) fn solve_challenge(json: JsValue, done: Done) {
    let received = js_sys::Date::now() as u64;
    let Some(subtle) = subtle() else {
        return done(None);
    };
    let Some(raw) = js_sys::JSON::stringify(&json)
        .ok()
        .and_then(|s| s.as_string())
    else {
        return done(None);
    };
    let p = parameters(&json);
    if !p.solvable() {
        return done(None);
    }
    let hex = |h: &str| proof::hex_decode(h).unwrap_or_default();
    let params = Object::new();
    set(&params, "name", &"PBKDF2".into());
    set(&params, "hash", &"SHA-256".into());
    set(&params, "salt", &Uint8Array::from(&hex(&p.salt)[..]));
    set(&params, "iterations", &p.cost.into());
    // A challenge without an expiry is taken as good for an hour.
    let expires_at = p
        .expires_at
        .map_or(received + 3_600_000, |s| (s.max(0) as u64) * 1000);
    let search = Rc::new(Search {
        subtle,
        nonce: hex(&p.nonce),
        prefix: hex(&p.key_prefix),
        params,
        bits: p.key_length * 8,
        raw,
        next: Cell::new(0),
        received,
        usable_at: received + p.wait_ms(),
        expires_at,
        done: RefCell::new(Some(done)),
    });
    for _ in 0..LANES {
        attempt(&search);
    }
}

/// A challenge's parameters, read member by member. Not through serde-wasm-bindgen as other
/// JSON is: its derive for these eight members cost 1 106 bytes of brotli-compressed wasm
/// (measured with `cargo xtask dist`),
/// and reading them needs no error message (`Parameters::solvable` refuses anything amiss).
fn parameters(json: &JsValue) -> proof::Parameters {
    let p = get(json, "parameters");
    let int = |key: &str| get(&p, key).as_f64().unwrap_or(0.0);
    let wait = get(&get(&p, "data"), "wait").as_f64().unwrap_or(0.0);
    proof::Parameters {
        algorithm: prop(&p, "algorithm"),
        cost: int("cost") as u32,
        key_length: int("keyLength") as u32,
        key_prefix: prop(&p, "keyPrefix"),
        nonce: prop(&p, "nonce"),
        salt: prop(&p, "salt"),
        expires_at: get(&p, "expiresAt").as_f64().map(|s| s as i64),
        data: Some(proof::Data { wait: wait as u32 }),
    }
}

/// Tries the next counter, then the next, until one lane finds it.
fn attempt(search: &Rc<Search>) {
    if search.done.borrow().is_none() {
        return;
    }
    let counter = search.next.get();
    if counter >= MAX_COUNTER {
        return search.finish(None);
    }
    search.next.set(counter + 1);
    let password = Uint8Array::from(&proof::password(&search.nonce, counter)[..]);
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let Ok(imported) = search
        .subtle
        .import_key_with_str("raw", &password, "PBKDF2", false, &usages)
    else {
        return search.finish(None);
    };
    let s = Rc::clone(search);
    effects::either(
        &imported,
        Box::new(move |key: JsValue| {
            if !key.is_instance_of::<CryptoKey>() {
                return s.finish(None);
            }
            let Ok(derived) =
                s.subtle
                    .derive_bits_with_object(&s.params, key.unchecked_ref(), s.bits)
            else {
                return s.finish(None);
            };
            let s2 = Rc::clone(&s);
            effects::either(
                &derived,
                Box::new(move |bits: JsValue| {
                    if !bits.is_instance_of::<js_sys::ArrayBuffer>() {
                        return s2.finish(None);
                    }
                    let key = Uint8Array::new(&bits).to_vec();
                    if key.starts_with(&s2.prefix) {
                        let ms = (js_sys::Date::now() as u64).saturating_sub(s2.received);
                        let text = proof::payload(&s2.raw, counter, &key, ms as u32);
                        let altcha = super::window().btoa(&text).unwrap_or_default();
                        s2.finish(Some(Solved {
                            altcha,
                            usable_at: s2.usable_at,
                            expires_at: s2.expires_at,
                        }));
                    } else {
                        attempt(&s2);
                    }
                }),
            );
        }),
    );
}
