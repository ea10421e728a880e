//! `GET /metrics` (Prometheus text format) and the layer that counts and times every request.
//!
//! The series are counts, never people (see [`crate::metrics`]). They still tell how many
//! residents answered a form whose results are not public, so when an admin token is configured
//! the scrape needs it (`Authorization: Bearer …`, which Prometheus sends with
//! `authorization: { credentials: … }`); without one, restrict `/metrics` at the proxy.

use std::time::Instant;

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};

use super::method_not_allowed;
use crate::{AppState, error::AppError, metrics::CONTENT_TYPE};

/// The route label of requests no route matched (widget files, the site, 404s).
const FALLBACK: &str = "fallback";

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape).fallback(method_not_allowed))
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = state.admin_token()
        && !bearer_matches(&headers, token)
    {
        return Err(AppError::Unauthorized);
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        state.metrics().render(),
    )
        .into_response())
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Compare every byte whatever the first difference, so timing tells nothing.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Counts the request under its route template (added with `Router::layer`, which runs after
/// routing, so [`MatchedPath`] is known) and times it until the response headers.
pub(super) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    state.metrics().request(
        route.as_ref().map_or(FALLBACK, MatchedPath::as_str),
        res.status().as_u16(),
        start.elapsed(),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(!bearer_matches(&h, "secret-token"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret-token"),
        );
        assert!(bearer_matches(&h, "secret-token"));
        assert!(!bearer_matches(&h, "secret-tokeN"));
        assert!(!bearer_matches(&h, "secret-token2"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic secret-token"),
        );
        assert!(!bearer_matches(&h, "secret-token"));
    }
}
