//! The collector's HTTP contract, driven in-process through `tower::ServiceExt::oneshot`, plus
//! the configuration errors and the `check` / `export` / `serve` commands run as the real binary.
//! Each test gets its own temporary directory: config, form files, widget files, site, database.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
};

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::{Value, json};
use voix_collector::{AppState, Config, store};
use voix_form::{
    i18n::Locale,
    translations::{Localized, Text},
};

mod common;
use common::{Site, avis, get, post, post_with, send};

/// `commentaire`'s limit, which the rejection tests cross.
const MAX_LENGTH: usize = 10;

const ALLOWED: &str = "https://mairie.example";
const BODY_LIMIT: usize = 512;

/// A collector directory: `voix.toml` (+ `extra` lines), `forms/avis.toml`, `dist/` with the
/// widget files, `site/` with pages, `data/` for the database.
fn new_site(extra: &str) -> Site {
    let site = Site::new(
        &[("forms/avis.toml", &avis(MAX_LENGTH))],
        &format!(
            r#"
database = "sqlite://data/voix.db"
static_dir = "site"
dist_dir = "dist"
allowed_origins = ["{ALLOWED}"]
max_body_bytes = {BODY_LIMIT}
{extra}
"#
        ),
    );
    std::fs::create_dir(site.path().join("data")).unwrap();
    for (path, text) in [
        ("dist/voix.js", &b"/* widget */"[..]),
        ("dist/voix_bg.wasm", b"\0asm\x01\0\0\0"),
        ("dist/both.txt", b"from dist"),
        ("site/index.html", b"<!doctype html><title>Mairie</title>"),
        ("site/both.txt", b"from site"),
        ("site/style.css", b"body{}"),
        ("site/.secret", b"no"),
        ("site/settings.toml", b"no"),
    ] {
        site.write(path, text);
    }
    site
}

fn with_origin(mut req: Request<Body>, origin: &str) -> Request<Body> {
    req.headers_mut()
        .insert(header::ORIGIN, origin.parse().unwrap());
    req
}

async fn stored(state: &AppState) -> Vec<store::StoredResponse> {
    state.store().responses("avis").await.unwrap()
}

