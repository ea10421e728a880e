//! `GET /v1/forms/{id}`: a form definition as JSON, for the widget; and
//! `GET /v1/forms/{id}/challenge`: a proof-of-work challenge for one answer to a form whose
//! `proof_of_work` is on (ALTCHA v2, see [`crate::defence`]), signed, good for an hour, never
//! cached (404 `not_found` for a form without proof of work).
//!
//! Definitions are public — they are what any visitor of the host page sees — so any origin may
//! read them. `no-cache` makes browsers revalidate, so an edited form reaches residents on their
//! next page load instead of after some cache lifetime.
//!
//! `?lang=xx` (a locale the collector knows, read as the no-JS page reads it) serves the
//! definition as written and, as its only `translations` member, its translation into that
//! language (`voix_form::translations::Localized::to_json`), with `Content-Language`: the
//! widget puts the words in place and marks what stays in the definition's own language
//! (RGAA 8.7). Without `?lang`, or with a language we do not know, the definition is served as
//! written. No `Vary`: the choice is in the URL.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderValue, Uri, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use voix_form::i18n::Locale;

use super::{Routes, method_not_allowed, nojs::query_locale, public};
use crate::{AppState, defence, error::AppError, limit::ClientIp, time};

pub(super) fn routes() -> Routes {
    Routes::default()
        .route("/v1/forms/{id}", get(form).fallback(method_not_allowed))
        .route(
            "/v1/forms/{id}/challenge",
            get(challenge).fallback(method_not_allowed),
        )
        // On errors too, so that the widget can read a 404's code from another origin.
        .with(|r| r.layer(middleware::map_response(async |res| public(res))))
}

async fn form(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Result<Response, AppError> {
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let asked = uri.query().and_then(query_locale);
    // Without `?lang`, the definition in its own language, as written.
    let base = state
        .localized(&id, Locale::Fr)
        .ok_or(AppError::NotFound)?
        .base;
    let localized = state
        .localized(&id, asked.unwrap_or(base))
        .ok_or(AppError::NotFound)?;
    // voix-form's own writer: the same JSON model the widget reads.
    let mut res = (
        [(header::CONTENT_TYPE, "application/json")],
        localized.to_json(),
    )
        .into_response();
    if asked.is_some() {
        // The language the served words are in: the one asked for when the definition has a
        // translation into it (texts it leaves out stay in the definition's own language).
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(localized.lang().tag()),
        );
    }
    Ok(res)
}

async fn challenge(
    State(state): State<AppState>,
    client: ClientIp,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let form = state.form(&id).ok_or(AppError::NotFound)?;
    let d = state.settings(&form.id).defences;
    if !d.proof_of_work {
        return Err(AppError::NotFound);
    }
    state.limiter().check_challenge(&form.id, client.ip())?;
    let now = time::now();
    let attempts = defence::difficulty(
        d.pow_difficulty,
        state.traffic().last_hour(&form.id, now),
        d.pow_busy_per_hour,
    );
    let challenge = state
        .keys()
        .challenge(&form.id, d.pow_cost, attempts, d.min_seconds, now);
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(challenge)).into_response())
}
