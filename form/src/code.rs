//! Stable error codes. They are the contract between the widget, the collector and the sites
//! that override our texts: never rename one, only add.

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
}

impl ErrorCode {
    /// Every code, for look-ups and tests.
    pub const ALL: [ErrorCode; 15] = [
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
        }
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
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
}
