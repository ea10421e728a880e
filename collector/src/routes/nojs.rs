//! The no-JavaScript form pages, for visitors without wasm and for sites whose CSP forbids it:
//! `GET /f/{id}` is the form as a plain HTML `<form>`, `POST /f/{id}` takes it back urlencoded,
//! and `GET /f/{id}/merci` thanks the resident (post/redirect/get, so a reload never posts twice).
//!
//! The form is the widget's own view tree ([`voix_form::view::view`]) rendered by
//! [`voix_form::html::render`]: same labels, ids, error messages and summary links. Only what a
//! standalone page needs is changed on the tree: headings one level up (the title is the page's
//! `h1`), a hidden idempotency id, focus on the error summary when the page loads, a static
//! length hint instead of the live counter no script updates, and the form's own words that are
//! not in the page's language marked with theirs (`<span lang>` / `<bdi lang>`, see
//! [`mark_authored`]). `/f/voix.css` is the widget's stylesheet plus a few page rules, served
//! from here so the page's CSP needs no inline style.
//!
//! A post is checked like the JSON endpoint's: same origin rule, same body limit, same
//! validation, same rate limiter and metrics, same store with the same idempotency (`_id`,
//! drawn from the OS per page view: a double-clicked button is stored once). Errors are pages,
//! never JSON: a 422 is the form again with the answers, the summary and `aria-invalid`; a
//! conflict, a rate limit or a store failure is the form again with an alert and the answers.
//!
//! Language: French (the default), English, German, Spanish, Italian, Dutch or Arabic (right to
//! left), chosen per request from `?lang=`, else `Accept-Language`, else French (see [`lang`]).
//! The form's own words (title, description, labels, help) come from its definition's
//! `translations` for that language where it has them, else as written, in the definition's
//! `lang` (French by default), marked as such. The page's `<title>` cannot mark a part of its
//! text: it holds the title in whichever language it ended up. A language asked for with
//! `?lang=` is kept by the form's `action`, the redirect to the thank-you page and the links back
//! to the form. The widget shares the form's words (`voix_form::i18n`) but ships
//! French and English only: the other tables are behind voix-form's `locales` feature, which
//! only the collector turns on, so they cost the widget's wasm nothing.
//!
//! Headers of every page: `Content-Language` and `Vary: Accept-Language` (the page's words
//! depend on it); `Cache-Control: no-store` (answers are echoed back in 422 pages);
//! `Referrer-Policy: same-origin`, not `no-referrer`: with `no-referrer`, browsers send
//! `Origin: null` with the page's own form post, which the origin check must refuse; the
//! resident's next site still learns nothing. A CSP with no script source at all, and
//! `frame-ancestors` limited to the collector and the form's `allowed_origins`: the sites trusted
//! to post answers may also frame the form, other sites may not (a framed poll is a clickjacking
//! target).

use std::{borrow::Cow, fmt::Write as _};

use axum::{
    Router,
    body::Bytes,
    extract::{FromRequest, Path, Request, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use percent_encoding::percent_decode;
use voix_form::{
    ErrorCode, Form, QuestionKind,
    answer::{Answers, normalize},
    html::{escape, render},
    i18n::Locale,
    translations::{Localized, Text},
    validate::{FieldError, validate},
    view::{Element, Node, SUMMARY_ID, Status, ViewState, view},
};

use super::{cors::is_same_origin, responses::is_valid_submission_id};
use crate::{AppState, Error, error::AppError, limit::ClientIp};

mod lang;
use lang::Lang;
pub(super) use lang::from_query as query_locale;

/// Name of the hidden field holding the submission id. A question could be called `_id` too
/// (ids are `a-z 0-9 _ -`); on this page the hidden field would win and that question could not
/// be answered.
const SUBMISSION_FIELD: &str = "_id";

/// Bytes of randomness in a submission id (32 hex characters, like the widget's).
const SUBMISSION_ID_BYTES: usize = 16;

const STYLESHEET_PATH: &str = "/f/voix.css";
// The widget's stylesheet, then the page's rules. The widget's file lives in the `voix` crate
// (the collector is never packaged on its own, so the path outside the crate is fine).
const STYLESHEET: &str = concat!(
    include_str!("../../../src/web/style.css"),
    "\n",
    include_str!("../nojs.css")
);

/// Shown after every page's title.
const SITE_NAME: &str = "Voix";

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/f/voix.css", get(stylesheet))
        .route(
            "/f/{id}",
            get(form_page).post(submit).fallback(method_not_allowed),
        )
        // One route for every second segment: a catch-all beside `/f/{id}/merci` is a conflict.
        .route("/f/{id}/{page}", get(sub_page).fallback(method_not_allowed))
        .route("/f/{id}/{page}/{*rest}", any(not_found_page))
        .layer(axum::extract::DefaultBodyLimit::max(state.max_body_bytes()))
}

async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            // Revalidated each time, like the widget files: a new release shows at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn form_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(&uri, &headers);
    let Some(form) = form_of(&state, id, lang) else {
        return not_found(&state, lang);
    };
    let sid = new_submission_id();
    let page = FormPage {
        answers: &Answers::new(),
        errors: &[],
        status: Status::Editing,
        submission_id: sid.as_deref(),
        message: None,
        lang,
    };
    page.respond(&state, form, StatusCode::OK)
}

