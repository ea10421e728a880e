//! Browser tests of the widget, run in headless Chromium by `cargo xtask test`
//! (`cargo test --target wasm32-unknown-unknown`; compiled out of native runs).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
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
    voix::boot(None);
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
        "Comment ça s'est passé ? (obligatoire)"
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
    let voix = js_sys::Reflect::get(&web_sys::window().unwrap(), &"Voix".into()).unwrap();
    assert!(voix.is_object());
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
    voix::boot(None);
    sleep(50).await;
    assert!(host.shadow_root().is_none());
    let bad_id = add_placeholder("badid", "Pas Valide", None);
    voix::boot(None);
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
        voix::boot(None);
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
