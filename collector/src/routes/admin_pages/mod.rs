//! The results dashboard: what a town hall reads in a browser (and shows in a council meeting)
//! instead of a CSV file. Server-rendered HTML with inline SVG charts, no JavaScript at all, in
//! French and English.
//!
//! | path | |
//! |---|---|
//! | `GET /admin` | the configured forms with their answer counts and last answer, or the login form |
//! | `POST /admin/login` | `token=` (urlencoded): opens a session (a cookie) or says the token is wrong (401) |
//! | `POST /admin/logout` | `csrf=`: closes the session (clears the cookie), 303 to `/admin` |
//! | `GET /admin/forms/{id}` | one form's results: `?from=&to=` (days, UTC, both included), `q=` and `page=` for the free texts, `lang=` |
//! | `GET /admin/forms/{id}/responses.csv`, `.json` | the answers of that period, as the admin API's exports |
//! | `GET /admin/admin.css` | the stylesheet |
//!
//! Who may read: a session cookie ([`session`]) or `Authorization: Bearer <admin_token>`. With
//! neither, a page answers with the login form (401) and none of its data. Without a configured
//! `admin_token`, every dashboard path answers 404 with a page saying the dashboard is
//! disabled: there is no one to log in. A wrong token at login, a wrong bearer token and a
//! session cookie that is not ours are counted in `voix_admin_refused_total` (`wrong_token`,
//! `bad_session`) and logged at most once a minute, like the admin API's refusals.
//!
//! Every response has `Cache-Control: no-store` (the stylesheet aside: `no-cache`), a CSP
//! allowing nothing but our stylesheet and images and posts to ourselves, no framing
//! (`frame-ancestors 'none'`: the dashboard is never embedded), `Referrer-Policy: no-referrer`
//! and `nosniff`. The CSP has no `style-src 'unsafe-inline'`: the charts are coloured by
//! classes of the stylesheet, never by `style` attributes.
//!
//! Pages and exports are compressed ([`super::compress`]) only for requests whose
//! `Sec-Fetch-Site` is `same-origin` or `none`: a page holds the logout token and the free texts
//! next to the search text of its URL, the very mix BREACH reads through compressed sizes.
//! `SameSite=Strict` already keeps the session off requests from other sites, but not off
//! requests from a sibling site of the same domain.
//!
//! Results are computed per request from the answers of the period, read from the store with
//! the range filtered in SQL ([`crate::store::Store::responses_between`]), through voix-form's
//! results model ([`voix_form::results`], the numbers the public results and the widget show).
//! The free texts are shown to the admin only (public results count them, never show them).

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use jiff::Timestamp;
use voix_form::{
    Form, QuestionKind,
    answer::other_key,
    results::{Counts, results},
};

use super::{
    Routes,
    admin::attachment,
    admin_token::{Verdict, refused},
    compress::first_party_only,
    nojs::accepted_language,
};
use crate::{AppState, export, store::StoredResponse};

mod charts;
mod html;
mod params;
mod session;
mod strings;

use html::{Chrome, STYLESHEET_PATH};
use params::{Filter, day_of, pairs, value};
use strings::{Lang, fill};

const STYLESHEET: &str = include_str!("../../admin.css");
/// A login post is a token and a path: anything longer is not ours.
const LOGIN_BODY_LIMIT: usize = 4096;
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";
/// A chart spans the period asked for when it is at most this many days, else the answers'.
const MAX_CHART_DAYS: i64 = 366;

