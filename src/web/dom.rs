//! One mounted widget: its shadow root, the view tree → DOM patcher, and DOM events → messages.
//!
//! The DOM is only ever built with `create_element`, `set_attribute` and text nodes (never an
//! HTML-parsing setter), so text from a definition or an answer cannot become markup.
//! Re-rendering patches the previous tree in place, so focus, caret position and IME state
//! survive typing.

use std::{
    cell::RefCell,
    rc::{Rc, Weak},
};

use gloo_events::{EventListener, EventListenerOptions};
use voix_form::{
    Form,
    i18n::{Locale, Strings},
    translations::Translations,
    view::{Element as VElement, Node},
};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, HtmlElement, ShadowRoot};

use super::{console_error_with, courier, effects, get, js, prop, set, style};
use crate::{
    config::Config,
    state::{Effect, Msg, Widget},
};

/// A mounted widget. Its page keeps the only strong handle ([`Handle`]); its listeners and the
/// courier's callbacks hold it weakly. Dropping the handle drops the mount, and with it its
/// listeners, which removes them from the DOM: nothing is left behind.
struct Mount {
    widget: Widget,
    cfg: Config,
    doc: Document,
    root: ShadowRoot,
    /// The tree currently in the DOM, and its DOM node (the shadow root's last child).
    tree: Option<(Node, web_sys::Node)>,
    listeners: Vec<EventListener>,
    courier: courier::Shared,
}

type App = Rc<RefCell<Mount>>;

/// The one strong reference to a mounted widget. Dropping it tears the widget down: its
/// listeners are removed and its shadow root emptied.
pub struct Handle {
    app: App,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Listeners go with the mount; what it showed goes now, so a torn-down widget cannot
        // be half-used.
        let root = self.app.borrow().root.clone();
        while let Some(child) = root.last_child() {
            let _ = root.remove_child(&child);
        }
    }
}

/// The words a form is shown with: its locale, the widget's strings in it (compiled in or a
/// fetched pack, with the site's overrides) and the definition's translations.
pub struct Words {
    pub locale: Locale,
    pub strings: &'static Strings,
    pub translations: Translations,
}

/// Mounts `form` into a new open shadow root on `host`; `None` (after one console message) if
/// the browser refused.
pub fn mount(
    host: &Element,
    form: Form,
    words: Words,
    cfg: Config,
    nonce: Option<&str>,
    courier: courier::Shared,
) -> Option<Handle> {
    match try_mount(host, form, words, cfg, nonce, courier) {
        Ok(handle) => Some(handle),
        Err(e) => {
            console_error_with("could not mount the form:", &e);
            None
        }
    }
}

fn try_mount(
    host: &Element,
    form: Form,
    words: Words,
    cfg: Config,
    nonce: Option<&str>,
    courier: courier::Shared,
) -> Result<Handle, JsValue> {
    let doc = super::window().document().ok_or(JsValue::NULL)?;
    // A host mounted before and torn down keeps its (emptied) shadow root: reuse it.
    let root = match host.shadow_root() {
        Some(root) => root,
        None => {
            let init = js_sys::Object::new();
            set(&init, "mode", &"open".into());
            host.attach_shadow(init.unchecked_ref())?
        }
    };
    style::apply(&doc, &root, nonce);
    // A poll knows the clock (open? closed?) and this browser's one-vote flag.
    let voted = form.poll.is_some() && super::done::get(&form.id).as_deref() == Some("answered");
    let mut widget = Widget::at(form, words.locale, js_sys::Date::now() as i64, voted)
        .with_strings(words.strings)
        .with_translations(&words.translations);
    widget.theme.clone_from(&cfg.theme);
    let start = widget.start();
    // A proof of work solved while the resident reads, for a form that will take an answer.
    if widget.form.challenge
        && widget.poll_state == voix_form::schema::PollState::Open
        && !widget.voted
        && let Some(url) = crate::proof::challenge_url(&cfg.responses_url())
    {
        courier.prepare(&url);
    }
    let app: App = Rc::new(RefCell::new(Mount {
        widget,
        cfg,
        doc,
        root: root.clone(),
        tree: None,
        listeners: Vec::new(),
        courier,
    }));
    let mut listeners = Vec::new();
    for ty in ["input", "change", "submit", "click"] {
        let owner = Rc::downgrade(&app);
        // Submit and error-summary clicks are taken over (`preventDefault`): not passive.
        let options = EventListenerOptions::enable_prevent_default();
        listeners.push(EventListener::new_with_options(
            &root,
            ty,
            options,
            move |ev| {
                if let Some(app) = owner.upgrade() {
                    on_event(&app, ev);
                }
            },
        ));
    }
    app.borrow_mut().listeners = listeners;
    render(&app)?;
    run(&app, start);
    Ok(Handle { app })
}

