//! Effects that leave the page: HTTP requests and randomness.
//!
//! Requests carry no credentials (no cookies, ever) and a POST body is a string, which the
//! browser labels `text/plain;charset=UTF-8`: a CORS-simple request, so no preflight.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// Sends a request and returns the status and body text. `Err` means the network failed
/// (offline, DNS, CORS refusal): no HTTP answer was read.
pub async fn request(method: &str, url: &str, body: Option<&str>) -> Result<(u16, String), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::Omit);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(resp.text()?).await?;
    Ok((resp.status(), text.as_string().unwrap_or_default()))
}

/// 128 random bits as 32 hex characters, from the browser's CSPRNG.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Very old browsers: weaker, but two residents must still not share an id.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    let mut out = String::with_capacity(32);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}
