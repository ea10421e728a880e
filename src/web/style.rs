//! The widget's stylesheet.
//!
//! Applied with a constructable stylesheet (`adoptedStyleSheets`), which a CSP forbidding inline
//! styles does not block; where that API is missing, a `<style>` element carrying the script's
//! `data-nonce` is used instead.

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, ShadowRoot};

// Minified from style.css by build.rs.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

pub fn apply(doc: &Document, root: &ShadowRoot, nonce: Option<&str>) {
    if adopt(root).is_ok() {
        return;
    }
    if let Ok(style) = doc.create_element("style") {
        if let Some(n) = nonce {
            let _ = style.set_attribute("nonce", n);
        }
        style.set_text_content(Some(CSS));
        let _ = root.append_child(&style);
    }
}

// One sheet per mount: parsing a few kilobytes of CSS per widget costs nothing visible, and a
// page-wide cache would need a thread-local, which costs more wasm than it saves.
fn adopt(root: &ShadowRoot) -> Result<(), JsValue> {
    // Engines without constructable sheets throw here; those that have them (Chromium 73,
    // Firefox 101, Safari 16.4) also have `adoptedStyleSheets`.
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(CSS)?;
    root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    Ok(())
}