pub(super) fn routes() -> Routes {
    Routes::default()
        .route(STYLESHEET_PATH, get(stylesheet))
        .route("/admin", get(index))
        .route(
            "/admin/login",
            post(login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route(
            "/admin/logout",
            post(logout).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/admin/forms/{id}", get(form_page))
        .route("/admin/forms/{id}/responses.csv", get(export_csv))
        .route("/admin/forms/{id}/responses.json", get(export_json))
        .route("/admin/", get(unknown))
        .route("/admin/{*rest}", get(unknown))
        .with(|r| {
            r.layer(middleware::map_response(page_headers))
                // Compressed only when asked from our own pages or the address bar (BREACH).
                .layer(middleware::from_fn(first_party_only))
        })
}

async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            // Revalidated each time, like the no-JS stylesheet: a new release shows at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        STYLESHEET,
    )
        .into_response()
}

// What every dashboard response carries (see the module docs).
async fn page_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// The page's language: `?lang=fr|en`, else the first of French and English in
/// `Accept-Language`, else French.
fn negotiate(pairs: &[(String, String)], headers: &HeaderMap) -> Lang {
    if let Some(lang) = value(pairs, "lang").and_then(Lang::parse) {
        return lang;
    }
    headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .enumerate()
        .filter_map(|(order, item)| {
            let (locale, q) = accepted_language(item)?;
            Some((q, order, Lang::parse(locale.tag())?))
        })
        .min_by_key(|&(q, order, _)| (u16::MAX - q, order))
        .map_or(Lang::Fr, |(_, _, lang)| lang)
}

/// Who is asking.
enum Who {
    /// No `admin_token` is configured.
    Disabled,
    /// Neither a session nor the token.
    Anonymous,
    /// A valid session cookie (its value).
    Session(String),
    /// The admin token as a bearer token.
    Bearer,
}

fn who(state: &AppState, headers: &HeaderMap) -> Who {
    let Some(token) = state.admin_token() else {
        return Who::Disabled;
    };
    match Verdict::read(headers, Some(token)) {
        Verdict::Valid => return Who::Bearer,
        v @ Verdict::Wrong => refused(state, v.reason()),
        _ => {}
    }
    let Some(cookie) = session::cookie(headers) else {
        return Who::Anonymous;
    };
    let key = state.keys().admin_session(token);
    if session::valid(&key, cookie, Timestamp::now()) {
        Who::Session(cookie.to_owned())
    } else {
        refused(state, "bad_session");
        Who::Anonymous
    }
}

/// A page of the dashboard, once the visitor may see it.
struct Page {
    lang: Lang,
    /// The logout form's token (sessions only).
    csrf: Option<String>,
}

impl Page {
    fn respond(&self, status: StatusCode, title: &str, switch: String, main: &str) -> Response {
        let chrome = Chrome {
            lang: self.lang,
            title,
            switch,
            csrf: self.csrf.clone(),
        };
        html_response(status, self.lang, html::document(&chrome, main))
    }

    fn message(&self, status: StatusCode, title: &str, text: &str) -> Response {
        let main = html::message(self.lang, title, text, true);
        let switch = format!("/admin?lang={}", self.lang.strings().other_tag);
        self.respond(status, title, switch, &main)
    }
}

fn html_response(status: StatusCode, lang: Lang, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(lang.strings().tag),
            ),
        ],
        body,
    )
        .into_response()
}

/// The visitor's page, or the response instead of it: the disabled page (404), the login form
/// (`status`, with `next` the page asked for).
fn guard(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    lang: Lang,
) -> Result<Page, Box<Response>> {
    let anonymous = Page { lang, csrf: None };
    match who(state, headers) {
        Who::Disabled => {
            let s = lang.strings();
            Err(Box::new(anonymous.message(
                StatusCode::NOT_FOUND,
                s.disabled_title,
                s.disabled_text,
            )))
        }
        Who::Anonymous => {
            let next = uri.path_and_query().map_or("/admin", |p| p.as_str());
            Err(Box::new(login_page(
                lang,
                StatusCode::UNAUTHORIZED,
                false,
                next,
            )))
        }
        Who::Session(cookie) => {
            let key = state
                .keys()
                .admin_session(state.admin_token().unwrap_or(""));
            Ok(Page {
                lang,
                csrf: Some(session::csrf(&key, &cookie)),
            })
        }
        Who::Bearer => Ok(anonymous),
    }
}