#[tokio::test]
async fn get_form_returns_the_definition_publicly() {
    let site = new_site("");
    let state = site.state();
    let r = send(&state, get("/v1/forms/avis")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(r.header(header::CACHE_CONTROL), Some("public, max-age=60"));
    let form = voix_form::Form::from_json(&r.text()).unwrap();
    assert_eq!(form.id, "avis");
    assert_eq!(form.questions.len(), 2);

    let r = send(&state, get("/v1/forms/nope")).await;
    r.error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-cache"));
}

/// `avis` with its own words in German (all of them) and English (the title only).
const TRANSLATIONS: &str = r#"
[translations.de]
title = "Ihre Meinung"
[translations.de.questions.note]
label = "Wie ist es gelaufen?"
[translations.de.questions.commentaire]
label = "Ein Kommentar?"

[translations.en]
title = "Your opinion"
"#;

#[tokio::test]
async fn get_form_in_a_language_serves_its_translation() {
    let site = new_site("");
    std::fs::write(
        site.path().join("forms/avis.toml"),
        format!("{}{TRANSLATIONS}", avis(MAX_LENGTH)),
    )
    .unwrap();
    let state = site.state();

    // Without `?lang`: the definition as written, exactly as before (no `lang`, no
    // `translations`).
    let r = send(&state, get("/v1/forms/avis")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_LANGUAGE), None);
    let body = r.json();
    assert_eq!(body["title"], "Votre avis");
    assert!(
        body.get("lang").is_none() && body.get("translations").is_none(),
        "{body}"
    );
    assert_eq!(
        voix_form::Form::from_json(&r.text()).unwrap(),
        voix_form::Form::from_toml(&avis(MAX_LENGTH)).unwrap()
    );

    // Fully translated; a regional tag is its language.
    for query in ["lang=de", "lang=de-AT", "x=1&lang=de"] {
        let r = send(&state, get(&format!("/v1/forms/avis?{query}"))).await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
        assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("de"), "{query}");
        assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
        assert_eq!(r.header(header::CACHE_CONTROL), Some("public, max-age=60"));
        // The query is in the URL, so in any cache key: no `Vary` for it.
        assert!(
            r.header(header::VARY)
                .is_none_or(|v| !v.contains("anguage"))
        );
        // The definition as written and its German translation alone, which the widget applies
        // itself so that it knows which texts stay French (RGAA 8.7).
        let body = r.json();
        assert!(body.get("lang").is_none(), "written in French: {body}");
        assert_eq!(body["title"], "Votre avis");
        let only: Vec<&String> = body["translations"].as_object().unwrap().keys().collect();
        assert_eq!(only, ["de"], "{query}");
        let shown = shown(&r.text(), Locale::De);
        assert_eq!(shown.form.title, "Ihre Meinung");
        assert_eq!(shown.form.questions[0].label, "Wie ist es gelaufen?");
        assert_eq!(shown.form.questions[1].label, "Ein Kommentar?");
        assert_eq!(shown.lang_of(Text::Title), Locale::De);
        // Ids and rules unchanged.
        assert_eq!(shown.form.questions[1].id, "commentaire");
        assert!(shown.form.questions[0].required);
    }

    // Partly translated: the rest stays French, and is marked so.
    let r = send(&state, get("/v1/forms/avis?lang=en")).await;
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("en"));
    let shown = shown(&r.text(), Locale::En);
    assert_eq!(shown.form.title, "Your opinion");
    assert_eq!(shown.form.questions[0].label, "Comment ça s'est passé ?");
    assert_eq!(shown.lang_of(Text::Label("note")), Locale::Fr);

    // A known language without a translation: the definition as written, said to be French.
    let r = send(&state, get("/v1/forms/avis?lang=it")).await;
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("fr"));
    assert_eq!(r.json()["title"], "Votre avis");
    assert!(r.json().get("lang").is_none() && r.json().get("translations").is_none());

    // An unknown language: the definition, as without `?lang`.
    for query in ["lang=zz", "lang=", "lang"] {
        let r = send(&state, get(&format!("/v1/forms/avis?{query}"))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header(header::CONTENT_LANGUAGE), None, "{query}");
        assert_eq!(r.json()["title"], "Votre avis");
    }

    send(&state, get("/v1/forms/nope?lang=de"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_definition_written_in_another_language_says_so() {
    let site = new_site("");
    let english = avis(MAX_LENGTH).replace(
        "title = \"Votre avis\"",
        "lang = \"en\"\ntitle = \"Your opinion\"",
    ) + "[translations.fr]\ntitle = \"Votre avis\"\n";
    std::fs::write(site.path().join("forms/avis.toml"), english).unwrap();
    let state = site.state();
    let body = send(&state, get("/v1/forms/avis")).await.json();
    assert_eq!(body["lang"], "en");
    assert_eq!(body["title"], "Your opinion");
    let r = send(&state, get("/v1/forms/avis?lang=fr")).await;
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("fr"));
    let body = r.json();
    // As written, in English, with its French translation beside.
    assert_eq!(body["lang"], "en");
    assert_eq!(body["translations"]["fr"]["title"], "Votre avis");
    let shown = shown(&r.text(), Locale::Fr);
    assert_eq!(shown.form.title, "Votre avis");
    assert_eq!(shown.lang_of(Text::Label("note")), Locale::En);
}

/// A served definition as the widget shows it in `locale`: read with its translations, then
/// localized.
fn shown(json: &str, locale: Locale) -> Localized {
    let (form, translations) = voix_form::Form::from_json_with_translations(json).unwrap();
    form.localized(&translations, locale)
}

#[tokio::test]
async fn unknown_api_routes_and_methods_answer_json() {
    let site = new_site("");
    let state = site.state();
    send(&state, get("/v1/nothing/here"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    send(&state, get("/v1"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    send(&state, get("/v1/forms/avis/responses"))
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, "not_found");
}

#[tokio::test]
async fn a_valid_answer_is_stored_normalised_then_acknowledged() {
    let site = new_site("");
    let state = site.state();
    let r = send(
        &state,
        post(
            "avis",
            &json!({"v": 1, "answers": {"note": "good", "commentaire": "  \n "}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let rows = stored(&state).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].submission_id, None);
    // The blank comment is no answer: it is not stored.
    assert_eq!(rows[0].answers.len(), 1);
    assert_eq!(rows[0].answers.text("note"), Some("good"));
    assert_eq!(
        rows[0].received_at.to_string().len(),
        "2026-01-01T00:00:00Z".len()
    );
}

#[tokio::test]
async fn text_plain_and_application_json_are_both_accepted() {
    let site = new_site("");
    let state = site.state();
    let body = json!({"v": 1, "answers": {"note": "bad"}}).to_string();
    for ct in [
        "text/plain;charset=UTF-8",
        "text/plain",
        "application/json",
        "application/json; charset=utf-8",
    ] {
        let r = send(&state, post_with("avis", ct, body.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{ct}: {}", r.text());
    }
    assert_eq!(stored(&state).await.len(), 4);
}

#[tokio::test]
async fn other_content_types_are_refused() {
    let site = new_site("");
    let state = site.state();
    let body = json!({"v": 1, "answers": {"note": "bad"}}).to_string();
    send(
        &state,
        post_with("avis", "application/x-www-form-urlencoded", body.clone()),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "unsupported_content_type");
    let no_type = Request::post("/v1/forms/avis/responses")
        .body(Body::from(body))
        .unwrap();
    send(&state, no_type)
        .await
        .error(StatusCode::BAD_REQUEST, "unsupported_content_type");
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn malformed_bodies_are_invalid_json() {
    let site = new_site("");
    let state = site.state();
    for body in [
        "{".to_owned(),
        "".to_owned(),
        "[1,2]".to_owned(),
        json!({"v": 1, "answers": {"note": "good"}, "ip": "1.2.3.4"}).to_string(),
        json!({"v": 1, "answers": {"note": 3}}).to_string(),
        json!({"v": 1}).to_string(),
        json!({"v": 1, "id": "short", "answers": {"note": "good"}}).to_string(),
        json!({"v": 1, "id": "has spaces in it", "answers": {"note": "good"}}).to_string(),
    ] {
        let r = send(&state, post_with("avis", "text/plain", body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        let e = r.error(StatusCode::BAD_REQUEST, "invalid_json");
        // A malformed idempotency id is named; the body as a whole is not one member.
        let field = if body.contains("\"id\"") {
            json!("id")
        } else {
            Value::Null
        };
        assert_eq!(e["field"], field, "{body}");
    }
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn posting_to_an_unknown_form_is_not_found() {
    let site = new_site("");
    let state = site.state();
    send(&state, post("nope", &json!({"v": 1, "answers": {}})))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_our_json_error() {
    let site = new_site("");
    let state = site.state();
    let big = json!({"v": 1, "answers": {"note": "good", "commentaire": "x".repeat(BODY_LIMIT)}});
    let r = send(&state, post("avis", &big)).await;
    let e = r.error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(e["field"], Value::Null);
    assert!(stored(&state).await.is_empty());
    // Just under the limit still goes through to validation.
    let small = json!({"v": 1, "answers": {"note": "good"}});
    assert_eq!(
        send(&state, post("avis", &small)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn other_wire_versions_are_unsupported() {
    let site = new_site("");
    let state = site.state();
    for body in [
        json!({"v": 2, "answers": {"note": "good"}}),
        // A future version may carry fields we do not know: still a version problem.
        json!({"v": 3, "answers": {"note": "good"}, "extra": true}),
        json!({"v": 0, "answers": {"note": "good"}}),
    ] {
        let e = send(&state, post("avis", &body))
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY, "unsupported_version");
        assert_eq!(e["field"], "v", "{body}");
    }
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn rejected_answers_get_one_code_and_message_per_field() {
    let site = new_site("");
    let state = site.state();
    let r = send(
        &state,
        post(
            "avis",
            &json!({"v": 1, "answers": {"commentaire": "onze lettres", "zzz": "1"}}),
        ),
    )
    .await;
    let e = r.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(e["field"], Value::Null);
    let fields = e["fields"].as_array().unwrap();
    let codes: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("note", "required"),
            ("commentaire", "too_long"),
            ("zzz", "unknown_question")
        ]
    );
    // One language per response: English, like the error's own message.
    assert_eq!(fields[0]["message"], "Choose an answer.");
    let form = state.form("avis").unwrap();
    let en = voix_form::i18n::Locale::En.strings();
    assert_eq!(
        fields[1]["message"],
        voix_form::view::message(
            form.question("commentaire"),
            voix_form::ErrorCode::TooLong,
            en
        )
    );
    assert!(fields[1]["message"].as_str().unwrap().contains("10"));

    let r = send(
        &state,
        post("avis", &json!({"v": 1, "answers": {"note": "great"}})),
    )
    .await;
    let e = r.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(e["fields"][0]["field"], "note");
    assert_eq!(e["fields"][0]["code"], "unknown_choice");
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn a_repeated_submission_id_is_stored_once() {
    let site = new_site("");
    let state = site.state();
    let body = json!({"v": 1, "id": "k3Jd_9-xQ2", "answers": {"note": "average"}});
    let first = send(&state, post("avis", &body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = send(&state, post("avis", &body)).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(first.json()["id"], again.json()["id"]);
    // A blank extra answer normalises away: still the same submission.
    let same =
        json!({"v": 1, "id": "k3Jd_9-xQ2", "answers": {"note": "average", "commentaire": " "}});
    let third = send(&state, post("avis", &same)).await;
    assert_eq!(third.json()["id"], first.json()["id"]);
    let rows = stored(&state).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].submission_id.as_deref(), Some("k3Jd_9-xQ2"));
}

#[tokio::test]
async fn a_submission_id_reused_with_other_answers_conflicts() {
    let site = new_site("");
    let state = site.state();
    let first = json!({"v": 1, "id": "abcdefgh12", "answers": {"note": "good"}});
    assert_eq!(
        send(&state, post("avis", &first)).await.status,
        StatusCode::CREATED
    );
    let other = json!({"v": 1, "id": "abcdefgh12", "answers": {"note": "bad"}});
    send(&state, post("avis", &other))
        .await
        .error(StatusCode::CONFLICT, "conflict");
    let rows = stored(&state).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].answers.text("note"), Some("good"));
}

#[tokio::test]
async fn foreign_origins_are_refused_without_cors_headers() {
    let site = new_site("");
    let state = site.state();
    let body = json!({"v": 1, "answers": {"note": "good"}});
    for origin in [
        "https://evil.example",
        "null",
        "https://mairie.example.evil.example",
    ] {
        let r = send(&state, with_origin(post("avis", &body), origin)).await;
        r.error(StatusCode::FORBIDDEN, "origin_not_allowed");
        assert_eq!(
            r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{origin}"
        );
    }
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/forms/avis/responses")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    send(&state, preflight)
        .await
        .error(StatusCode::FORBIDDEN, "origin_not_allowed");
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn allowed_origins_get_cors_headers_on_every_answer() {
    let site = new_site("");
    let state = site.state();
    let ok = send(
        &state,
        with_origin(
            post("avis", &json!({"v": 1, "answers": {"note": "good"}})),
            ALLOWED,
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(
        ok.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(ALLOWED)
    );
    assert_eq!(ok.header(header::VARY), Some("origin"));
    // Errors too, or the widget could not read the code.
    let bad = send(
        &state,
        with_origin(post("avis", &json!({"v": 1, "answers": {}})), ALLOWED),
    )
    .await;
    bad.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(
        bad.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(ALLOWED)
    );
    let missing = send(
        &state,
        with_origin(post("nope", &json!({"v": 1, "answers": {}})), ALLOWED),
    )
    .await;
    missing.error(StatusCode::NOT_FOUND, "not_found");
    // Whether a form exists is public: any page may read the 404 (and stop retrying).
    assert_eq!(
        missing.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("*")
    );

    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/forms/avis/responses")
        .header(header::ORIGIN, ALLOWED)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .unwrap();
    let r = send(&state, preflight).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(ALLOWED));
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_METHODS), Some("POST"));
    assert_eq!(
        r.header(header::ACCESS_CONTROL_ALLOW_HEADERS),
        Some("content-type")
    );
}

#[tokio::test]
async fn same_origin_pages_and_wildcard_configs_may_post() {
    let site = new_site("");
    let state = site.state();
    let mut req = with_origin(
        post("avis", &json!({"v": 1, "answers": {"note": "good"}})),
        "http://collector.example:8080",
    );
    req.headers_mut()
        .insert(header::HOST, "collector.example:8080".parse().unwrap());
    let r = send(&state, req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let open = tempfile::tempdir().unwrap();
    std::fs::write(open.path().join("avis.toml"), avis(MAX_LENGTH)).unwrap();
    let config = Config::parse(
        r#"allowed_origins = ["*"]
forms = ["avis.toml"]"#,
        &open.path().join("voix.toml"),
    )
    .unwrap();
    let state = AppState::open(config).unwrap();
    let r = send(
        &state,
        with_origin(
            post("avis", &json!({"v": 1, "answers": {"note": "good"}})),
            "https://anyone.example",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://anyone.example")
    );
}

#[tokio::test]
async fn healthz_checks_the_database() {
    let site = new_site("");
    let state = site.state();
    let r = send(&state, get("/healthz")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn widget_files_are_served_cross_origin_with_their_types() {
    let site = new_site("");
    let state = site.state();
    let js = send(&state, get("/voix.js")).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.text(), "/* widget */");
    assert!(
        js.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(js.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(
        js.header(header::CACHE_CONTROL),
        Some("public, max-age=300")
    );
    assert_eq!(js.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));

    let wasm = send(&state, get("/voix_bg.wasm")).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header(header::CONTENT_TYPE), Some("application/wasm"));
    assert_eq!(wasm.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));

    // dist_dir wins over static_dir.
    assert_eq!(send(&state, get("/both.txt")).await.text(), "from dist");
}

#[tokio::test]
async fn the_site_is_served_after_the_widget_files() {
    let site = new_site("");
    let state = site.state();
    let index = send(&state, get("/")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(
        index
            .header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/html")
    );
    assert!(index.text().contains("<title>Mairie</title>"));
    let css = send(&state, get("/style.css")).await;
    assert!(
        css.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/css")
    );
    // Only the widget is for other origins.
    assert_eq!(css.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    assert_eq!(
        send(&state, get("/missing.html")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn databases_configuration_and_dotfiles_are_never_served() {
    // The database inside the served site, under a name that does not look like one.
    let site = new_site("");
    let config = std::fs::read_to_string(site.config_path())
        .unwrap()
        .replace("sqlite://data/voix.db", "site/answers.data");
    std::fs::write(site.config_path(), config).unwrap();
    let state = site.state();
    assert_eq!(
        send(
            &state,
            post("avis", &json!({"v": 1, "answers": {"note": "good"}}))
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert!(site.path().join("site/answers.data").exists());
    for path in [
        "/answers.data",
        "/answers%2Edata",
        "/answers%2Edat%61",
        "/answers.data-wal",
        "/answers.data-shm",
        "/settings.toml",
        "/settings%2etoml",
        "/.secret",
        "/%2esecret",
        "/../voix.toml",
        "/%2e%2e/voix.toml",
    ] {
        let r = send(&state, get(path)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.starts_with(b"SQLite"), "{path}");
    }
}

/// Issue 14, defect 4: `GET //docs` answered `307 Location: //docs/`, a protocol-relative URL
/// that takes the browser to the host `docs`. Every redirect stays on this site.
#[tokio::test]
async fn no_redirect_leaves_the_site() {
    let site = new_site("");
    site.write("site/docs/index.html", "<!doctype html><title>Docs</title>");
    site.write("dist/lib/x.js", "x");
    let state = site.state();
    // The ordinary redirect of a directory to its slash form is kept.
    let r = send(&state, get("/docs")).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.header(header::LOCATION), Some("/docs/"));
    for path in [
        "//docs",
        "///docs",
        "//docs/",
        "//lib",
        "//docs?x=1",
        "/%2Fdocs",
        "/%2F/docs",
        "/.//docs",
        "//127.0.0.1/docs",
    ] {
        let r = send(&state, get(path)).await;
        if let Some(location) = r.header(header::LOCATION) {
            assert!(
                location.starts_with('/')
                    && !location.starts_with("//")
                    && !location.starts_with("/\\"),
                "{path} → {} {location}",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn a_committed_answer_survives_reopening_the_store() {
    let site = new_site("");
    let id = {
        let state = site.state();
        let r = send(&state, post("avis", &json!({"v": 1, "id": "durable-01", "answers": {"note": "good", "commentaire": "merci"}}))).await;
        assert_eq!(r.status, StatusCode::CREATED);
        r.json()["id"].as_str().unwrap().to_owned()
    };
    let state = site.state();
    let rows = stored(&state).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].answers.text("commentaire"), Some("merci"));
    // The idempotency record survived too.
    let again = send(&state, post("avis", &json!({"v": 1, "id": "durable-01", "answers": {"note": "good", "commentaire": "merci"}}))).await;
    assert_eq!(again.json()["id"], id.as_str());
}

fn config_error(text: &str, files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let path = dir.path().join("voix.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap_err().to_string()
}

#[test]
fn config_errors_name_the_key_or_the_file() {
    let form = avis(MAX_LENGTH);
    let good = [("avis.toml", form.as_str())];
    let e = config_error("forms = [\"avis.toml\"]\ncolour = \"blue\"\n", &good);
    assert!(
        e.contains("colour") && e.contains("voix.toml") && e.contains("line 2"),
        "{e}"
    );
    assert!(!e.contains('\n'), "one line: {e}");

    let e = config_error(
        "forms = [\"broken.toml\"]",
        &[("broken.toml", "id = \"x\"\ntitle = 3\n")],
    );
    // Form files are read by voix-form's one reader, which names the field's path.
    assert!(
        e.contains("broken.toml") && e.contains("title: expected a string, found the number 3"),
        "{e}"
    );
    assert!(!e.contains('\n'), "one line: {e}");

    let e = config_error(
        "forms = [\"bad.json\"]",
        &[("bad.json", r#"{"id":"A B","title":"t","questions":[]}"#)],
    );
    assert!(e.contains("bad.json") && e.contains("form id"), "{e}");

    // Translations are checked when the configuration is read, naming their path.
    for (translation, message) in [
        (
            "[translations.de.questions.nope]\nlabel = \"Nein\"",
            "translations.de.questions.nope: no question with this id",
        ),
        (
            "[translations.fr]\ntitle = \"Avis\"",
            "translations.fr: the definition itself is written in `fr`",
        ),
        (
            "[translations.pt]\ntitle = \"Opinião\"",
            "translations.pt: unknown language `pt` (expected one of: fr, en, de, es, it, nl, ar)",
        ),
        (
            "[translations.de]\ntitel = \"Meinung\"",
            "translations.de: unknown field `titel` (expected one of: title, description, questions)",
        ),
        (
            "[translations.de.questions.note]\nlabel = \"  \"",
            "translations.de.questions.note.label: must not be blank",
        ),
        (
            "[translations.de.questions.note]\ntype = \"text\"",
            "translations.de.questions.note: unknown field `type` (expected one of: label, help, \
             choices, min_label, max_label)",
        ),
    ] {
        let text = format!("{}{translation}\n", avis(MAX_LENGTH));
        let e = config_error("forms = [\"avis.toml\"]", &[("avis.toml", &text)]);
        assert!(e.contains("avis.toml") && e.contains(message), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
    let e = config_error(
        "forms = [\"avis.toml\"]",
        &[(
            "avis.toml",
            &format!("lang = \"klingon\"\n{}", avis(MAX_LENGTH)),
        )],
    );
    assert!(e.contains("lang: unknown language `klingon`"), "{e}");

    let e = config_error("forms = [\"gone.toml\"]", &[]);
    assert!(e.contains("gone.toml") && e.contains("cannot read"), "{e}");

    let e = config_error(
        "forms = [\"avis.toml\", \"copy.toml\"]",
        &[
            ("avis.toml", &avis(MAX_LENGTH)),
            ("copy.toml", &avis(MAX_LENGTH)),
        ],
    );
    assert!(e.contains("`avis`") && e.contains("twice"), "{e}");

    let e = config_error(
        "database = \"mysql://db/voix\"\nforms = [\"avis.toml\"]",
        &good,
    );
    assert!(
        e.contains("unsupported database URL") && e.contains("sqlite://"),
        "{e}"
    );

    let e = config_error(
        "allowed_origins = [\"mairie.example\"]\nforms = [\"avis.toml\"]",
        &good,
    );
    assert!(
        e.contains("allowed_origins") && e.contains("mairie.example"),
        "{e}"
    );

    let e = config_error("listen = \"localhost\"\nforms = [\"avis.toml\"]", &good);
    assert!(e.contains("listen"), "{e}");

    let e = config_error("static_dir = \"nowhere\"\nforms = [\"avis.toml\"]", &good);
    assert!(e.contains("static_dir"), "{e}");

    let e = config_error("", &good);
    assert!(e.contains("forms"), "{e}");
}

#[test]
fn a_missing_database_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("avis.toml"), avis(MAX_LENGTH)).unwrap();
    let config = Config::parse(
        "database = \"missing/voix.db\"\nforms = [\"avis.toml\"]",
        &dir.path().join("voix.toml"),
    )
    .unwrap();
    let e = AppState::open(config).unwrap_err().to_string();
    assert!(e.contains("missing") && e.contains("does not exist"), "{e}");
}

#[test]
fn check_command_reports_forms_or_one_error_line() {
    let site = new_site("");
    let out = site.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ok: 1 form (avis)\n"
    );

    std::fs::write(site.path().join("forms/avis.toml"), "id = \"avis\"\n").unwrap();
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("avis.toml") && err.contains("title"), "{err}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn export_command_prints_the_stored_answers() {
    let site = new_site("");
    {
        let state = site.state();
        for body in [
            json!({"v": 1, "id": "export-001", "answers": {"note": "good", "commentaire": "bien"}}),
            json!({"v": 1, "answers": {"note": "bad"}}),
        ] {
            assert_eq!(
                send(&state, post("avis", &body)).await.status,
                StatusCode::CREATED
            );
        }
    }
    let out = site.run(&["export", "--form", "avis", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["submission_id"], "export-001");
    assert_eq!(
        rows[0]["answers"],
        json!({"note": "good", "commentaire": "bien"})
    );
    assert_eq!(rows[1]["submission_id"], Value::Null);
    assert_eq!(rows[1]["answers"], json!({"note": "bad"}));
    for row in rows {
        assert!(
            row["id"].is_string() && row["received_at"].is_string(),
            "{row}"
        );
    }

    let out = site.run(&["export", "--form", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

/// The real binary: announces its address, answers HTTP on it, stops cleanly on SIGTERM.
#[test]
fn serve_command_announces_its_address_and_stops_on_sigterm() {
    let site = new_site("");
    let mut child = site
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(!addr.ends_with(":0"), "{addr}");

    let body = json!({"v": 1, "answers": {"note": "good"}}).to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/forms/avis/responses HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(site.path().join("data/voix.db").exists());
}
