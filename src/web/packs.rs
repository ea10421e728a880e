//! The strings of locales the wasm does not carry. French and English are compiled in; German,
//! Spanish, Italian, Dutch and Arabic are JSON packs beside the widget (`voix-strings-de.json`…,
//! content-hashed in `dist/`, written by `cargo xtask dist` from voix-form's own tables), fetched
//! by the page that needs one, at the same time as the definition, once per page (the loader
//! starts that request beside the wasm's, so this one is usually answered by the cache).

use std::cell::RefCell;

use voix_form::{
    cat,
    i18n::{Locale, Strings},
};
use wasm_bindgen::JsValue;

use super::{console_error, effects, get, js};

thread_local! {
    /// Where the packs are: an object of pack URLs by language tag, from the loader (their
    /// content-hashed names beside it) or the ES module. `undefined` when not given.
    static WHERE: RefCell<JsValue> = const { RefCell::new(JsValue::UNDEFINED) };
    /// The packs this page has asked for, with what was shown for each: the pack's locale and
    /// strings, or French when it could not be had (asked once per page, said once).
    static READ: RefCell<Vec<(Locale, Locale, &'static Strings)>> = const { RefCell::new(Vec::new()) };
    /// The packs on their way, with the forms waiting for each: a second form of the same
    /// language waits for the first one's request instead of making its own.
    static WAITING: RefCell<Vec<(Locale, Vec<Then>)>> = const { RefCell::new(Vec::new()) };
}

/// What a form does with its words once they are known.
type Then = Box<dyn FnOnce(Locale, &'static Strings)>;

/// Remembers where the packs are (see `WHERE`), once per page.
pub fn locate(packs: JsValue) {
    WHERE.with_borrow_mut(|w| {
        if w.is_undefined() {
            *w = packs;
        }
    });
}

/// The URL of `locale`'s pack, if the page said where packs are.
fn url(locale: Locale) -> Option<String> {
    WHERE.with_borrow(|w| {
        if w.is_object() {
            get(w, locale.tag()).as_string()
        } else {
            None
        }
    })
}

/// Hands `then` the locale to show and its strings: at once when they are compiled in or were
/// read before, else when the pack has arrived (one request for all the forms of a page). A
/// pack that cannot be had is one console message, and the forms are shown in French, their
/// texts too (its words and their `lang` marks agree).
pub fn strings(locale: Locale, then: impl FnOnce(Locale, &'static Strings) + 'static) {
    if let Some(s) = locale.builtin() {
        return then(locale, s);
    }
    let known = READ.with_borrow(|r| {
        r.iter()
            .find(|(l, _, _)| *l == locale)
            .map(|(_, shown, s)| (*shown, *s))
    });
    if let Some((shown, s)) = known {
        return then(shown, s);
    }
    let Some(url) = url(locale) else {
        let (l, s) = french(locale, "the page did not say where voix-strings files are");
        return then(l, s);
    };
    let first = WAITING.with_borrow_mut(|w| match w.iter_mut().find(|(l, _)| *l == locale) {
        Some((_, waiting)) => {
            waiting.push(Box::new(then));
            false
        }
        None => {
            w.push((locale, vec![Box::new(then)]));
            true
        }
    });
    if !first {
        return;
    }
    effects::request(
        "GET",
        &url.clone(),
        None,
        Box::new(move |reply| {
            let read = match reply {
                Some(r) if r.status == 200 => r
                    .json
                    .ok_or_else(|| "not JSON".to_owned())
                    .and_then(|p| js::read_strings(p, Locale::Fr.strings())),
                Some(r) => Err(cat(&["HTTP ", &voix_form::i18n::itoa(r.status.into())])),
                None => Err("network".to_owned()),
            };
            let (l, s) = match read {
                Ok(s) => (locale, s),
                Err(e) => french(locale, &cat(&[&url, ": ", &e])),
            };
            READ.with_borrow_mut(|r| r.push((locale, l, s)));
            // Taken out before any is called: a form shown may mount another.
            let waiting = WAITING.with_borrow_mut(|w| {
                let i = w.iter().position(|(l, _)| *l == locale)?;
                Some(w.swap_remove(i).1)
            });
            for then in waiting.into_iter().flatten() {
                then(l, s);
            }
        }),
    );
}

/// French instead of `locale`, whose pack could not be had, after one console message.
fn french(locale: Locale, why: &str) -> (Locale, &'static Strings) {
    console_error(&cat(&[
        "the strings in \"",
        locale.tag(),
        "\" could not be loaded (",
        why,
        "): the form is shown in French",
    ]));
    (Locale::Fr, Locale::Fr.strings())
}
