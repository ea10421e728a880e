//! Data across the JS boundary, always through serde-wasm-bindgen: the browser parses and
//! prints JSON (`Response.json()`, `JSON.parse`, `JSON.stringify`), and serde maps its objects
//! to voix-form's one model and back. The wasm carries no JSON reader or writer.

use serde::{Serialize, de::DeserializeOwned};
use voix_form::{
    Form,
    shape::{Kind, Tree},
    translations::Translations,
};
use wasm_bindgen::{JsCast, JsValue};

use super::{get, prop};

/// Plain objects (not ES `Map`s) and `null` for `None`, so `JSON.stringify` keeps everything.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::json_compatible();

/// `value` as a JS value (objects, arrays, strings, numbers).
pub fn to_js<T: Serialize>(value: &T) -> Option<JsValue> {
    value.serialize(&SERIALIZER).ok()
}

/// `value` as JSON text, printed by the browser.
pub fn to_json<T: Serialize>(value: &T) -> Option<String> {
    js_sys::JSON::stringify(&to_js(value)?).ok()?.as_string()
}

/// A JS value read as `T`; the error says what did not fit.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// JSON text parsed by the browser; the error is the browser's own message.
pub fn parse_json(text: &str) -> Result<JsValue, String> {
    js_sys::JSON::parse(text).map_err(|e| prop(&e, "message"))
}

/// A form definition from a JS object (inline or fetched): unknown members refused first
/// (serde-wasm-bindgen only looks up the declared ones), then the typed read, every error
/// with its path.
pub fn read_definition(value: JsValue) -> voix_form::Result<(Form, Translations)> {
    Form::read(
        &JsTree(value.clone()),
        serde_wasm_bindgen::Deserializer::from(value),
    )
}

/// A JS value walked for [`voix_form::shape`]: plain objects by their own keys, arrays by item.
struct JsTree(JsValue);

impl Tree for JsTree {
    fn kind(&self) -> Kind {
        let v = &self.0;
        if v.is_null() || v.is_undefined() {
            Kind::Null
        } else if let Some(s) = v.as_string() {
            Kind::Str(s)
        } else if let Some(n) = v.as_f64() {
            Kind::Number(n, n.fract() == 0.0)
        } else if v.as_bool().is_some() {
            Kind::Bool
        } else if js_sys::Array::is_array(v) {
            Kind::List
        } else {
            Kind::Object
        }
    }

    fn keys(&self) -> Vec<String> {
        if !self.0.is_object() || js_sys::Array::is_array(&self.0) {
            return Vec::new();
        }
        let keys = js_sys::Object::keys(self.0.unchecked_ref::<js_sys::Object>());
        keys.iter().filter_map(|k| k.as_string()).collect()
    }

    fn member(&self, key: &str) -> Option<Self> {
        Some(JsTree(get(&self.0, key)))
    }

    fn items(&self) -> Vec<Self> {
        if !js_sys::Array::is_array(&self.0) {
            return Vec::new();
        }
        let array: &js_sys::Array = self.0.unchecked_ref();
        array.iter().map(JsTree).collect()
    }
}
