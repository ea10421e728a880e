//! The only code that touches the browser (web-sys, js-sys, wasm-bindgen). It finds
//! placeholders ([`entry`]), renders the view tree into a shadow root and turns DOM events into
//! messages ([`dom`]), and carries out effects: network, focus, randomness ([`effects`]).
//! Nothing here decides behaviour; that is `crate::state`.

mod dom;
mod effects;
mod entry;
mod style;

pub use entry::boot;

/// One clear message for the webmaster in the console, prefixed so it is easy to find.
fn console_error(msg: &str) {
    web_sys::console::error_1(&format!("[voix] {msg}").into());
}
