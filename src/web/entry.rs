//! What the loader (`dist/voix.js`) calls: [`start`] once per page, then [`mount`] for each
//! placeholder as it comes near the viewport, and [`unmount`] to tear one down. Each mount
//! resolves its configuration, loads its form definition (inline JSON or from the endpoint) and
//! renders it. Every failure is one `console.error` naming what to fix; the host page is never
//! touched beyond the placeholder.

use std::cell::RefCell;

use voix_form::{Form, cat, i18n::itoa};
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlScriptElement};

use super::{console_error, courier, dom, effects, get, js, prop};
use crate::config::{self, Config};

/// What every mount of the page shares: the script tag's settings, the courier, and the
/// mounts themselves (the only strong reference to each).
struct Page {
    script: Option<HtmlScriptElement>,
    /// The origin the script came from: the default endpoint.
    script_origin: Option<String>,
    courier: courier::Shared,
    mounts: Vec<(Element, dom::Handle)>,
}

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

/// Starts the page's side of the widget, once: the courier takes over whatever answers an
/// earlier page could not deliver. `script` is the `<script>` element that loaded `voix.js`
/// (`None` if it could not be found).
#[wasm_bindgen]
pub fn start(script: Option<HtmlScriptElement>) {
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
        });
    });
}

/// Mounts the form `host` asks for (its `data-*`, then the script's). Does nothing if `host`
/// is mounted already; one console error if its configuration or definition is wrong.
#[wasm_bindgen]
pub fn mount(host: Element) {
    start(None);
    let resolved = PAGE.with_borrow(|page| {
        let page = page.as_ref()?;
        if page.mounts.iter().any(|(h, _)| *h == host) {
            return None;
        }
        let script_attr = |name: &str| page.script.as_ref().and_then(|s| s.get_attribute(name));
        let cfg = config::resolve(
            &|name| host.get_attribute(name),
            &script_attr,
            page.script_origin.as_deref(),
            &endpoint,
        );
        Some((cfg, script_attr("data-nonce"), page.courier.clone()))
    });
    let Some((cfg, nonce, courier)) = resolved else {
        return;
    };
    let cfg = match cfg {
        Ok(cfg) => cfg,
        Err(e) => return console_error(&e.message()),
    };
    // `<html lang>`, read as the property ("" when absent).
    let html_lang = super::window()
        .document()
        .map(|d| prop(&get(&d, "documentElement"), "lang"))
        .unwrap_or_default();
    let locale = config::locale(cfg.lang.as_deref(), Some(&html_lang));
    load_definition(cfg, move |cfg, loaded| {
        let form = match loaded {
            Ok(form) => form,
            Err(msg) => return console_error(&msg),
        };
        PAGE.with_borrow_mut(|page| {
            let Some(page) = page.as_mut() else { return };
            // Two calls may race while the definition loads: the first one to arrive wins.
            if page.mounts.iter().any(|(h, _)| *h == host) {
                return;
            }
            if let Some(handle) = dom::mount(&host, form, cfg, locale, nonce.as_deref(), courier) {
                page.mounts.push((host, handle));
            }
        });
    });
}

/// Tears down the widget mounted on `host`: its listeners are removed and its shadow root
/// emptied. Whether there was one. An answer it sent stays in the outbox until delivered.
#[wasm_bindgen]
pub fn unmount(host: &Element) -> bool {
    let handle = PAGE.with_borrow_mut(|page| {
        let page = page.as_mut()?;
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

/// Reads the form definition — from the inline `<script type="application/json">` the
/// placeholder names, else from the endpoint — and hands it to `then` with the config.
fn load_definition(cfg: Config, then: impl FnOnce(Config, Result<Form, String>) + 'static) {
    let form_id = cfg.form.clone();
    // `form "ID"` + what is wrong.
    let fail = move |parts: &[&str]| {
        let mut msg = cat(&["form \"", &form_id, "\""]);
        for p in parts {
            msg.push_str(p);
        }
        Err(msg)
    };
    let invalid = |e: voix_form::Error| cat(&[": invalid form definition: ", &e.detail()]);
    let read = |value: JsValue| js::read_definition(value).map(|(form, _)| form);
    // A built-in template (config checked the name) needs nothing from the network.
    if let Some((form, _)) = cfg
        .template
        .as_deref()
        .and_then(|name| voix_form::templates::template(name, &cfg.form))
    {
        return then(cfg, Ok(form));
    }
    if let Some(def) = &cfg.definition {
        let found = super::window()
            .document()
            .and_then(|d| d.get_element_by_id(def));
        let form = match found.map(|e| prop(&e, "textContent")) {
            Some(text) => match js::parse_json(&text) {
                Ok(value) => read(value).or_else(|e| fail(&[" (#", def, ")", &invalid(e)])),
                Err(e) => fail(&[" (#", def, "): the definition is not JSON: ", &e]),
            },
            None => fail(&[": no element with id=\"", def, "\" holds its definition"]),
        };
        let form = form.and_then(|f| same_id(f, &cfg));
        return then(cfg, form);
    }
    let url = cfg.definition_url();
    effects::request(
        "GET",
        &url.clone(),
        None,
        Box::new(move |result| {
            let form = match result {
                Some(r) if r.status == 200 => match r.json {
                    Some(value) => read(value).or_else(|e| fail(&[" from ", &url, &invalid(e)])),
                    None => fail(&[" from ", &url, ": the response is not JSON"]),
                },
                Some(r) if r.status == 404 => fail(&[" does not exist at ", &cfg.endpoint]),
                Some(r) => fail(&[": ", &url, " answered HTTP ", &itoa(r.status.into())]),
                None => fail(&[": could not reach ", &url, " (network or CORS)"]),
            };
            let form = form.and_then(|f| same_id(f, &cfg));
            then(cfg, form)
        }),
    );
}

fn same_id(form: Form, cfg: &Config) -> Result<Form, String> {
    if form.id == cfg.form {
        Ok(form)
    } else {
        Err(cat(&[
            "the definition has id \"",
            &form.id,
            "\" but the placeholder asks for \"",
            &cfg.form,
            "\"",
        ]))
    }
}
