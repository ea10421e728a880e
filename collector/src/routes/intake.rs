//! One way in for an answer, whichever door it came through: the JSON endpoint
//! (`responses.rs`) or the no-JS page's post (`nojs/`). Each route only decodes its body into a
//! [`Submission`] and turns the [`Outcome`] into its own kind of answer (JSON, or a page); what
//! happens in between is here, once: a poll's dates (before `opens` or from `closes`: refused
//! with `poll_not_open` / `poll_closed`), normalisation (blank = unanswered), pruning what the
//! form did not show ([`Form::prune`]: answers to questions hidden by `show_if`, an "other" text
//! whose choice was not chosen), the widget's own validation, the rate limiter, the store with
//! its idempotency, the metrics and the log line.
//!
//! The rate limiter counts at a different moment for each door, on purpose: the JSON endpoint
//! asks before reading the body ([`Intake::admit`]), so a flood costs a hash and a lock, not a
//! parse; the no-JS page asks only for answers about to be stored ([`Limit::BeforeStoring`]),
//! because there the server is where mistakes are found, and a resident fixing three of them
//! must not use up the burst.

use std::ops::RangeInclusive;

use axum::http::{HeaderMap, header};
use voix_form::{
    ErrorCode, Form,
    answer::{Answers, normalize},
    schema::PollState,
    validate::{FieldError, validate},
};

use crate::{
    AppState, Error,
    defence::{Defences, Spend},
    error::AppError,
    limit::ClientIp,
    store::Inserted,
    time,
};

/// Shortest and longest idempotency id accepted. Long enough that random ids do not collide,
/// short enough to index cheaply.
pub(super) const SUBMISSION_ID_LEN: RangeInclusive<usize> = 8..=64;

/// Bytes of randomness in an id we draw ourselves (32 hex characters, like the widget's).
const FRESH_ID_BYTES: usize = 16;

/// An idempotency id: 8 to 64 characters among `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SubmissionId(String);

impl SubmissionId {
    /// `text`, if it is a valid id.
    pub(super) fn parse(text: String) -> Option<SubmissionId> {
        let valid = SUBMISSION_ID_LEN.contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        valid.then_some(SubmissionId(text))
    }

    /// A fresh id: 32 lower-case hex characters from the OS's generator. `None` only if the OS
    /// has none to give: the page still works, without double-submit protection.
    pub(super) fn fresh() -> Option<SubmissionId> {
        let mut bytes = [0u8; FRESH_ID_BYTES];
        if let Err(e) = getrandom::fill(&mut bytes) {
            tracing::error!(error = %e, "no randomness for a submission id");
            return None;
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Some(SubmissionId(hex))
    }

    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// An answer as its route decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Submission {
    /// The answers, by question id.
    pub answers: Answers,
    /// The sender's idempotency id, if it gave one.
    pub id: Option<SubmissionId>,
    /// The proof it came with, by door.
    pub proof: Proof,
    /// Whether the hidden trap field was filled (see [`crate::defence`]).
    pub trapped: bool,
}

/// What an answer brings to show a person's browser sent it (see [`crate::defence`]), by the
/// door it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Proof {
    /// The JSON endpoint: the widget's solved challenge (base64 of the ALTCHA payload), if
    /// sent. Needed when the form's `proof_of_work` is on.
    Altcha(Option<String>),
    /// The no-JS page: its render token, if posted. Needed when the form's `proof_of_work`
    /// is on or its `min_seconds` set.
    Token(Option<String>),
}

/// What became of an answer that reached [`Intake::take`].
#[derive(Debug)]
pub(super) enum Outcome {
    /// Committed, or already committed under its submission id.
    Stored(Inserted),
    /// A poll not open yet ([`PollState::NotOpen`]) or closed ([`PollState::Closed`]).
    PollShut(PollState),
    /// Refused by the form's rules.
    Invalid(Vec<FieldError>),
    /// Refused by the rate limiter (only with [`Limit::BeforeStoring`]).
    RateLimited {
        /// Whole seconds until the next answer is accepted.
        retry_after_secs: u64,
    },
    /// Its submission id was already stored with other answers.
    Conflict,
    /// Refused by a defence against robots: [`ErrorCode::Honeypot`], [`ErrorCode::TooFast`]
    /// or a `proof_*` code.
    Refused(ErrorCode),
    /// The store failed; the answer may or may not be committed (a retry with the same id
    /// finds out).
    Failed(Error),
}

