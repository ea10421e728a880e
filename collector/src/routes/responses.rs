//! `POST /v1/forms/{id}/responses`: receive one submission, check it exactly as the widget did,
//! store it, and answer 201 only once it is committed.
//!
//! The widget posts `text/plain` (a CORS-simple request, no preflight) holding JSON; tools may
//! post `application/json`. Checks run cheapest first and each failure has its own code, so the
//! widget can tell "fix your answer" (422 `invalid`) from "reload" (404, 422
//! `unsupported_version`) from "our bug" (400). Answers are normalised (blank = unanswered)
//! before validation and stored normalised.

use axum::{
    Json,
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Path, Request, State, rejection::PathRejection},
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Serialize;
use voix_form::{
    answer::{Submission as Wire, WIRE_VERSION},
    i18n::Locale,
    view::message,
};

use super::{
    Routes, cors,
    intake::{
        self, Intake, Limit, Outcome, Proof, SUBMISSION_ID_LEN, Submission, SubmissionId,
        announced_over, has_content_type,
    },
    method_not_allowed,
};
use crate::{
    AppState,
    error::{AppError, FieldProblem},
    limit::ClientIp,
};

pub(super) fn routes(state: &AppState) -> Routes {
    let (limit, origins) = (state.max_body_bytes(), state.clone());
    Routes::default()
        .route(
            "/v1/forms/{id}/responses",
            post(create).options(preflight).fallback(method_not_allowed),
        )
        .with(|r| {
            r.layer(DefaultBodyLimit::max(limit))
                .layer(middleware::from_fn_with_state(origins, cors::check_origin))
        })
}

#[derive(Serialize)]
struct Created {
    id: String,
}

async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let Path(form_id) = id.map_err(|_| AppError::NotFound)?;
    let form = state.form(&form_id).ok_or(AppError::NotFound)?;
    let intake = Intake::new(&state, form);
    intake.admit(client)?;
    let mut submission = decode(&state, req)
        .await
        .inspect_err(|e| intake.refused(e.code()))?;
    match intake.take(&mut submission, Limit::Admitted).await {
        Outcome::Stored(inserted) => Ok((StatusCode::CREATED, Json(Created { id: inserted.id }))),
        Outcome::PollShut(poll) => Err(AppError::PollShut(intake::poll_code(poll))),
        Outcome::Invalid(errors) => Err(AppError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldProblem {
                    // English, like the rest of the API's words.
                    message: message(form.question(&e.field), e.code, Locale::En.strings()),
                    field: e.field,
                    code: e.code,
                })
                .collect(),
        )),
        Outcome::RateLimited { retry_after_secs } => {
            Err(AppError::RateLimited { retry_after_secs })
        }
        Outcome::Conflict => Err(AppError::Conflict),
        Outcome::Refused(code) => Err(AppError::Defence(code)),
        Outcome::Failed(e) => Err(AppError::Internal(e)),
    }
}

/// The body as a submission: accepted content type, within the body limit (refused on its
/// announced length before it is read), the wire format.
async fn decode(state: &AppState, req: Request) -> Result<Submission, AppError> {
    if !has_content_type(req.headers(), &["text/plain", "application/json"]) {
        return Err(AppError::UnsupportedContentType);
    }
    if announced_over(req.body(), state.max_body_bytes()) {
        return Err(AppError::PayloadTooLarge);
    }
    let body = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::invalid_json("the body could not be read")
        }
    })?;
    submission(&body)
}

/// A body's bytes as a submission: the wire format, its version, its idempotency id. (Also the
/// fuzz target `submission`'s way in, see [`crate::fuzzing`].)
pub(super) fn submission(body: &[u8]) -> Result<Submission, AppError> {
    let wire = parse(body)?;
    if wire.v != WIRE_VERSION {
        return Err(AppError::UnsupportedVersion(wire.v.into()));
    }
    let id = match wire.id {
        None => None,
        Some(id) => Some(
            SubmissionId::parse(id).ok_or_else(|| AppError::InvalidJson {
                why: format!(
                    "`id` must be {} to {} characters among A-Z a-z 0-9 _ -",
                    SUBMISSION_ID_LEN.start(),
                    SUBMISSION_ID_LEN.end()
                ),
                field: Some("id"),
            })?,
        ),
    };
    Ok(Submission {
        answers: wire.answers,
        id,
        proof: Proof::Altcha(wire.altcha),
        trapped: wire.hp.is_some_and(|t| !t.trim().is_empty()),
    })
}

// The version is read before the shape: a future version may add fields, and its senders
// deserve `unsupported_version`, not `invalid_json`.
fn parse(body: &[u8]) -> Result<Wire, AppError> {
    let text =
        std::str::from_utf8(body).map_err(|_| AppError::invalid_json("the body is not UTF-8"))?;
    let version = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|body| body.get("v")?.as_u64());
    if let Some(v) = version
        && v != u64::from(WIRE_VERSION)
    {
        return Err(AppError::UnsupportedVersion(v));
    }
    // From the text, not a parsed value: a duplicate key is refused, not silently overwritten.
    Wire::from_json(text).map_err(AppError::invalid_json)
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

    #[test]
    fn version_before_shape() {
        assert!(matches!(
            parse(br#"{"v":2,"answers":{},"extra":true}"#),
            Err(AppError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            parse(br#"{"v":1,"answers":{},"extra":true}"#),
            Err(AppError::InvalidJson { .. })
        ));
        assert!(matches!(parse(b"{"), Err(AppError::InvalidJson { .. })));
        assert!(matches!(
            parse(br#"{"v":1,"answers":{"a":3}}"#),
            Err(AppError::InvalidJson { .. })
        ));
        assert!(parse(br#"{"v":1,"answers":{"a":"3"}}"#).is_ok());
    }
}
