//! `POST /v1/forms/{id}/responses`: receive one submission, check it exactly as the widget did,
//! store it, and answer 201 only once it is committed.
//!
//! The widget posts `text/plain` (a CORS-simple request, no preflight) holding JSON; tools may
//! post `application/json`. Checks run cheapest first and each failure has its own code, so the
//! widget can tell "fix your answer" (422 `invalid`) from "reload" (404, 422
//! `unsupported_version`) from "our bug" (400). Answers are normalised (blank = unanswered)
//! before validation and stored normalised.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, Path, State,
        rejection::{BytesRejection, PathRejection},
    },
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Serialize;
use voix_form::{
    Form,
    answer::{Submission, WIRE_VERSION, normalize},
    i18n::Locale,
    validate::{SubmissionError, validate_submission},
    view::message,
};

use super::{cors, method_not_allowed};
use crate::{
    AppState,
    error::{AppError, FieldProblem},
    limit::ClientIp,
    store::Inserted,
};

/// Shortest and longest idempotency id accepted. Long enough that random ids do not collide,
/// short enough to index cheaply.
const SUBMISSION_ID_LEN: std::ops::RangeInclusive<usize> = 8..=64;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/v1/forms/{id}/responses",
            post(create).options(preflight).fallback(method_not_allowed),
        )
        .layer(DefaultBodyLimit::max(state.max_body_bytes()))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cors::check_origin,
        ))
}

#[derive(Serialize)]
struct Created {
    id: String,
}

async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let Path(form_id) = id.map_err(|_| AppError::NotFound)?;
    let form = state.form(&form_id).ok_or(AppError::NotFound)?;
    // Before the body is read: a flood costs a hash and a lock, not a parse.
    state.limiter().check(&form.id, client.ip())?;
    let outcome = receive(&state, form, &headers, body).await;
    match &outcome {
        Ok(inserted) => state.metrics().answer_stored(&form.id, inserted.duplicate),
        Err(e) => state.metrics().answer_rejected(&form.id, e.code()),
    }
    let inserted = outcome?;
    Ok((StatusCode::CREATED, Json(Created { id: inserted.id })))
}

async fn receive(
    state: &AppState,
    form: &Form,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Inserted, AppError> {
    if !is_accepted_content_type(headers) {
        return Err(AppError::UnsupportedContentType);
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::InvalidJson("the body could not be read".into())
        }
    })?;
    let mut submission = parse(&body)?;
    if let Some(sid) = &submission.id
        && !is_valid_submission_id(sid)
    {
        return Err(AppError::InvalidJson(format!(
            "`id` must be {} to {} characters among A-Z a-z 0-9 _ -",
            SUBMISSION_ID_LEN.start(),
            SUBMISSION_ID_LEN.end()
        )));
    }
    normalize(&mut submission.answers);
    validate_submission(form, &submission).map_err(|e| match e {
        SubmissionError::Version(v) => AppError::UnsupportedVersion(v.into()),
        SubmissionError::Fields(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldProblem {
                    message: message(form.question(&e.field), e.code, Locale::Fr.strings()),
                    field: e.field,
                    code: e.code,
                })
                .collect(),
        ),
    })?;
    let inserted = state
        .store()
        .insert(&form.id, submission.id.as_deref(), &submission.answers)
        .await?;
    // Ids only: answers may hold whatever a resident typed, and logs are kept carelessly.
    tracing::info!(form = %form.id, response = %inserted.id, duplicate = inserted.duplicate, "answer stored");
    Ok(inserted)
}

// The version is read before the shape: a future version may add fields, and its senders
// deserve `unsupported_version`, not `invalid_json`.
fn parse(body: &[u8]) -> Result<Submission, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::InvalidJson("the body is not UTF-8".into()))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| AppError::InvalidJson(e.to_string()))?;
    if let Some(v) = value.get("v").and_then(serde_json::Value::as_u64)
        && v != u64::from(WIRE_VERSION)
    {
        return Err(AppError::UnsupportedVersion(v));
    }
    // From the text, not the value: a duplicate key is refused, not silently overwritten.
    Submission::from_json(text).map_err(AppError::InvalidJson)
}

fn is_accepted_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("text/plain") || essence.eq_ignore_ascii_case("application/json")
}

pub(super) fn is_valid_submission_id(id: &str) -> bool {
    SUBMISSION_ID_LEN.contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

// The widget never needs a preflight (it posts text/plain), but a site calling the endpoint
// with `application/json` does; answering it costs nothing. Origin is checked by the layer.
async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            ),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn content_types() {
        assert!(is_accepted_content_type(&ct("text/plain;charset=UTF-8")));
        assert!(is_accepted_content_type(&ct(
            "Application/JSON ; charset=utf-8"
        )));
        assert!(is_accepted_content_type(&ct("text/plain")));
        assert!(!is_accepted_content_type(&ct(
            "application/x-www-form-urlencoded"
        )));
        assert!(!is_accepted_content_type(&ct("text/plainx")));
        assert!(!is_accepted_content_type(&HeaderMap::new()));
    }

    #[test]
    fn submission_ids() {
        assert!(is_valid_submission_id("abcd-_12"));
        assert!(is_valid_submission_id(&"a".repeat(64)));
        assert!(!is_valid_submission_id("short"));
        assert!(!is_valid_submission_id(&"a".repeat(65)));
        assert!(!is_valid_submission_id("abcdefgh!"));
        assert!(!is_valid_submission_id("abcdéfgh"));
    }

    #[test]
    fn version_before_shape() {
        assert!(matches!(
            parse(br#"{"v":2,"answers":{},"extra":true}"#),
            Err(AppError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            parse(br#"{"v":1,"answers":{},"extra":true}"#),
            Err(AppError::InvalidJson(_))
        ));
        assert!(matches!(parse(b"{"), Err(AppError::InvalidJson(_))));
        assert!(matches!(
            parse(br#"{"v":1,"answers":{"a":3}}"#),
            Err(AppError::InvalidJson(_))
        ));
        assert!(parse(br#"{"v":1,"answers":{"a":"3"}}"#).is_ok());
    }
}
