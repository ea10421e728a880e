//! Dispatches the widget's DOM events ([`crate::events`] decides which, and their detail) on
//! its host element: bubbling and `composed`, so they cross the shadow roots around a widget
//! (a dialog's) and reach `document`. The detail crosses through serde-wasm-bindgen.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, Element};

use super::{js, set};
use crate::events::{Detail, Name};

/// Dispatches `event` on `host`. A listener that throws is the page's business: the browser
/// reports it, the widget goes on.
pub fn emit(host: &Element, (name, detail): (Name, Detail)) {
    // A plain object through `Reflect.set`: one import, where the typed dictionary setters
    // would be one glue function each.
    let init = js_sys::Object::new();
    set(&init, "bubbles", &JsValue::TRUE);
    set(&init, "composed", &JsValue::TRUE);
    if let Some(detail) = js::to_js(&detail) {
        set(&init, "detail", &detail);
    }
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name.as_str(), init.unchecked_ref()) {
        let _ = host.dispatch_event(&event);
    }
}
