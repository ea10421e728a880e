//! The no-JavaScript form pages, for visitors without wasm and for sites whose CSP forbids it:
//! `GET /f/{id}` is the form as a plain HTML `<form>`, `POST /f/{id}` takes it back urlencoded,
//! and `GET /f/{id}/merci` thanks the resident (post/redirect/get, so a reload never posts twice).
//!
//! The form is the widget's own view tree ([`voix_form::view::view`]) rendered by
//! [`voix_form::html::render`]: same labels, ids, error messages and summary links. Only what a
//! standalone page needs is changed on the tree: headings one level up (the title is the page's
//! `h1`), a hidden idempotency id, focus on the error summary when the page loads, a static
//! length hint instead of the live counter no script updates, and the form's own words that are
//! not in the page's language marked with theirs (`<span lang>` / `<bdi lang>`), all in
//! [`page`]. `/f/voix.css` is the widget's stylesheet plus a few page rules, served from here so
//! the page's CSP needs no inline style.
//!
//! A post is checked like the JSON endpoint's: same origin rule, same body limit, and then the
//! same way in ([`super::intake`]): validation, rate limiter, metrics, the store with the same
//! idempotency (`_id`, drawn from the OS per page view: a double-clicked button is stored once).
//! The body is read by [`urlencoded`]. Errors are pages,
//! never JSON: a 422 is the form again with the answers, the summary and `aria-invalid`; a
//! conflict, a rate limit or a store failure is the form again with an alert and the answers.
//!
//! Every kind of question is on the page, every step at once (a page without script cannot
//! turn pages), and every question, also those a `show_if` would hide: the intake prunes the
//! answers of questions whose condition does not hold before validating, as the widget does
//! before sending. A poll ([`voix_form::schema::Poll`]) not open yet or closed says so instead
//! of showing its question, with its results (unless `results = "never"`, and not before it
//! opens); a vote posted then is refused with the same page and 409. A poll with
//! `results = "always"` shows them under its question; after a vote the thank-you page shows
//! them (unless `never`). Results come from the same cache as `GET /v1/forms/{id}/results`.
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
//! Pages over 1 KB are compressed when the browser accepts it ([`super::compress`], which says
//! why BREACH finds nothing here: no cookie, and hidden fields drawn fresh for every page).
//!
//! Headers of every page ([`headers`]): `Content-Language` and `Vary: Accept-Language` (the page's words
//! depend on it); `Cache-Control: no-store` (answers are echoed back in 422 pages);
//! `Referrer-Policy: same-origin`, not `no-referrer`: with `no-referrer`, browsers send
//! `Origin: null` with the page's own form post, which the origin check must refuse; the
//! resident's next site still learns nothing. A CSP with no script source at all, and
//! `frame-ancestors` limited to the collector and the form's `allowed_origins`: the sites trusted
//! to post answers may also frame the form, other sites may not (a framed poll is a clickjacking
//! target).

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Path, Request, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use voix_form::{
    ErrorCode, Form,
    answer::Answers,
    html::render,
    results::FormResults,
    schema::{PollState, ResultsShown},
    translations::Localized,
    view::{PollView, ResultsView, Status, ViewState, view},
};

use super::{
    Routes,
    intake::{
        Intake, Limit, Outcome, Proof, Submission, SubmissionId, announced_over, has_content_type,
        poll_state,
    },
};
use crate::{AppState, limit::ClientIp};

mod headers;
mod lang;
mod page;
mod urlencoded;

use headers::{html, not_found, origin_allowed, problem, with_page_headers};
use lang::Lang;
pub(super) use lang::{accepted as accepted_language, from_query as query_locale};
use page::{FormPage, STYLESHEET_PATH, document, message_document, promote_headings};

// The widget's stylesheet, then the page's rules. The widget's file lives in the `voix` crate
// (the collector is never packaged on its own, so the path outside the crate is fine).
const STYLESHEET: &str = concat!(
    include_str!("../../../../src/web/style.css"),
    "\n",
    include_str!("../../nojs.css")
);

