//! Browser tests of the widget, run in headless Chromium by `cargo xtask test`
//! (`cargo test --target wasm32-unknown-unknown`; compiled out of native runs).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::{JsCast, prelude::*};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlTextAreaElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

const DEFINITION: &str = r#"{"id":"avis","title":"Votre avis","questions":[
  {"id":"note","type":"smileys","label":"Comment ça s'est passé ?","required":true},
  {"id":"commentaire","type":"text","label":"<script>alert(1)</script> Un commentaire ?","multiline":true,"max_length":20}
]}"#;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Resolves after `ms` milliseconds (lets the widget's async start-up run).
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Adds an inline definition and a placeholder pointing at it; returns the placeholder.
fn add_placeholder(test: &str, form: &str, definition: Option<&str>) -> Element {
    let doc = document();
    let body = doc.body().unwrap();
    if let Some(def) = definition {
        let s = doc.create_element("script").unwrap();
        s.set_attribute("type", "application/json").unwrap();
        s.set_id(&format!("def-{test}"));
        s.set_text_content(Some(def));
        body.append_child(&s).unwrap();
    }
    let host = doc.create_element("div").unwrap();
    host.set_id(&format!("host-{test}"));
    host.set_attribute("data-voix-form", form).unwrap();
    host.set_attribute("data-definition", &format!("def-{test}"))
        .unwrap();
    host.set_attribute("data-endpoint", "http://127.0.0.1:9")
        .unwrap();
    body.append_child(&host).unwrap();
    host
}

async fn mounted(host: &Element) -> ShadowRoot {
    voix::web::mount(host.clone());
    for _ in 0..50 {
        if let Some(root) = host.shadow_root()
            && root.query_selector("form").unwrap().is_some()
        {
            return root;
        }
        sleep(10).await;
    }
    panic!("the widget did not mount");
}

/// The element `id` of the widget's shadow root, as `T`.
fn by_id<T: JsCast>(root: &ShadowRoot, id: &str) -> T {
    root.get_element_by_id(id)
        .unwrap_or_else(|| panic!("no #{id}"))
        .unchecked_into()
}

