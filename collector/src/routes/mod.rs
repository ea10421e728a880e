//! The HTTP surface: which path goes to which handler, and the layers every response passes
//! through (request logging, `nosniff`). One file per resource.
//!
//! | path | methods | |
//! |---|---|---|
//! | `/v1/forms/{id}` | GET | a form definition, public (`Access-Control-Allow-Origin: *`) |
//! | `/v1/forms/{id}/responses` | POST, OPTIONS | store an answer; origin-checked |
//! | `/healthz` | GET | the database answers |
//! | anything else under `/v1` | any | 404 `not_found`, JSON |
//! | anything else | GET, HEAD | the widget files (`dist_dir`), then the site (`static_dir`) |

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware,
    response::Response,
    routing::any,
};
use tower_http::{
    LatencyUnit,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::{Level, Span};

use crate::{AppState, error::AppError};

mod cors;
mod forms;
mod health;
mod responses;
mod static_files;

/// The application, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(forms::routes())
        .merge(responses::routes(&state))
        .merge(health::routes())
        .route("/v1", any(not_found))
        .route("/v1/{*rest}", any(not_found))
        .fallback(static_files::serve)
        .layer(middleware::map_response(security_headers))
        .layer(
            TraceLayer::new_for_http()
                // Method and path only: no client address, no query string, no headers.
                .make_span_with(|req: &Request| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(|_: &Request, _: &Span| {})
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

// Nothing we serve should be sniffed into another type (a .txt run as script, say).
async fn security_headers(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
