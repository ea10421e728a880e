//! The no-JS form pages (`/f/{id}`), driven in-process through `tower::ServiceExt::oneshot`:
//! the page and its headers, urlencoded posts (stored once, re-rendered with errors, refused from
//! foreign origins), the thank-you page, HTML error pages, and the page's language (`?lang=`,
//! `Accept-Language`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{HeaderValue, Method, Request, StatusCode, header},
};
use voix_collector::{AppState, app, store};

mod common;
use common::{Reply, Site, avis, send};

/// The common `avis` form with a title and a label holding markup: the page must show it as text.
fn form() -> String {
    avis(10)
        .replace(
            "title = \"Votre avis\"",
            "title = \"Votre avis <script>alert(1)</script>\"",
        )
        .replace(
            "label = \"Un commentaire ?\"",
            "label = \"Un <script>commentaire</script> ?\"",
        )
}

const ALLOWED: &str = "https://mairie.example";
const HOST: &str = "voix.example";
const BODY_LIMIT: usize = 512;
const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; \
                   frame-ancestors 'self' https://mairie.example";

/// A collector whose form `avis` is defined by `form`, allowing `allowed_origins` (a TOML list's
/// items), with `extra` lines in `voix.toml`.
fn new_site(form: &str, allowed_origins: &str, extra: &str) -> Site {
    Site::new(
        &[("forms/avis.toml", form)],
        &format!(
            r#"
database = "sqlite://voix.db"
allowed_origins = [{allowed_origins}]
max_body_bytes = {BODY_LIMIT}
{extra}
"#
        ),
    )
}

fn site() -> Site {
    new_site(&form(), &format!("\"{ALLOWED}\""), "")
}

impl Reply {
    /// Asserts a French HTML page with the page headers.
    fn page(&self, status: StatusCode) -> String {
        self.page_in(status, "fr")
    }

