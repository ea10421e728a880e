//! The widget's state machine: `update(&mut Widget, Msg) -> Vec<Effect>`.
//!
//! Pure: no DOM, no network, no clock. The web layer turns DOM events and network results into
//! [`Msg`]s and carries out the returned [`Effect`]s. Every user-visible behaviour — validation on
//! submit, error summary and focus, "sending" state, retry after a failure, the thank-you — is
//! decided here and tested natively.

use voix_form::{
    ErrorCode, Form,
    answer::{Answers, Submission, normalize},
    i18n::Locale,
    json::{self, Value},
    validate::{FieldError, check_one, validate},
    view::{self, Node, SUMMARY_ID, Status, THANKS_ID, ViewState},
};

/// One mounted form.
#[derive(Debug, Clone)]
pub struct Widget {
    /// The form definition.
    pub form: Form,
    /// Display language.
    pub locale: Locale,
    /// Current answers (as typed; normalised when sent).
    pub answers: Answers,
    /// Errors shown to the resident.
    pub errors: Vec<FieldError>,
    /// Whether the error summary is shown.
    pub summary: bool,
    /// Life-cycle status.
    pub status: Status,
    /// Idempotency id of the current answers; kept across retries, dropped when answers change.
    pub submission_id: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// The resident changed question `field` to `value`.
    Input {
        /// Question id.
        field: String,
        /// New value (a choice key or the text).
        value: String,
    },
    /// The resident pressed submit. `id` is a fresh random idempotency id, used only if the
    /// current answers do not have one yet.
    Submit {
        /// A fresh random id.
        id: String,
    },
    /// The endpoint stored the answers.
    Delivered,
    /// The endpoint refused some answers (422 with field errors).
    Rejected(Vec<FieldError>),
    /// Sending failed for this reason.
    Failed(ErrorCode),
}

/// What the web layer must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Re-render the view (see [`Widget::view`]).
    Render,
    /// Move focus to the element with this id.
    Focus(&'static str),
    /// POST this JSON body to the responses URL.
    Post(String),
}

impl Widget {
    /// A fresh widget for `form`.
    pub fn new(form: Form, locale: Locale) -> Widget {
        Widget {
            form,
            locale,
            answers: Answers::new(),
            errors: Vec::new(),
            summary: false,
            status: Status::Editing,
            submission_id: None,
        }
    }

    /// The view tree of the current state.
    pub fn view(&self) -> Node {
        view::view(
            &self.form,
            &ViewState {
                answers: &self.answers,
                errors: &self.errors,
                summary: self.summary,
                status: self.status,
                locale: self.locale,
                action: None,
            },
        )
    }

    /// Applies `msg` and says what to do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Input { field, value } => self.input(field, value),
            Msg::Submit { id } => self.submit(id),
            Msg::Delivered if self.status == Status::Sending => {
                self.status = Status::Sent;
                self.errors.clear();
                vec![Effect::Render, Effect::Focus(THANKS_ID)]
            }
            Msg::Rejected(errors) if self.status == Status::Sending => {
                self.status = Status::Editing;
                self.summary = true;
                self.errors = errors;
                vec![Effect::Render, Effect::Focus(SUMMARY_ID)]
            }
            Msg::Failed(code) if self.status == Status::Sending => {
                self.status = Status::Failed(code);
                vec![Effect::Render]
            }
            Msg::Delivered | Msg::Rejected(_) | Msg::Failed(_) => Vec::new(),
        }
    }

    fn input(&mut self, field: String, value: String) -> Vec<Effect> {
        // While a request is in flight the answers on screen must stay those being sent.
        let Some(q) = self.form.question(&field) else {
            return Vec::new();
        };
        if matches!(self.status, Status::Sending | Status::Sent) {
            return vec![Effect::Render];
        }
        if self.answers.get(&field) == Some(value.as_str()) {
            return Vec::new();
        }
        // A shown error disappears as soon as it is fixed; new errors wait for the next submit.
        if self.errors.iter().any(|e| e.field == field)
            && check_one(&q.kind, q.required, Some(&value)).is_none()
        {
            self.errors.retain(|e| e.field != field);
            self.summary &= !self.errors.is_empty();
        }
        if value.is_empty() {
            self.answers.remove(&field);
        } else {
            self.answers.insert(field, value);
        }
        self.submission_id = None;
        vec![Effect::Render]
    }

    fn submit(&mut self, fresh_id: String) -> Vec<Effect> {
        if matches!(self.status, Status::Sending | Status::Sent) {
            return Vec::new();
        }
        let mut answers = self.answers.clone();
        normalize(&mut answers);
        if let Err(errors) = validate(&self.form, &answers) {
            self.errors = errors;
            self.summary = true;
            self.status = Status::Editing;
            return vec![Effect::Render, Effect::Focus(SUMMARY_ID)];
        }
        self.errors.clear();
        self.summary = false;
        self.status = Status::Sending;
        let id = self.submission_id.get_or_insert(fresh_id).clone();
        let mut submission = Submission::new(answers);
        // An empty id means the browser had no random source: send without one.
        submission.id = Some(id).filter(|id| !id.is_empty());
        vec![Effect::Render, Effect::Post(submission.to_json())]
    }
}