fn fire(el: &Element, ty: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    el.dispatch_event(&Event::new_with_event_init_dict(ty, &init).unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn mounts_the_form_in_a_shadow_root() {
    let host = add_placeholder("mount", "avis", Some(DEFINITION));
    let root = mounted(&host).await;
    // The host page's light DOM is untouched: no children were added to the placeholder.
    assert_eq!(host.child_element_count(), 0);
    let radios = root
        .query_selector_all("input[type=radio][name=note]")
        .unwrap();
    assert_eq!(radios.length(), 3);
    let legend = root.query_selector("legend").unwrap().unwrap();
    assert_eq!(
        legend.text_content().unwrap(),
        // The space before "?" does not break (`voix_form::view::shown`).
        "Comment ça s'est passé\u{a0}? (obligatoire)"
    );
    // Text from the definition stays text.
    assert!(root.query_selector("script").unwrap().is_none());
    let label = root
        .query_selector("label[for=v-commentaire]")
        .unwrap()
        .unwrap();
    assert!(
        label
            .text_content()
            .unwrap()
            .starts_with("<script>alert(1)</script>")
    );
    // Styles are adopted, not injected into the page.
    let adopted = js_sys::Reflect::get(&root, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&adopted).length(), 1);
}

#[wasm_bindgen_test]
async fn submitting_empty_shows_the_summary_and_focuses_it() {
    let host = add_placeholder("empty", "avis", Some(DEFINITION));
    let root = mounted(&host).await;
    let button: HtmlElement = root
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    let summary = root.get_element_by_id("v-summary").expect("error summary");
    assert!(
        summary
            .text_content()
            .unwrap()
            .contains("Choisissez une réponse.")
    );
    assert_eq!(root.active_element(), Some(summary));
    // The summary link moves focus to the first radio, inside the shadow root.
    let link: HtmlElement = root
        .query_selector("#v-summary a")
        .unwrap()
        .unwrap()
        .unchecked_into();
    link.click();
    assert_eq!(
        root.active_element().map(|e| e.id()),
        Some("v-note".to_string())
    );
    // Answering clears the error without another submit.
    let good: HtmlElement = by_id(&root, "v-note-good");
    good.click();
    assert!(root.get_element_by_id("v-summary").is_none());
    assert!(root.get_element_by_id("v-note-err").is_none());
}

#[wasm_bindgen_test]
async fn typing_updates_the_counter_without_losing_the_caret() {
    let host = add_placeholder("typing", "avis", Some(DEFINITION));
    let root = mounted(&host).await;
    let area: HtmlTextAreaElement = by_id(&root, "v-commentaire");
    area.focus().unwrap();
    area.set_value("Bonjour");
    fire(&area, "input");
    let count = root.get_element_by_id("v-commentaire-count").unwrap();
    assert_eq!(
        count.text_content().unwrap(),
        "Il vous reste 13 caractères."
    );
    // Same element, still focused: the patcher updated in place.
    assert_eq!(
        root.active_element().map(|e| e.id()),
        Some("v-commentaire".to_string())
    );
    area.set_value("x".repeat(25).as_str());
    fire(&area, "input");
    assert_eq!(count.text_content().unwrap(), "5 caractères de trop.");
    assert_eq!(count.get_attribute("class").as_deref(), Some("count over"));
}

#[wasm_bindgen_test]
async fn a_bad_definition_leaves_the_page_intact() {
    let host = add_placeholder("bad", "avis", Some("{ not json"));
    voix::web::mount(host.clone());
    sleep(50).await;
    assert!(host.shadow_root().is_none());
    let bad_id = add_placeholder("badid", "Pas Valide", None);
    voix::web::mount(bad_id.clone());
    sleep(50).await;
    assert!(bad_id.shadow_root().is_none());
}

#[wasm_bindgen_test]
async fn data_endpoint_must_be_an_absolute_web_url() {
    // Read by the browser's URL parser: relative, non-http(s), query or fragment are refused.
    for (i, bad) in [
        "/relative",
        "ftp://example.org",
        "https://a.example/?x=1",
        "https://a.example/#f",
    ]
    .into_iter()
    .enumerate()
    {
        let host = add_placeholder(&format!("endpoint{i}"), "avis", Some(DEFINITION));
        host.set_attribute("data-endpoint", bad).unwrap();
        voix::web::mount(host.clone());
        sleep(30).await;
        assert!(host.shadow_root().is_none(), "{bad} was accepted");
    }
    // A path prefix is fine.
    let host = add_placeholder("endpointok", "avis", Some(DEFINITION));
    host.set_attribute("data-endpoint", "https://a.example/voix/")
        .unwrap();
    mounted(&host).await;
}

#[wasm_bindgen_test]
async fn a_network_failure_keeps_the_answer_in_the_outbox_and_says_so() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let host = add_placeholder("netfail", "avis", Some(DEFINITION));
    let root = mounted(&host).await;
    let good: HtmlElement = by_id(&root, "v-note-good");
    good.click();
    let button: HtmlElement = root
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    // Written to the outbox before the POST leaves.
    let stored = storage
        .get_item("voix-outbox")
        .unwrap()
        .expect("outbox written");
    assert!(stored.contains(r#"\"note\":\"good\""#), "{stored}");
    // Port 9 (discard) is closed on loopback: the fetch fails, the answer stays queued.
    for _ in 0..100 {
        if root.query_selector(".queued").unwrap().is_some() {
            break;
        }
        sleep(20).await;
    }
    let queued = root
        .query_selector(".queued")
        .unwrap()
        .expect("queued view");
    let text = queued.text_content().unwrap();
    assert!(
        text.contains("Votre réponse sera envoyée dès que possible."),
        "{text}"
    );
    assert!(
        !text.contains("bien été envoyée"),
        "no fake success: {text}"
    );
    let live = root.query_selector("[role=status]").unwrap().unwrap();
    assert_eq!(
        live.text_content().unwrap(),
        "Votre réponse sera envoyée dès que possible."
    );
    let kept = storage
        .get_item("voix-outbox")
        .unwrap()
        .expect("still in the outbox");
    assert!(
        !kept.contains(r#""attempts":0"#),
        "a failed attempt is recorded: {kept}"
    );
    // Other tests on this page must not inherit it.
    storage.remove_item("voix-outbox").unwrap();
}

/// The body `text` read by the browser as `fetch` would give it: `Response.json()`.
async fn response_json(text: &str) -> JsValue {
    let response = web_sys::Response::new_with_opt_str(Some(text)).unwrap();
    JsFuture::from(response.json().unwrap()).await.unwrap()
}

#[wasm_bindgen_test]
async fn a_fetched_definition_goes_through_serde_wasm_bindgen_with_paths_in_errors() {
    let (form, _) = voix::web::js::read_definition(response_json(DEFINITION).await).unwrap();
    assert_eq!(form.id, "avis");
    assert_eq!(form.questions.len(), 2);
    // The mistakes a webmaster makes, each named with its path, as the collector names them.
    for (text, expected) in [
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
            "questions[0]: unknown field `colour` (expected one of: id, type, label, help, \
             required, show_if, step,",
        ),
        (
            r#"{"id":"a","titel":"t","questions":[]}"#,
            "(top level): unknown field `titel`",
        ),
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":"5"}]}"#,
            "questions[0].max_length: expected a whole number from 0 to 4294967295, found a \
             string",
        ),
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":1.5}]}"#,
            "questions[0].max_length: expected a whole number from 0 to 4294967295, found the \
             number 1.5",
        ),
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","max_length":5}]}"#,
            "questions[0]: field `max_length` is not allowed for type `smileys`",
        ),
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"rating","label":"l"}]}"#,
            "questions[0].type: unknown value `rating`",
        ),
        (
            r#"{"id":"a","title":"t"}"#,
            "(top level): missing field `questions`",
        ),
        (r#"[]"#, "(top level): expected an object, found a list"),
        (
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}],
               "translations":{"en":{"questions":{"c":{"label":"L","colour":1}}}}}"#,
            "translations.en.questions.c: unknown field `colour`",
        ),
    ] {
        let e = voix::web::js::read_definition(response_json(text).await)
            .unwrap_err()
            .detail();
        assert!(e.contains(expected), "{text}\n{e}");
        // The collector reads the same text with serde_json and says the same thing.
        let native = voix_form::Form::from_json(text).unwrap_err().detail();
        assert_eq!(native, e, "widget and collector disagree on {text}");
    }
}

