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

/// One clear message for the webmaster in the console, prefixed so it is easy to find.
fn console_error(msg: &str) {
    web_sys::console::error_1(&format!("[voix] {msg}").into());
}