fn on_event(app: &App, ev: &Event) {
    // The events we listen to come from elements of our tree.
    let target: Element = get(ev, "target").unchecked_into();
    let msg = match prop(ev, "type").as_str() {
        "submit" => {
            ev.prevent_default();
            Msg::Submit {
                id: effects::random_id(),
            }
        }
        "click" => {
            // Error-summary links: a fragment link cannot reach into a shadow root, so focus the
            // field ourselves and keep the host page's URL untouched.
            if let Ok(Some(link)) = target.closest("[data-focus]") {
                ev.prevent_default();
                if let Some(id) = link.get_attribute("data-focus") {
                    focus(&app.borrow().root, &id);
                }
                return;
            }
            if let Ok(Some(_)) = target.closest("[data-action=previous]") {
                // The re-render reuses this button as the next step's submit button: without
                // this, the click's default action would then submit the form.
                ev.prevent_default();
                Msg::Previous
            } else {
                return;
            }
        }
        ty => {
            // An input or a textarea (any other target has no `name`); a radio counts when it
            // becomes checked; a checkbox on `change` only (it fires `input` too).
            let name = prop(&target, "name");
            let kind = prop(&target, "type");
            if name.is_empty() {
                return;
            }
            match kind.as_str() {
                "checkbox" if ty == "change" => Msg::Toggle {
                    field: name,
                    value: prop(&target, "value"),
                    on: get(&target, "checked").as_bool() == Some(true),
                },
                "checkbox" => return,
                "radio" if get(&target, "checked").as_bool() != Some(true) => return,
                _ => Msg::Input {
                    field: name,
                    value: prop(&target, "value"),
                },
            }
        }
    };
    dispatch(app, msg);
}

fn dispatch(app: &App, msg: Msg) {
    let before = app.borrow().widget.status;
    let effects = app.borrow_mut().widget.update(msg);
    // What the page hears (voix:submit, voix:success, voix:error), once the effects are done
    // and nothing is borrowed: a listener may call back into the widget.
    let event = {
        let m = app.borrow();
        crate::events::after_update(before, &m.widget, &effects).map(|e| (m.root.host(), e))
    };
    run(app, effects);
    if let Some((host, event)) = event {
        super::events::emit(&host, event);
    }
}

/// Carries out `effects`, in order.
fn run(app: &App, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Render => {
                if let Err(e) = render(app) {
                    console_error_with("could not update the form:", &e);
                }
            }
            Effect::Focus(id) => focus(&app.borrow().root, id),
            Effect::Post(submission) => {
                let (url, courier, proof) = {
                    let m = app.borrow();
                    (
                        m.cfg.responses_url(),
                        m.courier.clone(),
                        m.widget.form.challenge,
                    )
                };
                let (Some(id), Some(body)) = (submission.id.clone(), js::to_json(&submission))
                else {
                    continue;
                };
                // Weak: a widget torn down while its answer travels is not kept alive by it
                // (the answer itself stays in the outbox until delivered).
                let owner: Weak<RefCell<Mount>> = Rc::downgrade(app);
                let waiter = Rc::new(move |msg| {
                    if let Some(app) = owner.upgrade() {
                        dispatch(&app, msg);
                    }
                });
                courier.submit(id, &url, &body, proof, waiter);
            }
            Effect::FetchResults => {
                let url = app.borrow().cfg.results_url();
                let owner: Weak<RefCell<Mount>> = Rc::downgrade(app);
                effects::request(
                    "GET",
                    &url,
                    None,
                    Box::new(move |reply| {
                        let results = reply
                            .filter(|r| r.status == 200)
                            .and_then(|r| r.json)
                            .and_then(|j| js::from_js(j).ok());
                        if let Some(app) = owner.upgrade() {
                            dispatch(&app, Msg::Results(results));
                        }
                    }),
                );
            }
            Effect::RememberVote => super::done::set(&app.borrow().widget.form.id, "answered"),
        }
    }
}