fn login_page(lang: Lang, status: StatusCode, error: bool, next: &str) -> Response {
    let s = lang.strings();
    let page = Page { lang, csrf: None };
    let switch = format!("/admin?lang={}", s.other_tag);
    page.respond(
        status,
        s.login_title,
        switch,
        &html::login(lang, error, next),
    )
}

/// Where a login may send the browser: a dashboard path, nothing else.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if (n == "/admin" || n.starts_with("/admin/") || n.starts_with("/admin?"))
                && !n.contains('\\')
                && !n.starts_with("/admin/log") =>
        {
            n
        }
        _ => "/admin",
    }
}

async fn index(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let lang = negotiate(&pairs(uri.query()), &headers);
    let s = lang.strings();
    let page = match who(&state, &headers) {
        // The dashboard's front door: the login form, 200.
        Who::Anonymous => return login_page(lang, StatusCode::OK, false, uri.path()),
        _ => match guard(&state, &headers, &uri, lang) {
            Ok(p) => p,
            Err(res) => return *res,
        },
    };
    let mut listed = Vec::new();
    for form in state.forms() {
        let counts = state.store().counts(&form.id).await;
        let last = state.store().last_received(&form.id).await;
        let (Ok(counts), Ok(last)) = (counts, last) else {
            return page.message(
                StatusCode::SERVICE_UNAVAILABLE,
                s.failure_title,
                s.failure_text,
            );
        };
        listed.push(html::Listed {
            form,
            answers: counts.responses,
            last,
        });
    }
    let switch = format!("/admin?lang={}", s.other_tag);
    page.respond(
        StatusCode::OK,
        s.forms_title,
        switch,
        &html::list(lang, &listed),
    )
}

async fn login(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = negotiate(&pairs(uri.query()), &headers);
    let s = lang.strings();
    let Some(expected) = state.admin_token() else {
        return Page { lang, csrf: None }.message(
            StatusCode::NOT_FOUND,
            s.disabled_title,
            s.disabled_text,
        );
    };
    if session::cross_site(&headers, &uri) {
        return forbidden(lang);
    }
    let form = pairs(std::str::from_utf8(&body).ok());
    let next = safe_next(value(&form, "next")).to_owned();
    let given = value(&form, "token").unwrap_or("").trim();
    let mut bearer = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("Bearer {given}")) {
        bearer.insert(header::AUTHORIZATION, v);
    }
    if Verdict::read(&bearer, Some(expected)) != Verdict::Valid {
        refused(&state, "wrong_token");
        return login_page(lang, StatusCode::UNAUTHORIZED, true, &next);
    }
    let key = state.keys().admin_session(expected);
    let cookie = session::issue(&key, Timestamp::now());
    let secure = session::https(&headers, &uri, state.limiter().trusts_forwarded_for());
    tracing::info!("admin dashboard session opened");
    redirect(&next, Some(session::set_cookie(&cookie, secure)))
}

async fn logout(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = negotiate(&pairs(uri.query()), &headers);
    let (Who::Session(cookie), Some(token)) = (who(&state, &headers), state.admin_token()) else {
        return forbidden(lang);
    };
    if session::cross_site(&headers, &uri) {
        return forbidden(lang);
    }
    let form = pairs(std::str::from_utf8(&body).ok());
    let key = state.keys().admin_session(token);
    if !session::csrf_valid(&key, &cookie, value(&form, "csrf").unwrap_or("")) {
        return forbidden(lang);
    }
    let secure = session::https(&headers, &uri, state.limiter().trusts_forwarded_for());
    tracing::info!("admin dashboard session closed");
    redirect(
        &format!("/admin?lang={}", lang.strings().tag),
        Some(session::clear_cookie(secure)),
    )
}

fn forbidden(lang: Lang) -> Response {
    let s = lang.strings();
    Page { lang, csrf: None }.message(StatusCode::FORBIDDEN, s.forbidden_title, s.forbidden_text)
}

fn redirect(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    if let Some(c) = cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}

