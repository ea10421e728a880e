//! The no-JavaScript form pages, for visitors without wasm and for sites whose CSP forbids it:
//! `GET /f/{id}` is the form as a plain HTML `<form>`, `POST /f/{id}` takes it back urlencoded,
//! and `GET /f/{id}/merci` thanks the resident (post/redirect/get, so a reload never posts twice).
//!
//! The form is the widget's own view tree ([`voix_form::view::view`]) rendered by
//! [`voix_form::html::render`]: same labels, ids, error messages and summary links. Only what a
//! standalone page needs is changed on the tree: headings one level up (the title is the page's
//! `h1`), a hidden idempotency id, focus on the error summary when the page loads, and a static
//! length hint instead of the live counter no script updates. `/f/voix.css` is the widget's
//! stylesheet plus a few page rules, served from here so the page's CSP needs no inline style.
//!
//! A post is checked like the JSON endpoint's: same origin rule, same body limit, same
//! validation, same rate limiter and metrics, same store with the same idempotency (`_id`,
//! drawn from the OS per page view: a double-clicked button is stored once). Errors are pages,
//! never JSON: a 422 is the form again with the answers, the summary and `aria-invalid`; a
//! conflict, a rate limit or a store failure is the form again with an alert and the answers.
//!
//! Headers of every page: `Cache-Control: no-store` (answers are echoed back in 422 pages);
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
    validate::{FieldError, validate},
    view::{Element, Node, SUMMARY_ID, Status, ViewState, view},
};

use super::{cors::is_same_origin, responses::is_valid_submission_id};
use crate::{AppState, Error, error::AppError, limit::ClientIp};

/// Forms carry no locale yet: the pages are French, like the collector's default messages.
const LOCALE: Locale = Locale::Fr;

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

// Page-level words (the form's own words come from `voix_form::i18n`, shared with the widget,
// whose size budget has no room for strings only this page shows).
const SITE_NAME: &str = "Voix";
const ERROR_TITLE_PREFIX: &str = "Erreur : ";
const SENT_TITLE_PREFIX: &str = "Réponse envoyée : ";
const MAX_CHARS: &str = "{n} caractères au maximum.";
const CONFLICT: &str = "Vos réponses ont changé depuis votre premier envoi : \
     vérifiez-les puis envoyez-les de nouveau.";
const NOT_FOUND_TITLE: &str = "Formulaire introuvable";
const NOT_FOUND_BODY: &str = "Vérifiez l’adresse de la page, ou revenez au site qui vous a \
     proposé ce formulaire.";
const UNREADABLE_TITLE: &str = "Envoi illisible";
const UNREADABLE_BODY: &str = "Votre envoi n’a pas pu être lu. Revenez au formulaire puis \
     envoyez de nouveau vos réponses.";
const TOO_LARGE_TITLE: &str = "Envoi trop long";
const TOO_LARGE_BODY: &str = "Votre envoi dépasse la taille acceptée. Revenez à la page \
     précédente, raccourcissez votre texte puis envoyez de nouveau.";
const FOREIGN_TITLE: &str = "Envoi refusé";
const FOREIGN_BODY: &str = "Ce formulaire ne peut pas être envoyé depuis un autre site. \
     Répondez directement sur la page du formulaire.";
const METHOD_TITLE: &str = "Page introuvable";
const BACK_TO_FORM: &str = "Revenir au formulaire";

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
) -> Response {
    let Some(form) = form_of(&state, id) else {
        return not_found(&state);
    };
    let sid = new_submission_id();
    let page = FormPage {
        answers: &Answers::new(),
        errors: &[],
        status: Status::Editing,
        submission_id: sid.as_deref(),
        message: None,
    };
    html(&state, Some(&form.id), StatusCode::OK, page.render(form))
}

/// The path segment of the thank-you page, under the form's.
const THANKS_PAGE: &str = "merci";

async fn sub_page(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((id, page))) = path else {
        return not_found(&state);
    };
    match state.form(&id) {
        Some(form) if page == THANKS_PAGE => thanks_page(&state, form),
        _ => not_found(&state),
    }
}

fn thanks_page(state: &AppState, form: &Form) -> Response {
    let mut tree = view(
        form,
        &ViewState {
            answers: &Answers::new(),
            errors: &[],
            summary: false,
            status: Status::Sent,
            locale: LOCALE,
            action: None,
        },
    );
    promote_headings(&mut tree);
    let title = format!("{SENT_TITLE_PREFIX}{}", form.title);
    html(
        state,
        Some(&form.id),
        StatusCode::OK,
        document(&title, &render(&tree)),
    )
}