fn focus(root: &ShadowRoot, id: &str) {
    if let Some(el) = root.get_element_by_id(id) {
        // Every element with an id in our tree is an HTML element.
        let _ = el.unchecked_ref::<HtmlElement>().focus();
    }
}

fn render(app: &App) -> Result<(), JsValue> {
    let mut m = app.borrow_mut();
    let numbers = super::intl::Intl(m.widget.locale);
    let new = m.widget.view_with(Some(&numbers));
    match m.tree.take() {
        None => {
            let dom = create(&m.doc, &new)?;
            m.root.append_child(&dom)?;
            m.tree = Some((new, dom));
        }
        Some((old, dom)) => {
            let dom = patch(&m.doc, &m.root, dom, &old, &new)?;
            m.tree = Some((new, dom));
        }
    }
    Ok(())
}

fn create(doc: &Document, node: &Node) -> Result<web_sys::Node, JsValue> {
    Ok(match node {
        Node::Text(t) => doc.create_text_node(&voix_form::view::shown(t)).into(),
        Node::Element(e) => {
            let el = doc.create_element(e.tag)?;
            for (k, v) in &e.attrs {
                if !(e.tag == "textarea" && *k == "value") {
                    el.set_attribute(k, v)?;
                }
            }
            for c in &e.children {
                el.append_child(&create(doc, c)?)?;
            }
            sync_properties(&el, e);
            el.into()
        }
    })
}

/// Brings `dom` (which shows `old`) to show `new`; returns the node now standing for `new`.
fn patch(
    doc: &Document,
    parent: &web_sys::Node,
    dom: web_sys::Node,
    old: &Node,
    new: &Node,
) -> Result<web_sys::Node, JsValue> {
    match (old, new) {
        (Node::Text(a), Node::Text(b)) => {
            if a != b {
                dom.set_node_value(Some(&voix_form::view::shown(b)));
            }
            Ok(dom)
        }
        (Node::Element(a), Node::Element(b)) if a.tag == b.tag => {
            // Same tag as the old tree: the node is that element.
            let el: Element = dom.clone().unchecked_into();
            for (k, _) in &a.attrs {
                if b.attr(k).is_none() {
                    el.remove_attribute(k)?;
                }
            }
            for (k, v) in &b.attrs {
                if a.attr(k) != Some(v.as_ref()) && !(b.tag == "textarea" && *k == "value") {
                    el.set_attribute(k, v)?;
                }
            }
            let kids = el.child_nodes();
            let mut existing: Vec<web_sys::Node> = Vec::new();
            for i in 0..kids.length() {
                existing.extend(kids.item(i));
            }
            for (i, n) in b.children.iter().enumerate() {
                match (a.children.get(i), existing.get(i)) {
                    (Some(o), Some(d)) => {
                        patch(doc, &el, d.clone(), o, n)?;
                    }
                    _ => {
                        el.append_child(&create(doc, n)?)?;
                    }
                }
            }
            for d in existing.iter().skip(b.children.len()) {
                el.remove_child(d)?;
            }
            sync_properties(&el, b);
            Ok(dom)
        }
        _ => {
            let fresh = create(doc, new)?;
            parent.replace_child(&fresh, &dom)?;
            Ok(fresh)
        }
    }
}

/// Values and checked states are properties: the attribute alone stops counting once the
/// resident has typed. Only write when different, so the caret does not jump.
fn sync_properties(el: &Element, e: &VElement) {
    if e.tag != "input" && e.tag != "textarea" {
        return;
    }
    if matches!(e.attr("type"), Some("radio" | "checkbox")) {
        set(
            el,
            "checked",
            &JsValue::from_bool(e.attr("checked").is_some()),
        );
    } else {
        let v = e.attr("value").unwrap_or("");
        if prop(el, "value") != v {
            set(el, "value", &JsValue::from_str(v));
        }
    }
}
