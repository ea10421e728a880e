//! The widget's stylesheet, shared by every mount on the page.
//!
//! Applied with a constructable stylesheet (`adoptedStyleSheets`), which a CSP forbidding inline
//! styles does not block; where that API is missing, a `<style>` element carrying the script's
//! `data-nonce` is used instead.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, ShadowRoot};

// Minified from style.css by build.rs.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

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

fn adopt(root: &ShadowRoot) -> Result<(), JsValue> {
    let sheet = SHEET.with(|s| -> Result<CssStyleSheet, JsValue> {
        let mut s = s.borrow_mut();
        if let Some(sheet) = s.as_ref() {
            return Ok(sheet.clone());
        }
        let sheet = CssStyleSheet::new()?;
        sheet.replace_sync(CSS)?;
        *s = Some(sheet.clone());
        Ok(sheet)
    })?;
    // Older engines lack the property; setting it would silently do nothing.
    if !js_sys::Reflect::has(root, &"adoptedStyleSheets".into())? {
        return Err(JsValue::NULL);
    }
    root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    Ok(())
}