/// The path segment of the thank-you page, under the form's.
const THANKS_PAGE: &str = "merci";

async fn sub_page(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(&uri, &headers);
    let Ok(Path((id, page))) = path else {
        return not_found(&state, lang);
    };
    match state.localized(&id, lang.locale) {
        Some(form) if page == THANKS_PAGE => thanks_page(&state, &form.form, lang),
        _ => not_found(&state, lang),
    }
}

fn thanks_page(state: &AppState, form: &Form, lang: Lang) -> Response {
    let mut tree = view(
        form,
        &ViewState {
            answers: &Answers::new(),
            errors: &[],
            summary: false,
            status: Status::Sent,
            locale: lang.locale,
            action: None,
        },
    );
    promote_headings(&mut tree);
    let title = format!("{}{}", lang.strings().sent_title_prefix, form.title);
    html(
        state,
        Some(&form.id),
        lang,
        StatusCode::OK,
        document(lang, &title, &render(&tree)),
    )
}

async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    // Negotiated like the form page's, so the answer to a post speaks the page's language.
    let lang = Lang::negotiate(req.uri(), req.headers());
    let Some(localized) = form_of(&state, id, lang) else {
        return not_found(&state, lang);
    };
    // Ids and rules are the definition's whatever the language; only words are translated.
    let form = &localized.form;
    let words = lang.strings();
    // Before anything is read, as for the JSON endpoint (see `cors`).
    if !origin_allowed(&state, &form.id, req.headers(), req.uri()) {
        return problem(
            &state,
            form,
            lang,
            StatusCode::FORBIDDEN,
            words.foreign_title,
            words.foreign_body,
        );
    }
    let (outcome, res) = receive(&state, localized, lang, client, req).await;
    match outcome {
        Outcome::Stored { duplicate } => state.metrics().answer_stored(&form.id, duplicate),
        Outcome::Rejected(code) => state.metrics().answer_rejected(&form.id, code.as_str()),
        // Counted by the limiter itself, as for the JSON endpoint.
        Outcome::RateLimited => {}
    }
    res
}

/// What became of a post, for the metrics.
enum Outcome {
    Stored { duplicate: bool },
    Rejected(ErrorCode),
    RateLimited,
}

