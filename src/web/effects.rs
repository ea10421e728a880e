//! Effects that leave the page: HTTP requests and randomness.
//!
//! Requests carry no credentials (no cookies, ever) and a POST body is a string, which the
//! browser labels `text/plain;charset=UTF-8`: a CORS-simple request, so no preflight.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use web_sys::Response;

use super::set;

#[wasm_bindgen]
extern "C" {
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then(this: &Thenable, on_ok: &JsValue, on_err: &JsValue);
}

// `promise.then(f, f)`: one self-freeing function for both outcomes, so whichever way the
// promise settles, nothing is left allocated (a `Closure` never called would leak).
pub(super) fn either(p: &Promise, f: Box<dyn FnOnce(JsValue)>) {
    let f = Closure::once_into_js(f);
    p.unchecked_ref::<Thenable>().then(&f, &f);
}

/// An HTTP answer: its status, its body parsed by the browser as JSON (`None` when it is not
/// JSON), and its `Retry-After` header.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body as a JS value, when it was JSON.
    pub json: Option<JsValue>,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
}

/// What a request came to: `None` when no HTTP answer was read (offline, DNS, CORS refusal,
/// aborted).
pub type Outcome = Option<Reply>;

/// Sends a request and calls `done` once with its outcome.
///
/// Plain promise callbacks rather than `async`: an executor costs wasm, and two chained
/// callbacks are all a request needs. `done` is boxed: one copy of the callbacks serves every
/// caller.
pub fn request(method: &str, url: &str, body: Option<&str>, done: Box<dyn FnOnce(Outcome)>) {
    let window = super::window();
    // A plain object written through `Reflect.set`: web-sys' typed setters are one JS function
    // each (and it has none for `keepalive`).
    let init = js_sys::Object::new();
    set(&init, "method", &method.into());
    set(&init, "credentials", &"omit".into());
    if let Some(b) = body {
        set(&init, "body", &b.into());
        // Outlives the page: an answer sent as the tab closes still arrives.
        set(&init, "keepalive", &JsValue::TRUE);
    }
    let on_response = Box::new(move |v: JsValue| {
        // A rejection brings an error object, which has no status.
        let Some(status) = super::get(&v, "status").as_f64() else {
            return done(None);
        };
        let resp: &Response = v.unchecked_ref();
        let status = status as u16;
        let retry_after = resp.headers().get("retry-after").ok().flatten();
        let Ok(json) = resp.json() else {
            return done(None);
        };
        either(
            &json,
            Box::new(move |j: JsValue| {
                // No JSON value is an `Error`: that is the parse failure.
                let json = (!j.is_instance_of::<js_sys::Error>()).then_some(j);
                done(Some(Reply {
                    status,
                    json,
                    retry_after,
                }))
            }),
        );
    });
    either(
        &window.fetch_with_str_and_init(url, init.unchecked_ref()),
        on_response,
    );
}

/// 128 random bits as 32 hex characters, from the browser's CSPRNG (or, were it missing — no
/// browser that runs WebAssembly lacks it — from `Math.random`: an id must exist, the outbox is
/// keyed by it).
pub fn random_id() -> String {
    // Filled on the JS side and read back byte by byte: passing a `&mut [u8]` would link the
    // copy-back machinery for a 16-byte array.
    let array = js_sys::Uint8Array::new_with_length(16);
    let filled = super::window()
        .crypto()
        .is_ok_and(|c| c.get_random_values_with_js_u8_array(&array).is_ok());
    let mut out = String::with_capacity(32);
    for i in 0..16 {
        let b = if filled {
            array.get_index(i)
        } else {
            (js_sys::Math::random() * 256.0) as u8
        };
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}