async fn unknown(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    // `/admin/`, `/admin/forms/x/`: typed or pasted with a trailing slash, the page without it.
    if let Some(path) = uri.path().strip_suffix('/').filter(|p| !p.ends_with('/')) {
        let to = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        return Redirect::permanent(&to).into_response();
    }
    let lang = negotiate(&pairs(uri.query()), &headers);
    match guard(&state, &headers, &uri, lang) {
        Ok(page) => not_found(&page),
        Err(res) => *res,
    }
}

fn not_found(page: &Page) -> Response {
    let s = page.lang.strings();
    page.message(StatusCode::NOT_FOUND, s.not_found_title, s.not_found_text)
}

/// What the form page and the exports do first: the visitor, the form, the period.
fn open<'s>(
    state: &'s AppState,
    id: Result<Path<String>, PathRejection>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(Page, &'s Form, Filter), Box<Response>> {
    let query = pairs(uri.query());
    let lang = negotiate(&query, headers);
    let page = guard(state, headers, uri, lang)?;
    let Some(form) = id.ok().and_then(|Path(id)| state.form(&id)) else {
        return Err(Box::new(not_found(&page)));
    };
    let filter = Filter::read(&query, lang);
    Ok((page, form, filter))
}

async fn form_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (page, form, filter) = match open(&state, id, &uri, &headers) {
        Ok(opened) => opened,
        Err(res) => return *res,
    };
    let lang = page.lang;
    let s = lang.strings();
    let (from, until) = filter.bounds();
    let rows = state.store().responses_between(&form.id, from, until).await;
    let all_time = state.store().counts(&form.id).await;
    let (Ok(rows), Ok(all_time)) = (rows, all_time) else {
        return page.message(
            StatusCode::SERVICE_UNAVAILABLE,
            s.failure_title,
            s.failure_text,
        );
    };
    // The form's words in the page's language where its definition has them.
    let shown = state
        .localized(&form.id, lang.locale())
        .map_or(form, |l| &l.form);
    let counts = Counts::of(shown, rows.iter().map(|r| &r.answers));
    let now = crate::time::now();
    let results = results(shown, &counts, lang.locale(), &now.to_string());
    let first = rows.iter().map(|r| r.received_at).min();
    let last = rows.iter().map(|r| r.received_at).max();
    let view = html::Results {
        form: shown,
        filter: &filter,
        results: &results,
        first,
        last,
        all_time: all_time.responses,
        series: series(&filter, &rows),
        texts: texts(shown, &rows, lang),
    };
    let status = if filter.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let switch = format!(
        "/admin/forms/{}?{}",
        form.id,
        filter.query(other(lang), filter.page)
    );
    page.respond(status, &shown.title, switch, &html::form_page(lang, &view))
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    }
}

/// Answers per day or week: over the period asked for when it has both ends and is not too
/// long, else from the first answer to the last.
fn series(
    filter: &Filter,
    rows: &[StoredResponse],
) -> Option<(params::Step, Vec<(jiff::civil::Date, u64)>)> {
    let days: Vec<_> = rows.iter().map(|r| day_of(r.received_at)).collect();
    let (first, last) = (*days.iter().min()?, *days.iter().max()?);
    let (first, last) = match (filter.from, filter.to) {
        (Some(a), Some(b))
            if a.until(b)
                .is_ok_and(|s| i64::from(s.get_days()) <= MAX_CHART_DAYS) =>
        {
            (a, b)
        }
        _ => (first, last),
    };
    Some(params::series(&days, first, last))
}

