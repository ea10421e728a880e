//! What every no-JS page is answered with: HTML and the page headers (see the module docs of
//! `nojs` for why each), the error pages, and the origin rule for posts.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use voix_form::Form;

use super::{Lang, page::message_document};
use crate::{AppState, routes::cors::is_same_origin};

pub(super) fn not_found(state: &AppState, lang: Lang) -> Response {
    let words = lang.strings();
    let body = message_document(lang, words.not_found_title, words.not_found_body, None);
    html(state, None, lang, StatusCode::NOT_FOUND, body)
}

pub(super) fn problem(
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

pub(super) fn html(
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

pub(super) fn with_page_headers(
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
pub(super) fn origin_allowed(
    state: &AppState,
    form_id: &str,
    headers: &HeaderMap,
    uri: &Uri,
) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let text = origin.to_str().unwrap_or("");
    if is_same_origin(text, headers, uri) {
        return true;
    }
    let allowed = !text.is_empty() && state.allowed_origins(form_id).allows(text);
    if !allowed {
        // Quoted and escaped (`Debug`): the header is the client's text.
        tracing::info!(form = %form_id, origin = ?origin, "refused a no-JS post from a foreign origin");
    }
    allowed
}
