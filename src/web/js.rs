//! Data across the JS boundary, always through serde-wasm-bindgen: the browser parses and
//! prints JSON (`Response.json()`, `JSON.parse`, `JSON.stringify`), and serde maps its objects
//! to voix-form's one model and back. The wasm carries no JSON reader or writer.

use serde::{Serialize, de::DeserializeOwned};
use voix_form::{
    Form,
    i18n::{Source, Strings, StringsPatch},
    shape::{Kind, Tree},
    translations::Translations,
};
use wasm_bindgen::{JsCast, JsValue};

use super::{get, prop};
use crate::config::{ConfigError, Options, unknown_options};

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

/// The options the JS API may give as objects rather than as text: a definition, strings.
#[derive(Debug, Default)]
pub struct Objects {
    /// `definition` as a form definition object (not an element id).
    pub definition: Option<JsValue>,
    /// `strings` as an object of replacement words (not JSON text or an element id).
    pub strings: Option<JsValue>,
}

/// The options object of the JS API (`undefined` or `null`: none): unknown names refused first
/// (serde-wasm-bindgen only looks up the declared ones), then the typed read. A `definition` or
/// `strings` that is an object is taken out of a copy before the read and returned beside.
pub fn read_options(value: &JsValue) -> Result<(Options, Objects), ConfigError> {
    let mut objects = Objects::default();
    if value.is_undefined() || value.is_null() {
        return Ok((Options::default(), objects));
    }
    let tree = JsTree(value.clone());
    if tree.kind() != Kind::Object {
        return Err(ConfigError::BadOptions("not an object".into()));
    }
    let keys = tree.keys();
    let unknown = unknown_options(&keys);
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownOptions(unknown));
    }
    let copy = js_sys::Object::assign(&js_sys::Object::new(), value.unchecked_ref());
    for (name, slot) in [
        ("definition", &mut objects.definition),
        ("strings", &mut objects.strings),
    ] {
        let member = get(&copy, name);
        if member.is_object() {
            let _ = js_sys::Reflect::delete_property(&copy, &name.into());
            *slot = Some(member);
        }
    }
    // serde-wasm-bindgen's errors carry no path ("invalid type: …, expected a string"); naming
    // the member was measured at 270 brotli bytes, for members that are all strings.
    let options = serde_wasm_bindgen::from_value(copy.into())
        .map_err(|e| ConfigError::BadOptions(prop(&e.into(), "message")))?;
    Ok((options, objects))
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

/// `base` with the strings a JS object has in their place (a site's `data-strings`, a locale
/// pack): its shape checked first (unknown names and non-strings refused, with their path),
/// then read member by member (see [`voix_form::i18n::Source`]).
pub fn read_strings(value: JsValue, base: &'static Strings) -> Result<&'static Strings, String> {
    let tree = JsTree(value);
    voix_form::shape::check(&tree, &StringsPatch::SHAPE)?;
    base.patched_from(&tree)
}

impl Source for JsTree {
    fn text(&self, error: bool, name: &str) -> Option<String> {
        let group = if error {
            get(&self.0, "errors")
        } else {
            self.0.clone()
        };
        group
            .is_object()
            .then(|| get(&group, name).as_string())
            .flatten()
    }

    fn smileys(&self) -> Option<Vec<String>> {
        let list = self.member("smileys")?;
        js_sys::Array::is_array(&list.0).then(|| {
            list.items()
                .iter()
                .map(|s| s.0.as_string().unwrap_or_default())
                .collect()
        })
    }
}
