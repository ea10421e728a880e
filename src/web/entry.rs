//! Start-up from the script tag: read the script's `data-*`, find every placeholder, resolve
//! each one's configuration, load its form definition (inline JSON or from the endpoint) and
//! mount it. Every failure is one `console.error` naming what to fix; the host page is never
//! touched beyond the placeholder.

use crate::prelude::*;

use voix_form::{Form, cat, i18n::itoa};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlScriptElement};

use super::{console_error, courier, dom, effects, get, prop, set};
use crate::config::{self, ATTR_PLACEHOLDER, Config};

/// Called by `dist/voix.js` once the wasm is loaded, with the `<script>` element that loaded it
/// (`document.currentScript` captured at load time; `None` if it could not be found).
#[wasm_bindgen]
pub fn boot(script: Option<HtmlScriptElement>) {
    let Some(doc) = super::window().document() else {
        return;
    };
    install_global();
    // Answers an earlier page could not deliver go first, whatever this page holds.
    let courier = courier::start();
    let script_attr = |name: &str| script.as_ref().and_then(|s| s.get_attribute(name));
    // The page the script came from: its origin is the default endpoint.
    let script_origin = script
        .as_ref()
        .and_then(|s| web_sys::Url::new(&prop(s, "src")).ok())
        .map(|u| prop(&u, "origin"))
        .filter(|o| o.starts_with("http"));
    // `<html lang>`, read as the property ("" when absent).
    let html_lang = Some(prop(&get(&doc, "documentElement"), "lang"));
    let nonce = script_attr("data-nonce");
    let Ok(found) = doc.query_selector_all(&cat(&["[", ATTR_PLACEHOLDER, "]"])) else {
        return;
    };
    if found.length() == 0 {
        let form = script_attr(config::ATTR_FORM).unwrap_or_else(|| "…".into());
        console_error(&cat(&[
            "no placeholder for form \"",
            &form,
            "\": add <div ",
            ATTR_PLACEHOLDER,
            "=\"",
            &form,
            "\"></div> where the form should appear",
        ]));
        return;
    }
    for i in 0..found.length() {
        // `[data-voix-form]` only matches elements.
        let Some(host) = found.item(i).map(JsCast::unchecked_into::<Element>) else {
            continue;
        };
        // Mounted already (the script was included twice): leave it alone.
        if !get(&host, "shadowRoot").is_null() {
            continue;
        }
        let cfg = config::resolve(
            &|name| host.get_attribute(name),
            &script_attr,
            script_origin.as_deref(),
            &endpoint,
        );
        match cfg {
            Ok(cfg) => {
                let locale = config::locale(cfg.lang.as_deref(), html_lang.as_deref());
                let nonce = nonce.clone();
                let courier = courier.clone();
                load_definition(&doc, cfg, move |cfg, loaded| match loaded {
                    Ok(form) => dom::mount(host, form, cfg, locale, nonce.as_deref(), courier),
                    Err(msg) => console_error(&msg),
                });
            }
            Err(e) => console_error(&e.message()),
        }
    }
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
fn load_definition(
    doc: &Document,
    cfg: Config,
    then: impl FnOnce(Config, Result<Form, String>) + 'static,
) {
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
    if let Some(def) = &cfg.definition {
        // Through the shadow root's `getElementById` import: the same JS method on a document,
        // and one import fewer.
        let found = doc
            .unchecked_ref::<web_sys::ShadowRoot>()
            .get_element_by_id(def);
        let form = match found.map(|e| prop(&e, "textContent")) {
            Some(text) => Form::from_json(&text).or_else(|e| fail(&[" (#", def, ")", &invalid(e)])),
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
                Some((200, text, _)) => {
                    Form::from_json(&text).or_else(|e| fail(&[" from ", &url, &invalid(e)]))
                }
                Some((404, ..)) => fail(&[" does not exist at ", &cfg.endpoint]),
                Some((s, ..)) => fail(&[": ", &url, " answered HTTP ", &itoa(s.into())]),
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

/// `window.Voix`: the only global the widget writes.
fn install_global() {
    let window = super::window();
    if !get(&window, "Voix").is_undefined() {
        return;
    }
    let api = js_sys::Object::new();
    set(&api, "version", &crate::VERSION.into());
    set(&window, "Voix", &api);
}
