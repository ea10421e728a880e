//! The DOM events a widget dispatches on its host element, and what their `detail` holds —
//! decided here, purely; `web::events` only dispatches them (bubbling and `composed`, so a
//! listener on `document` hears a widget inside a dialog's shadow root too).
//!
//! | event | when | detail |
//! |---|---|---|
//! | `voix:ready` | the form is on screen | `form`, `title` |
//! | `voix:submit` | valid answers leave for the endpoint | `form`, `submission` |
//! | `voix:success` | the endpoint stored them | `form`, `submission` |
//! | `voix:error` | sending failed or was refused, or the form could not be shown | `form`, `code`, `submission` (when answers were sent) |
//!
//! `submission` is the answers' random idempotency id (the `submission_id` the collector
//! stores), `code` a stable error code (`network`, `rate_limited`, `not_found`, `invalid`…).
//! `voix:close` (`form`, `reason`, `answered`) comes from the loader, which owns the dialog.

use serde::Serialize;
use voix_form::{ErrorCode, Form, view::Status};

use crate::state::{Effect, Widget};

/// Which event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// `voix:ready`
    Ready,
    /// `voix:submit`
    Submit,
    /// `voix:success`
    Success,
    /// `voix:error`
    Error,
}

impl Name {
    /// The DOM event type.
    pub fn as_str(self) -> &'static str {
        match self {
            Name::Ready => "voix:ready",
            Name::Submit => "voix:submit",
            Name::Success => "voix:success",
            Name::Error => "voix:error",
        }
    }
}

/// An event's `detail`: members that do not apply are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// The form id.
    pub form: String,
    /// The form's title (`voix:ready`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The idempotency id of the answers sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    /// Why it failed (`voix:error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

impl Detail {
    fn of(form: &str) -> Detail {
        Detail {
            form: form.to_owned(),
            title: None,
            submission: None,
            code: None,
        }
    }
}

/// `voix:ready` for a form just shown.
pub fn ready(form: &Form) -> (Name, Detail) {
    let mut detail = Detail::of(&form.id);
    detail.title = Some(form.title.clone());
    (Name::Ready, detail)
}

/// `voix:error` for a form that could not be shown (`form` may be empty when no id was given).
pub fn unavailable(form: &str, code: ErrorCode) -> (Name, Detail) {
    let mut detail = Detail::of(form);
    detail.code = Some(code);
    (Name::Error, detail)
}

/// The event one update caused, if any, from the status before it, the widget after it and
/// the effects it returned.
pub fn after_update(before: Status, widget: &Widget, effects: &[Effect]) -> Option<(Name, Detail)> {
    let mut detail = Detail::of(&widget.form.id);
    let posted = effects.iter().find_map(|e| match e {
        Effect::Post(s) => Some(s.id.clone()),
        _ => None,
    });
    let name = match (posted, before, widget.status) {
        (Some(id), _, _) => {
            detail.submission = id;
            return Some((Name::Submit, detail));
        }
        (None, a, b) if a == b => return None,
        (None, _, Status::Sent) => Name::Success,
        (None, _, Status::Failed(code)) => {
            detail.code = Some(code);
            Name::Error
        }
        // The endpoint refused some answers: the form is back to editing, errors shown.
        (None, Status::Sending | Status::Queued, Status::Editing) => {
            detail.code = Some(ErrorCode::Invalid);
            Name::Error
        }
        _ => return None,
    };
    detail.submission = widget.submission_id.clone();
    Some((name, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Msg;
    use voix_form::{i18n::Locale, validate::FieldError};

    fn widget() -> Widget {
        let form = Form::from_json(
            r#"{"id":"avis","title":"Votre avis","questions":[
                {"id":"note","type":"smileys","label":"Note","required":true}]}"#,
        )
        .unwrap();
        Widget::new(form, Locale::Fr)
    }

    /// Runs `msg` and returns the event it caused.
    fn step(w: &mut Widget, msg: Msg) -> Option<(Name, Detail)> {
        let before = w.status;
        let fx = w.update(msg);
        after_update(before, w, &fx)
    }

    fn submit(w: &mut Widget) -> Option<(Name, Detail)> {
        step(w, Msg::Submit { id: "0123".into() })
    }

    fn answered() -> Widget {
        let mut w = widget();
        let input = Msg::Input {
            field: "note".into(),
            value: "good".into(),
        };
        assert_eq!(step(&mut w, input), None, "typing is not an event");
        w
    }

    #[test]
    fn submit_then_success_carry_the_submission_id() {
        let mut w = answered();
        let (name, detail) = submit(&mut w).unwrap();
        assert_eq!(name, Name::Submit);
        assert_eq!(detail.submission.as_deref(), Some("0123"));
        assert_eq!(
            step(&mut w, Msg::Queued),
            None,
            "queued is not an outcome yet"
        );
        let (name, detail) = step(&mut w, Msg::Delivered).unwrap();
        assert_eq!(name.as_str(), "voix:success");
        assert_eq!(
            detail,
            Detail {
                form: "avis".into(),
                title: None,
                submission: Some("0123".into()),
                code: None
            }
        );
        assert_eq!(
            step(&mut w, Msg::Delivered),
            None,
            "a late answer is no event"
        );
    }

    #[test]
    fn failures_and_refusals_are_errors_with_their_code() {
        let mut w = answered();
        submit(&mut w);
        let (name, detail) = step(&mut w, Msg::Failed(ErrorCode::RateLimited)).unwrap();
        assert_eq!(
            (name, detail.code, detail.submission.as_deref()),
            (Name::Error, Some(ErrorCode::RateLimited), Some("0123"))
        );
        // Sent again (same answers, same id) and refused field by field.
        assert_eq!(submit(&mut w).unwrap().0, Name::Submit);
        let refused = Msg::Rejected(vec![FieldError {
            field: "note".into(),
            code: ErrorCode::UnknownChoice,
        }]);
        let (name, detail) = step(&mut w, refused).unwrap();
        assert_eq!((name, detail.code), (Name::Error, Some(ErrorCode::Invalid)));
    }

    #[test]
    fn answers_that_do_not_validate_never_leave_and_are_no_event() {
        let mut w = widget();
        assert_eq!(submit(&mut w), None);
    }

    #[test]
    fn ready_and_unavailable_details() {
        let w = widget();
        let (name, detail) = ready(&w.form);
        assert_eq!(name.as_str(), "voix:ready");
        assert_eq!(detail.title.as_deref(), Some("Votre avis"));
        let (name, detail) = unavailable("avis", ErrorCode::NotFound);
        assert_eq!(
            (name, detail.code),
            (Name::Error, Some(ErrorCode::NotFound))
        );
        // What crosses to JavaScript: absent members are left out, codes are their wire string.
        assert_eq!(
            serde_json::to_value(&detail).unwrap(),
            serde_json::json!({ "form": "avis", "code": "not_found" })
        );
    }
}
