//! Start-up from the script tag: read the script's `data-*`, find every placeholder, resolve
//! each one's configuration, load its form definition (inline JSON or from the endpoint) and
//! mount it. Every failure is one `console.error` naming what to fix; the host page is never
//! touched beyond the placeholder.

use voix_form::Form;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlScriptElement};

use super::{console_error, dom, effects};
use crate::config::{self, ATTR_PLACEHOLDER, Config};

/// Called by `dist/voix.js` once the wasm is loaded, with the `<script>` element that loaded it
/// (`document.currentScript` captured at load time; `None` if it could not be found).
#[wasm_bindgen]
pub fn boot(script: Option<HtmlScriptElement>) {
    let Some(doc) = super::window().document() else {
        return;
    };
    install_global();
    let script_attr = |name: &str| script.as_ref().and_then(|s| s.get_attribute(name));
    // The page the script came from: its origin is the default endpoint.
    let script_origin = script
        .as_ref()
        .and_then(|s| web_sys::Url::new(&s.src()).ok())
        .map(|u| u.origin())
        .filter(|o| o.starts_with("http"));
    let html_lang = doc.document_element().and_then(|e| e.get_attribute("lang"));
    let nonce = script_attr("data-nonce");
    let Ok(found) = doc.query_selector_all(&format!("[{ATTR_PLACEHOLDER}]")) else {
        return;
    };
    if found.length() == 0 {
        let form = script_attr(config::ATTR_FORM).unwrap_or_else(|| "…".into());
        console_error(&format!(
            "no placeholder for form \"{form}\": add <div {ATTR_PLACEHOLDER}=\"{form}\"></div> \
             where the form should appear"
        ));
        return;
    }
    for i in 0..found.length() {
        let Some(host) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        // Mounted already (the script was included twice): leave it alone.
        if host.shadow_root().is_some() {
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
                load_definition(&doc, cfg, move |cfg, loaded| match loaded {
                    Ok(form) => dom::mount(host, form, cfg, locale, nonce.as_deref()),
                    Err(msg) => console_error(&msg),
                });
            }
            Err(e) => console_error(&format!("{e}")),
        }
    }
}

/// `data-endpoint` as `origin + path` (no trailing slash), read by the browser's URL parser:
/// an absolute http(s) URL without query or fragment, else `None`.
fn endpoint(url: &str) -> Option<String> {
    let u = web_sys::Url::new(url).ok()?;
    let web = matches!(u.protocol().as_str(), "https:" | "http:");
    if !web || !u.search().is_empty() || !u.hash().is_empty() {
        return None;
    }
    Some(format!(
        "{}{}",
        u.origin(),
        u.pathname().trim_end_matches('/')
    ))
}

/// Reads the form definition — from the inline `<script type="application/json">` the
/// placeholder names, else from the endpoint — and hands it to `then` with the config.
fn load_definition(
    doc: &Document,
    cfg: Config,
    then: impl FnOnce(Config, Result<Form, String>) + 'static,
) {
    if let Some(def) = &cfg.definition {
        let form = match doc.get_element_by_id(def).and_then(|e| e.text_content()) {
            Some(text) => {
                Form::from_json(&text).map_err(|e| format!("form \"{}\" (#{def}): {e}", cfg.form))
            }
            None => Err(format!(
                "form \"{}\": no element with id=\"{def}\" holds its definition",
                cfg.form
            )),
        };
        let form = form.and_then(|f| same_id(f, &cfg));
        return then(cfg, form);
    }
    let url = cfg.definition_url();
    effects::request("GET", &url.clone(), None, move |result| {
        let form_id = &cfg.form;
        let form = match result {
            Some((200, text)) => {
                Form::from_json(&text).map_err(|e| format!("form \"{form_id}\" from {url}: {e}"))
            }
            Some((404, _)) => Err(format!(
                "form \"{form_id}\" does not exist at {}",
                cfg.endpoint
            )),
            Some((s, _)) => Err(format!(
                "form \"{form_id}\": {url} answered HTTP {}",
                u32::from(s)
            )),
            None => Err(format!(
                "form \"{form_id}\": could not reach {url} (network or CORS)"
            )),
        };
        let form = form.and_then(|f| same_id(f, &cfg));
        then(cfg, form)
    });
}

fn same_id(form: Form, cfg: &Config) -> Result<Form, String> {
    if form.id == cfg.form {
        Ok(form)
    } else {
        Err(format!(
            "the definition has id \"{}\" but the placeholder asks for \"{}\"",
            form.id, cfg.form
        ))
    }
}

/// `window.Voix`: the only global the widget writes.
fn install_global() {
    let window = super::window();
    let key = JsValue::from_str("Voix");
    if js_sys::Reflect::has(&window, &key).unwrap_or(true) {
        return;
    }
    let api = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&api, &"version".into(), &crate::VERSION.into());
    let _ = js_sys::Reflect::set(&window, &key, &api);
}
