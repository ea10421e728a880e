//! The admin token, read one way for every route that needs it: the admin exports, private
//! results and `/metrics`.
//!
//! `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 §11.1), spaces around the
//! token ignored. The token is compared in constant time (`subtle`) and never logged. A refusal
//! is one answer — 401 `unauthorized` with `WWW-Authenticate: Bearer` — whether the token is
//! missing, wrong, or the admin API is disabled (no `admin_token` configured), so a prober learns
//! nothing; the operator learns which from `voix_admin_refused_total{reason}` and the log.
//!
//! Someone guessing tokens must not fill the log: refusals are logged at most once a minute
//! ([`REFUSALS_LOGGED_EVERY`]), the first at once, each line saying how many were not logged
//! since the previous one; the counter has them all.

use std::{
    convert::Infallible,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};
use subtle::ConstantTimeEq;

use crate::{AppState, error::AppError};

/// At most one log line about refused admin requests per this much time.
pub(crate) const REFUSALS_LOGGED_EVERY: Duration = Duration::from_secs(60);

/// What a request shows of the admin token. Extracting it never fails: whether the route needs
/// the token is the route's to say, with [`AdminToken::require`], so that a route open to
/// everyone (public results, `/metrics` without a configured token) counts no refusal.
#[derive(Debug, Clone)]
pub(super) struct AdminToken {
    verdict: Verdict,
    state: AppState,
}

/// What the request's `Authorization` is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// No `admin_token` is configured: the admin API is disabled.
    Disabled,
    /// No bearer token in the request.
    Missing,
    /// A bearer token other than the configured one.
    Wrong,
    /// The configured token.
    Valid,
}

impl Verdict {
    /// What `headers` show, against the configured `expected` token.
    pub(super) fn read(headers: &HeaderMap, expected: Option<&str>) -> Verdict {
        let Some(expected) = expected else {
            return Verdict::Disabled;
        };
        match bearer_token(headers) {
            None => Verdict::Missing,
            // Lengths are not secret (the configuration demands 16 characters or more); the
            // bytes are compared without an early exit, so timing does not reveal a prefix.
            Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => {
                Verdict::Valid
            }
            Some(_) => Verdict::Wrong,
        }
    }

    /// The `reason` label of a refusal.
    pub(super) fn reason(self) -> &'static str {
        match self {
            Verdict::Disabled => "admin_api_disabled",
            Verdict::Missing => "no_token",
            Verdict::Wrong => "wrong_token",
            Verdict::Valid => "none",
        }
    }
}

impl AdminToken {
    /// What the request showed.
    pub(super) fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Succeeds with the configured token; otherwise [`AppError::Unauthorized`], the same for
    /// every reason, counted by reason (and logged, see the module docs).
    pub(super) fn require(self) -> Result<(), AppError> {
        if self.verdict == Verdict::Valid {
            return Ok(());
        }
        refused(&self.state, self.verdict.reason());
        Err(AppError::Unauthorized)
    }
}

/// Counts one refused admin request by `reason` and logs it, at most once a minute (see the
/// module docs). Also what the dashboard's login does with a wrong token.
pub(super) fn refused(state: &AppState, reason: &'static str) {
    state.metrics().admin_refused(reason);
    if let Some(not_logged) = state.admin_refusals().note(Instant::now()) {
        tracing::warn!(
            reason,
            not_logged_since_last_line = not_logged,
            "admin request refused (logged at most once a minute; all are counted in \
             voix_admin_refused_total)"
        );
    }
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(AdminToken {
            verdict: Verdict::read(&parts.headers, state.admin_token()),
            state: state.clone(),
        })
    }
}

/// When refused admin requests were last logged, and how many were not logged since.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog(Mutex<RefusalLogState>);

#[derive(Debug, Default)]
struct RefusalLogState {
    last_line: Option<Instant>,
    not_logged: u64,
}

impl RefusalLog {
    /// One refusal at `now`: `Some(n)` when it is to be logged, `n` being how many were not
    /// logged since the previous line; `None` when it is only counted.
    pub(crate) fn note(&self, now: Instant) -> Option<u64> {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match s.last_line {
            Some(last) if now.saturating_duration_since(last) < REFUSALS_LOGGED_EVERY => {
                s.not_logged += 1;
                None
            }
            _ => {
                s.last_line = Some(now);
                Some(std::mem::take(&mut s.not_logged))
            }
        }
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
        let read = |h: &HeaderMap| Verdict::read(h, token);
        assert_eq!(read(&auth("Bearer 0123456789abcdef")), Verdict::Valid);
        assert_eq!(read(&auth("BEARER 0123456789abcdef ")), Verdict::Valid);
        assert_eq!(read(&auth("Bearer 0123456789abcdeF")), Verdict::Wrong);
        // A prefix, a longer token, a padding of zero bytes.
        assert_eq!(read(&auth("Bearer 0123456789abcde")), Verdict::Wrong);
        assert_eq!(read(&auth("Bearer 0123456789abcdef0")), Verdict::Wrong);
        assert_eq!(read(&auth("Basic 0123456789abcdef")), Verdict::Missing);
        assert_eq!(read(&HeaderMap::new()), Verdict::Missing);
        assert_eq!(
            Verdict::read(&auth("Bearer 0123456789abcdef"), None),
            Verdict::Disabled
        );
    }

    #[test]
    fn refusals_are_logged_at_most_once_a_minute_with_the_count_not_logged() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(log.note(at(0)), Some(0));
        for s in 1..60 {
            assert_eq!(log.note(at(s)), None, "{s}");
        }
        assert_eq!(log.note(at(60)), Some(59));
        assert_eq!(log.note(at(61)), None);
        assert_eq!(log.note(at(500)), Some(1));
        // A clock read out of order does not panic.
        assert_eq!(log.note(at(400)), None);
    }
}
