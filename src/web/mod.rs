//! The only code that touches the browser (web-sys, js-sys, gloo, wasm-bindgen). It starts the
//! page's side of the widget and mounts forms ([`entry`]), renders the view tree into a shadow
//! root and turns DOM events into messages (`dom`), carries out effects: network, randomness
//! (`effects`), solves proofs of work with the browser's crypto (`pow`), delivers answers
//! through the outbox (`courier`) and tells the page what
//! happened with DOM events (`events`). Every value that crosses the JS boundary as data goes
//! through serde-wasm-bindgen (`js`).
//! Nothing here decides behaviour; that is `crate::state`.

mod courier;
mod dom;
pub mod done;
mod effects;
pub mod entry;
mod events;
mod intl;
pub mod js;
mod packs;
mod pow;
mod style;

pub use entry::{mount, mount_with, start, unmount};

// The default allocator (dlmalloc) is about 8 KB of wasm; this free list, which coalesces freed
// neighbours, is under 2 KB. A form allocates little, so its linear search costs nothing visible.
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    // One import to read and one to write any property, instead of a generated JS function per
    // property and type (`HtmlInputElement.value`, `Url.origin`, …): kilobytes of glue saved.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    fn get(target: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn set(target: &wasm_bindgen::JsValue, key: &str, value: &wasm_bindgen::JsValue) -> bool;
}

/// A string property of a JS object; empty if missing or not a string.
fn prop(target: &wasm_bindgen::JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

fn window() -> web_sys::Window {
    gloo_utils::window()
}

/// One clear message for the webmaster in the console, prefixed so it is easy to find.
fn console_error(msg: &str) {
    web_sys::console::error_1(&voix_form::cat(&["[voix] ", msg]).into());
}

/// [`console_error`] followed by the browser's own error object (logged as is: formatting a
/// `JsValue` in Rust would ship a debug printer in the glue).
fn console_error_with(msg: &str, err: &wasm_bindgen::JsValue) {
    web_sys::console::error_2(&voix_form::cat(&["[voix] ", msg]).into(), err);
}

#[cfg(test)]
mod tests;
