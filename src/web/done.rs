//! What this browser remembers about forms it has seen: `localStorage["voix-done"]`, a JSON
//! object `{ "<form id>": "answered" | "dismissed" }` — a poll's one vote per browser, and the
//! "not again" of the floating and modal modes. It holds no identifier, only the resident's own
//! choice (CNIL: strictly necessary). Storage refused reads as nothing remembered.

use voix_form::translations::OrderedMap;

use super::js;

/// The storage key.
pub const KEY: &str = "voix-done";

/// What is remembered of `form` (`"answered"`, `"dismissed"`), if anything.
pub fn get(form: &str) -> Option<String> {
    read()
        .0
        .into_iter()
        .find(|(f, _)| f == form)
        .map(|(_, s)| s)
}

/// Remembers `state` for `form`; a refused storage is not an error (nothing is remembered).
pub fn set(form: &str, state: &str) {
    let Some(storage) = storage() else {
        return;
    };
    // A small list, not a map: a browser remembers a handful of forms, and a map's code costs
    // the widget kilobytes of wasm.
    let mut all = read();
    all.0.retain(|(f, _)| f != form);
    all.0.push((form.to_owned(), state.to_owned()));
    if let Some(text) = js::to_json(&all) {
        let _ = storage.set_item(KEY, &text);
    }
}

fn storage() -> Option<web_sys::Storage> {
    super::window().local_storage().ok().flatten()
}

fn read() -> OrderedMap<String> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|text| js::parse_json(&text).ok())
        .and_then(|v| js::from_js(v).ok())
        .unwrap_or_default()
}
