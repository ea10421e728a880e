//! `GET /metrics` (the OpenMetrics text format); every request is counted and timed by
//! [`super::every`].
//!
//! The series are counts, never people (see [`crate::metrics`]). They still tell how many
//! residents answered a form whose results are not public, so when an admin token is configured
//! the scrape needs it (`Authorization: Bearer …`, which Prometheus sends with
//! `authorization: { credentials: … }`); without one, restrict `/metrics` at the proxy.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{
    Routes,
    admin_token::{AdminToken, Verdict},
    method_not_allowed,
};
use crate::{AppState, error::AppError, metrics::CONTENT_TYPE};

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
