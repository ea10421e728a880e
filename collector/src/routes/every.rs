//! What every response passes through, router-wide, in one layer: the deadline, `nosniff`, the
//! request log line and the metrics.
//!
//! These were four tower layers (tower-http's `TraceLayer`, a `map_response`, tower's
//! `TimeoutLayer` under a `HandleErrorLayer`, a `from_fn`): each clones the service under it and
//! boxes a future for every request. Made one `from_fn`, the collector stores about a third
//! more answers per second on two cores (ARCHITECTURE.md, Decisions, "One hand-written layer for
//! every request").

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::Instrument;

use crate::{AppState, error::AppError};

/// The route label of requests no route matched (widget files, the site, 404s).
const FALLBACK: &str = "fallback";

/// Added with `Router::layer`, which runs after routing, so [`MatchedPath`] is known. From
/// the request's head to the response's: a body that stops coming, a handler that hangs, gets
/// 408 `request_timeout` at the deadline (dropping the handler does not undo a commit that
/// began; the client retries with the same idempotency id). The time counted is until the
/// response headers.
pub(super) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    // Method and path only: no client address, no query string, no headers. The path as one
    // quoted, escaped field: it is the client's text. Nothing is formatted when the level is
    // off (`RUST_LOG=warn`).
    let span = tracing::info_span!("request", method = %req.method(), path = ?req.uri().path());
    let deadline = state.connections().request_timeout;
    let mut res = tokio::time::timeout(deadline, next.run(req))
        .instrument(span.clone())
        .await
        .unwrap_or_else(|_| AppError::Timeout.into_response());
    // Nothing we serve should be sniffed into another type (a .txt run as script, say).
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state.metrics().request(
        route.as_ref().map_or(FALLBACK, MatchedPath::as_str),
        status,
        elapsed,
    );
    let latency_us = elapsed.as_micros();
    if res.status().is_server_error() {
        tracing::error!(parent: &span, status, latency_us, "response failed");
    } else {
        tracing::info!(parent: &span, status, latency_us, "finished processing request");
    }
    res
}