pub(super) fn routes(state: &AppState) -> Routes {
    let limit = state.max_body_bytes();
    Routes::default()
        .route(STYLESHEET_PATH, get(stylesheet))
        .route(
            "/f/{id}",
            get(form_page).post(submit).fallback(method_not_allowed),
        )
        // One route for every second segment: a catch-all beside `/f/{id}/merci` is a conflict.
        .route("/f/{id}/{page}", get(sub_page).fallback(method_not_allowed))
        .route("/f/{id}/{page}/{*rest}", any(not_found_page))
        .with(|r| r.layer(DefaultBodyLimit::max(limit)))
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
    let poll = poll_state(&form.form);
    let results = poll_results(&state, &form.form, poll, false).await;
    let sid = SubmissionId::fresh();
    let page = FormPage {
        answers: &Answers::new(),
        errors: &[],
        status: Status::Editing,
        submission_id: sid.as_ref().map(SubmissionId::as_str),
        message: None,
        lang,
        poll: poll_view(&form.form, poll, false, &results),
    };
    page.respond(&state, form, StatusCode::OK)
}

/// A poll's results as its pages show them, or `None` where they show none: not for a form
/// that is no poll, nor with `results = "never"`, nor before it opens, nor before a vote with
/// `after_vote` while it is open (`voted`: the thank-you page). `Some(None)`: they could not be
/// read (the page says so).
async fn poll_results(
    state: &AppState,
    form: &Form,
    poll: PollState,
    voted: bool,
) -> Option<Option<Arc<FormResults>>> {
    let shown = form.poll.as_ref()?.results;
    let wanted = match (shown, poll) {
        (ResultsShown::Never, _) | (_, PollState::NotOpen) => false,
        (_, PollState::Closed) | (ResultsShown::Always, _) => true,
        (ResultsShown::AfterVote, PollState::Open) => voted,
    };
    if !wanted {
        return None;
    }
    // The definition as configured (the cache is per form, whatever the page's language).
    let base = state.form(&form.id)?;
    match state.published().get(&**state.store(), base).await {
        Ok(r) => Some(Some(r)),
        Err(e) => {
            tracing::error!(error = %e, form = %form.id, "could not read a poll's results (no-JS page)");
            Some(None)
        }
    }
}

/// The view's poll state for `form` (`None`: no poll).
fn poll_view<'r>(
    form: &Form,
    state: PollState,
    voted: bool,
    results: &'r Option<Option<Arc<FormResults>>>,
) -> Option<PollView<'r>> {
    form.poll.as_ref()?;
    Some(PollView {
        state,
        voted,
        results: match results {
            None => ResultsView::None,
            Some(None) => ResultsView::Failed,
            Some(Some(r)) => ResultsView::Shown(r),
        },
    })
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
        Some(form) if page == THANKS_PAGE => thanks_page(&state, &form.form, lang).await,
        _ => not_found(&state, lang),
    }
}

