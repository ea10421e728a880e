//! The admin API: what only the town hall may read, behind `Authorization: Bearer <admin_token>`.
//!
//! | path | |
//! |---|---|
//! | `GET /v1/admin/forms/{id}/responses.csv` | every response, CSV for Excel ([`crate::export`]) |
//! | `GET /v1/admin/forms/{id}/responses.json` | every response, JSON |
//!
//! Refusals are one answer — 401 `unauthorized` with `WWW-Authenticate: Bearer` — whether the
//! token is missing, wrong, or the admin API is disabled (no `admin_token` configured), so a
//! prober learns nothing; the log line says which, for the operator. The token is compared in
//! constant time and never logged. Exports hold whatever residents typed: `no-store` keeps them
//! out of browser and proxy caches.

use axum::{
    Router,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};

use super::method_not_allowed;
use voix_form::Form;

use crate::{AppState, error::AppError, export, store::StoredResponse};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/forms/{id}/responses.csv",
            get(responses_csv).fallback(method_not_allowed),
        )
        .route(
            "/v1/admin/forms/{id}/responses.json",
            get(responses_json).fallback(method_not_allowed),
        )
        .layer(middleware::map_response(no_store))
}

async fn responses_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let (form, rows) = export_rows(&state, &headers, id, "csv").await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("{}-responses.csv", form.id),
        export::csv(form, &rows),
    ))
}

async fn responses_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let (form, rows) = export_rows(&state, &headers, id, "json").await?;
    Ok(attachment(
        "application/json",
        &format!("{}-responses.json", form.id),
        export::json(&rows),
    ))
}

// What both exports do first: the token, the form, every response, one log line.
async fn export_rows<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    id: Result<Path<String>, PathRejection>,
    format: &str,
) -> Result<(&'a Form, Vec<StoredResponse>), AppError> {
    require_admin(state, headers)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let form = state.form(&id).ok_or(AppError::NotFound)?;
    let rows = state.store().responses(&form.id).await?;
    tracing::info!(form = %form.id, rows = rows.len(), format, "admin export");
    Ok((form, rows))
}

// Form ids are `[a-z0-9_-]` (checked when forms load), so the file name needs no escaping.
fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
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

/// Succeeds when `headers` carry `Authorization: Bearer <the admin token>`; otherwise
/// [`AppError::Unauthorized`], the same for every reason, with the reason in the log.
pub(super) fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(expected) = state.admin_token() else {
        tracing::warn!("admin request refused: the admin API is disabled (no admin_token set)");
        return Err(AppError::Unauthorized);
    };
    let Some(given) = bearer_token(headers) else {
        tracing::info!("admin request refused: no bearer token");
        return Err(AppError::Unauthorized);
    };
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        tracing::warn!("admin request refused: wrong token");
        return Err(AppError::Unauthorized);
    }
    Ok(())
}

// `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether `a == b`, in a time that depends on their lengths only, not on where they differ —
/// so that response times do not let a client guess the token byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    // Keeps the optimiser from turning the loop into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!constant_time_eq(b"X123456789abcdef", b"0123456789abcdef"));
        // Different lengths, including a prefix and a padding of zero bytes.
        assert!(!constant_time_eq(b"0123456789abcdef", b"0123456789abcde"));
        assert!(!constant_time_eq(b"0123456789abcde", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"abc\0", b"abc"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    fn auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token(&auth("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&auth("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&auth("Basic abc")), None);
        assert_eq!(bearer_token(&auth("Bearer")), None);
        assert_eq!(bearer_token(&auth("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