#[wasm_bindgen_test]
async fn check_says_what_the_collector_says_about_a_definition() {
    // The form builder's `Voix.check`: undefined for a definition the widget would show.
    assert!(voix::web::entry::check(response_json(DEFINITION).await).is_undefined());
    for text in [
        // The rules checked after the typed read, not only the shape.
        r#"{"id":"a","title":"t","questions":[{"id":"c","type":"stars","label":"l"},
            {"id":"c","type":"yes_no","label":"m"}]}"#,
        r#"{"id":"a","title":"t","questions":[{"id":"c","type":"scale","label":"l","min":1,"max":1}]}"#,
        r#"{"id":"a","title":"t","questions":[{"id":"c","type":"stars","label":"l",
            "show_if":{"question":"d","equals":"yes"}},{"id":"d","type":"yes_no","label":"m"}]}"#,
        r#"{"id":"A b","title":"t","questions":[{"id":"c","type":"stars","label":"l"}]}"#,
        r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
    ] {
        let said = voix::web::entry::check(response_json(text).await);
        let native = voix_form::Form::from_json(text).unwrap_err().detail();
        assert_eq!(said.as_string().as_deref(), Some(native.as_str()), "{text}");
    }
}

#[wasm_bindgen_test]
async fn a_422_body_goes_through_serde_wasm_bindgen() {
    let body = r#"{"error":{"code":"invalid","message":"Some answers were rejected.","field":null,
        "fields":[{"field":"commentaire","code":"too_long","message":"Trop long."},
                  {"field":"note","code":"a_code_from_a_newer_collector","message":"?"}]}}"#;
    let body: voix_form::ErrorBody = voix::web::js::from_js(response_json(body).await).unwrap();
    let msg = voix::state::outcome(Some(422), Some(&body), true);
    assert_eq!(
        msg,
        voix::state::Msg::Rejected(vec![voix_form::validate::FieldError {
            field: "commentaire".into(),
            code: voix_form::ErrorCode::TooLong,
        }])
    );
}