/// Reads, checks and stores one post; the outcome is for the metrics, the response for the
/// resident.
async fn receive(
    state: &AppState,
    localized: &Localized,
    lang: Lang,
    client: ClientIp,
    req: Request,
) -> (Outcome, Response) {
    let form = &localized.form;
    let words = lang.strings();
    let posted = match read(state, req).await {
        Ok(p) => p,
        Err(refused) => {
            let (code, status, title, body) = match refused {
                Refused::ContentType => (
                    ErrorCode::UnsupportedContentType,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    words.unreadable_title,
                    words.unreadable_body,
                ),
                Refused::TooLarge => (
                    ErrorCode::PayloadTooLarge,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    words.too_large_title,
                    words.too_large_body,
                ),
                Refused::Unreadable => (
                    ErrorCode::Invalid,
                    StatusCode::BAD_REQUEST,
                    words.unreadable_title,
                    words.unreadable_body,
                ),
            };
            return (
                Outcome::Rejected(code),
                problem(state, form, lang, status, title, body),
            );
        }
    };
    // A body we cannot decode and a malformed `_id` are the same thing to the visitor: not a
    // submission our page could have sent.
    let readable = parse(form, &posted).ok().filter(|p| {
        p.submission_id
            .as_deref()
            .is_none_or(is_valid_submission_id)
    });
    let Some(Posted {
        mut answers,
        submission_id,
    }) = readable
    else {
        let res = problem(
            state,
            form,
            lang,
            StatusCode::BAD_REQUEST,
            words.unreadable_title,
            words.unreadable_body,
        );
        return (Outcome::Rejected(ErrorCode::Invalid), res);
    };
    normalize(&mut answers);
    // A post without `_id` (a script, not our page) still gets one on the page sent back.
    let page_id = submission_id.clone().or_else(new_submission_id);
    if let Err(errors) = validate(form, &answers) {
        let page = FormPage {
            answers: &answers,
            errors: &errors,
            status: Status::Editing,
            submission_id: page_id.as_deref(),
            message: None,
            lang,
        };
        let res = page.respond(state, localized, StatusCode::UNPROCESSABLE_ENTITY);
        return (Outcome::Rejected(ErrorCode::Invalid), res);
    }
    // The limiter of `responses::create` (same buckets), but counting only answers about to be
    // stored: here the server is where mistakes are found, and a resident fixing three of them
    // must not use up the burst. The body is read first, within the body limit, so the page
    // can come back with the answers kept.
    if let Err(AppError::RateLimited { retry_after_secs }) =
        state.limiter().check(&form.id, client.ip())
    {
        let page = FormPage {
            answers: &answers,
            errors: &[],
            status: Status::Failed(ErrorCode::RateLimited),
            submission_id: page_id.as_deref(),
            message: None,
            lang,
        };
        let mut res = page.respond(state, localized, StatusCode::TOO_MANY_REQUESTS);
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after_secs.max(1)),
        );
        return (Outcome::RateLimited, res);
    }
    match state
        .store()
        .insert(&form.id, submission_id.as_deref(), &answers)
        .await
    {
        Ok(inserted) => {
            // Ids only, as for the JSON endpoint: answers never go to logs.
            tracing::info!(form = %form.id, response = %inserted.id, duplicate = inserted.duplicate, "answer stored (no-JS page)");
            let mut res = StatusCode::SEE_OTHER.into_response();
            let location = lang.link(&format!("/f/{}/{THANKS_PAGE}", form.id));
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            (
                Outcome::Stored {
                    duplicate: inserted.duplicate,
                },
                with_page_headers(state, Some(&form.id), lang, res),
            )
        }
        // The same id with other answers: the resident went back and changed them after a
        // first send. Those are kept; a fresh id lets them send the new version.
        Err(Error::Conflict) => {
            let fresh = new_submission_id();
            let page = FormPage {
                answers: &answers,
                errors: &[],
                status: Status::Failed(ErrorCode::Conflict),
                submission_id: fresh.as_deref(),
                message: Some(words.conflict),
                lang,
            };
            let res = page.respond(state, localized, StatusCode::CONFLICT);
            (Outcome::Rejected(ErrorCode::Conflict), res)
        }
        // Nothing is lost: the page comes back with the answers and the same id, so sending
        // again stores them once even if the first attempt did commit.
        Err(e) => {
            tracing::error!(error = %e, form = %form.id, "could not store an answer (no-JS page)");
            let page = FormPage {
                answers: &answers,
                errors: &[],
                status: Status::Failed(ErrorCode::Server),
                submission_id: page_id.as_deref(),
                message: None,
                lang,
            };
            let res = page.respond(state, localized, StatusCode::INTERNAL_SERVER_ERROR);
            (Outcome::Rejected(ErrorCode::Server), res)
        }
    }
}

/// Why a body was not read.
enum Refused {
    ContentType,
    TooLarge,
    Unreadable,
}

/// The body of an urlencoded post, within the body limit.
async fn read(state: &AppState, req: Request) -> Result<Bytes, Refused> {
    if !is_urlencoded(req.headers()) {
        return Err(Refused::ContentType);
    }
    match Bytes::from_request(req, state).await {
        Ok(b) => Ok(b),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Refused::TooLarge),
        Err(_) => Err(Refused::Unreadable),
    }
}

async fn not_found_page(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    not_found(&state, Lang::negotiate(&uri, &headers))
}

async fn method_not_allowed(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(&uri, &headers);
    let words = lang.strings();
    let body = message_document(lang, words.method_title, words.not_found_body, None);
    html(&state, None, lang, StatusCode::METHOD_NOT_ALLOWED, body)
}

/// The form of the path, in the page's language.
fn form_of(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
    lang: Lang,
) -> Option<&Localized> {
    let Path(id) = id.ok()?;
    state.localized(&id, lang.locale)
}

/// The form page, in any of its states.
struct FormPage<'a> {
    answers: &'a Answers,
    errors: &'a [FieldError],
    status: Status,
    submission_id: Option<&'a str>,
    /// Replaces the view's failure message (for failures the shared strings do not word well).
    message: Option<&'a str>,
    lang: Lang,
}