    /// Asserts an HTML page in language `lang` with the page headers.
    fn page_in(&self, status: StatusCode, lang: &str) -> String {
        let body = self.text();
        assert_eq!(self.status, status, "{body}");
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(self.header(header::CACHE_CONTROL), Some("no-store"));
        assert_eq!(self.header(header::REFERRER_POLICY), Some("same-origin"));
        assert_eq!(self.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
        let csp = self.header(header::CONTENT_SECURITY_POLICY).unwrap();
        assert!(csp.starts_with("default-src 'none'; "), "{csp}");
        assert_eq!(self.header(header::CONTENT_LANGUAGE), Some(lang));
        assert!(self.varies_on_accept_language(), "{:?}", self.headers);
        let dir = if lang == "ar" { " dir=\"rtl\"" } else { "" };
        let root = format!("<!DOCTYPE html>\n<html lang=\"{lang}\"{dir}>\n");
        assert!(body.starts_with(&root), "{body}");
        assert!(
            body.contains(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            )
        );
        assert!(body.contains("<link rel=\"stylesheet\" href=\"/f/voix.css\">"));
        assert_eq!(body.matches("<main>").count(), 1);
        assert!(!body.contains("<script"), "{body}");
        body
    }

    fn varies_on_accept_language(&self) -> bool {
        self.headers
            .get_all(header::VARY)
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept-language"))
    }

    /// The hidden submission id of a form page.
    fn submission_id(&self) -> String {
        let marker = "<input type=\"hidden\" name=\"_id\" value=\"";
        let body = self.text();
        let start = body.find(marker).expect("a hidden _id") + marker.len();
        body[start..start + 32].to_owned()
    }
}

/// A page, asked for as a browser does: with the `Host` that same-origin checks compare to.
fn get(path: &str) -> Request<Body> {
    let mut req = common::get(path);
    req.headers_mut()
        .insert(header::HOST, HeaderValue::from_static(HOST));
    req
}

/// What a browser sends from our own page: same origin, urlencoded.
fn post(form: &str, body: impl Into<Body>) -> Request<Body> {
    post_from(form, &format!("https://{HOST}"), body)
}

/// `form` is the form's id, maybe with a query (`avis?lang=es`).
fn post_from(form: &str, origin: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/f/{form}"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into())
        .unwrap()
}

async fn stored(state: &AppState) -> Vec<store::StoredResponse> {
    state.store().responses("avis").await.unwrap()
}

const SID: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn the_page_is_the_widget_form_in_a_plain_post_form() {
    let site = site();
    let state = site.state();
    let r = send(&state, get("/f/avis")).await;
    let html = r.page(StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_SECURITY_POLICY), Some(CSP));
    assert!(
        html.contains("<title>Votre avis &lt;script&gt;alert(1)&lt;/script&gt; — Voix</title>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<form novalidate aria-labelledby=\"v-title\" method=\"post\" action=\"/f/avis\">"
        ),
        "{html}"
    );
    // The title is the page's h1; the label's markup is text.
    assert!(html.contains(
        "<h1 id=\"v-title\" class=\"title\">Votre avis &lt;script&gt;alert(1)&lt;/script&gt;</h1>"
    ));
    assert!(html.contains("Un &lt;script&gt;commentaire&lt;/script&gt;\u{a0}?"));
    assert!(html.contains("<label for=\"v-commentaire\">"));
    assert!(html.contains("name=\"note\" value=\"good\""));
    assert!(html.contains("10 caractères au maximum."));
    assert!(!html.contains("aria-invalid"));
    assert!(!html.contains("v-summary"));
    // A fresh random id per page view.
    let sid = r.submission_id();
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{sid}"
    );
    let again = send(&state, get("/f/avis")).await;
    assert_ne!(again.submission_id(), sid);
    // HEAD works as GET.
    let head = Request::head("/f/avis").body(Body::empty()).unwrap();
    assert_eq!(send(&state, head).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_stylesheet_is_the_widget_s_plus_page_rules() {
    let site = site();
    let state = site.state();
    let r = send(&state, get("/f/voix.css")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("text/css; charset=utf-8")
    );
    assert!(r.text().contains(".voix {"));
    assert!(r.text().contains(".smiley:has(input:checked)"));
}

#[tokio::test]
async fn a_valid_post_is_stored_then_redirected_to_the_thanks_page() {
    let site = site();
    let state = site.state();
    let body = format!("note=good&commentaire=Tr%C3%A8s+bien&_id={SID}&send=Envoyer&other=ignored");
    let r = send(&state, post("avis", body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header(header::LOCATION), Some("/f/avis/merci"));
    assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"));
    assert!(r.varies_on_accept_language());
    let rows = stored(&state).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].submission_id.as_deref(), Some(SID));
    assert_eq!(rows[0].answers.text("note"), Some("good"));
    assert_eq!(rows[0].answers.text("commentaire"), Some("Très bien"));
    assert_eq!(rows[0].answers.len(), 2);

    let r = send(&state, get("/f/avis/merci")).await;
    let html = r.page(StatusCode::OK);
    assert!(
        html.contains("<h1 id=\"v-thanks\" tabindex=\"-1\">Merci\u{a0}!</h1>"),
        "{html}"
    );
    assert!(html.contains("Votre réponse a bien été envoyée."));
    assert!(html.contains("<title>Réponse envoyée : Votre avis &lt;script&gt;"));
    assert!(!html.contains("<form"));
}

