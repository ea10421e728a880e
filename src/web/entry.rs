//! What the loader (`dist/voix.js`, or the ES module `voix.mjs`) calls: [`start`] once per
//! page, then `mount(host, options)` ([`mount_with`]) for each element to show a form in, and
//! [`unmount`] to tear one down. Each mount resolves its configuration (options, then the
//! element's and the script's `data-*`), loads its form definition (an object, inline JSON or
//! from the endpoint) and renders it, then dispatches `voix:ready` on the element. Every failure
//! is one `console.error` naming what to fix and a `voix:error` event; the host page is never
//! touched beyond the element.

use std::{cell::RefCell, rc::Rc};

use voix_form::{
    ErrorCode, Form, cat,
    i18n::{Locale, Strings, itoa},
    translations::Translations,
};
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlScriptElement};

use super::{console_error, courier, dom, effects, events::emit, get, js, packs, prop};
use crate::{
    config::{self, Config, ConfigError},
    events,
};

/// What every mount of the page shares: the script tag's settings, the courier, and the
/// mounts themselves (the only strong reference to each).
struct Page {
    script: Option<HtmlScriptElement>,
    /// The origin the script was loaded from: the default endpoint.
    script_origin: Option<String>,
    courier: courier::Shared,
    mounts: Vec<(Element, dom::Handle)>,
    /// Elements whose definition is loading. [`unmount`] takes an element out, and a definition
    /// that arrives for an element no longer here is dropped: a form removed before it was
    /// shown leaves nothing behind.
    pending: Vec<Element>,
}

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

/// Starts the page's side of the widget, once: the courier takes over whatever answers an
/// earlier page could not deliver. `script` is the `<script>` element that loaded `voix.js`
/// (`None` if it could not be found, or for the ES module); `packs` is an object of the locale
/// packs' URLs by language tag (content-hashed names from the loader, beside it).
#[wasm_bindgen]
pub fn start(script: Option<HtmlScriptElement>, packs: JsValue) {
    packs::locate(packs);
    PAGE.with_borrow_mut(|page| {
        if page.is_some() {
            return;
        }
        let script_origin = script
            .as_ref()
            .and_then(|s| web_sys::Url::new(&prop(s, "src")).ok())
            .map(|u| prop(&u, "origin"))
            .filter(|o| o.starts_with("http"));
        *page = Some(Page {
            script,
            script_origin,
            courier: courier::start(),
            mounts: Vec::new(),
            pending: Vec::new(),
        });
    });
}

/// Mounts the form `host` asks for by its `data-*` attributes alone (see [`mount_with`]).
pub fn mount(host: Element) {
    mount_with(host, JsValue::UNDEFINED);
}

/// `mount(host, options)` for JavaScript: mounts the form `options` (then `host`'s `data-*`,
/// then the script's) ask for. `options` is `undefined` or an object with `form`, `endpoint`,
/// `lang`, `definition` (an element id or a definition object). Does nothing if `host` is
/// mounted or loading already; one console error and a `voix:error` event if its configuration
/// or definition is wrong.
#[wasm_bindgen(js_name = mount)]
pub fn mount_with(host: Element, options: JsValue) {
    start(None, JsValue::UNDEFINED);
    let resolved = PAGE.with_borrow_mut(|page| {
        let page = page.as_mut()?;
        if page.pending.contains(&host) || page.mounts.iter().any(|(h, _)| *h == host) {
            return None;
        }
        let script_attr = |name: &str| page.script.as_ref().and_then(|s| s.get_attribute(name));
        let resolved = js::read_options(&options).and_then(|(options, objects)| {
            let cfg = config::resolve(
                &options,
                &|name| host.get_attribute(name),
                &script_attr,
                page.script_origin.as_deref(),
                &endpoint,
            )?;
            Ok((cfg, objects))
        });
        if resolved.is_ok() {
            page.pending.push(host.clone());
        }
        Some(resolved.map(|(cfg, objects)| {
            (
                cfg,
                objects,
                script_attr("data-nonce"),
                page.courier.clone(),
            )
        }))
    });
    let (cfg, objects, nonce, courier) = match resolved {
        None => return,
        Some(Ok(resolved)) => resolved,
        Some(Err(e)) => {
            console_error(&e.message());
            let form = match &e {
                ConfigError::BadFormId(id) => id.as_str(),
                _ => "",
            };
            return emit(&host, events::unavailable(form, ErrorCode::Invalid));
        }
    };
    // `<html lang>`, read as the property ("" when absent).
    let html_lang = super::window()
        .document()
        .map(|d| prop(&get(&d, "documentElement"), "lang"))
        .unwrap_or_default();
    let locale = config::locale(cfg.lang.as_deref(), Some(&html_lang));
    // The definition and, for a locale the wasm does not carry, its strings: side by side.
    let (defined, worded) = both(
        move |(cfg, loaded): (Config, Result<_, LoadError>), words| {
            // Still wanted? Torn down while its definition was loading: nothing to show.
            let wanted = PAGE.with_borrow_mut(|page| {
                let pending = &mut page.as_mut()?.pending;
                let i = pending.iter().position(|h| *h == host)?;
                Some(pending.swap_remove(i))
            });
            if wanted.is_none() {
                return;
            }
            let (form, translations): (voix_form::Form, _) = match loaded {
                Ok(loaded) => loaded,
                Err((code, msg)) => {
                    console_error(&msg);
                    return emit(&host, events::unavailable(&cfg.form, code));
                }
            };
            // A proof of work needs the browser's crypto, which only secure pages (https) have:
            // without it no answer could be sent, so the form is not shown; the loader links
            // its no-JS page instead (on this `voix:error`).
            if form.challenge && !super::pow::available() {
                console_error(&voix_form::cat(&[
                    "form \"",
                    &form.id,
                    "\": its collector asks for a proof of work, which needs the browser's Web \
                     Crypto, given only to secure pages (https): the link to its page without \
                     JavaScript is shown instead",
                ]));
                return emit(
                    &host,
                    events::unavailable(&form.id, ErrorCode::ProofRequired),
                );
            }
            let ready = events::ready(&form);
            let (locale, strings) = words;
            let words = dom::Words {
                locale,
                strings,
                translations,
            };
            let Some(handle) = dom::mount(&host, form, words, cfg, nonce.as_deref(), courier)
            else {
                return emit(
                    &host,
                    events::unavailable(&ready.1.form, ErrorCode::Invalid),
                );
            };
            PAGE.with_borrow_mut(|page| {
                if let Some(page) = page.as_mut() {
                    page.mounts.push((host.clone(), handle));
                }
            });
            // Outside the borrow: a listener may mount or unmount.
            emit(&host, ready);
        },
    );
    let (overrides, attr, form) = (objects.strings, cfg.strings.clone(), cfg.form.clone());
    packs::strings(locale, move |l, base| {
        worded((l, site_strings(&form, overrides, attr.as_deref(), base)));
    });
    load_definition(cfg, objects.definition, locale, move |cfg, loaded| {
        defined((cfg, loaded))
    });
}