impl FormPage<'_> {
    /// The page as a response with `status` and the no-JS page headers.
    fn respond(&self, state: &AppState, localized: &Localized, status: StatusCode) -> Response {
        html(
            state,
            Some(&localized.form.id),
            self.lang,
            status,
            self.render(localized),
        )
    }

    fn render(&self, localized: &Localized) -> String {
        let form = &localized.form;
        // The post comes back in the same language, whatever the browser says.
        let action = self.lang.link(&format!("/f/{}", form.id));
        let mut tree = view(
            form,
            &ViewState {
                answers: self.answers,
                errors: self.errors,
                summary: !self.errors.is_empty(),
                status: self.status,
                locale: self.lang.locale,
                action: Some(&action),
            },
        );
        adapt(&mut tree, localized, self);
        let failed = !self.errors.is_empty() || matches!(self.status, Status::Failed(_));
        // The title is the first thing a screen reader says on load: it tells the outcome.
        let title = if failed {
            format!("{}{}", self.lang.strings().error_title_prefix, form.title)
        } else {
            form.title.clone()
        };
        document(self.lang, &title, &render(&tree))
    }
}

// The page-only changes to the widget's tree (see the module docs).
fn adapt(tree: &mut Node, localized: &Localized, page: &FormPage) {
    let form = &localized.form;
    promote_headings(tree);
    if let Some(sid) = page.submission_id
        && let Some(f) = find_mut(tree, &|e| e.tag == "form")
    {
        // Last, so it does not shift the `form > * + *` spacing of the widget's stylesheet.
        f.children.push(Node::Element(Element {
            tag: "input",
            attrs: vec![
                ("type", "hidden".into()),
                ("name", SUBMISSION_FIELD.into()),
                ("value", sid.to_owned().into()),
            ],
            children: Vec::new(),
        }));
    }
    // Without a script, focus cannot be moved after a failed submit; `autofocus` does it on load,
    // so the resident hears the summary first, as in the widget.
    if let Some(summary) = find_mut(tree, &|e| e.attr("id") == Some(SUMMARY_ID)) {
        summary.attrs.push(("autofocus", "".into()));
    }
    for q in &form.questions {
        if let QuestionKind::Text { max_length, .. } = q.kind {
            let id = format!("v-{}-count", q.id);
            if let Some(count) = find_mut(tree, &|e| e.attr("id") == Some(id.as_str())) {
                set_attr(count, "class", "count");
                count.children = vec![Node::Text(voix_form::i18n::fill(
                    page.lang.strings().max_chars,
                    max_length as usize,
                ))];
            }
        }
    }
    if let Some(text) = page.message
        && let Some(fail) = find_mut(tree, &|e| e.attr("class") == Some("fail"))
        && let Some(Node::Element(p)) = fail.children.first_mut()
    {
        p.children = vec![Node::Text(text.to_owned())];
    }
    mark_authored(tree, localized, page.lang.locale);
}

/// The form's own words (title, description, labels, help) are in the page's language where the
/// definition translates them, and in the definition's own language where it does not. Those
/// are marked with their language (RGAA 8.7): `<span lang="fr">` on a left-to-right page. On a
/// right-to-left page, or for right-to-left words, `<bdi lang="fr">`: without the isolation a
/// French label's closing `?` would show before its first word; the `<bdi>` orders it by its own
/// letters while the page around stays mirrored. Words in the page's language get nothing.
/// Done here rather than in the shared view so the widget, which shows every form as written,
/// does not carry the code.
fn mark_authored(tree: &mut Node, localized: &Localized, page: Locale) {
    let Node::Element(e) = tree else {
        return;
    };
    if let Some((own, which)) = authored_text(&localized.form, e)
        && let lang = localized.lang_of(which)
        && lang != page
        && let Some(Node::Text(text)) = e.children.first()
        && let Some(rest) = text.strip_prefix(own)
    {
        // A summary link is "label : message": only the label is the author's.
        let rest = (!rest.is_empty()).then(|| Node::Text(rest.to_owned()));
        let wrap = Node::Element(Element {
            tag: if page.rtl() || lang.rtl() {
                "bdi"
            } else {
                "span"
            },
            attrs: vec![("lang", lang.tag().into())],
            children: vec![Node::Text(own.to_owned())],
        });
        e.children.splice(..1, std::iter::once(wrap).chain(rest));
    }
    for child in &mut e.children {
        mark_authored(child, localized, page);
    }
}

