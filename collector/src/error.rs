//! Errors of the collector, in two layers: [`Error`] is what went wrong inside (configuration,
//! form files, the database) and carries the cause for the operator; [`AppError`] is what an HTTP
//! client is told — a stable [`ErrorCode`], a short English sentence and never an internal detail.
//!
//! Every client error body has the same shape, so the widget reads one format:
//! `{"error":{"code":"…","message":"…","field":…}}`, plus `fields` when answers are rejected.
//! `field` names the member of the submission at fault when there is one (`v` for an
//! unsupported version, `id` for a malformed idempotency id), else it is `null`; rejected
//! answers are listed in `fields`, one per question. Every word is English, `fields` included.

use std::path::PathBuf;

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use voix_form::ErrorCode;

/// Something the collector could not do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file is unreadable or wrong.
    #[error("{path}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, naming the key where there is one.
        message: String,
    },
    /// A form definition file is unreadable or wrong.
    #[error("form file {path}: {message}")]
    FormFile {
        /// The form file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The database could not be opened or prepared.
    #[error("database {path}: {message}")]
    DatabaseOpen {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A database operation failed. Kept as text: one failed batch is reported to several
    /// waiting requests, and a driver error cannot be cloned.
    #[error("database error: {0}")]
    Database(String),
    /// The database worker is gone (it stopped or crashed); nothing can be stored.
    #[error("the database worker has stopped")]
    StoreClosed,
    /// A submission id was reused with different answers.
    #[error("submission id already used with different answers")]
    Conflict,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Database(e.to_string())
    }
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One rejected answer, as sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The question id.
    pub field: String,
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong and how to fix it, in English like the rest of the error.
    pub message: String,
}

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such form, or no such endpoint.
    #[error("not found")]
    NotFound,
    /// The endpoint exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is neither `text/plain` nor `application/json`.
    #[error("unsupported content type")]
    UnsupportedContentType,
    /// The body is over the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not a submission; `why` says why (it describes the client's input only).
    #[error("invalid JSON: {why}")]
    InvalidJson {
        /// What is wrong.
        why: String,
        /// The member of the submission at fault, when it is one.
        field: Option<&'static str>,
    },
    /// The submission's wire version is not ours.
    #[error("unsupported version {0}")]
    UnsupportedVersion(u64),
    /// Some answers are rejected.
    #[error("invalid answers")]
    Invalid(Vec<FieldProblem>),
    /// The submission id was already used with other answers.
    #[error("conflict")]
    Conflict,
    /// The page's origin may not post here.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// The form is a poll that does not take votes now: [`ErrorCode::PollNotOpen`] before its
    /// `opens`, [`ErrorCode::PollClosed`] from its `closes`.
    #[error("poll not open for votes")]
    PollShut(ErrorCode),
    /// Refused by a defence against robots (see [`crate::defence`]): `honeypot`, `too_fast`
    /// (422: the widget does not show them as errors) or a `proof_*` code (403: the widget
    /// solves a new challenge and sends again).
    #[error("refused by a defence")]
    Defence(ErrorCode),
    /// An admin endpoint without the right bearer token (or with the admin API disabled).
    #[error("unauthorized")]
    Unauthorized,
    /// Too many answers from this client to this form lately (see [`crate::limit`]).
    #[error("rate limited")]
    RateLimited {
        /// Whole seconds until the next answer is accepted (at least 1), sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// The request did not arrive whole (or was not handled) within `request_timeout_secs`.
    #[error("request timeout")]
    Timeout,
    /// Our fault. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Error),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            Error::Conflict => AppError::Conflict,
            other => AppError::Internal(other),
        }
    }
}

impl AppError {
    /// [`AppError::InvalidJson`] about the body as a whole.
    pub fn invalid_json(why: impl Into<String>) -> AppError {
        AppError::InvalidJson {
            why: why.into(),
            field: None,
        }
    }