/// `base` with the site's replacements for some of its words: the `strings` option (an object,
/// JSON text or an element id), else `data-strings` (JSON text, or the id of a
/// `<script type="application/json">` holding it). If they are wrong: one console message, and
/// the widget's own words, so the form still shows.
fn site_strings(
    form: &str,
    object: Option<JsValue>,
    attr: Option<&str>,
    base: &'static Strings,
) -> &'static Strings {
    let value = match (object, attr) {
        (Some(value), _) => Ok(value),
        (None, None) => return base,
        (None, Some(text)) if text.starts_with('{') => js::parse_json(text),
        (None, Some(id)) => super::window()
            .document()
            .and_then(|d| d.get_element_by_id(id))
            .ok_or_else(|| cat(&["no element with id=\"", id, "\" holds them"]))
            .and_then(|e| js::parse_json(&prop(&e, "textContent"))),
    };
    match value.and_then(|v| js::read_strings(v, base)) {
        Ok(strings) => strings,
        Err(e) => {
            console_error(&cat(&[
                "form \"",
                form,
                "\": the strings option or data-strings: ",
                &e,
                " (the widget's own words are shown)",
            ]));
            base
        }
    }
}

/// Two callbacks that call `then` with both values once both have been called, in either order.
fn both<A: 'static, B: 'static>(
    then: impl FnOnce(A, B) + 'static,
) -> (impl FnOnce(A) + 'static, impl FnOnce(B) + 'static) {
    type Slots<A, B> = (Option<A>, Option<B>);
    let slots: Rc<RefCell<Slots<A, B>>> = Rc::new(RefCell::new((None, None)));
    let then = Rc::new(RefCell::new(Some(then)));
    let fire = move |slots: &RefCell<Slots<A, B>>| {
        let mut s = slots.borrow_mut();
        if s.0.is_some() && s.1.is_some() {
            let (a, b) = (s.0.take(), s.1.take());
            drop(s);
            if let (Some(a), Some(b), Some(then)) = (a, b, then.borrow_mut().take()) {
                then(a, b);
            }
        }
    };
    let fire = Rc::new(fire);
    let (slots2, fire2) = (slots.clone(), fire.clone());
    (
        move |a| {
            slots.borrow_mut().0 = Some(a);
            fire(&slots);
        },
        move |b| {
            slots2.borrow_mut().1 = Some(b);
            fire2(&slots2);
        },
    )
}

/// `check(definition)` for the form builder (`www/builder.html`, through `Voix.check`): the
/// reading a `definition` object given to `mount` goes through (shape, typed read, rules), and
/// nothing else. `undefined` when the definition is valid, else what is wrong, starting with
/// its path: "questions\[1\].id: question id \`avis\` is used twice". A `JsValue` (a string or
/// `undefined`) rather than `Option<String>`: 150 brotli bytes less of wasm and glue, measured.
#[wasm_bindgen]
pub fn check(definition: JsValue) -> JsValue {
    match js::read_definition(definition) {
        Ok(_) => JsValue::UNDEFINED,
        Err(e) => e.detail().into(),
    }
}

