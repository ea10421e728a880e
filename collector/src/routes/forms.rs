//! `GET /v1/forms/{id}`: a form definition as JSON, for the widget.
//!
//! Definitions are public — they are what any visitor of the host page sees — so any origin may
//! read them. `no-cache` makes browsers revalidate, so an edited form reaches residents on their
//! next page load instead of after some cache lifetime.

use axum::{
    Router,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderValue, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use voix_form::Form;

use super::method_not_allowed;
use crate::{AppState, error::AppError};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/forms/{id}", get(form).fallback(method_not_allowed))
        .layer(middleware::map_response(public_headers))
}

async fn form(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let form: &Form = state.form(&id).ok_or(AppError::NotFound)?;
    // voix-form's own writer: the same JSON model the widget reads.
    Ok(([(header::CONTENT_TYPE, "application/json")], form.to_json()))
}

// On errors too, so that the widget can read a 404's code from another origin.
async fn public_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