#[wasm_bindgen_test]
fn outbox_entries_go_through_serde_wasm_bindgen_and_json() {
    let entry = voix::outbox::Entry {
        id: "0123456789abcdef0123456789abcdef".into(),
        url: "https://avis.example.fr/v1/forms/avis/responses".into(),
        body: r#"{"v":1,"answers":{"c":"« é \" »"}}"#.into(),
        created: 1_764_000_000_000,
        attempts: 2,
        next: 1_764_000_003_000,
        told: true,
        proof: true,
        altcha: Some("eyJjaGFsbGVuZ2UiOnt9fQ==".into()),
        reproofs: 1,
    };
    let text = voix::web::js::to_json(&vec![entry.clone()]).unwrap();
    assert!(
        text.starts_with(r#"[{"id":"0123456789abcdef0123456789abcdef","#),
        "{text}"
    );
    let parsed = voix::web::js::parse_json(&text).unwrap();
    let items = js_sys::Array::from(&parsed);
    let back: voix::outbox::Entry = voix::web::js::from_js(items.get(0)).unwrap();
    assert_eq!(back, entry);
    // A damaged entry is refused (and skipped by the courier), not fatal.
    let damaged = voix::web::js::parse_json(r#"{"id":"a","url":3}"#).unwrap();
    assert!(voix::web::js::from_js::<voix::outbox::Entry>(damaged).is_err());
}

#[wasm_bindgen(inline_js = r#"
// Counts the listeners added to and removed from shadow roots, from now on.
export function trackShadowListeners() {
  if (globalThis.__voixTrack) return globalThis.__voixTrack;
  const track = { added: 0, removed: 0 };
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, f, options) {
    if (this instanceof ShadowRoot) track.added++;
    return add.call(this, type, f, options);
  };
  EventTarget.prototype.removeEventListener = function (type, f, options) {
    if (this instanceof ShadowRoot) track.removed++;
    return remove.call(this, type, f, options);
  };
  globalThis.__voixTrack = track;
  return track;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = trackShadowListeners)]
    fn track_shadow_listeners() -> JsValue;
}

fn count(track: &JsValue, key: &str) -> u32 {
    js_sys::Reflect::get(track, &key.into())
        .unwrap()
        .as_f64()
        .unwrap() as u32
}

#[wasm_bindgen_test]
async fn an_unmounted_widget_leaves_no_listener_and_can_mount_again() {
    let track = track_shadow_listeners();
    let before = (count(&track, "added"), count(&track, "removed"));
    let before_mounts = voix::web::entry::mounted();
    let mut hosts = Vec::new();
    for i in 0..20 {
        let host = add_placeholder(&format!("cycle{i}"), "avis", Some(DEFINITION));
        mounted(&host).await;
        hosts.push(host);
    }
    let added = count(&track, "added") - before.0;
    assert!(
        added >= 20 * 4,
        "each mount listens to input, change, submit, click"
    );
    assert_eq!(voix::web::entry::mounted(), before_mounts + 20);
    for host in &hosts {
        assert!(voix::web::unmount(host));
        assert!(!voix::web::unmount(host), "already torn down");
        let root = host.shadow_root().unwrap();
        assert_eq!(root.child_nodes().length(), 0, "its form is gone");
        host.remove();
    }
    assert_eq!(
        count(&track, "removed") - before.1,
        added,
        "every listener a mount added is removed"
    );
    assert_eq!(voix::web::entry::mounted(), before_mounts);
    // A torn-down placeholder can be mounted again and works.
    let host = add_placeholder("again", "avis", Some(DEFINITION));
    mounted(&host).await;
    assert!(voix::web::unmount(&host));
    let root = mounted(&host).await;
    let good: HtmlElement = by_id(&root, "v-note-good");
    good.click();
    assert!(
        root.query_selector(".smiley.on").unwrap().is_some(),
        "the second mount reacts to input"
    );
    assert!(voix::web::unmount(&host));
}

#[wasm_bindgen(inline_js = r#"
// Records the voix:* events reaching `target` (with their detail as JSON and how they travel).
export function recordVoixEvents(target) {
  const log = [];
  for (const type of ['voix:ready', 'voix:submit', 'voix:success', 'voix:error']) {
    target.addEventListener(type, (e) => log.push(`${type} ${JSON.stringify(e.detail)} ${e.bubbles} ${e.composed}`));
  }
  return log;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = recordVoixEvents)]
    fn record_voix_events(target: &JsValue) -> js_sys::Array;
}

fn log_of(log: &js_sys::Array) -> Vec<String> {
    log.iter().filter_map(|v| v.as_string()).collect()
}

