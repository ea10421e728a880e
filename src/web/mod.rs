//! The only code that touches the browser (web-sys, js-sys, wasm-bindgen). It finds
//! placeholders ([`entry`]), renders the view tree into a shadow root and turns DOM events into
//! messages ([`dom`]), and carries out effects: network, focus, randomness ([`effects`]).
//! Nothing here decides behaviour; that is `crate::state`.

mod dom;
mod effects;
mod entry;
mod style;

pub use entry::boot;

// The default allocator (dlmalloc) is about 8 KB of wasm; this free list, which coalesces freed
// neighbours, is under 2 KB. A form allocates little, so its linear search costs nothing visible.
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    // The page's `window`, read directly: `web_sys::window()` probes four global names first,
    // which costs bytes and buys nothing in a page.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: web_sys::Window;
}

fn window() -> web_sys::Window {
    WINDOW.with(web_sys::Window::clone)
}

/// One clear message for the webmaster in the console, prefixed so it is easy to find.
fn console_error(msg: &str) {
    web_sys::console::error_1(&format!("[voix] {msg}").into());
}

/// [`console_error`] followed by the browser's own error object (logged as is: formatting a
/// `JsValue` in Rust would ship a debug printer in the glue).
fn console_error_with(msg: &str, err: &wasm_bindgen::JsValue) {
    web_sys::console::error_2(&format!("[voix] {msg}").into(), err);
}