/// When [`Intake::take`] asks the rate limiter.
#[derive(Debug, Clone, Copy)]
pub(super) enum Limit {
    /// The route asked already, with [`Intake::admit`].
    Admitted,
    /// After validation, just before storing (see the module docs).
    BeforeStoring(ClientIp),
}

/// The intake of one form.
#[derive(Debug, Clone, Copy)]
pub(super) struct Intake<'a> {
    state: &'a AppState,
    form: &'a Form,
}

impl<'a> Intake<'a> {
    pub(super) fn new(state: &'a AppState, form: &'a Form) -> Intake<'a> {
        Intake { state, form }
    }

    /// Counts one answer from `client` against the form's rate limit, or refuses it with
    /// [`AppError::RateLimited`] (counted in the metrics by the limiter).
    pub(super) fn admit(&self, client: ClientIp) -> Result<(), AppError> {
        self.state.limiter().check(&self.form.id, client.ip())
    }

    /// Counts an answer its route could not decode, with the error `code` it answered.
    pub(super) fn refused(&self, code: &'static str) {
        self.state.metrics().answer_rejected(&self.form.id, code);
    }

    /// Where the form's poll is now ([`PollState::Open`] for a form that is no poll), by
    /// voix-form's reading of `opens` and `closes`, the one the widget makes.
    pub(super) fn poll_state(&self) -> PollState {
        poll_state(self.form)
    }

    /// Normalises `submission`'s answers in place (the route shows them again on a refusal),
    /// prunes what the form did not show, validates them, and stores them.
    pub(super) async fn take(&self, submission: &mut Submission, limit: Limit) -> Outcome {
        let form = &self.form.id;
        let poll = self.poll_state();
        if poll != PollState::Open {
            self.refused(poll_code(poll).as_str());
            return Outcome::PollShut(poll);
        }
        let defences = self.state.settings(form).defences;
        // Before anything else: a robot learns nothing more about the form.
        if defences.honeypot && submission.trapped {
            self.refused(ErrorCode::Honeypot.as_str());
            return Outcome::Refused(ErrorCode::Honeypot);
        }
        normalize(&mut submission.answers);
        self.form.prune(&mut submission.answers);
        if let Err(errors) = validate(self.form, &submission.answers) {
            self.refused(ErrorCode::Invalid.as_str());
            return Outcome::Invalid(errors);
        }
        let spend = match self.check_proof(&submission.proof, defences) {
            Ok(spend) => spend,
            Err(code) => {
                self.refused(code.as_str());
                return Outcome::Refused(code);
            }
        };
        if let Limit::BeforeStoring(client) = limit
            && let Err(AppError::RateLimited { retry_after_secs }) = self.admit(client)
        {
            return Outcome::RateLimited { retry_after_secs };
        }
        let id = submission.id.as_ref().map(SubmissionId::as_str);
        if let Some(spend) = spend {
            match self
                .state
                .store()
                .spend(&spend.key, id, spend.expires)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    self.refused(ErrorCode::ProofReplayed.as_str());
                    return Outcome::Refused(ErrorCode::ProofReplayed);
                }
                Err(e) => {
                    self.refused(ErrorCode::Server.as_str());
                    return Outcome::Failed(e);
                }
            }
        }
        match self
            .state
            .store()
            .insert(form, id, &submission.answers)
            .await
        {
            Ok(inserted) => {
                // Ids only: answers may hold whatever a resident typed, and logs are kept
                // carelessly.
                tracing::info!(form = %form, response = %inserted.id, duplicate = inserted.duplicate, "answer stored");
                self.state.metrics().answer_stored(form, inserted.duplicate);
                if !inserted.duplicate {
                    self.state.published().changed(form);
                    self.state.traffic().record(form, time::now());
                }
                Outcome::Stored(inserted)
            }
            Err(Error::Conflict) => {
                self.refused(ErrorCode::Conflict.as_str());
                Outcome::Conflict
            }
            Err(e) => {
                self.refused(ErrorCode::Server.as_str());
                Outcome::Failed(e)
            }
        }
    }

    /// The proof `defences` ask of this door, checked (not yet spent): what to spend, `None`
    /// when none is asked, or the code to refuse the answer with.
    fn check_proof(&self, proof: &Proof, defences: Defences) -> Result<Option<Spend>, ErrorCode> {
        let form = &self.form.id;
        let keys = self.state.keys();
        let now = time::now();
        match proof {
            Proof::Altcha(_) if !defences.proof_of_work => Ok(None),
            Proof::Token(_) if !defences.needs_token() => Ok(None),
            Proof::Altcha(Some(payload)) => keys
                .verify(payload, form, defences.min_seconds, now)
                .map(Some),
            Proof::Token(Some(token)) => keys
                .verify_token(token, form, defences.min_seconds, now)
                .map(Some),
            Proof::Altcha(None) | Proof::Token(None) => Err(ErrorCode::ProofRequired),
        }
    }
}

