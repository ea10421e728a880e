//! `voix` — the Voix widget: feedback forms and short polls that any web page embeds with one
//! `<script>` tag, compiled to WebAssembly.
//!
//! The crate is split so that almost everything is testable natively:
//! - [`config`] resolves the configuration (defaults < `data-*` attributes) — pure;
//! - [`state`] is the widget's state machine, `update(state, msg) -> effects` — pure;
//! - [`outbox`] keeps sent answers until the endpoint confirms them: retries, expiry, bounds —
//!   pure;
//! - `web` (wasm32 only) is the only code that touches the browser: it finds placeholders,
//!   attaches shadow roots, turns the view tree into DOM, and carries out effects.
//!
//! The `#[wasm_bindgen]` surface is `web::boot`, called by the `dist/voix.js` loader.

// The shipped wasm (`cargo xtask dist` builds with `--features slim`) does without std: std's
// panic machinery and the formatting it drags in cost kilobytes, and a panic in the widget can
// only abort anyway. Native builds and the browser tests keep std.
#![cfg_attr(all(target_arch = "wasm32", feature = "slim"), no_std)]

extern crate alloc;

/// What `no_std` leaves out of the prelude, for every module.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::{
        borrow::ToOwned,
        boxed::Box,
        format,
        string::{String, ToString},
        vec,
        vec::Vec,
    };
}

pub mod config;
pub mod outbox;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::boot;

/// The widget's version, as shown in `window.Voix.version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A panic traps (`unreachable`), as std's handler with `panic = "abort"` would, minus the
/// message formatting nobody can read in a wasm32-unknown-unknown build.
#[cfg(all(target_arch = "wasm32", feature = "slim"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
