//! `GET /v1/forms/{id}`: a form definition as JSON, for the widget; and
//! `GET /v1/forms/{id}/challenge`: a proof-of-work challenge for one answer to a form whose
//! `proof_of_work` is on (ALTCHA v2, see [`crate::defence`]), signed, good for an hour, never
//! cached (404 `not_found` for a form without proof of work).
//!
//! Definitions are public — they are what any visitor of the host page sees — so any origin may
//! read them. They are cached a minute (`Cache-Control: public, max-age=60`): a resident going
//! from page to page of a site with the widget asks once a minute at most, and an edited form
//! reaches everyone within a minute (the collector reads its forms at start, so an edit comes
//! with a restart anyway). After that a browser revalidates with the `ETag`, a hash of the body
//! (SHA-256, 128 bits, hex): `If-None-Match` naming it (weak comparison, lists, `*`) is answered
//! 304 without a body. The tag is weak (`W/`) because the compression layer may send the same
//! body brotli- or gzip-encoded ([`super::compress`]). Errors stay `no-cache` ([`public`]): a
//! form that is not there yet may be there after the next restart.
//!
//! `?lang=xx` (a locale the collector knows, read as the no-JS page reads it) serves the
//! definition as written and, as its only `translations` member, its translation into that
//! language (`voix_form::translations::Localized::to_json`), with `Content-Language`: the
//! widget puts the words in place and marks what stays in the definition's own language
//! (RGAA 8.7). Without `?lang`, or with a language we do not know, the definition is served as
//! written. No `Vary`: the choice is in the URL. Each language's body has its own tag.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use sha2::{Digest, Sha256};
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

/// How long a definition may be reused without asking (see the module docs).
const CACHE: &str = "public, max-age=60";

async fn form(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
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
    let body = localized.to_json();
    let tag = etag(body.as_bytes());
    let unchanged = headers
        .typed_get::<IfNoneMatch>()
        .is_some_and(|known| !known.precondition_passes(&tag));
    let mut res = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    res.headers_mut().typed_insert(tag);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    if asked.is_some() && !unchanged {
        // The language the served words are in: the one asked for when the definition has a
        // translation into it (texts it leaves out stay in the definition's own language).
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(localized.lang().tag()),
        );
    }
    Ok(res)
}

/// The weak entity tag of a definition's `body`: its SHA-256, cut to 128 bits, in hex.
fn etag(body: &[u8]) -> ETag {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
        .parse()
        .expect("hex between quotes is an entity tag")
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
