//! Stable error codes. They are the contract between the widget, the collector and the sites
//! that override our texts: never rename one, only add.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A user-visible failure, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A required question has no answer.
    Required,
    /// A text answer is longer than the question allows.
    TooLong,
    /// A choice answer names a choice the question does not offer.
    UnknownChoice,
    /// An answer names a question the form does not have.
    UnknownQuestion,
    /// The submission's wire-format version is not supported.
    UnsupportedVersion,
    /// The request body is not valid JSON for a submission.
    InvalidJson,
    /// The request's content type is neither `text/plain` nor `application/json`.
    UnsupportedContentType,
    /// The request body is larger than the collector accepts.
    PayloadTooLarge,
    /// The form does not exist.
    NotFound,
    /// The answers were rejected (see the field errors).
    Invalid,
    /// The browser could not reach the endpoint.
    Network,
    /// The endpoint failed (5xx) or answered something unexpected.
    Server,
    /// Too many submissions from this client; try later.
    RateLimited,
    /// A submission id was sent again with different answers.
    Conflict,
    /// The page's origin may not post to this collector.
    OriginNotAllowed,
    /// An email answer does not look like an address.
    InvalidEmail,
    /// A multiple-choice answer has fewer choices than the question asks.
    TooFewChoices,
    /// A multiple-choice answer has more choices than the question allows.
    TooManyChoices,
    /// A multiple-choice answer combines an exclusive choice with others.
    ExclusiveChoice,
    /// The poll is closed.
    PollClosed,
    /// The poll is not open yet.
    PollNotOpen,
    /// The form's hidden trap field was filled in: a robot filling every field. The widget
    /// never shows it as an error (no person can fill it).
    Honeypot,
    /// Sent sooner after the form was shown than a person can answer. The widget waits long
    /// enough, so it never shows it as an error either.
    TooFast,
    /// The form asks for a proof (the widget's proof of work, the no-JS page's signed token)
    /// and the submission has none.
    ProofRequired,
    /// The proof does not verify: a wrong solution, a tampered or foreign challenge or token.
    ProofInvalid,
    /// The proof's challenge or token has expired: fetch a new one.
    ProofExpired,
    /// The proof was used already: each is good for one answer.
    ProofReplayed,
}

impl ErrorCode {
    /// Every code, for look-ups and tests.
    pub const ALL: [ErrorCode; 27] = [
        Self::Required,
        Self::TooLong,
        Self::UnknownChoice,
        Self::UnknownQuestion,
        Self::UnsupportedVersion,
        Self::InvalidJson,
        Self::UnsupportedContentType,
        Self::PayloadTooLarge,
        Self::NotFound,
        Self::Invalid,
        Self::Network,
        Self::Server,
        Self::RateLimited,
        Self::Conflict,
        Self::OriginNotAllowed,
        Self::InvalidEmail,
        Self::TooFewChoices,
        Self::TooManyChoices,
        Self::ExclusiveChoice,
        Self::PollClosed,
        Self::PollNotOpen,
        Self::Honeypot,
        Self::TooFast,
        Self::ProofRequired,
        Self::ProofInvalid,
        Self::ProofExpired,
        Self::ProofReplayed,
    ];

    /// The code written `s` on the wire.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The code as written on the wire, e.g. `"too_long"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::UnknownChoice => "unknown_choice",
            Self::UnknownQuestion => "unknown_question",
            Self::UnsupportedVersion => "unsupported_version",
            Self::InvalidJson => "invalid_json",
            Self::UnsupportedContentType => "unsupported_content_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::Invalid => "invalid",
            Self::Network => "network",
            Self::Server => "server",
            Self::RateLimited => "rate_limited",
            Self::Conflict => "conflict",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::InvalidEmail => "invalid_email",
            Self::TooFewChoices => "too_few_choices",
            Self::TooManyChoices => "too_many_choices",
            Self::ExclusiveChoice => "exclusive_choice",
            Self::PollClosed => "poll_closed",
            Self::PollNotOpen => "poll_not_open",
            Self::Honeypot => "honeypot",
            Self::TooFast => "too_fast",
            Self::ProofRequired => "proof_required",
            Self::ProofInvalid => "proof_invalid",
            Self::ProofExpired => "proof_expired",
            Self::ProofReplayed => "proof_replayed",
        }
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        let s = String::deserialize(d)?;
        ErrorCode::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{s}`")))
    }
}

/// A code a newer collector may have added: read as `None` rather than refusing the whole body.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    Ok(ErrorCode::parse(&String::deserialize(d)?))
}

/// The body of every refusal from a collector, and what the widget reads from a 422:
/// `{ "error": { "code", "message", "field", "fields": [{ "field", "code", "message" }] } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// See [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The stable code (`None`: one this version does not know).
    #[serde(deserialize_with = "lenient")]
    pub code: Option<ErrorCode>,
    /// A sentence for people reading logs or API responses.
    #[serde(default)]
    pub message: String,
    /// The field the error is about, when there is one.
    #[serde(default)]
    pub field: Option<String>,
    /// One entry per rejected answer (`invalid` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// One rejected answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The question id.
    pub field: String,
    /// The stable code (`None`: one this version does not know).
    #[serde(deserialize_with = "lenient")]
    pub code: Option<ErrorCode>,
    /// The message a resident would read.
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert_eq!(ErrorCode::parse("nope"), None);
    }

    #[test]
    fn error_bodies_round_trip_and_unknown_codes_are_skipped() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"code":"invalid","message":"m","field":null,
               "fields":[{"field":"c","code":"too_long","message":"x"},
                         {"field":"d","code":"from_the_future","message":"y"}]}}"#,
        )
        .unwrap();
        assert_eq!(body.error.code, Some(ErrorCode::Invalid));
        assert_eq!(body.error.fields[0].code, Some(ErrorCode::TooLong));
        assert_eq!(body.error.fields[1].code, None);
        let text = serde_json::to_string(&ErrorCode::TooLong).unwrap();
        assert_eq!(text, r#""too_long""#);
        assert_eq!(
            serde_json::from_str::<ErrorCode>(&text).unwrap(),
            ErrorCode::TooLong
        );
        assert!(serde_json::from_str::<ErrorCode>(r#""nope""#).is_err());
    }
}
