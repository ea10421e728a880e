//! The admin token, read one way for every route that needs it: the admin exports, private
//! results and `/metrics`.
//!
//! `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 §11.1), spaces around the
//! token ignored. The token is compared in constant time (`subtle`) and never logged. A refusal
//! is one answer — 401 `unauthorized` with `WWW-Authenticate: Bearer` — whether the token is
//! missing, wrong, or the admin API is disabled (no `admin_token` configured), so a prober learns
//! nothing; the log line says which, for the operator.

use std::convert::Infallible;

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};
use subtle::ConstantTimeEq;

use crate::{AppState, error::AppError};

/// What a request shows of the admin token. Extracting it never fails: whether the route needs
/// the token is the route's to say, with [`AdminToken::require`], so that a route open to
/// everyone (public results, `/metrics` without a configured token) logs no refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AdminToken {
    /// No `admin_token` is configured: the admin API is disabled.
    Disabled,
    /// No bearer token in the request.
    Missing,
    /// A bearer token other than the configured one.
    Wrong,
    /// The configured token.
    Valid,
}

impl AdminToken {
    /// What `headers` show, against the configured `expected` token.
    pub(super) fn read(headers: &HeaderMap, expected: Option<&str>) -> AdminToken {
        let Some(expected) = expected else {
            return AdminToken::Disabled;
        };
        match bearer_token(headers) {
            None => AdminToken::Missing,
            // Lengths are not secret (the configuration demands 16 characters or more); the
            // bytes are compared without an early exit, so timing does not reveal a prefix.
            Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => {
                AdminToken::Valid
            }
            Some(_) => AdminToken::Wrong,
        }
    }

    /// Succeeds with the configured token; otherwise [`AppError::Unauthorized`], the same for
    /// every reason, with the reason in the log.
    pub(super) fn require(self) -> Result<(), AppError> {
        match self {
            AdminToken::Valid => return Ok(()),
            AdminToken::Disabled => {
                tracing::warn!(
                    "admin request refused: the admin API is disabled (no admin_token set)"
                )
            }
            AdminToken::Missing => tracing::info!("admin request refused: no bearer token"),
            AdminToken::Wrong => tracing::warn!("admin request refused: wrong token"),
        }
        Err(AppError::Unauthorized)
    }
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(AdminToken::read(&parts.headers, state.admin_token()))
    }
}

// `Authorization: Bearer <token>`.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

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

    #[test]
    fn verdicts() {
        let token = Some("0123456789abcdef");
        let read = |h: &HeaderMap| AdminToken::read(h, token);
        assert_eq!(read(&auth("Bearer 0123456789abcdef")), AdminToken::Valid);
        assert_eq!(read(&auth("BEARER 0123456789abcdef ")), AdminToken::Valid);
        assert_eq!(read(&auth("Bearer 0123456789abcdeF")), AdminToken::Wrong);
        // A prefix, a longer token, a padding of zero bytes.
        assert_eq!(read(&auth("Bearer 0123456789abcde")), AdminToken::Wrong);
        assert_eq!(read(&auth("Bearer 0123456789abcdef0")), AdminToken::Wrong);
        assert_eq!(read(&auth("Basic 0123456789abcdef")), AdminToken::Missing);
        assert_eq!(read(&HeaderMap::new()), AdminToken::Missing);
        assert_eq!(
            AdminToken::read(&auth("Bearer 0123456789abcdef"), None),
            AdminToken::Disabled
        );
        assert!(AdminToken::Valid.require().is_ok());
        for refused in [AdminToken::Disabled, AdminToken::Missing, AdminToken::Wrong] {
            assert!(matches!(refused.require(), Err(AppError::Unauthorized)));
        }
    }
}