/// After a post was stored (post/redirect/get). A poll's says "vote recorded" and shows the
/// results (unless `never`); the resident's own choice is not marked: it is not in the URL,
/// where it would stay in the browser's history.
async fn thanks_page(state: &AppState, form: &Form, lang: Lang) -> Response {
    let poll = poll_state(form);
    let results = poll_results(state, form, poll, true).await;
    let mut tree = view(
        form,
        &ViewState {
            answers: &Answers::new(),
            errors: &[],
            summary: false,
            status: Status::Sent,
            locale: lang.locale,
            action: None,
            step: 1,
            poll: poll_view(form, poll, true, &results),
            strings: None,
            langs: None,
            numbers: None,
            theme: None,
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
    let intake = Intake::new(&state, form);
    let mut submission = match read(&state, form, req).await {
        Ok(s) => s,
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
            intake.refused(code.as_str());
            return problem(&state, form, lang, status, title, body);
        }
    };
    let outcome = intake
        .take(&mut submission, Limit::BeforeStoring(client))
        .await;
    // The form again, with the answers as they were sent (and a poll's results, where they
    // show beside its question). A post without `_id` (a script, not our page) still gets one
    // on the page sent back.
    let page_id = submission.id.clone().or_else(SubmissionId::fresh);
    let open_results = match outcome {
        Outcome::Stored(_) | Outcome::PollShut(_) => None,
        _ => poll_results(&state, form, PollState::Open, false).await,
    };
    let again = FormPage {
        answers: &submission.answers,
        errors: &[],
        status: Status::Editing,
        submission_id: page_id.as_ref().map(SubmissionId::as_str),
        message: None,
        lang,
        poll: poll_view(form, PollState::Open, false, &open_results),
    };
    match outcome {
        Outcome::Stored(_) => {
            let mut res = StatusCode::SEE_OTHER.into_response();
            let location = lang.link(&format!("/f/{}/{THANKS_PAGE}", form.id));
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            with_page_headers(&state, Some(&form.id), lang, res)
        }
        // The poll's page as it is now (closed, or not open yet), with its results.
        Outcome::PollShut(poll) => {
            let results = poll_results(&state, form, poll, false).await;
            FormPage {
                poll: poll_view(form, poll, false, &results),
                ..again
            }
            .respond(&state, localized, StatusCode::CONFLICT)
        }
        Outcome::Invalid(errors) => FormPage {
            errors: &errors,
            ..again
        }
        .respond(&state, localized, StatusCode::UNPROCESSABLE_ENTITY),
        Outcome::RateLimited { retry_after_secs } => {
            let page = FormPage {
                status: Status::Failed(ErrorCode::RateLimited),
                ..again
            };
            let mut res = page.respond(&state, localized, StatusCode::TOO_MANY_REQUESTS);
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
            res
        }
        // The same id with other answers: the resident went back and changed them after a
        // first send. Those are kept; a fresh id lets them send the new version.
        Outcome::Conflict => {
            let fresh = SubmissionId::fresh();
            FormPage {
                status: Status::Failed(ErrorCode::Conflict),
                submission_id: fresh.as_ref().map(SubmissionId::as_str),
                message: Some(words.conflict),
                ..again
            }
            .respond(&state, localized, StatusCode::CONFLICT)
        }
        // A defence refused it: the form again with the answers, a fresh token (the page's
        // `token` is always fresh) and a message — "send it again" for a missing, expired,
        // replayed or too early token (a person may have kept the page open for hours, or
        // been quick); the honeypot's is only ever seen by a robot.
        Outcome::Refused(code) => {
            let status = match code {
                ErrorCode::Honeypot | ErrorCode::TooFast => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::FORBIDDEN,
            };
            FormPage {
                status: Status::Failed(code),
                ..again
            }
            .respond(&state, localized, status)
        }
        // Nothing is lost: the page comes back with the answers and the same id, so sending
        // again stores them once even if the first attempt did commit.
        Outcome::Failed(e) => {
            tracing::error!(error = %e, form = %form.id, "could not store an answer (no-JS page)");
            FormPage {
                status: Status::Failed(ErrorCode::Server),
                ..again
            }
            .respond(&state, localized, StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Why a post was not read.
enum Refused {
    ContentType,
    TooLarge,
    /// Not a post our page could have sent: undecodable, a repeated name, a malformed `_id`.
    Unreadable,
}

/// The post as a submission: an urlencoded body within the body limit, of our form.
async fn read(state: &AppState, form: &Form, req: Request) -> Result<Submission, Refused> {
    if !has_content_type(req.headers(), &["application/x-www-form-urlencoded"]) {
        return Err(Refused::ContentType);
    }
    // On its announced length, before a byte is read (it may never come).
    if announced_over(req.body(), state.max_body_bytes()) {
        return Err(Refused::TooLarge);
    }
    let body = match Bytes::from_request(req, state).await {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(Refused::TooLarge),
        Err(_) => return Err(Refused::Unreadable),
    };
    let posted = urlencoded::parse(form, &body).map_err(|_| Refused::Unreadable)?;
    let id = match posted.submission_id {
        None => None,
        Some(id) => Some(SubmissionId::parse(id).ok_or(Refused::Unreadable)?),
    };
    Ok(Submission {
        answers: posted.answers,
        id,
        proof: Proof::Token(posted.token),
        trapped: posted.trapped,
    })
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

/// An urlencoded body read as the page reads a post, then normalised, pruned and validated as
/// the intake does, without storing: the answers, or `None` when the body is unreadable. (The
/// fuzz target `nojs_post`'s way in, see [`crate::fuzzing`].)
pub(crate) fn read_and_check(
    form: &Form,
    body: &[u8],
) -> Option<(Answers, Result<(), Vec<voix_form::validate::FieldError>>)> {
    let mut posted = urlencoded::parse(form, body).ok()?;
    voix_form::answer::normalize(&mut posted.answers);
    form.prune(&mut posted.answers);
    let verdict = voix_form::validate::validate(form, &posted.answers);
    Some((posted.answers, verdict))
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

/// The form of this module's unit tests: a smileys question and a multi-line text.
#[cfg(test)]
fn test_form() -> Form {
    Form::from_json(
        r#"{"id":"f","title":"T","questions":[
            {"id":"note","type":"smileys","label":"Note"},
            {"id":"c","type":"text","label":"C","multiline":true}]}"#,
    )
    .unwrap()
}