#[tokio::test]
async fn decoding_plus_percent_and_line_ends() {
    let site = site();
    let state = site.state();
    // `+` is a space, `%2B` a plus, `%C3%A9` an é, CRLF (as browsers send a textarea's line
    // ends) is stored as \n, and a blank answer is no answer.
    let r = send(
        &state,
        post("avis", "note=bad&commentaire=%C3%A9+%2B%0D%0Aa"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = send(&state, post("avis", "note=average&commentaire=+++")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let rows = stored(&state).await;
    assert_eq!(rows[0].answers.text("commentaire"), Some("é +\na"));
    assert_eq!(rows[0].submission_id, None);
    assert_eq!(rows[1].answers.len(), 1);
}

#[tokio::test]
async fn a_double_submit_is_stored_once() {
    let site = site();
    let state = site.state();
    let body = format!("note=good&_id={SID}");
    for _ in 0..2 {
        let r = send(&state, post("avis", body.clone())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.header(header::LOCATION), Some("/f/avis/merci"));
    }
    assert_eq!(stored(&state).await.len(), 1);
}

#[tokio::test]
async fn the_same_id_with_other_answers_asks_to_send_again_with_a_new_id() {
    let site = site();
    let state = site.state();
    let r = send(&state, post("avis", format!("note=good&_id={SID}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(
        &state,
        post("avis", format!("note=bad&commentaire=Finalement&_id={SID}")),
    )
    .await;
    let html = r.page(StatusCode::CONFLICT);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Vos réponses ont changé depuis votre premier envoi"));
    assert!(html.contains("value=\"Finalement\""));
    assert!(html.contains("name=\"note\" value=\"bad\" checked"));
    let fresh = r.submission_id();
    assert_ne!(fresh, SID);
    // Sending the page again stores the new answers.
    let r = send(
        &state,
        post(
            "avis",
            format!("note=bad&commentaire=Finalement&_id={fresh}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(stored(&state).await.len(), 2);
}

#[tokio::test]
async fn an_invalid_post_comes_back_with_errors_and_the_answers_kept() {
    let site = site();
    let state = site.state();
    let r = send(
        &state,
        post(
            "avis",
            format!("commentaire=%3Cscript%3Ex%3C%2Fscript%3E%22&_id={SID}"),
        ),
    )
    .await;
    let html = r.page(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<title>Erreur : Votre avis"), "{html}");
    // The summary: focused on load, a link per error to the field.
    assert!(html.contains(
        "<div class=\"summary\" id=\"v-summary\" tabindex=\"-1\" aria-labelledby=\"v-summary-title\" autofocus=\"\">"
    ));
    assert!(
        html.contains("<h2 id=\"v-summary-title\">Il y a 2 erreurs dans le formulaire\u{a0}:</h2>")
    );
    assert!(html.contains("<a href=\"#v-note\" data-focus=\"v-note\">Comment ça s&#39;est passé\u{a0}?\u{a0}: Choisissez une réponse.</a>"));
    assert!(html.contains("href=\"#v-commentaire\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("<p class=\"err\" id=\"v-commentaire-err\">Votre texte est trop long\u{a0}: 10 caractères au maximum.</p>"));
    // The answer is kept, escaped.
    assert!(
        html.contains("value=\"&lt;script&gt;x&lt;/script&gt;&quot;\""),
        "{html}"
    );
    // The same id: nothing was stored under it.
    assert_eq!(r.submission_id(), SID);
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn foreign_origins_are_refused_before_anything_is_stored() {
    let site = site();
    let state = site.state();
    for origin in ["https://evil.example", "null", "http://voix.example:8080"] {
        let r = send(&state, post_from("avis", origin, "note=good")).await;
        let html = r.page(StatusCode::FORBIDDEN);
        assert!(html.contains("Envoi refusé"), "{origin}: {html}");
    }
    assert!(stored(&state).await.is_empty());
    // The sites allowed to post answers may also post this form; so may clients without Origin.
    let r = send(&state, post_from("avis", ALLOWED, "note=good")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let no_origin = Request::post("/f/avis")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("note=bad"))
        .unwrap();
    assert_eq!(send(&state, no_origin).await.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&state).await.len(), 2);
}

#[tokio::test]
async fn framing_follows_the_allowed_origins() {
    let site = new_site(&form(), "\"*\"", "");
    let state = site.state();
    let r = send(&state, get("/f/avis")).await;
    let csp = r.header(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.ends_with("; frame-ancestors *"), "{csp}");
    let site = new_site(&form(), "", "");
    let state = site.state();
    let r = send(&state, get("/f/avis")).await;
    let csp = r.header(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.ends_with("; frame-ancestors 'self'"), "{csp}");
}

#[tokio::test]
async fn unknown_forms_and_paths_are_html_404s() {
    let site = site();
    let state = site.state();
    for req in [
        get("/f/nope"),
        get("/f/nope/merci"),
        get("/f/avis/other"),
        get("/f/A%20B"),
        post("nope", "note=good"),
    ] {
        let path = req.uri().to_string();
        let r = send(&state, req).await;
        let html = r.page(StatusCode::NOT_FOUND);
        assert!(
            html.contains("<h1>Formulaire introuvable</h1>"),
            "{path}: {html}"
        );
    }
    let put = Request::builder()
        .method(Method::PUT)
        .uri("/f/avis")
        .body(Body::empty())
        .unwrap();
    send(&state, put).await.page(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn unreadable_posts_get_an_html_page_and_nothing_is_stored() {
    let site = site();
    let state = site.state();
    let cases: [(Request<Body>, StatusCode); 5] = [
        (post("avis", "note=good&note=bad"), StatusCode::BAD_REQUEST),
        (
            post("avis", "note=good&commentaire=%C3"),
            StatusCode::BAD_REQUEST,
        ),
        (post("avis", "note=good&_id=short"), StatusCode::BAD_REQUEST),
        (
            post(
                "avis",
                format!("note=good&commentaire={}", "a".repeat(BODY_LIMIT)),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Request::post("/f/avis")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("note=good"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (req, status) in cases {
        let r = send(&state, req).await;
        let html = r.page(status);
        assert!(
            html.contains("<a href=\"/f/avis\">Revenir au formulaire</a>"),
            "{html}"
        );
    }
    assert!(stored(&state).await.is_empty());
}

#[tokio::test]
async fn only_answers_about_to_be_stored_are_rate_limited_and_come_back_kept() {
    let site = new_site(
        &form(),
        &format!("\"{ALLOWED}\""),
        "rate_limit = { per_minute = 1, burst = 1 }",
    );
    let state = site.state();
    let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), 40_000);
    let send_from_peer =
        |req: Request<Body>| common::call(app(state.clone()).layer(MockConnectInfo(peer)), req);
    // Mistakes found by the server are part of filling the form, not answers: they cost nothing.
    for _ in 0..3 {
        let r = send_from_peer(post("avis", format!("commentaire=x&_id={SID}"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    }
    let r = send_from_peer(post("avis", format!("note=good&_id={SID}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let other = "fedcba9876543210fedcba9876543210";
    let r = send_from_peer(post(
        "avis",
        format!("note=bad&commentaire=Encore&_id={other}"),
    ))
    .await;
    let html = r.page(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header(header::RETRY_AFTER).is_some());
    assert!(html.contains("Trop d’envois en peu de temps"), "{html}");
    assert!(html.contains("value=\"Encore\""));
    assert!(html.contains("name=\"note\" value=\"bad\" checked"));
    assert_eq!(r.submission_id(), other);
    assert_eq!(stored(&state).await.len(), 1);
}

fn get_accepting(path: &str, accept_language: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .header(header::ACCEPT_LANGUAGE, accept_language)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn lang_in_the_query_gives_the_page_in_german() {
    let site = site();
    let state = site.state();
    // The query wins over the browser's languages.
    let r = send(&state, get_accepting("/f/avis?lang=de", "ar, fr;q=0.5")).await;
    let html = r.page_in(StatusCode::OK, "de");
    assert!(
        html.contains("<div class=\"voix\" lang=\"de\"><form"),
        "{html}"
    );
    assert!(html.contains(
        "<p class=\"note\">Fragen mit dem Hinweis „erforderlich“ müssen beantwortet werden.</p>"
    ));
    assert!(html.contains("<span class=\"req\">(erforderlich)</span>"));
    assert!(html.contains("<span class=\"lbl\">Nicht gut</span>"));
    assert!(html.contains("<span class=\"lbl\">Sehr gut</span>"));
    assert!(html.contains("Höchstens 10 Zeichen."));
    assert!(html.contains("<button type=\"submit\" part=\"button\">Absenden</button>"));
    // Posting keeps the language; the form's own words, not translated, are shown as written
    // and marked as French.
    assert!(
        html.contains("method=\"post\" action=\"/f/avis?lang=de\""),
        "{html}"
    );
    assert!(
        html.contains("<legend><span lang=\"fr\">Comment ça s&#39;est passé\u{a0}?</span> "),
        "{html}"
    );
    // A regional tag is its language, carried on as the language alone.
    let r = send(&state, get("/f/avis?lang=de-CH")).await;
    let html = r.page_in(StatusCode::OK, "de");
    assert!(html.contains("action=\"/f/avis?lang=de\""), "{html}");
}

#[tokio::test]
async fn accept_language_picks_arabic_right_to_left() {
    let site = site();
    let state = site.state();
    let r = send(&state, get_accepting("/f/avis", "ar-MA,fr;q=0.5")).await;
    let html = r.page_in(StatusCode::OK, "ar");
    assert!(
        html.contains("<div class=\"voix\" lang=\"ar\" dir=\"rtl\">"),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"submit\" part=\"button\">إرسال</button>"),
        "{html}"
    );
    assert!(html.contains("<span class=\"req\">(مطلوب)</span>"));
    assert!(html.contains("الحد الأقصى لعدد الأحرف: 10."));
    // Chosen by the browser, not the URL: nothing to carry on.
    assert!(html.contains("action=\"/f/avis\""), "{html}");
}

#[tokio::test]
async fn the_best_supported_language_or_french() {
    let site = site();
    let state = site.state();
    for (accept, lang, button) in [
        ("xx, en;q=0.8", "en", "Send"),
        ("pt-BR, es;q=0.4, nl-BE;q=0.6, *;q=0.9", "nl", "Versturen"),
        ("it;q=0, en;q=0.1", "en", "Send"),
        ("zz, *", "fr", "Envoyer"),
        ("en;q=nonsense", "fr", "Envoyer"),
    ] {
        let r = send(&state, get_accepting("/f/avis", accept)).await;
        let html = r.page_in(StatusCode::OK, lang);
        let want = format!("<button type=\"submit\" part=\"button\">{button}</button>");
        assert!(html.contains(&want), "{accept}: {html}");
    }
    // An unknown `lang` is ignored: the header decides, else French.
    let r = send(&state, get_accepting("/f/avis?lang=zz", "it-IT")).await;
    r.page_in(StatusCode::OK, "it");
    let r = send(&state, get("/f/avis?lang=zz")).await;
    let html = r.page(StatusCode::OK);
    assert!(html.contains("action=\"/f/avis\""), "{html}");
    let r = send(&state, get("/f/avis")).await;
    r.page(StatusCode::OK);
}

#[tokio::test]
async fn an_invalid_post_in_spanish_comes_back_in_spanish() {
    let site = site();
    let state = site.state();
    let r = send(
        &state,
        post(
            "avis?lang=es",
            format!("commentaire=demasiado+largo&_id={SID}"),
        ),
    )
    .await;
    let html = r.page_in(StatusCode::UNPROCESSABLE_ENTITY, "es");
    assert!(html.contains("<title>Error: Votre avis"), "{html}");
    assert!(
        html.contains("<h2 id=\"v-summary-title\">Hay 2 errores en el formulario:</h2>"),
        "{html}"
    );
    assert!(html.contains(": Elija una respuesta.</a>"), "{html}");
    assert!(html.contains(
        "<p class=\"err\" id=\"v-commentaire-err\">Su texto es demasiado largo: 10 caracteres como máximo.</p>"
    ));
    assert!(html.contains("<button type=\"submit\" part=\"button\">Enviar</button>"));
    assert!(html.contains("action=\"/f/avis?lang=es\""), "{html}");
    assert!(html.contains("value=\"demasiado largo\""));
    // Negotiated like the page: the browser's language when the URL names none.
    let post_accepting = Request::post("/f/avis")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT_LANGUAGE, "it-CH, fr;q=0.9")
        .body(Body::from("commentaire=x"))
        .unwrap();
    let html = send(&state, post_accepting)
        .await
        .page_in(StatusCode::UNPROCESSABLE_ENTITY, "it");
    assert!(html.contains("C’è 1 errore nel modulo:"), "{html}");
    assert!(html.contains("action=\"/f/avis\""), "{html}");
}

#[tokio::test]
async fn the_language_is_kept_to_the_thanks_page_and_back_links() {
    let site = site();
    let state = site.state();
    let r = send(&state, post("avis?lang=nl", format!("note=good&_id={SID}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header(header::LOCATION), Some("/f/avis/merci?lang=nl"));
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("nl"));
    let html = send(&state, get("/f/avis/merci?lang=nl"))
        .await
        .page_in(StatusCode::OK, "nl");
    assert!(
        html.contains("<h1 id=\"v-thanks\" tabindex=\"-1\">Bedankt!</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<title>Antwoord verstuurd: Votre avis"),
        "{html}"
    );
    // Without `?lang=`, the redirect carries nothing: the next request negotiates again.
    let other = "fedcba9876543210fedcba9876543210";
    let mut req = post("avis", format!("note=bad&_id={other}"));
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
    let r = send(&state, req).await;
    assert_eq!(r.header(header::LOCATION), Some("/f/avis/merci"));
    assert_eq!(r.header(header::CONTENT_LANGUAGE), Some("en"));
    // Error pages: their words, and the link back to the form keeps `?lang=`.
    let r = send(&state, post("avis?lang=it", "note=good&note=bad")).await;
    let html = r.page_in(StatusCode::BAD_REQUEST, "it");
    assert!(html.contains("<h1>Invio illeggibile</h1>"), "{html}");
    assert!(
        html.contains("<a href=\"/f/avis?lang=it\">Torna al modulo</a>"),
        "{html}"
    );
    let r = send(
        &state,
        post_from("avis?lang=ar", "https://evil.example", "note=good"),
    )
    .await;
    let html = r.page_in(StatusCode::FORBIDDEN, "ar");
    assert!(html.contains("<h1>تم رفض الإرسال</h1>"), "{html}");
    assert!(html.contains("<a href=\"/f/avis?lang=ar\">العودة إلى النموذج</a>"));
    let html = send(&state, get_accepting("/f/nope", "de"))
        .await
        .page_in(StatusCode::NOT_FOUND, "de");
    assert!(html.contains("<h1>Formular nicht gefunden</h1>"), "{html}");
    let html = send(&state, get("/f/avis/x?lang=en"))
        .await
        .page_in(StatusCode::NOT_FOUND, "en");
    assert!(html.contains("<h1>Form not found</h1>"), "{html}");
}

/// `form()` with its own words in German and Arabic (all of them) and in English (some).
fn translated_site() -> Site {
    let form = format!(
        r#"{}
[translations.de]
title = "Ihre Meinung <b>"
[translations.de.questions.note]
label = "Wie ist es gelaufen?"
[translations.de.questions.commentaire]
label = "Ein Kommentar?"

[translations.ar]
title = "رأيك"
[translations.ar.questions.note]
label = "كيف كانت تجربتك؟"
[translations.ar.questions.commentaire]
label = "تعليق؟"

[translations.en]
title = "Your opinion"
[translations.en.questions.commentaire]
label = "A comment?"
"#,
        form()
    );
    new_site(&form, &format!("\"{ALLOWED}\""), "")
}

#[tokio::test]
async fn a_translated_form_speaks_the_page_s_language() {
    let site = translated_site();
    let state = site.state();
    let html = send(&state, get("/f/avis?lang=de"))
        .await
        .page_in(StatusCode::OK, "de");
    for part in [
        "<title>Ihre Meinung &lt;b&gt; — Voix</title>",
        "<h1 id=\"v-title\" class=\"title\">Ihre Meinung &lt;b&gt;</h1>",
        "<legend>Wie ist es gelaufen? <span class=\"req\">(erforderlich)</span></legend>",
        "<label for=\"v-commentaire\">Ein Kommentar?</label>",
    ] {
        assert!(html.contains(part), "{part}\n{html}");
    }
    // Everything in German: nothing to mark.
    assert!(
        !html.contains("lang=\"fr\"") && !html.contains("<bdi"),
        "{html}"
    );

    // A mistake: the summary names the field in German, and the page stays German.
    let r = send(
        &state,
        post("avis?lang=de", "commentaire=beaucoup+trop+long"),
    )
    .await;
    let html = r.page_in(StatusCode::UNPROCESSABLE_ENTITY, "de");
    assert!(
        html.contains("data-focus=\"v-note\">Wie ist es gelaufen?: "),
        "{html}"
    );
    assert!(
        html.contains("<title>Fehler: Ihre Meinung &lt;b&gt; — Voix</title>"),
        "{html}"
    );
    assert!(!html.contains("lang=\"fr\""), "{html}");
    // Answers are stored by question id, whatever the language of the page.
    let r = send(&state, post("avis?lang=de", format!("note=good&_id={SID}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&state).await[0].answers["note"], *"good");
    let html = send(&state, get("/f/avis/merci?lang=de"))
        .await
        .page_in(StatusCode::OK, "de");
    assert!(
        html.contains("Ihre Meinung &lt;b&gt; — Voix</title>"),
        "{html}"
    );
}

#[tokio::test]
async fn a_partial_translation_keeps_the_rest_in_french_marked_as_such() {
    let site = translated_site();
    let state = site.state();
    let html = send(&state, get("/f/avis?lang=en"))
        .await
        .page_in(StatusCode::OK, "en");
    for part in [
        "<h1 id=\"v-title\" class=\"title\">Your opinion</h1>",
        "<label for=\"v-commentaire\">A comment?</label>",
        "<legend><span lang=\"fr\">Comment ça s&#39;est passé\u{a0}?</span> <span class=\"req\">(required)</span></legend>",
    ] {
        assert!(html.contains(part), "{part}\n{html}");
    }
    assert_eq!(html.matches("lang=\"fr\"").count(), 1, "{html}");
    // A language the definition has no translation into: every word is French, marked.
    let html = send(&state, get("/f/avis?lang=it"))
        .await
        .page_in(StatusCode::OK, "it");
    assert!(
        html.contains(
            "<h1 id=\"v-title\" class=\"title\"><span lang=\"fr\">Votre avis &lt;script&gt;"
        ),
        "{html}"
    );
    // French, the definition's own language: nothing marked.
    let html = send(&state, get("/f/avis")).await.page(StatusCode::OK);
    assert!(!html.contains("<span lang"), "{html}");
    assert!(html.contains("Comment ça s&#39;est passé\u{a0}?"), "{html}");
}

#[tokio::test]
async fn accept_language_arabic_gives_the_arabic_words() {
    let site = translated_site();
    let state = site.state();
    let r = send(&state, get_accepting("/f/avis", "ar-MA,fr;q=0.5")).await;
    let html = r.page_in(StatusCode::OK, "ar");
    for part in [
        "<title>رأيك — Voix</title>",
        "<h1 id=\"v-title\" class=\"title\">رأيك</h1>",
        "<legend>كيف كانت تجربتك؟ <span class=\"req\">(مطلوب)</span></legend>",
        "<label for=\"v-commentaire\">تعليق؟</label>",
    ] {
        assert!(html.contains(part), "{part}\n{html}");
    }
    // Arabic words on an Arabic page need no isolation.
    assert!(
        !html.contains("<bdi") && !html.contains("lang=\"fr\""),
        "{html}"
    );
}