/// Tears down the widget mounted on `host`: its listeners are removed and its shadow root
/// emptied; a definition still loading for it is dropped when it arrives. Whether there was a
/// mounted widget. An answer it sent stays in the outbox until delivered.
#[wasm_bindgen]
pub fn unmount(host: &Element) -> bool {
    let handle = PAGE.with_borrow_mut(|page| {
        let page = page.as_mut()?;
        page.pending.retain(|h| h != host);
        let i = page.mounts.iter().position(|(h, _)| h == host)?;
        Some(page.mounts.swap_remove(i))
    });
    // Dropped outside the borrow: tearing down touches the DOM.
    handle.is_some()
}

/// How many widgets are mounted on the page (for tests and the JS API).
#[wasm_bindgen]
pub fn mounted() -> usize {
    PAGE.with_borrow(|page| page.as_ref().map_or(0, |p| p.mounts.len()))
}

/// `data-endpoint` as `origin + path` (no trailing slash), read by the browser's URL parser:
/// an absolute http(s) URL without query or fragment, else `None`.
fn endpoint(url: &str) -> Option<String> {
    let u = web_sys::Url::new(url).ok()?;
    let web = matches!(prop(&u, "protocol").as_str(), "https:" | "http:");
    if !web || !prop(&u, "search").is_empty() || !prop(&u, "hash").is_empty() {
        return None;
    }
    Some(cat(&[
        &prop(&u, "origin"),
        prop(&u, "pathname").trim_end_matches('/'),
    ]))
}

/// Why a definition could not be had: the code of its `voix:error`, the console message.
type LoadError = (ErrorCode, String);

/// Reads the form definition — the object given as the `definition` option, else the inline
/// `<script type="application/json">` the configuration names, else from the endpoint with its
/// translation into `locale` — and hands it, with its translations, to `then` with the config.
fn load_definition(
    cfg: Config,
    inline: Option<JsValue>,
    locale: Locale,
    then: impl FnOnce(Config, Result<(Form, Translations), LoadError>) + 'static,
) {
    let form_id = cfg.form.clone();
    // `form "ID"` + what is wrong.
    let fail = move |code: ErrorCode, parts: &[&str]| {
        let mut msg = cat(&["form \"", &form_id, "\""]);
        for p in parts {
            msg.push_str(p);
        }
        Err((code, msg))
    };
    let invalid = |e: voix_form::Error| cat(&[": invalid form definition: ", &e.detail()]);
    let read = js::read_definition;
    // A built-in template (config checked the name) needs nothing from the network.
    if let Some(loaded) = cfg
        .template
        .as_deref()
        .and_then(|name| voix_form::templates::template(name, &cfg.form))
    {
        return then(cfg, Ok(loaded));
    }
    let bad = ErrorCode::Invalid;
    if let Some(value) = inline {
        let form = read(value).or_else(|e| fail(bad, &[" (the definition option)", &invalid(e)]));
        let form = form.and_then(|f| same_id(f, &cfg));
        return then(cfg, form);
    }
    if let Some(def) = &cfg.definition {
        let found = super::window()
            .document()
            .and_then(|d| d.get_element_by_id(def));
        let form = match found.map(|e| prop(&e, "textContent")) {
            Some(text) => match js::parse_json(&text) {
                Ok(value) => read(value).or_else(|e| fail(bad, &[" (#", def, ")", &invalid(e)])),
                Err(e) => fail(bad, &[" (#", def, "): the definition is not JSON: ", &e]),
            },
            None => fail(
                bad,
                &[": no element with id=\"", def, "\" holds its definition"],
            ),
        };
        let form = form.and_then(|f| same_id(f, &cfg));
        return then(cfg, form);
    }
    let url = cfg.definition_url(locale);
    effects::request(
        "GET",
        &url.clone(),
        None,
        Box::new(move |result| {
            let form = match result {
                Some(r) if r.status == 200 => match r.json {
                    Some(value) => {
                        read(value).or_else(|e| fail(bad, &[" from ", &url, &invalid(e)]))
                    }
                    None => fail(
                        ErrorCode::Server,
                        &[" from ", &url, ": the response is not JSON"],
                    ),
                },
                Some(r) if r.status == 404 => {
                    fail(ErrorCode::NotFound, &[" does not exist at ", &cfg.endpoint])
                }
                Some(r) => fail(
                    ErrorCode::Server,
                    &[": ", &url, " answered HTTP ", &itoa(r.status.into())],
                ),
                None => fail(
                    ErrorCode::Network,
                    &[": could not reach ", &url, " (network or CORS)"],
                ),
            };
            let form = form.and_then(|f| same_id(f, &cfg));
            then(cfg, form)
        }),
    );
}

fn same_id(loaded: (Form, Translations), cfg: &Config) -> Result<(Form, Translations), LoadError> {
    let form = &loaded.0;
    if form.id == cfg.form {
        Ok(loaded)
    } else {
        Err((
            ErrorCode::Invalid,
            cat(&[
                "the definition has id \"",
                &form.id,
                "\" but the placeholder asks for \"",
                &cfg.form,
                "\"",
            ]),
        ))
    }
}