    /// The member of the submission at fault, if the error is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::InvalidJson { field, .. } => *field,
            AppError::UnsupportedVersion(_) => Some("v"),
            _ => None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedContentType | AppError::InvalidJson { .. } => {
                StatusCode::BAD_REQUEST
            }
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedVersion(_) | AppError::Invalid(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            // 409: the vote conflicts with the poll's state, which the voter cannot change by
            // sending it again (any 4xx but 408/429 is final for the widget's outbox).
            AppError::Conflict | AppError::PollShut(_) => StatusCode::CONFLICT,
            AppError::OriginNotAllowed => StatusCode::FORBIDDEN,
            AppError::Defence(ErrorCode::Honeypot | ErrorCode::TooFast) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Defence(_) => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code sent to the client: the shared [`ErrorCode`]s, plus codes only the
    /// collector's own API uses (`unauthorized`; `request_timeout`, which the widget handles by
    /// its status, 408, like any retryable one), which the widget never needs to know.
    pub fn code(&self) -> &'static str {
        let shared = match self {
            AppError::Unauthorized => return "unauthorized",
            AppError::Timeout => return "request_timeout",
            // There is no separate code for a wrong method: the widget never sends one, and
            // to a client it means the same thing — nothing answers that request here.
            AppError::NotFound | AppError::MethodNotAllowed => ErrorCode::NotFound,
            AppError::UnsupportedContentType => ErrorCode::UnsupportedContentType,
            AppError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            AppError::InvalidJson { .. } => ErrorCode::InvalidJson,
            AppError::UnsupportedVersion(_) => ErrorCode::UnsupportedVersion,
            AppError::Invalid(_) => ErrorCode::Invalid,
            AppError::Conflict => ErrorCode::Conflict,
            AppError::OriginNotAllowed => ErrorCode::OriginNotAllowed,
            AppError::PollShut(code) | AppError::Defence(code) => *code,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Internal(_) => ErrorCode::Server,
        };
        shared.as_str()
    }

    fn message(&self) -> String {
        match self {
            AppError::NotFound => "No such form or endpoint.".into(),
            AppError::MethodNotAllowed => "This endpoint does not accept that method.".into(),
            AppError::UnsupportedContentType => {
                "Send the submission as text/plain or application/json.".into()
            }
            AppError::PayloadTooLarge => {
                "The request body is larger than the collector accepts.".into()
            }
            AppError::InvalidJson { why, .. } => {
                format!("The body is not a valid submission: {why}.")
            }
            AppError::UnsupportedVersion(v) => format!(
                "Submission version {v} is not supported; this collector reads version {}.",
                voix_form::answer::WIRE_VERSION
            ),
            AppError::Invalid(_) => "Some answers were rejected; see `fields`.".into(),
            AppError::Conflict => {
                "This submission id was already used with different answers.".into()
            }
            AppError::OriginNotAllowed => {
                "This page's origin is not allowed to send answers to this collector.".into()
            }
            AppError::PollShut(ErrorCode::PollNotOpen) => {
                "This poll is not open yet; votes are accepted from its opening date.".into()
            }
            AppError::PollShut(_) => "This poll is closed; it accepts no more votes.".into(),
            AppError::Defence(ErrorCode::Honeypot) => {
                "The answer filled a field people cannot see; it was not stored.".into()
            }
            AppError::Defence(ErrorCode::TooFast) => {
                "The answer came sooner after the form was shown than a person answers.".into()
            }
            AppError::Defence(ErrorCode::ProofRequired) => "This form needs a proof of work: \
                 send `altcha`, solved from GET /v1/forms/{id}/challenge."
                .into(),
            AppError::Defence(ErrorCode::ProofExpired) => {
                "The proof of work has expired; solve a new challenge.".into()
            }
            AppError::Defence(ErrorCode::ProofReplayed) => {
                "This proof of work was already used by another answer; solve a new challenge."
                    .into()
            }
            AppError::Defence(_) => {
                "The proof of work is not valid for this form; solve a new challenge.".into()
            }
            // One sentence for a missing token, a wrong one and a disabled admin API: the
            // answer must not tell a prober which (the log does, for the operator).
            AppError::Unauthorized => "Send the admin token as `Authorization: Bearer <token>`; \
                 the admin API is disabled unless the collector's `admin_token` is set."
                .into(),
            AppError::RateLimited { retry_after_secs } => format!(
                "Too many answers in a short time; try again in {retry_after_secs} seconds."
            ),
            AppError::Timeout => "The request did not arrive in time; send it again.".into(),
            AppError::Internal(_) => {
                "The collector could not handle the request; try again later.".into()
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [FieldProblem]>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let fields = match &self {
            AppError::Invalid(f) => Some(f.as_slice()),
            _ => None,
        };
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                message: self.message(),
                field: self.field(),
                fields,
            },
        };
        let mut res = (self.status(), Json(body)).into_response();
        if matches!(self, AppError::Unauthorized) {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let AppError::RateLimited { retry_after_secs } = self {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        res
    }
}
