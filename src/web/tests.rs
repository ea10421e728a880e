//! Browser tests of the web layer's internals (`cargo xtask test` runs them in Chromium with
//! the other wasm tests): what the public surface cannot reach.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::courier;
use crate::outbox::STORAGE_KEY;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function intlCount(locale, n) {
  return new Intl.NumberFormat(locale).format(n);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = intlCount)]
    fn intl_count(locale: &str, n: f64) -> String;
}

#[wasm_bindgen_test]
fn counts_are_written_as_the_browser_writes_them_in_every_locale() {
    use voix_form::{i18n::Locale, view::Numbers};
    for &locale in Locale::ALL {
        // Below 1 000 without asking `Intl` (all but Arabic): the same text all the same.
        for n in [0, 1, 9, 42, 500, 999, 1000, 2000, 12_345, 1_234_567] {
            assert_eq!(
                super::intl::Intl(locale).count(n),
                intl_count(locale.tag(), n as f64),
                "{} {n}",
                locale.tag()
            );
        }
    }
}

#[wasm_bindgen(inline_js = r#"
// Counts timers armed and cleared, and listeners on window and document, from now on.
export function trackTimers() {
  if (globalThis.__voixTimers) return globalThis.__voixTimers;
  const t = { set: 0, cleared: 0, fired: 0, added: 0, removed: 0 };
  const set = globalThis.setTimeout, clear = globalThis.clearTimeout;
  const live = new Set();
  globalThis.setTimeout = function (f, ms, ...args) {
    t.set++;
    const id = set.call(globalThis, function () { live.delete(id); t.fired++; f(...args); }, ms);
    live.add(id);
    return id;
  };
  globalThis.clearTimeout = function (id) {
    if (live.delete(id)) t.cleared++;
    return clear.call(globalThis, id);
  };
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, f, o) {
    if (this === window || this === document) t.added++;
    return add.call(this, type, f, o);
  };
  EventTarget.prototype.removeEventListener = function (type, f, o) {
    if (this === window || this === document) t.removed++;
    return remove.call(this, type, f, o);
  };
  t.pending = () => live.size;
  globalThis.__voixTimers = t;
  return t;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = trackTimers)]
    fn track_timers() -> JsValue;
}

fn read(track: &JsValue, key: &str) -> f64 {
    js_sys::Reflect::get(track, &key.into())
        .unwrap()
        .as_f64()
        .unwrap_or(0.0)
}

fn pending(track: &JsValue) -> f64 {
    let f: js_sys::Function = js_sys::Reflect::get(track, &"pending".into())
        .unwrap()
        .unchecked_into();
    f.call0(track).unwrap().as_f64().unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        super::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_dropped_courier_cancels_its_retry_timer_and_removes_its_listeners() {
    let track = track_timers();
    let storage = super::window().local_storage().unwrap().unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    let added = read(&track, "added");
    let removed = read(&track, "removed");
    let c = courier::start();
    assert_eq!(
        read(&track, "added") - added,
        3.0,
        "online, pagehide, visibilitychange"
    );
    let heard = Rc::new(std::cell::RefCell::new(Vec::new()));
    let h = heard.clone();
    // Port 9 (discard) is closed on loopback: the POST fails and a retry is scheduled.
    c.submit(
        "fedcba9876543210fedcba9876543210".into(),
        "http://127.0.0.1:9/v1/forms/avis/responses",
        r#"{"v":1,"id":"fedcba9876543210fedcba9876543210","answers":{}}"#,
        false,
        Rc::new(move |msg| h.borrow_mut().push(msg)),
    );
    for _ in 0..100 {
        if !heard.borrow().is_empty() {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(*heard.borrow(), [crate::state::Msg::Queued]);
    assert!(pending(&track) >= 1.0, "a retry timer is armed");
    let armed = pending(&track);
    drop(c);
    assert_eq!(
        pending(&track),
        armed - 1.0,
        "dropping the courier cancels its timer"
    );
    assert_eq!(
        read(&track, "removed") - removed,
        3.0,
        "and removes its listeners"
    );
    // The answer itself stays in the outbox for the next page.
    let kept = storage.get_item(STORAGE_KEY).unwrap().unwrap();
    assert!(kept.contains("fedcba9876543210fedcba9876543210"), "{kept}");
    storage.remove_item(STORAGE_KEY).unwrap();
}

/// The proof-of-work solver with the browser's SubtleCrypto: a challenge whose key prefix only
/// counter 5 matches (derived beforehand with Python's hashlib, PBKDF2-SHA-256, 10 iterations)
/// is solved with counter 5 and that key, and the payload echoes the challenge as received.
#[wasm_bindgen_test]
async fn the_solver_finds_the_counter_with_subtle_crypto() {
    const KEY5: &str = "49f84579bcf91af0118dc569e1a241d168108a7d05ad9df9c6593265fddb8ef8";
    let challenge = format!(
        r#"{{"parameters":{{"algorithm":"PBKDF2/SHA-256","cost":10,"keyLength":32,
        "keyPrefix":"{}","nonce":"000102030405060708090a0b0c0d0e0f",
        "salt":"101112131415161718191a1b1c1d1e1f","expiresAt":4102444800,
        "data":{{"form":"f","wait":2}}}},"signature":"00"}}"#,
        &KEY5[..32]
    );
    let json = super::js::parse_json(&challenge).unwrap();
    let slot = Rc::new(std::cell::RefCell::new(None));
    let s = slot.clone();
    let before = js_sys::Date::now() as u64;
    super::pow::solve_challenge(json, Box::new(move |solved| *s.borrow_mut() = Some(solved)));
    for _ in 0..500 {
        if slot.borrow().is_some() {
            break;
        }
        sleep(10).await;
    }
    let solved = slot.take().expect("answered").expect("solved");
    let text = super::window().atob(&solved.altcha).unwrap();
    let payload = super::js::parse_json(&text).unwrap();
    let solution = super::get(&payload, "solution");
    assert_eq!(
        super::get(&solution, "counter").as_f64(),
        Some(5.0),
        "{text}"
    );
    assert_eq!(super::prop(&solution, "derivedKey"), KEY5);
    let echoed = super::get(&super::get(&payload, "challenge"), "parameters");
    assert_eq!(
        super::prop(&echoed, "nonce"),
        "000102030405060708090a0b0c0d0e0f"
    );
    assert!(solved.usable_at >= before + 2_000, "the challenge's wait");
    assert_eq!(solved.expires_at, 4_102_444_800_000);
}