async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let Some(form) = form_of(&state, id) else {
        return not_found(&state);
    };
    // Before anything is read, as for the JSON endpoint (see `cors`).
    if !origin_allowed(&state, &form.id, req.headers(), req.uri()) {
        return problem(
            &state,
            form,
            StatusCode::FORBIDDEN,
            FOREIGN_TITLE,
            FOREIGN_BODY,
        );
    }
    let (outcome, res) = receive(&state, form, client, req).await;
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
    form: &Form,
    client: ClientIp,
    req: Request,
) -> (Outcome, Response) {
    let posted = match read(state, req).await {
        Ok(p) => p,
        Err(refused) => {
            let (code, status, title, body) = match refused {
                Refused::ContentType => (
                    ErrorCode::UnsupportedContentType,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    UNREADABLE_TITLE,
                    UNREADABLE_BODY,
                ),
                Refused::TooLarge => (
                    ErrorCode::PayloadTooLarge,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    TOO_LARGE_TITLE,
                    TOO_LARGE_BODY,
                ),
                Refused::Unreadable => (
                    ErrorCode::Invalid,
                    StatusCode::BAD_REQUEST,
                    UNREADABLE_TITLE,
                    UNREADABLE_BODY,
                ),
            };
            return (
                Outcome::Rejected(code),
                problem(state, form, status, title, body),
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
            StatusCode::BAD_REQUEST,
            UNREADABLE_TITLE,
            UNREADABLE_BODY,
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
        };
        let res = html(
            state,
            Some(&form.id),
            StatusCode::UNPROCESSABLE_ENTITY,
            page.render(form),
        );
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
        };
        let mut res = html(
            state,
            Some(&form.id),
            StatusCode::TOO_MANY_REQUESTS,
            page.render(form),
        );
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
            let location = format!("/f/{}/{THANKS_PAGE}", form.id);
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            (
                Outcome::Stored {
                    duplicate: inserted.duplicate,
                },
                with_page_headers(state, Some(&form.id), res),
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
                message: Some(CONFLICT),
            };
            let res = html(
                state,
                Some(&form.id),
                StatusCode::CONFLICT,
                page.render(form),
            );
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
            };
            let res = html(
                state,
                Some(&form.id),
                StatusCode::INTERNAL_SERVER_ERROR,
                page.render(form),
            );
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

async fn not_found_page(State(state): State<AppState>) -> Response {
    not_found(&state)
}

async fn method_not_allowed(State(state): State<AppState>) -> Response {
    let body = message_document(METHOD_TITLE, NOT_FOUND_BODY, None);
    html(&state, None, StatusCode::METHOD_NOT_ALLOWED, body)
}

fn form_of(state: &AppState, id: Result<Path<String>, PathRejection>) -> Option<&Form> {
    let Path(id) = id.ok()?;
    state.form(&id)
}

/// The form page, in any of its states.
struct FormPage<'a> {
    answers: &'a Answers,
    errors: &'a [FieldError],
    status: Status,
    submission_id: Option<&'a str>,
    /// Replaces the view's failure message (for failures the shared strings do not word well).
    message: Option<&'a str>,
}

impl FormPage<'_> {
    fn render(&self, form: &Form) -> String {
        let action = format!("/f/{}", form.id);
        let mut tree = view(
            form,
            &ViewState {
                answers: self.answers,
                errors: self.errors,
                summary: !self.errors.is_empty(),
                status: self.status,
                locale: LOCALE,
                action: Some(&action),
            },
        );
        adapt(&mut tree, form, self.submission_id, self.message);
        let failed = !self.errors.is_empty() || matches!(self.status, Status::Failed(_));
        // The title is the first thing a screen reader says on load: it tells the outcome.
        let title = if failed {
            format!("{ERROR_TITLE_PREFIX}{}", form.title)
        } else {
            form.title.clone()
        };
        document(&title, &render(&tree))
    }
}

// The page-only changes to the widget's tree (see the module docs).
fn adapt(tree: &mut Node, form: &Form, submission_id: Option<&str>, message: Option<&str>) {
    promote_headings(tree);
    if let Some(sid) = submission_id
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
                    MAX_CHARS,
                    max_length as usize,
                ))];
            }
        }
    }
    if let Some(text) = message
        && let Some(fail) = find_mut(tree, &|e| e.attr("class") == Some("fail"))
        && let Some(Node::Element(p)) = fail.children.first_mut()
    {
        p.children = vec![Node::Text(text.to_owned())];
    }
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

/// A whole HTML document around `main_html` (already escaped markup).
fn document(title: &str, main_html: &str) -> String {
    let mut out = String::with_capacity(main_html.len() + 512);
    let _ = write!(
        out,
        concat!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            // A fallback reached from a site's page; out of context in search results.
            "<meta name=\"robots\" content=\"noindex\">\n",
            "<title>{title} — {site}</title>\n",
            "<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n<body>\n<main>\n{main}\n</main>\n",
            "</body>\n</html>\n"
        ),
        lang = LOCALE.tag(),
        title = escape(title),
        site = SITE_NAME,
        css = STYLESHEET_PATH,
        main = main_html,
    );
    out
}

/// A page with a heading, a sentence and maybe a link back to the form.
fn message_document(title: &str, body: &str, back_to: Option<&str>) -> String {
    let mut main = format!(
        "<div class=\"voix\" lang=\"{}\"><h1>{}</h1><p>{}</p>",
        LOCALE.tag(),
        escape(title),
        escape(body)
    );
    if let Some(href) = back_to {
        let _ = write!(
            main,
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(BACK_TO_FORM)
        );
    }
    main.push_str("</div>");
    document(&format!("{ERROR_TITLE_PREFIX}{title}"), &main)
}

fn not_found(state: &AppState) -> Response {
    let body = message_document(NOT_FOUND_TITLE, NOT_FOUND_BODY, None);
    html(state, None, StatusCode::NOT_FOUND, body)
}

fn problem(state: &AppState, form: &Form, status: StatusCode, title: &str, body: &str) -> Response {
    let back = format!("/f/{}", form.id);
    html(
        state,
        Some(&form.id),
        status,
        message_document(title, body, Some(&back)),
    )
}

fn html(state: &AppState, form_id: Option<&str>, status: StatusCode, body: String) -> Response {
    let res = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    with_page_headers(state, form_id, res)
}

fn with_page_headers(state: &AppState, form_id: Option<&str>, mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(state, form_id)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
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
        }
        .render(&form);
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
    }
}
