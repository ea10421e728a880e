//! `voix` — the Voix widget: feedback forms and short polls that any web page embeds with one
//! `<script>` tag, compiled to WebAssembly.
//!
//! The crate is split so that almost everything is testable natively:
//! - [`config`] resolves the configuration (defaults < `data-*` attributes) — pure;
//! - [`state`] is the widget's state machine, `update(state, msg) -> effects` — pure;
//! - `web` (wasm32 only) is the only code that touches the browser: it finds placeholders,
//!   attaches shadow roots, turns the view tree into DOM, and carries out effects.
//!
//! The `#[wasm_bindgen]` surface is `web::boot`, called by the `dist/voix.js` loader.

pub mod config;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::boot;

/// The widget's version, as shown in `window.Voix.version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
