//! Effects that leave the page: HTTP requests and randomness.
//!
//! Requests carry no credentials (no cookies, ever) and a POST body is a string, which the
//! browser labels `text/plain;charset=UTF-8`: a CORS-simple request, so no preflight.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use web_sys::{RequestCredentials, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then(this: &Thenable, on_ok: &JsValue, on_err: &JsValue);
}

// `promise.then(f, f)`: one self-freeing function for both outcomes, so whichever way the
// promise settles, nothing is left allocated.
fn either(p: &Promise, f: &JsValue) {
    p.unchecked_ref::<Thenable>().then(f, f);
}

/// What an HTTP request came to: the status and body text, or `None` when no HTTP answer was
/// read (offline, DNS, CORS refusal, aborted).
pub type Outcome = Option<(u16, String)>;

/// Sends a request and calls `done` once with its outcome.
///
/// Plain promise callbacks rather than `async`: the futures executor costs kilobytes of wasm,
/// and two chained callbacks are all a request needs.
pub fn request(method: &str, url: &str, body: Option<&str>, done: impl FnOnce(Outcome) + 'static) {
    let window = super::window();
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::Omit);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let on_response = Closure::once_into_js(move |v: JsValue| {
        // A rejection brings an error object, not a Response.
        let Some(resp) = v.dyn_ref::<Response>() else {
            return done(None);
        };
        let status = resp.status();
        let Ok(text) = resp.text() else {
            return done(None);
        };
        let on_text =
            Closure::once_into_js(move |t: JsValue| done(t.as_string().map(|t| (status, t))));
        either(&text, &on_text);
    });
    either(&window.fetch_with_str_and_init(url, &init), &on_response);
}

/// 128 random bits as 32 hex characters, from the browser's CSPRNG; empty if it is missing
/// (no browser that runs WebAssembly lacks it), and the answer then goes without an id.
pub fn random_id() -> String {
    // Filled on the JS side and read back byte by byte: passing a `&mut [u8]` would link the
    // copy-back machinery for a 16-byte array.
    let array = js_sys::Uint8Array::new_with_length(16);
    let filled = super::window()
        .crypto()
        .is_ok_and(|c| c.get_random_values_with_js_u8_array(&array).is_ok());
    let mut out = String::with_capacity(32);
    for i in 0..16 {
        if !filled {
            break;
        }
        let b = array.get_index(i);
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}
