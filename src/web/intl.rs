//! Numbers, percentages and dates in poll results written by the browser's `Intl`, in the
//! widget's language: "1 234" and "45 %" in French, "1,234" and "45%" in English, the resident's
//! own time zone for a poll's dates. One constructor and one method imported for each of
//! `Intl.NumberFormat` and `Intl.DateTimeFormat`.

use voix_form::{
    i18n::{Locale, Strings},
    view::Numbers,
};
use wasm_bindgen::prelude::*;

use super::set;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl)]
    fn new(locale: &str, options: &JsValue) -> NumberFormat;
    #[wasm_bindgen(method)]
    fn format(this: &NumberFormat, n: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl)]
    type DateTimeFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl)]
    fn new(locale: &str, options: &JsValue) -> DateTimeFormat;
    #[wasm_bindgen(method, js_name = format)]
    fn format_date(this: &DateTimeFormat, ms: f64) -> String;
}

/// The browser's formatting for one locale.
#[derive(Debug, Clone, Copy)]
pub struct Intl(pub Locale);

/// `{ key: value, … }` for `Intl`'s options.
fn options(members: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in members {
        set(&o, k, &(*v).into());
    }
    o.into()
}

impl Numbers for Intl {
    fn count(&self, n: u64) -> String {
        // Below 1 000 no locale of ours groups digits, and all but Arabic write Latin ones: plain
        // digits, the same as `Intl` writes. The first `Intl.NumberFormat` of a page costs
        // 15–40 ms on a desktop (ICU's data for the locale), four times that on an old phone,
        // and a text question's "500 characters left" is in the first render: it does not pay it.
        if n < 1000 && self.0 != Locale::Ar {
            return voix_form::i18n::itoa(n as usize);
        }
        NumberFormat::new(self.0.tag(), &JsValue::UNDEFINED).format(n as f64)
    }

    fn percent(&self, n: u32, _: &Strings) -> String {
        NumberFormat::new(self.0.tag(), &options(&[("style", "percent")]))
            .format(f64::from(n) / 100.0)
    }

    fn date(&self, ms: i64) -> String {
        let how = options(&[("dateStyle", "long"), ("timeStyle", "short")]);
        DateTimeFormat::new(self.0.tag(), &how).format_date(ms as f64)
    }
}