/// A bare element (no `data-*`), in the page.
fn bare_host(test: &str) -> Element {
    let host = document().create_element("div").unwrap();
    host.set_id(&format!("bare-{test}"));
    document().body().unwrap().append_child(&host).unwrap();
    host
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
async fn options_cross_through_serde_wasm_bindgen_and_win_over_attributes() {
    // The placeholder asks for a form that does not exist; the options name the real one and
    // carry its definition as an object.
    let host = add_placeholder("options", "nope", None);
    let log = record_voix_events(&document().into());
    let definition = js_sys::JSON::parse(DEFINITION).unwrap();
    let opts = options(r#"{"form":"avis","lang":"en","endpoint":"http://127.0.0.1:9/x/"}"#);
    js_sys::Reflect::set(&opts, &"definition".into(), &definition).unwrap();
    voix::web::mount_with(host.clone(), opts);
    let root = host
        .shadow_root()
        .expect("mounted at once: the definition was given");
    let button = root.query_selector("button").unwrap().unwrap();
    assert_eq!(
        button.text_content().unwrap(),
        "Send",
        "lang from the options"
    );
    // Heard on the document: it bubbles and is composed.
    let ready = log_of(&log);
    assert!(
        ready.contains(&r#"voix:ready {"form":"avis","title":"Votre avis"} true true"#.to_string()),
        "{ready:?}"
    );
    assert!(voix::web::unmount(&host));
}

#[wasm_bindgen_test]
async fn unknown_options_are_refused_and_the_element_is_left_alone() {
    let host = bare_host("unknown");
    let log = record_voix_events(&host);
    voix::web::mount_with(
        host.clone(),
        options(r#"{"form":"avis","colour":"red","definition":"def-mount"}"#),
    );
    assert!(host.shadow_root().is_none());
    assert_eq!(
        log_of(&log),
        [r#"voix:error {"form":"","code":"invalid"} true true"#]
    );
    // Not an object, a member of the wrong type: refused the same way.
    for bad in [r#""avis""#, r#"{"form":["avis"]}"#] {
        voix::web::mount_with(host.clone(), options(bad));
        assert!(host.shadow_root().is_none(), "{bad}");
    }
    assert_eq!(log_of(&log).len(), 3);
}

#[wasm_bindgen_test]
async fn submit_dispatches_voix_submit_with_the_submission_id() {
    let host = add_placeholder("events", "avis", Some(DEFINITION));
    let root = mounted(&host).await;
    let log = record_voix_events(&host);
    let good: HtmlElement = by_id(&root, "v-note-good");
    good.click();
    let button: HtmlElement = root
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    let seen = log_of(&log);
    assert_eq!(seen.len(), 1, "{seen:?}");
    let id = seen[0]
        .strip_prefix(r#"voix:submit {"form":"avis","submission":""#)
        .and_then(|rest| rest.strip_suffix(r#""} true true"#))
        .unwrap_or_else(|| panic!("{seen:?}"));
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(voix::web::unmount(&host));
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("voix-outbox").unwrap();
}

#[wasm_bindgen_test]
async fn a_form_taken_back_while_its_definition_loads_leaves_nothing() {
    // Fetched from a closed port: the answer (a network error) comes later.
    let host = bare_host("pending");
    let log = record_voix_events(&host);
    let before = voix::web::entry::mounted();
    voix::web::mount_with(
        host.clone(),
        options(r#"{"form":"avis","endpoint":"http://127.0.0.1:9"}"#),
    );
    assert!(!voix::web::unmount(&host), "nothing was mounted yet");
    // The same element again, then taken back again: still nothing when the fetches fail.
    voix::web::mount_with(
        host.clone(),
        options(r#"{"form":"avis","endpoint":"http://127.0.0.1:9"}"#),
    );
    voix::web::unmount(&host);
    sleep(300).await;
    assert_eq!(voix::web::entry::mounted(), before);
    assert!(host.shadow_root().is_none());
    assert_eq!(
        log_of(&log),
        Vec::<String>::new(),
        "no event for a form nobody waits for"
    );
    // Left to load, the same failure is reported.
    voix::web::mount_with(
        host.clone(),
        options(r#"{"form":"avis","endpoint":"http://127.0.0.1:9"}"#),
    );
    for _ in 0..50 {
        if log.length() > 0 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(
        log_of(&log),
        [r#"voix:error {"form":"avis","code":"network"} true true"#]
    );
}