/// The words of the form's author that `e`'s text starts with, and which text they are, found
/// by the ids and classes the view gives them.
fn authored_text<'f>(form: &'f Form, e: &Element) -> Option<(&'f str, Text<'f>)> {
    if e.attr("id") == Some("v-title") {
        return Some((&form.title, Text::Title));
    }
    if e.attr("class") == Some("desc") {
        return Some((form.description.as_deref()?, Text::Description));
    }
    let question = |field_id: &str| form.question(field_id.strip_prefix("v-")?);
    let q = match e.tag {
        // A text box's label, and a summary link to any field, name the field.
        "label" => question(e.attr("for")?),
        "a" => question(e.attr("data-focus")?),
        "p" if e.attr("class") == Some("help") => {
            let q = question(e.attr("id")?.strip_suffix("-help")?)?;
            return Some((q.help.as_deref()?, Text::Help(&q.id)));
        }
        // A smiley group's legend has no id: it is known by its text.
        "legend" => {
            let Some(Node::Text(text)) = e.children.first() else {
                return None;
            };
            form.questions.iter().find(|q| *text == q.label)
        }
        _ => None,
    }?;
    Some((&q.label, Text::Label(&q.id)))
}

// h2 → h1, h3 → h2: on its own page the form's title is the page's main heading.
fn promote_headings(node: &mut Node) {
    if let Node::Element(e) = node {
        e.tag = match e.tag {
            "h2" => "h1",
            "h3" => "h2",
            other => other,
        };
        e.children.iter_mut().for_each(promote_headings);
    }
}

fn find_mut<'a>(node: &'a mut Node, pred: &dyn Fn(&Element) -> bool) -> Option<&'a mut Element> {
    let Node::Element(e) = node else {
        return None;
    };
    if pred(e) {
        return Some(e);
    }
    e.children.iter_mut().find_map(|c| find_mut(c, pred))
}

fn set_attr(e: &mut Element, name: &'static str, value: &'static str) {
    match e.attrs.iter_mut().find(|(k, _)| *k == name) {
        Some((_, v)) => *v = value.into(),
        None => e.attrs.push((name, value.into())),
    }
}

/// ` dir="rtl"` for a right-to-left language; nothing otherwise (left to right is the default).
fn dir_attr(lang: Lang) -> &'static str {
    if lang.locale.rtl() {
        " dir=\"rtl\""
    } else {
        ""
    }
}

/// A whole HTML document around `main_html` (already escaped markup).
fn document(lang: Lang, title: &str, main_html: &str) -> String {
    let mut out = String::with_capacity(main_html.len() + 512);
    let _ = write!(
        out,
        concat!(
            // `dir` on the root too, not only on `.voix`: the title and the page's own margins
            // follow it, and so does the browser's scrollbar side.
            "<!DOCTYPE html>\n<html lang=\"{lang}\"{dir}>\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            // A fallback reached from a site's page; out of context in search results.
            "<meta name=\"robots\" content=\"noindex\">\n",
            "<title>{title} — {site}</title>\n",
            "<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n<body>\n<main>\n{main}\n</main>\n",
            "</body>\n</html>\n"
        ),
        lang = lang.locale.tag(),
        dir = dir_attr(lang),
        title = escape(title),
        site = SITE_NAME,
        css = STYLESHEET_PATH,
        main = main_html,
    );
    out
}

/// A page with a heading, a sentence and maybe a link back to the form.
fn message_document(lang: Lang, title: &str, body: &str, back_to: Option<&str>) -> String {
    // `lang` and `dir` as on the form's `.voix` root, which the widget's stylesheet styles.
    let mut main = format!(
        "<div class=\"voix\" lang=\"{}\"{}><h1>{}</h1><p>{}</p>",
        lang.locale.tag(),
        dir_attr(lang),
        escape(title),
        escape(body)
    );
    if let Some(href) = back_to {
        let _ = write!(
            main,
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(lang.strings().back_to_form)
        );
    }
    main.push_str("</div>");
    let title = format!("{}{title}", lang.strings().error_title_prefix);
    document(lang, &title, &main)
}

fn not_found(state: &AppState, lang: Lang) -> Response {
    let words = lang.strings();
    let body = message_document(lang, words.not_found_title, words.not_found_body, None);
    html(state, None, lang, StatusCode::NOT_FOUND, body)
}