/// Where `form`'s poll is now ([`PollState::Open`] for a form that is no poll).
pub(super) fn poll_state(form: &Form) -> PollState {
    form.poll.as_ref().map_or(PollState::Open, |p| {
        p.state(crate::time::now().as_millisecond())
    })
}

/// The code of a refusal by a poll in `state` (not open yet, or closed).
pub(super) fn poll_code(state: PollState) -> ErrorCode {
    match state {
        PollState::NotOpen => ErrorCode::PollNotOpen,
        _ => ErrorCode::PollClosed,
    }
}

/// Whether `body` is announced (by `Content-Length`, as hyper read it) longer than `limit`: such
/// a request is refused before a byte of it is read — the body may never come, and waiting for
/// it would hold the connection.
pub(super) fn announced_over(body: &axum::body::Body, limit: usize) -> bool {
    use axum::body::HttpBody;
    body.size_hint().lower() > u64::try_from(limit).unwrap_or(u64::MAX)
}

/// Whether the request's `Content-Type` is one of `accepted` (its essence: no parameters, any
/// case).
pub(super) fn has_content_type(headers: &HeaderMap, accepted: &[&str]) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            accepted
                .iter()
                .any(|a| essence.trim().eq_ignore_ascii_case(a))
        })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ct(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn content_types() {
        let json = ["text/plain", "application/json"];
        assert!(has_content_type(&ct("text/plain;charset=UTF-8"), &json));
        assert!(has_content_type(
            &ct("Application/JSON ; charset=utf-8"),
            &json
        ));
        assert!(has_content_type(&ct("text/plain"), &json));
        assert!(!has_content_type(
            &ct("application/x-www-form-urlencoded"),
            &json
        ));
        assert!(!has_content_type(&ct("text/plainx"), &json));
        assert!(!has_content_type(&HeaderMap::new(), &json));
    }

    #[test]
    fn submission_ids() {
        let ok = |s: &str| SubmissionId::parse(s.to_owned()).is_some();
        assert!(ok("abcd-_12"));
        assert!(ok(&"a".repeat(64)));
        assert!(!ok("short"));
        assert!(!ok(&"a".repeat(65)));
        assert!(!ok("abcdefgh!"));
        assert!(!ok("abcdéfgh"));
    }

    #[test]
    fn fresh_submission_ids_are_valid_hex_and_differ() {
        let a = SubmissionId::fresh().unwrap();
        let b = SubmissionId::fresh().unwrap();
        assert_eq!(a.as_str().len(), 32);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
        assert_eq!(SubmissionId::parse(a.as_str().to_owned()), Some(a));
    }
}