/// Per text question (and per "other" box), its heading and its texts, newest first.
fn texts<'a>(
    form: &Form,
    rows: &'a [StoredResponse],
    lang: Lang,
) -> Vec<(String, Vec<(Timestamp, &'a str)>)> {
    let s = lang.strings();
    let mut out = Vec::new();
    for q in &form.questions {
        let (key, heading) = match &q.kind {
            QuestionKind::Text { .. } => (q.id.clone(), q.label.clone()),
            QuestionKind::Choice { other: true, .. }
            | QuestionKind::Multiple { other: true, .. } => {
                (other_key(&q.id), fill(s.other_texts, "q", &q.label))
            }
            _ => continue,
        };
        let mut list: Vec<_> = rows
            .iter()
            .rev()
            .filter_map(|r| {
                let text = r.answers.text(&key)?;
                (!text.trim().is_empty()).then_some((r.received_at, text))
            })
            .collect();
        // By time, not by row: rows from several collectors, or imported, need not be in order
        // (stable: within a second, the last stored first).
        list.sort_by_key(|t| std::cmp::Reverse(t.0));
        out.push((heading, list));
    }
    out
}

async fn export_csv(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    download(&state, id, &uri, &headers, "csv").await
}

async fn export_json(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    download(&state, id, &uri, &headers, "json").await
}

/// The answers of the period, as the admin API exports them. Bad dates are ignored (the form
/// page that links here says so).
async fn download(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
    uri: &Uri,
    headers: &HeaderMap,
    format: &str,
) -> Response {
    let (page, form, filter) = match open(state, id, uri, headers) {
        Ok(opened) => opened,
        Err(res) => return *res,
    };
    let (from, until) = filter.bounds();
    let Ok(rows) = state.store().responses_between(&form.id, from, until).await else {
        let s = page.lang.strings();
        return page.message(
            StatusCode::SERVICE_UNAVAILABLE,
            s.failure_title,
            s.failure_text,
        );
    };
    tracing::info!(form = %form.id, rows = rows.len(), format, "admin dashboard export");
    let suffix = match (filter.from, filter.to) {
        (None, None) => String::new(),
        (a, b) => format!(
            "-{}-{}",
            a.map_or_else(String::new, |d| d.to_string()),
            b.map_or_else(String::new, |d| d.to_string())
        ),
    };
    let name = format!("{}-responses{suffix}.{format}", form.id);
    match format {
        "csv" => attachment("text/csv; charset=utf-8", &name, export::csv(form, &rows)),
        _ => attachment("application/json", &name, export::json(&rows)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_only_lead_into_the_dashboard() {
        assert_eq!(
            safe_next(Some("/admin/forms/avis?from=2026-01-01")),
            "/admin/forms/avis?from=2026-01-01"
        );
        assert_eq!(safe_next(Some("/admin")), "/admin");
        assert_eq!(safe_next(Some("https://evil.example/admin")), "/admin");
        assert_eq!(safe_next(Some("//evil.example")), "/admin");
        assert_eq!(safe_next(Some("/administrator")), "/admin");
        assert_eq!(safe_next(Some("/admin/logout")), "/admin");
        assert_eq!(safe_next(None), "/admin");
    }

    #[test]
    fn languages_from_the_query_then_the_browser() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-CH, en;q=0.8, fr;q=0.5"),
        );
        assert_eq!(negotiate(&[], &h), Lang::En);
        assert_eq!(negotiate(&pairs(Some("lang=fr")), &h), Lang::Fr);
        assert_eq!(
            negotiate(&pairs(Some("lang=de")), &HeaderMap::new()),
            Lang::Fr
        );
    }

    #[test]
    fn free_texts_are_listed_newest_first_whatever_the_row_order() {
        let form = Form::from_json(
            r#"{"id":"f","title":"F","questions":[{"id":"t","type":"text","label":"T"}]}"#,
        )
        .unwrap();
        let row = |id: &str, at: &str, text: &str| StoredResponse {
            id: id.into(),
            submission_id: None,
            received_at: at.parse().unwrap(),
            answers: [("t".to_owned(), text.to_owned())].into_iter().collect(),
        };
        let rows = [
            row("1", "2026-11-20T10:00:00Z", "middle"),
            row("2", "2026-11-25T10:00:00Z", "newest"),
            row("3", "2026-11-10T10:00:00Z", "oldest"),
            row("4", "2026-11-25T10:00:00Z", "newest, stored last"),
        ];
        let lists = texts(&form, &rows, Lang::Fr);
        let order: Vec<&str> = lists[0].1.iter().map(|(_, t)| *t).collect();
        assert_eq!(order, ["newest, stored last", "newest", "middle", "oldest"]);
    }
}