fn problem(
    state: &AppState,
    form: &Form,
    lang: Lang,
    status: StatusCode,
    title: &str,
    body: &str,
) -> Response {
    let back = lang.link(&format!("/f/{}", form.id));
    html(
        state,
        Some(&form.id),
        lang,
        status,
        message_document(lang, title, body, Some(&back)),
    )
}

fn html(
    state: &AppState,
    form_id: Option<&str>,
    lang: Lang,
    status: StatusCode,
    body: String,
) -> Response {
    let res = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    with_page_headers(state, form_id, lang, res)
}

fn with_page_headers(
    state: &AppState,
    form_id: Option<&str>,
    lang: Lang,
    mut res: Response,
) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(state, form_id)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.locale.tag()),
    );
    // The words depend on `Accept-Language` (unless `?lang=` was given, which is in the URL and
    // so in any cache key already). Appended: another layer may vary on more.
    h.append(header::VARY, HeaderValue::from_static("accept-language"));
    res
}

/// The page's CSP: no script at all, styles from our stylesheet only, posts to ourselves only,
/// framed by ourselves and the sites allowed to post answers to this form.
fn content_security_policy(state: &AppState, form_id: Option<&str>) -> String {
    let mut csp = String::from(
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; \
         frame-ancestors",
    );
    let allowed = form_id.map(|id| state.allowed_origins(id));
    if allowed.is_some_and(|a| a.is_any()) {
        csp.push_str(" *");
    } else {
        csp.push_str(" 'self'");
        for origin in allowed.map_or(&[][..], |a| a.listed()) {
            // Checked when the configuration was read; this keeps a stray `;` from ever
            // starting another directive.
            if origin
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:/[]".contains(&b))
            {
                csp.push(' ');
                csp.push_str(origin);
            }
        }
    }
    csp
}

// Same rule as the JSON endpoint (`cors::check_origin`): no `Origin` (not a web page), our own
// origin, or one of the form's allowed origins. `null` (a sandboxed frame, a privacy setting)
// is refused: we cannot tell whose page it is.
fn origin_allowed(state: &AppState, form_id: &str, headers: &HeaderMap, uri: &Uri) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let text = origin.to_str().unwrap_or("");
    if is_same_origin(text, headers, uri) {
        return true;
    }
    let allowed = !text.is_empty() && state.allowed_origins(form_id).allows(text);
    if !allowed {
        tracing::info!(origin = %text, "refused a no-JS post from a foreign origin");
    }
    allowed
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A fresh submission id: 32 lower-case hex characters from the OS's generator. `None` only if
/// the OS has none to give: the page still works, without double-submit protection.
fn new_submission_id() -> Option<String> {
    let mut bytes = [0u8; SUBMISSION_ID_BYTES];
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::error!(error = %e, "no randomness for a submission id");
        return None;
    }
    let mut out = String::with_capacity(2 * SUBMISSION_ID_BYTES);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    Some(out)
}

/// A decoded post.
#[derive(Debug, PartialEq, Eq)]
struct Posted {
    answers: Answers,
    submission_id: Option<String>,
}

/// Why a body is not a post of our form.
#[derive(Debug, PartialEq, Eq)]
enum Unreadable {
    /// A name or value is not UTF-8 once percent-decoded.
    NotUtf8,
    /// A question (or `_id`) is given twice. Our page never does that (one box or one radio
    /// group per question); picking one of two answers would store something nobody chose.
    Repeated,
}

/// Reads an `application/x-www-form-urlencoded` body: the answers to the form's questions and
/// the submission id. Other names (a named submit button, a field a browser extension adds) are
/// ignored. Line ends typed in a text box arrive as CRLF (browsers normalise them so) and are
/// stored as `\n`, as the widget sends them.
fn parse(form: &Form, body: &[u8]) -> Result<Posted, Unreadable> {
    let mut answers = Answers::new();
    let mut submission_id = None;
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name)?;
        if name == SUBMISSION_FIELD {
            if submission_id.replace(decode(value)?).is_some() {
                return Err(Unreadable::Repeated);
            }
        } else if form.question(&name).is_some() {
            let value = decode(value)?.replace("\r\n", "\n");
            if answers.insert(name, value).is_some() {
                return Err(Unreadable::Repeated);
            }
        }
    }
    Ok(Posted {
        answers,
        submission_id,
    })
}

