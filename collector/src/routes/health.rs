//! `GET /healthz`: 200 when the database answers a query, 503 otherwise — for load balancers
//! and `cargo xtask serve` to know the collector can actually store answers, not just listen.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use super::{Routes, method_not_allowed};
use crate::AppState;

pub(super) fn routes() -> Routes {
    Routes::default().route("/healthz", get(health).fallback(method_not_allowed))
}

async fn health(State(state): State<AppState>) -> Response {
    let (status, body) = match state.store().ping().await {
        Ok(()) => (StatusCode::OK, json!({ "status": "ok" })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "status": "unavailable" }),
            )
        }
    };
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