/// The message for an HTTP answer from the endpoint: 2xx delivered, 422 with field errors
/// rejected, anything else a failure with the matching code.
pub fn outcome(status: u16, body: &str) -> Msg {
    match status {
        200..=299 => Msg::Delivered,
        422 => {
            let fields = field_errors(body);
            if fields.is_empty() {
                Msg::Failed(ErrorCode::Invalid)
            } else {
                Msg::Rejected(fields)
            }
        }
        404 => Msg::Failed(ErrorCode::NotFound),
        429 => Msg::Failed(ErrorCode::RateLimited),
        408 | 500..=599 => Msg::Failed(ErrorCode::Server),
        400..=499 => Msg::Failed(ErrorCode::Invalid),
        _ => Msg::Failed(ErrorCode::Server),
    }
}

/// The `error.fields` of a collector's 422 body; entries with unknown codes are skipped.
fn field_errors(body: &str) -> Vec<FieldError> {
    let Ok(v) = json::parse(body) else {
        return Vec::new();
    };
    let Some(Value::Array(items)) = v.get("error").and_then(|e| e.get("fields")) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for item in items {
        let field = item.get("field").and_then(Value::as_str);
        let code = item
            .get("code")
            .and_then(Value::as_str)
            .and_then(ErrorCode::parse);
        if let (Some(field), Some(code)) = (field, code) {
            errors.push(FieldError {
                field: field.to_owned(),
                code,
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget() -> Widget {
        let form = Form::from_json(
            r#"{"id":"f","title":"Avis","questions":[
                {"id":"note","type":"smileys","label":"Note","required":true},
                {"id":"c","type":"text","label":"Commentaire","max_length":5}
            ]}"#,
        )
        .unwrap();
        Widget::new(form, Locale::Fr)
    }

    fn input(w: &mut Widget, f: &str, v: &str) -> Vec<Effect> {
        w.update(Msg::Input {
            field: f.into(),
            value: v.into(),
        })
    }

    fn submit(w: &mut Widget, id: &str) -> Vec<Effect> {
        w.update(Msg::Submit { id: id.into() })
    }

    #[test]
    fn submit_with_errors_shows_summary_and_moves_focus() {
        let mut w = widget();
        let fx = submit(&mut w, "id1");
        assert_eq!(fx, vec![Effect::Render, Effect::Focus(SUMMARY_ID)]);
        assert!(w.summary);
        assert_eq!(w.errors.len(), 1);
        assert_eq!(w.errors[0].code, ErrorCode::Required);
        assert_eq!(w.status, Status::Editing);
        assert!(w.view().find_id(SUMMARY_ID).is_some());
    }

    #[test]
    fn fixing_a_field_clears_its_error_only() {
        let mut w = widget();
        input(&mut w, "c", "beaucoup trop long");
        submit(&mut w, "id1");
        assert_eq!(w.errors.len(), 2);
        input(&mut w, "note", "good");
        assert_eq!(w.errors.len(), 1);
        assert!(w.summary);
        input(&mut w, "c", "ok");
        assert!(w.errors.is_empty());
        assert!(!w.summary);
    }

    #[test]
    fn a_valid_submit_posts_the_normalised_answers_with_an_id() {
        let mut w = widget();
        input(&mut w, "note", "good");
        input(&mut w, "c", "   ");
        let fx = submit(&mut w, "abc12345");
        assert_eq!(
            fx,
            vec![
                Effect::Render,
                Effect::Post(r#"{"v":1,"id":"abc12345","answers":{"note":"good"}}"#.into())
            ]
        );
        assert_eq!(w.status, Status::Sending);
        // A second press while sending does nothing.
        assert!(submit(&mut w, "other").is_empty());
    }

    #[test]
    fn no_random_source_sends_without_an_id() {
        let mut w = widget();
        input(&mut w, "note", "good");
        let fx = submit(&mut w, "");
        assert_eq!(
            fx[1],
            Effect::Post(r#"{"v":1,"answers":{"note":"good"}}"#.into())
        );
    }

    #[test]
    fn delivered_thanks_and_focuses() {
        let mut w = widget();
        input(&mut w, "note", "bad");
        submit(&mut w, "id1");
        assert_eq!(
            w.update(Msg::Delivered),
            vec![Effect::Render, Effect::Focus(THANKS_ID)]
        );
        assert_eq!(w.status, Status::Sent);
        assert!(w.view().find_id(THANKS_ID).is_some());
        // Late or duplicate results are ignored.
        assert!(w.update(Msg::Failed(ErrorCode::Network)).is_empty());
        assert_eq!(w.status, Status::Sent);
    }

    #[test]
    fn failure_keeps_answers_and_retry_reuses_the_id() {
        let mut w = widget();
        input(&mut w, "note", "average");
        submit(&mut w, "first-id");
        w.update(Msg::Failed(ErrorCode::Network));
        assert_eq!(w.status, Status::Failed(ErrorCode::Network));
        assert_eq!(&w.answers["note"], "average");
        let fx = submit(&mut w, "second-id");
        assert!(matches!(&fx[1], Effect::Post(b) if b.contains("first-id")));
        // Changing the answers makes it a new submission.
        w.update(Msg::Failed(ErrorCode::Server));
        input(&mut w, "note", "good");
        let fx = submit(&mut w, "third-id");
        assert!(matches!(&fx[1], Effect::Post(b) if b.contains("third-id")));
    }

    #[test]
    fn inputs_are_ignored_while_sending_and_for_unknown_fields() {
        let mut w = widget();
        input(&mut w, "note", "good");
        submit(&mut w, "id1");
        assert_eq!(input(&mut w, "note", "bad"), vec![Effect::Render]);
        assert_eq!(&w.answers["note"], "good");
        assert!(input(&mut w, "nope", "x").is_empty());
    }

    #[test]
    fn server_rejection_shows_field_errors() {
        let mut w = widget();
        input(&mut w, "note", "good");
        submit(&mut w, "id1");
        let msg = outcome(
            422,
            r#"{"error":{"code":"invalid","message":"m","field":null,
               "fields":[{"field":"c","code":"too_long","message":"x"}]}}"#,
        );
        let fx = w.update(msg);
        assert_eq!(fx, vec![Effect::Render, Effect::Focus(SUMMARY_ID)]);
        assert_eq!(w.errors[0].code, ErrorCode::TooLong);
        assert_eq!(w.status, Status::Editing);
    }

    #[test]
    fn outcomes_by_status() {
        assert_eq!(outcome(201, "{}"), Msg::Delivered);
        assert_eq!(outcome(200, ""), Msg::Delivered);
        assert_eq!(outcome(404, ""), Msg::Failed(ErrorCode::NotFound));
        assert_eq!(outcome(429, ""), Msg::Failed(ErrorCode::RateLimited));
        assert_eq!(outcome(503, ""), Msg::Failed(ErrorCode::Server));
        assert_eq!(outcome(408, ""), Msg::Failed(ErrorCode::Server));
        assert_eq!(outcome(413, ""), Msg::Failed(ErrorCode::Invalid));
        assert_eq!(outcome(422, "not json"), Msg::Failed(ErrorCode::Invalid));
        assert_eq!(outcome(302, ""), Msg::Failed(ErrorCode::Server));
    }
}
