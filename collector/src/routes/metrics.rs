//! `GET /metrics` (the OpenMetrics text format) and the layer that counts and times every request.
//!
//! The series are counts, never people (see [`crate::metrics`]). They still tell how many
//! residents answered a form whose results are not public, so when an admin token is configured
//! the scrape needs it (`Authorization: Bearer …`, which Prometheus sends with
//! `authorization: { credentials: … }`); without one, restrict `/metrics` at the proxy.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};

use super::{
    Routes,
    admin_token::{AdminToken, Verdict},
    method_not_allowed,
};
use crate::{AppState, error::AppError, metrics::CONTENT_TYPE};

/// The route label of requests no route matched (widget files, the site, 404s).
const FALLBACK: &str = "fallback";

pub(super) fn routes() -> Routes {
    Routes::default().route("/metrics", get(scrape).fallback(method_not_allowed))
}

async fn scrape(State(state): State<AppState>, token: AdminToken) -> Result<Response, AppError> {
    // Open when no token is configured (see the module docs).
    if token.verdict() != Verdict::Disabled {
        token.require()?;
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
