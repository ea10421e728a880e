//! Who may post answers. The form comes first: an id that names no form (once percent-decoded,
//! as the route decodes it) is a 404 before anything else, a preflight included. Then a request
//! whose `Origin` is neither the collector's own origin nor in the form's `allowed_origins` (top
//! level of the config, or its `[form.ID]` table) is refused with 403 `origin_not_allowed`
//! before anything is read or stored:
//! browsers send simple `text/plain` POSTs cross-origin without asking, so CORS response headers
//! alone would not stop a foreign page from filling our database — only this check does.
//!
//! Requests without `Origin` (curl, server-to-server, old browsers on same-origin forms) pass:
//! they are not made by a web page on behalf of a visitor, and refusing them protects nothing.
//! Allowed cross-origin requests get `Access-Control-Allow-Origin` on every response, errors
//! included, so the widget can read the error code, and `Access-Control-Expose-Headers:
//! retry-after`, so its outbox can honour the wait a 429 asks for.

use axum::{
    extract::{Path, Request, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, Uri, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::public;
use crate::{AppState, error::AppError};

/// The layer of the routes under `/v1/forms/{id}/…` that take answers.
pub(super) async fn check_origin(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    req: Request,
    next: Next,
) -> Response {
    // The id as the handler will read it: decoded by the same extractor. The raw path would
    // let `sat%69sfaction` pass under the top-level settings and land in `satisfaction`.
    let Some(form) = id.ok().and_then(|Path(id)| state.form(&id)) else {
        // Whether a form exists is public (`GET /v1/forms/{id}` says so to everyone), so the
        // widget of any site may read this 404 and stop retrying.
        return public(AppError::NotFound.into_response());
    };
    let allow = match req.headers().get(header::ORIGIN) {
        None => None,
        Some(origin) => {
            let text = origin.to_str().unwrap_or("");
            if is_same_origin(text, req.headers(), req.uri()) {
                None
            } else if !text.is_empty() && state.allowed_origins(&form.id).allows(text) {
                Some(origin.clone())
            } else {
                // Quoted and escaped (`Debug`): the header is the client's text.
                tracing::info!(form = %form.id, origin = ?origin, "refused a post from a foreign origin");
                return vary(AppError::OriginNotAllowed.into_response());
            }
        }
    };
    let mut res = next.run(req).await;
    if let Some(origin) = allow {
        let headers = res.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        // The widget's outbox waits as long as a 429 or 503 says; a cross-origin page can only
        // read that header when it is exposed.
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    vary(res)
}

// The answer depends on Origin, whatever it was; caches must know.
fn vary(mut res: Response) -> Response {
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("origin"));
    res
}

// The page's origin equals ours when it is http(s)://<the host the request was sent to>. We do
// not know whether a proxy terminated TLS in front of us, so either scheme counts.
pub(super) fn is_same_origin(origin: &str, headers: &HeaderMap, uri: &Uri) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return false;
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::HOST, HeaderValue::from_str(h).unwrap());
        m
    }

    #[test]
    fn same_origin() {
        let uri = Uri::from_static("/v1/forms/a/responses");
        assert!(is_same_origin(
            "http://127.0.0.1:8080",
            &host("127.0.0.1:8080"),
            &uri
        ));
        assert!(is_same_origin(
            "https://Mairie.example",
            &host("mairie.example"),
            &uri
        ));
        assert!(!is_same_origin(
            "http://127.0.0.1:9090",
            &host("127.0.0.1:8080"),
            &uri
        ));
        assert!(!is_same_origin(
            "http://evil.example",
            &host("mairie.example"),
            &uri
        ));
        assert!(!is_same_origin("null", &host("mairie.example"), &uri));
        assert!(!is_same_origin("http://a", &HeaderMap::new(), &uri));
    }
}
