//! `voix` — the Voix widget: feedback forms and short polls that any web page embeds with one
//! `<script>` tag, compiled to WebAssembly.
//!
//! The crate is split so that almost everything is testable natively:
//! - [`config`] resolves the configuration (defaults < `data-*` attributes < JS options) — pure;
//! - [`state`] is the widget's state machine, `update(state, msg) -> effects` — pure;
//! - [`outbox`] keeps sent answers until the endpoint confirms them: retries, expiry, bounds —
//!   pure;
//! - [`events`] says which DOM event (`voix:submit`, `voix:success`…) an update causes and
//!   what its detail holds — pure;
//! - `web` (wasm32 only) is the only code that touches the browser: it mounts forms into shadow
//!   roots, turns the view tree into DOM, and carries out effects.
//!
//! The `#[wasm_bindgen]` surface is `web::start`, `mount(host, options)`, `web::unmount`,
//! `mounted` and `check(definition)` (the form builder's validation), called by the `dist/voix.js` loader (or the ES module `voix.mjs`) once a form is
//! about to be seen. Every embedding mode — placeholder, link upgrade, `<voix-form>`, dialog,
//! floating button, triggers, `window.Voix` — is the loader's; the wasm only renders a form
//! into the host element it is given.

pub mod config;
pub mod events;
pub mod outbox;
pub mod proof;
pub mod state;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The widget's version, as shown in `window.Voix.version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
