//! The admin API: what only the town hall may read, behind `Authorization: Bearer <admin_token>`.
//!
//! | path | |
//! |---|---|
//! | `GET /v1/admin/forms/{id}/responses.csv` | every response, CSV for Excel ([`crate::export`]) |
//! | `GET /v1/admin/forms/{id}/responses.json` | every response, JSON |
//!
//! The token is read by [`AdminToken`] (one answer for every refusal, see there). Exports hold
//! whatever residents typed: `no-store` keeps them out of browser and proxy caches.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderValue, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};

use super::{Routes, admin_token::AdminToken, method_not_allowed};
use voix_form::Form;

use crate::{AppState, error::AppError, export, store::StoredResponse};

pub(super) fn routes() -> Routes {
    Routes::default()
        .route(
            "/v1/admin/forms/{id}/responses.csv",
            get(responses_csv).fallback(method_not_allowed),
        )
        .route(
            "/v1/admin/forms/{id}/responses.json",
            get(responses_json).fallback(method_not_allowed),
        )
        .with(|r| r.layer(middleware::map_response(no_store)))
}

async fn responses_csv(
    State(state): State<AppState>,
    token: AdminToken,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let (form, rows) = export_rows(&state, token, id, "csv").await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("{}-responses.csv", form.id),
        export::csv(form, &rows),
    ))
}

async fn responses_json(
    State(state): State<AppState>,
    token: AdminToken,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let (form, rows) = export_rows(&state, token, id, "json").await?;
    Ok(attachment(
        "application/json",
        &format!("{}-responses.json", form.id),
        export::json(&rows),
    ))
}

// What both exports do first: the token, the form, every response, one log line.
async fn export_rows<'a>(
    state: &'a AppState,
    token: AdminToken,
    id: Result<Path<String>, PathRejection>,
    format: &str,
) -> Result<(&'a Form, Vec<StoredResponse>), AppError> {
    token.require()?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let form = state.form(&id).ok_or(AppError::NotFound)?;
    let rows = state.store().responses(&form.id).await?;
    tracing::info!(form = %form.id, rows = rows.len(), format, "admin export");
    Ok((form, rows))
}

// Form ids are `[a-z0-9_-]` (checked when forms load), so the file name needs no escaping.
pub(super) fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