// `+` is a space, then percent-decoding; the bytes must be UTF-8 (the page is, so browsers post
// UTF-8), never guessed at or replaced.
fn decode(raw: &[u8]) -> Result<String, Unreadable> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| Unreadable::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::from_json(
            r#"{"id":"f","title":"T","questions":[
                {"id":"note","type":"smileys","label":"Note"},
                {"id":"c","type":"text","label":"C","multiline":true}]}"#,
        )
        .unwrap()
    }

    /// `form` without translations, on a page in `lang`.
    fn as_written(form: &Form, lang: Lang) -> Localized {
        form.localized(&Default::default(), lang.locale)
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_urlencoded_utf8() {
        let p = parse(
            &form(),
            b"note=good&c=Tr%C3%A8s+bien+%2B+clair%0D%0Amerci&_id=abc&send=&zzz=1&&c2",
        )
        .unwrap();
        assert_eq!(
            p.answers,
            answers(&[("note", "good"), ("c", "Très bien + clair\nmerci")])
        );
        assert_eq!(p.submission_id.as_deref(), Some("abc"));
        assert_eq!(parse(&form(), b"").unwrap().answers, Answers::new());
        // A name without `=` is an empty value; a malformed escape is kept as typed.
        assert_eq!(
            parse(&form(), b"c=100%&note").unwrap().answers,
            answers(&[("c", "100%"), ("note", "")])
        );
    }

    #[test]
    fn refuses_repeats_and_bad_utf8() {
        assert_eq!(
            parse(&form(), b"note=good&note=bad"),
            Err(Unreadable::Repeated)
        );
        assert_eq!(parse(&form(), b"_id=a&_id=b"), Err(Unreadable::Repeated));
        assert_eq!(parse(&form(), b"c=%C3"), Err(Unreadable::NotUtf8));
        assert_eq!(parse(&form(), b"%FF=1"), Err(Unreadable::NotUtf8));
        // Repeats of names we ignore do not matter.
        assert!(parse(&form(), b"x=1&x=2").is_ok());
    }

    #[test]
    fn submission_ids_are_fresh_hex() {
        let a = new_submission_id().unwrap();
        let b = new_submission_id().unwrap();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
        assert!(is_valid_submission_id(&a));
    }

    #[test]
    fn page_tree_changes() {
        let form = form();
        let html = FormPage {
            answers: &Answers::new(),
            errors: &[FieldError {
                field: "c".into(),
                code: ErrorCode::TooLong,
            }],
            status: Status::Editing,
            submission_id: Some("0123456789abcdef"),
            message: None,
            lang: Lang::negotiate(&Uri::from_static("/f/f"), &HeaderMap::new()),
        }
        .render(&as_written(
            &form,
            Lang::negotiate(&Uri::from_static("/f/f"), &HeaderMap::new()),
        ));
        assert!(
            html.contains("<h1 id=\"v-title\" class=\"title\">T</h1>"),
            "{html}"
        );
        assert!(html.contains("<h2 id=\"v-summary-title\">"), "{html}");
        assert!(
            html.contains("tabindex=\"-1\" aria-labelledby=\"v-summary-title\" autofocus"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"count\" id=\"v-c-count\">1000 caractères au maximum.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<input type=\"hidden\" name=\"_id\" value=\"0123456789abcdef\"></form>"),
            "{html}"
        );
        assert!(html.contains("<title>Erreur : T — Voix</title>"), "{html}");
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(html.contains("action=\"/f/f\""), "{html}");
    }

    #[test]
    fn page_in_a_language_asked_for_in_the_url() {
        let lang = Lang::negotiate(&Uri::from_static("/f/f?lang=ar-EG"), &HeaderMap::new());
        let html = FormPage {
            answers: &Answers::new(),
            errors: &[],
            status: Status::Failed(ErrorCode::Conflict),
            submission_id: None,
            message: Some(lang.strings().conflict),
            lang,
        }
        .render(&as_written(&form(), lang));
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(
            html.contains("<div class=\"voix\" lang=\"ar\" dir=\"rtl\">"),
            "{html}"
        );
        assert!(html.contains("action=\"/f/f?lang=ar\""), "{html}");
        assert!(html.contains("<title>خطأ: T — Voix</title>"), "{html}");
        assert!(html.contains("الحد الأقصى لعدد الأحرف: 1000."), "{html}");
        assert!(html.contains("تغيّرت إجاباتك"), "{html}");
        let page = message_document(lang, "A", "B", Some("/f/f?lang=ar"));
        assert!(page.contains("<a href=\"/f/f?lang=ar\">العودة إلى النموذج</a>"));
    }

    #[test]
    fn words_not_in_the_page_s_language_are_marked_with_theirs() {
        let form = Form::from_json(
            r#"{"id":"f","title":"Votre avis ?","description":"D.","questions":[
                {"id":"note","type":"smileys","label":"Note ?","help":"Aide.","required":true},
                {"id":"c","type":"text","label":"C ?"}]}"#,
        )
        .unwrap();
        let errors = [
            FieldError {
                field: "note".into(),
                code: ErrorCode::Required,
            },
            FieldError {
                field: "c".into(),
                code: ErrorCode::TooLong,
            },
        ];
        let render = |uri: &'static str| {
            let lang = Lang::negotiate(&Uri::from_static(uri), &HeaderMap::new());
            FormPage {
                answers: &Answers::new(),
                errors: &errors,
                status: Status::Editing,
                submission_id: None,
                message: None,
                lang,
            }
            .render(&as_written(&form, lang))
        };
        // Right to left: isolated and marked, so a French `?` stays at the end.
        let html = render("/f/f?lang=ar");
        for part in [
            "<h1 id=\"v-title\" class=\"title\"><bdi lang=\"fr\">Votre avis ?</bdi></h1>",
            "<p class=\"desc\"><bdi lang=\"fr\">D.</bdi></p>",
            "<legend><bdi lang=\"fr\">Note ?</bdi> <span class=\"req\">(مطلوب)</span></legend>",
            "<p class=\"help\" id=\"v-note-help\"><bdi lang=\"fr\">Aide.</bdi></p>",
            "<label for=\"v-c\"><bdi lang=\"fr\">C ?</bdi></label>",
            "data-focus=\"v-note\"><bdi lang=\"fr\">Note ?</bdi> : يرجى اختيار إجابة.</a>",
            "data-focus=\"v-c\"><bdi lang=\"fr\">C ?</bdi> : النص طويل جدًا",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        // Messages and hints are the page's words: not marked.
        assert_eq!(html.matches("<bdi lang=\"fr\">").count(), 7, "{html}");
        // Left to right: marked only.
        let html = render("/f/f?lang=de");
        assert!(!html.contains("<bdi"), "{html}");
        assert!(
            html.contains("<label for=\"v-c\"><span lang=\"fr\">C ?</span></label>"),
            "{html}"
        );
        assert_eq!(html.matches("<span lang=\"fr\">").count(), 7, "{html}");
        // In the definition's own language: the widget's tree as it is.
        let html = render("/f/f");
        assert!(
            !html.contains("<bdi") && !html.contains("<span lang"),
            "{html}"
        );
    }

    #[test]
    fn translated_words_are_the_page_s_and_the_rest_keep_their_language() {
        let (form, translations) = Form::from_json_with_translations(
            r#"{"id":"f","title":"Votre avis ?","questions":[
                {"id":"note","type":"smileys","label":"Note ?","required":true},
                {"id":"c","type":"text","label":"C ?","help":"Aide."}],
                "translations":{
                  "de":{"title":"Ihre Meinung?","questions":{"note":{"label":"Note?"},
                        "c":{"label":"K?","help":"Hilfe."}}},
                  "ar":{"title":"رأيكم؟","questions":{"note":{"label":"التقييم؟"}}}}}"#,
        )
        .unwrap();
        let render = |uri: &'static str| {
            let lang = Lang::negotiate(&Uri::from_static(uri), &HeaderMap::new());
            FormPage {
                answers: &Answers::new(),
                errors: &[],
                status: Status::Editing,
                submission_id: None,
                message: None,
                lang,
            }
            .render(&form.localized(&translations, lang.locale))
        };
        let html = render("/f/f?lang=de");
        for part in [
            "<h1 id=\"v-title\" class=\"title\">Ihre Meinung?</h1>",
            "<legend>Note? <span class=\"req\">",
            "<label for=\"v-c\">K?</label>",
            "<p class=\"help\" id=\"v-c-help\">Hilfe.</p>",
            "<title>Ihre Meinung? — Voix</title>",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        assert!(!html.contains("lang=\"fr\""), "{html}");
        // Partly translated, right to left: the French words isolated and marked.
        let html = render("/f/f?lang=ar");
        for part in [
            "<h1 id=\"v-title\" class=\"title\">رأيكم؟</h1>",
            "<legend>التقييم؟ <span class=\"req\">",
            "<label for=\"v-c\"><bdi lang=\"fr\">C ?</bdi></label>",
            "<p class=\"help\" id=\"v-c-help\"><bdi lang=\"fr\">Aide.</bdi></p>",
        ] {
            assert!(html.contains(part), "{part}\n{html}");
        }
        assert_eq!(html.matches("lang=\"fr\"").count(), 2, "{html}");
    }
}
