//! The widget's state machine: `update(&mut Widget, Msg) -> Vec<Effect>`.
//!
//! Pure: no DOM, no network, no clock. The web layer turns DOM events and network results into
//! [`Msg`]s and carries out the returned [`Effect`]s. Every user-visible behaviour — steps and
//! conditions, validation per step and on submit, the error summary and focus, "sending",
//! retry after a failure, the thank-you, a poll's results and its one vote per browser — is
//! decided here and tested natively. What happens to an answer after it is sent (kept, retried,
//! dropped) is [`crate::outbox`]'s; this machine only hears the outcome.

use crate::outbox::{Verdict, verdict};
use voix_form::{
    ErrorBody, ErrorCode, Form, QuestionKind,
    answer::{Answer, Answers, Submission, normalize},
    i18n::{Locale, Strings},
    results::FormResults,
    schema::{PollState, ResultsShown},
    translations::{Localized, Translations},
    validate::{FieldError, check_question, validate, validate_step},
    view::{
        self, Node, Numbers, POLL_ID, PollView, ResultsView, STEP_ID, SUMMARY_ID, Status,
        THANKS_ID, ViewState,
    },
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
    /// The step shown (a step number, see [`Form::steps`]).
    pub step: u32,
    /// A poll's state when the widget started (open, not yet, closed).
    pub poll_state: PollState,
    /// This browser voted in this poll already (its one-vote flag was set).
    pub voted: bool,
    /// A poll's results, as far as they are known.
    pub results: Results,
    /// The widget's words (the locale's, with a site's overrides applied).
    pub strings: &'static Strings,
    /// Which language each of the form's words is in, once its translations are applied.
    pub langs: Option<Localized>,
    /// The widget's own colours (`light`, `dark`, `auto`); `None`: light.
    pub theme: Option<String>,
    /// What was typed in the hidden trap field (see [`voix_form::answer::HONEYPOT`]): only a
    /// robot types there; sent as the submission's `hp`.
    pub trap: Option<String>,
}

/// A poll's results, as far as the widget knows them.
#[derive(Debug, Clone, PartialEq)]
pub enum Results {
    /// Not asked for.
    None,
    /// Asked for.
    Loading,
    /// Could not be read.
    Failed,
    /// Read.
    Shown(FormResults),
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// The resident changed question `field` (or `id.other`) to `value` (a text, a radio's value).
    Input {
        /// Question id, or `id.other`.
        field: String,
        /// New value.
        value: String,
    },
    /// The resident ticked (`on`) or unticked a checkbox of question `field`.
    Toggle {
        /// Question id.
        field: String,
        /// The checkbox's value (a choice id, or `yes` for consent).
        value: String,
        /// Whether it is now ticked.
        on: bool,
    },
    /// The resident pressed the form's main button (next step, or send). `id` is a fresh random
    /// idempotency id, used only if the current answers do not have one yet.
    Submit {
        /// A fresh random id.
        id: String,
    },
    /// The resident went back one step.
    Previous,
    /// The endpoint stored the answers.
    Delivered,
    /// Not delivered yet but kept in the outbox: it will be retried on its own.
    Queued,
    /// The endpoint refused some answers (422 with field errors).
    Rejected(Vec<FieldError>),
    /// Sending failed for this reason and the answers are not queued: the resident decides.
    Failed(ErrorCode),
    /// A poll's results arrived (`None`: they could not be read).
    Results(Option<FormResults>),
}

/// What the web layer must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Re-render the view (see [`Widget::view`]).
    Render,
    /// Move focus to the element with this id.
    Focus(&'static str),
    /// Put this submission in the outbox under its id and POST it to the responses URL.
    Post(Submission),
    /// Fetch the form's results (`GET /v1/forms/{id}/results`) and hand them back as
    /// [`Msg::Results`].
    FetchResults,
    /// Remember in this browser that the poll was answered (its one-vote flag: no identifier).
    RememberVote,
}

impl Widget {
    /// A fresh widget for `form`. For a poll, `now_ms` (the clock, ms since the epoch) says
    /// whether it is open, and `voted` whether this browser's one-vote flag is set.
    pub fn new(form: Form, locale: Locale) -> Widget {
        Widget::at(form, locale, 0, false)
    }

    /// [`Widget::new`] at `now_ms`, with this browser's one-vote flag.
    pub fn at(form: Form, locale: Locale, now_ms: i64, voted: bool) -> Widget {
        let poll_state = form
            .poll
            .as_ref()
            .map_or(PollState::Open, |p| p.state(now_ms));
        let one_vote = form.poll.as_ref().is_some_and(|p| p.one_vote);
        let step = form.steps().first().copied().unwrap_or(1);
        Widget {
            form,
            locale,
            answers: Answers::new(),
            errors: Vec::new(),
            summary: false,
            status: Status::Editing,
            submission_id: None,
            step,
            poll_state,
            voted: voted && one_vote,
            results: Results::None,
            strings: locale.strings(),
            langs: None,
            theme: None,
            trap: None,
        }
    }

    /// Uses `strings` (a site's overrides applied) instead of the locale's.
    pub fn with_strings(mut self, strings: &'static Strings) -> Widget {
        self.strings = strings;
        self
    }

    /// Shows the form in the widget's language where `translations` have its words, marking
    /// those left in another language.
    pub fn with_translations(mut self, translations: &Translations) -> Widget {
        let localized = self.form.localized(translations, self.locale);
        self.form = localized.form.clone();
        self.langs = Some(localized);
        self
    }

    /// What to do once mounted: a poll that shows its results now (closed, voted, or results
    /// always shown) fetches them.
    pub fn start(&mut self) -> Vec<Effect> {
        let Some(poll) = &self.form.poll else {
            return Vec::new();
        };
        let now = match self.poll_state {
            PollState::NotOpen => false,
            PollState::Closed => poll.results != ResultsShown::Never,
            PollState::Open => {
                poll.results == ResultsShown::Always
                    || (self.voted && poll.results != ResultsShown::Never)
            }
        };
        if now {
            self.results = Results::Loading;
            vec![Effect::FetchResults]
        } else {
            Vec::new()
        }
    }

    /// The view tree of the current state.
    pub fn view(&self) -> Node {
        self.view_with(None)
    }

    /// The view tree, numbers and dates written by `numbers` (the browser's `Intl`).
    pub fn view_with(&self, numbers: Option<&dyn Numbers>) -> Node {
        let results = match &self.results {
            Results::None => ResultsView::None,
            Results::Loading => ResultsView::Loading,
            Results::Failed => ResultsView::Failed,
            Results::Shown(r) => ResultsView::Shown(r),
        };
        view::view(
            &self.form,
            &ViewState {
                answers: &self.answers,
                errors: &self.errors,
                summary: self.summary,
                status: self.status,
                locale: self.locale,
                action: None,
                step: self.step,
                poll: self.form.poll.as_ref().map(|_| PollView {
                    state: self.poll_state,
                    voted: self.voted,
                    results,
                }),
                strings: Some(self.strings),
                langs: self.langs.as_ref(),
                numbers,
                theme: self.theme.as_deref(),
            },
        )
    }

    /// Applies `msg` and says what to do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Input { field, value } => self.input(field, value),
            Msg::Toggle { field, value, on } => self.toggle(field, value, on),
            Msg::Submit { id } => self.submit(id),
            Msg::Previous => self.previous(),
            Msg::Results(r) => {
                self.results = r.map_or(Results::Failed, Results::Shown);
                vec![Effect::Render]
            }
            // Results only count while an answer is on its way (a late one is ignored).
            _ if !matches!(self.status, Status::Sending | Status::Queued) => Vec::new(),
            Msg::Delivered => {
                // Straight from "sending" the thank-you takes focus; from "queued" the heading
                // the resident may be on is patched in place and the live region speaks.
                let from_sending = self.status == Status::Sending;
                let mut fx = self.settle(Status::Sent);
                self.errors.clear();
                if let Some(poll) = &self.form.poll {
                    if poll.one_vote {
                        fx.push(Effect::RememberVote);
                    }
                    if poll.results != ResultsShown::Never {
                        self.results = Results::Loading;
                        fx.push(Effect::FetchResults);
                    }
                    if from_sending {
                        // A poll's thank-you is its state heading (with the results under it).
                        fx.retain(|e| *e != Effect::Focus(THANKS_ID));
                        fx.push(Effect::Focus(POLL_ID));
                    }
                }
                fx
            }
            Msg::Queued if self.status == Status::Sending => {
                self.status = Status::Queued;
                vec![Effect::Render, Effect::Focus(THANKS_ID)]
            }
            Msg::Queued => Vec::new(),
            Msg::Rejected(errors) => {
                self.status = Status::Editing;
                self.summary = true;
                // Back to the first step with an error, so the resident sees it.
                if let Some(step) = self.step_of_first(&errors) {
                    self.step = step;
                }
                self.errors = errors;
                vec![Effect::Render, Effect::Focus(SUMMARY_ID)]
            }
            Msg::Failed(code) => self.settle(Status::Failed(code)),
        }
    }

    fn settle(&mut self, status: Status) -> Vec<Effect> {
        let was = core::mem::replace(&mut self.status, status);
        match (was, status) {
            (Status::Sending, Status::Sent) => vec![Effect::Render, Effect::Focus(THANKS_ID)],
            _ => vec![Effect::Render],
        }
    }

    fn editable(&self) -> bool {
        !matches!(self.status, Status::Sending | Status::Sent | Status::Queued)
    }

    fn input(&mut self, field: String, value: String) -> Vec<Effect> {
        if field == voix_form::answer::HONEYPOT {
            self.trap = Some(value).filter(|v| !v.is_empty());
            return Vec::new();
        }
        // The question, or the question whose "other" text this is.
        let own = field.strip_suffix(".other").unwrap_or(&field).to_owned();
        let Some(q) = self.form.question(&own) else {
            return Vec::new();
        };
        if own != field && !q.kind.has_other() {
            return Vec::new();
        }
        // While a request is in flight the answers on screen must stay those being sent.
        if !self.editable() {
            return vec![Effect::Render];
        }
        if self.answers.text(&field) == Some(value.as_str()) {
            return Vec::new();
        }
        if value.is_empty() {
            self.answers.remove(&field);
        } else {
            self.answers.insert(field, value);
        }
        self.changed(&own)
    }

    fn toggle(&mut self, field: String, value: String, on: bool) -> Vec<Effect> {
        let Some(q) = self.form.question(&field) else {
            return Vec::new();
        };
        if !self.editable() {
            return vec![Effect::Render];
        }
        match &q.kind {
            QuestionKind::Consent => {
                if on {
                    self.answers.insert(field.clone(), "yes");
                } else {
                    self.answers.remove(&field);
                }
            }
            QuestionKind::Multiple { choices, .. } => {
                let mut chosen: Vec<String> = self
                    .answers
                    .get(&field)
                    .map(|a| a.values().map(str::to_owned).collect())
                    .unwrap_or_default();
                let exclusive = |v: &str| choices.iter().any(|c| c.exclusive && c.id == v);
                chosen.retain(|v| *v != value);
                if on {
                    // An exclusive choice ("I did not need help") stands alone.
                    if exclusive(&value) {
                        chosen.clear();
                    } else {
                        chosen.retain(|v| !exclusive(v));
                    }
                    chosen.push(value);
                }
                if chosen.is_empty() {
                    self.answers.remove(&field);
                } else {
                    self.answers.insert(field.clone(), Answer::Many(chosen));
                }
            }
            _ => return Vec::new(),
        }
        self.changed(&field)
    }

    /// After question `id` changed: a shown error disappears as soon as it is fixed (new errors
    /// wait for the next submit); a question whose condition now fails loses its error; the
    /// answers are a new submission.
    fn changed(&mut self, id: &str) -> Vec<Effect> {
        let mine = |f: &str| f == id || f.strip_suffix(".other") == Some(id);
        if let Some(q) = self.form.question(id)
            && self.errors.iter().any(|e| mine(&e.field))
            && check_question(q, &self.answers).is_none()
        {
            self.errors.retain(|e| !mine(&e.field));
        }
        let form = &self.form;
        let answers = &self.answers;
        self.errors.retain(|e| {
            let own = e.field.strip_suffix(".other").unwrap_or(&e.field);
            form.questions
                .iter()
                .position(|q| q.id == own)
                .is_none_or(|i| form.is_shown(i, answers))
        });
        self.summary &= !self.errors.is_empty();
        self.submission_id = None;
        vec![Effect::Render]
    }

    /// The answers as they will be sent: trimmed of blanks, of hidden questions and of "other"
    /// texts whose choice is not chosen.
    fn to_send(&self) -> Answers {
        let mut answers = self.answers.clone();
        normalize(&mut answers);
        self.form.prune(&mut answers);
        answers
    }

    fn submit(&mut self, fresh_id: String) -> Vec<Effect> {
        if !self.editable() {
            return Vec::new();
        }
        let shown = self.form.shown_steps(&self.answers);
        let at = shown.iter().position(|&s| s == self.step);
        // Not on the last step: check this one and go on.
        if let Some(at) = at
            && at + 1 < shown.len()
        {
            let mut answers = self.answers.clone();
            normalize(&mut answers);
            if let Err(errors) = validate_step(&self.form, &answers, self.step) {
                return self.show_errors(errors);
            }
            self.errors.clear();
            self.summary = false;
            self.step = shown[at + 1];
            return vec![Effect::Render, Effect::Focus(STEP_ID)];
        }
        let answers = self.to_send();
        if let Err(errors) = validate(&self.form, &answers) {
            if let Some(step) = self.step_of_first(&errors) {
                self.step = step;
            }
            return self.show_errors(errors);
        }
        self.errors.clear();
        self.summary = false;
        self.status = Status::Sending;
        let id = self.submission_id.get_or_insert(fresh_id).clone();
        let mut submission = Submission::new(answers);
        submission.id = Some(id);
        submission.hp = self.trap.clone();
        vec![Effect::Render, Effect::Post(submission)]
    }

    fn show_errors(&mut self, errors: Vec<FieldError>) -> Vec<Effect> {
        self.errors = errors;
        self.summary = true;
        self.status = Status::Editing;
        vec![Effect::Render, Effect::Focus(SUMMARY_ID)]
    }

    fn previous(&mut self) -> Vec<Effect> {
        if !self.editable() {
            return Vec::new();
        }
        let shown = self.form.shown_steps(&self.answers);
        match shown.iter().position(|&s| s == self.step) {
            Some(at) if at > 0 => {
                self.step = shown[at - 1];
                // Errors belong to the step they were found on.
                self.errors.clear();
                self.summary = false;
                vec![Effect::Render, Effect::Focus(STEP_ID)]
            }
            _ => Vec::new(),
        }
    }

    /// The step of the first question named in `errors`.
    fn step_of_first(&self, errors: &[FieldError]) -> Option<u32> {
        let steps = self.form.steps();
        errors.iter().find_map(|e| {
            let own = e.field.strip_suffix(".other").unwrap_or(&e.field);
            let i = self.form.questions.iter().position(|q| q.id == own)?;
            Some(steps[i])
        })
    }
}

/// The message for the outcome of a POST (`None`: no HTTP answer), given the error body the
/// endpoint sent (if it was one) and whether the answer is kept in the outbox: delivered on a
/// 2xx; for what is retried, queued when kept, else a failure the resident can retry by hand;
/// for a terminal refusal, the field errors of a 422 or the code that says why.
pub fn outcome(status: Option<u16>, body: Option<&ErrorBody>, kept: bool) -> Msg {
    let code = body.and_then(|b| b.error.code);
    match (verdict(status), status) {
        // The trap field is only ever filled by a robot: it is not shown as an error to a
        // person (and a robot learns nothing from being thanked).
        (Verdict::Terminal, _) if code == Some(ErrorCode::Honeypot) => Msg::Delivered,
        // Refused for its proof (after the courier solved again as often as it may): "send it
        // again", and the answers are kept.
        (Verdict::Terminal, _) if code.is_some_and(crate::proof::needs_new_proof) => {
            Msg::Failed(code.unwrap_or(ErrorCode::ProofInvalid))
        }
        (Verdict::Delivered, _) => Msg::Delivered,
        (Verdict::Retry, _) if kept => Msg::Queued,
        (Verdict::Retry, None) => Msg::Failed(ErrorCode::Network),
        (Verdict::Retry, Some(429)) => Msg::Failed(ErrorCode::RateLimited),
        (Verdict::Retry, _) => Msg::Failed(ErrorCode::Server),
        (Verdict::Terminal, Some(404)) => Msg::Failed(ErrorCode::NotFound),
        (Verdict::Terminal, _) => {
            let fields = field_errors(body);
            if fields.is_empty() {
                Msg::Failed(ErrorCode::Invalid)
            } else {
                Msg::Rejected(fields)
            }
        }
    }
}

/// The field errors of a collector's 422 body; entries with codes this version does not know
/// are skipped.
fn field_errors(body: Option<&ErrorBody>) -> Vec<FieldError> {
    let Some(body) = body else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for f in &body.error.fields {
        if let Some(code) = f.code {
            errors.push(FieldError {
                field: f.field.clone(),
                code,
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use voix_form::{answer::Answer, view};

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

    /// The JSON text the web layer will send for a `Post` effect.
    fn body(e: &Effect) -> String {
        match e {
            Effect::Post(s) => serde_json::to_string(s).unwrap(),
            other => panic!("not a post: {other:?}"),
        }
    }

    fn error_body(json: &str) -> ErrorBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_valid_submit_posts_the_normalised_answers_with_an_id() {
        let mut w = widget();
        input(&mut w, "note", "good");
        input(&mut w, "c", "   ");
        let fx = submit(&mut w, "abc12345");
        assert_eq!(fx.len(), 2);
        assert_eq!(fx[0], Effect::Render);
        assert_eq!(
            body(&fx[1]),
            r#"{"v":1,"id":"abc12345","answers":{"note":"good"}}"#
        );
        assert_eq!(w.status, Status::Sending);
        // A second press while sending does nothing.
        assert!(submit(&mut w, "other").is_empty());
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
        assert!(w.update(Msg::Queued).is_empty());
        assert_eq!(w.status, Status::Sent);
    }

    #[test]
    fn queued_tells_the_truth_then_turns_into_thanks() {
        let mut w = widget();
        input(&mut w, "note", "good");
        submit(&mut w, "id1");
        assert_eq!(
            w.update(Msg::Queued),
            vec![Effect::Render, Effect::Focus(THANKS_ID)]
        );
        assert_eq!(w.status, Status::Queued);
        let queued = w.view().text();
        assert!(
            queued.contains("Votre réponse sera envoyée dès que possible."),
            "{queued}"
        );
        assert!(
            !queued.contains("bien été envoyée"),
            "no fake success: {queued}"
        );
        // Further retries that fail change nothing on screen; the answers cannot be edited or
        // sent a second time meanwhile.
        assert!(w.update(Msg::Queued).is_empty());
        assert!(submit(&mut w, "id2").is_empty());
        assert_eq!(input(&mut w, "note", "bad"), vec![Effect::Render]);
        assert_eq!(&w.answers["note"], "good");
        // Delivered later by a retry: the thank-you, without stealing focus.
        assert_eq!(w.update(Msg::Delivered), vec![Effect::Render]);
        assert_eq!(w.status, Status::Sent);
        assert!(w.view().text().contains("bien été envoyée"));
    }

    #[test]
    fn a_queued_answer_refused_later_comes_back_to_the_resident() {
        let mut w = widget();
        input(&mut w, "note", "good");
        submit(&mut w, "id1");
        w.update(Msg::Queued);
        let fx = w.update(outcome(Some(404), None, true));
        assert_eq!(fx, vec![Effect::Render]);
        assert_eq!(w.status, Status::Failed(ErrorCode::NotFound));
        assert_eq!(&w.answers["note"], "good");
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
        assert!(matches!(&fx[1], Effect::Post(s) if s.id.as_deref() == Some("first-id")));
        // Changing the answers makes it a new submission.
        w.update(Msg::Failed(ErrorCode::Server));
        input(&mut w, "note", "good");
        let fx = submit(&mut w, "third-id");
        assert!(matches!(&fx[1], Effect::Post(s) if s.id.as_deref() == Some("third-id")));
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
            Some(422),
            Some(&error_body(
                r#"{"error":{"code":"invalid","message":"m","field":null,
               "fields":[{"field":"c","code":"too_long","message":"x"},
                         {"field":"note","code":"from_a_newer_collector","message":"y"}]}}"#,
            )),
            true,
        );
        let fx = w.update(msg);
        assert_eq!(fx, vec![Effect::Render, Effect::Focus(SUMMARY_ID)]);
        assert_eq!(w.errors[0].code, ErrorCode::TooLong);
        assert_eq!(w.errors.len(), 1, "an unknown code is skipped");
        assert_eq!(w.status, Status::Editing);
    }

    #[test]
    fn outcomes_by_status() {
        for kept in [true, false] {
            assert_eq!(outcome(Some(201), None, kept), Msg::Delivered);
            assert_eq!(outcome(Some(200), None, kept), Msg::Delivered);
            assert_eq!(
                outcome(Some(404), None, kept),
                Msg::Failed(ErrorCode::NotFound)
            );
            assert_eq!(
                outcome(Some(413), None, kept),
                Msg::Failed(ErrorCode::Invalid)
            );
            assert_eq!(
                outcome(Some(409), None, kept),
                Msg::Failed(ErrorCode::Invalid)
            );
            assert_eq!(
                outcome(Some(422), None, kept),
                Msg::Failed(ErrorCode::Invalid)
            );
        }
        // Retryable: queued when the outbox kept the answer…
        for s in [None, Some(408), Some(429), Some(503), Some(302)] {
            assert_eq!(outcome(s, None, true), Msg::Queued, "{s:?}");
        }
        // …else the resident is told why and may retry by hand.
        assert_eq!(outcome(None, None, false), Msg::Failed(ErrorCode::Network));
        assert_eq!(
            outcome(Some(429), None, false),
            Msg::Failed(ErrorCode::RateLimited)
        );
        assert_eq!(
            outcome(Some(503), None, false),
            Msg::Failed(ErrorCode::Server)
        );
        assert_eq!(
            outcome(Some(408), None, false),
            Msg::Failed(ErrorCode::Server)
        );
    }

    #[test]
    fn a_trap_refusal_is_no_error_and_a_proof_refusal_says_send_again() {
        let body = |code: &str| {
            error_body(&format!(
                r#"{{"error":{{"code":"{code}","message":"m","field":null}}}}"#
            ))
        };
        assert_eq!(
            outcome(Some(422), Some(&body("honeypot")), false),
            Msg::Delivered
        );
        for code in [
            ErrorCode::ProofInvalid,
            ErrorCode::ProofReplayed,
            ErrorCode::TooFast,
        ] {
            let status = if code == ErrorCode::TooFast { 422 } else { 403 };
            assert_eq!(
                outcome(Some(status), Some(&body(code.as_str())), false),
                Msg::Failed(code)
            );
        }
        // What the resident reads: the answers kept, send again.
        let s = Locale::Fr.strings();
        assert_eq!(
            s.errors
                .for_code(ErrorCode::ProofExpired, voix_form::i18n::Subject::Choice),
            s.errors.unverified
        );
    }

    #[test]
    fn the_trap_field_is_sent_as_hp_and_is_no_answer() {
        let mut w = widget();
        input(&mut w, "note", "good");
        assert!(
            w.update(Msg::Input {
                field: voix_form::answer::HONEYPOT.into(),
                value: "http://spam.example".into(),
            })
            .is_empty()
        );
        assert!(w.answers.get(voix_form::answer::HONEYPOT).is_none());
        match &submit(&mut w, "abc12345")[1] {
            Effect::Post(s) => assert_eq!(s.hp.as_deref(), Some("http://spam.example")),
            other => panic!("not a post: {other:?}"),
        }
    }

    const STEPPED: &str = r#"{"id":"s","title":"T","questions":[
        {"id":"note","type":"stars","label":"Note","required":true},
        {"id":"pourquoi","type":"text","label":"Pourquoi ?","required":true,
         "show_if":{"question":"note","less_than":3}},
        {"id":"aide","step":2,"type":"multiple","label":"Aide","other":true,
         "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"},
                    {"id":"aucune","label":"Aucune","exclusive":true}]},
        {"id":"accord","step":3,"type":"consent","label":"D'accord","required":true}
    ]}"#;

    fn stepped() -> Widget {
        Widget::new(Form::from_json(STEPPED).unwrap(), Locale::Fr)
    }

    fn toggle(w: &mut Widget, f: &str, v: &str, on: bool) -> Vec<Effect> {
        w.update(Msg::Toggle {
            field: f.into(),
            value: v.into(),
            on,
        })
    }

    #[test]
    fn steps_check_one_at_a_time_and_keep_answers_going_back() {
        let mut w = stepped();
        assert_eq!(w.step, 1);
        // Next with the step incomplete: errors of this step only, focus on the summary.
        assert_eq!(
            submit(&mut w, "id"),
            vec![Effect::Render, Effect::Focus(SUMMARY_ID)]
        );
        assert_eq!(w.errors.len(), 1);
        assert_eq!(w.step, 1);
        // A low note reveals "why", which is then required before going on.
        input(&mut w, "note", "2");
        assert!(w.errors.is_empty(), "fixed: the error goes");
        submit(&mut w, "id");
        assert_eq!(w.errors[0].field, "pourquoi");
        input(&mut w, "pourquoi", "Trop long");
        assert_eq!(
            submit(&mut w, "id"),
            vec![Effect::Render, Effect::Focus(view::STEP_ID)]
        );
        assert_eq!(w.step, 2);
        assert!(w.view().text().contains("Étape 2 sur 3"));
        // Back: the answers are there.
        assert_eq!(
            w.update(Msg::Previous),
            vec![Effect::Render, Effect::Focus(view::STEP_ID)]
        );
        assert_eq!(w.step, 1);
        assert_eq!(w.answers.text("pourquoi"), Some("Trop long"));
        // A better note hides "why": its answer is kept on screen but never sent.
        input(&mut w, "note", "5");
        submit(&mut w, "id");
        assert_eq!(w.step, 2);
        submit(&mut w, "id");
        assert_eq!(w.step, 3, "step 2 has no required question");
        toggle(&mut w, "accord", "yes", true);
        let fx = submit(&mut w, "final-id");
        let Some(Effect::Post(s)) = fx.into_iter().find(|e| matches!(e, Effect::Post(_))) else {
            panic!("no post");
        };
        assert_eq!(
            serde_json::to_string(&s.answers).unwrap(),
            r#"{"accord":"yes","note":"5"}"#
        );
        assert_eq!(w.update(Msg::Previous), vec![], "not while sending");
    }

    #[test]
    fn an_exclusive_choice_stands_alone_and_other_has_its_text() {
        let mut w = stepped();
        input(&mut w, "note", "4");
        submit(&mut w, "id");
        toggle(&mut w, "aide", "a", true);
        toggle(&mut w, "aide", "b", true);
        assert_eq!(
            w.answers["aide"],
            Answer::Many(vec!["a".into(), "b".into()])
        );
        toggle(&mut w, "aide", "aucune", true);
        assert_eq!(w.answers["aide"], Answer::Many(vec!["aucune".into()]));
        toggle(&mut w, "aide", "a", true);
        assert_eq!(w.answers["aide"], Answer::Many(vec!["a".into()]));
        toggle(&mut w, "aide", "a", false);
        assert!(w.answers.get("aide").is_none(), "nothing ticked: no answer");
        // "Other" needs its text before going on; the text is an input of its own.
        toggle(&mut w, "aide", "other", true);
        submit(&mut w, "id");
        assert_eq!(w.errors[0].field, "aide.other");
        assert_eq!(w.errors[0].code, ErrorCode::Required);
        input(&mut w, "aide.other", "Le voisin");
        assert!(w.errors.is_empty());
        submit(&mut w, "id");
        assert_eq!(w.step, 3);
        // Unticking "other" drops its text from what is sent.
        w.update(Msg::Previous);
        toggle(&mut w, "aide", "other", false);
        toggle(&mut w, "aide", "b", true);
        submit(&mut w, "id");
        toggle(&mut w, "accord", "yes", true);
        let fx = submit(&mut w, "id");
        let Some(Effect::Post(s)) = fx.into_iter().find(|e| matches!(e, Effect::Post(_))) else {
            panic!("no post");
        };
        assert!(s.answers.get("aide.other").is_none());
    }

    #[test]
    fn a_refusal_goes_back_to_the_step_of_its_first_error() {
        let mut w = stepped();
        input(&mut w, "note", "5");
        submit(&mut w, "id");
        submit(&mut w, "id");
        toggle(&mut w, "accord", "yes", true);
        submit(&mut w, "id");
        assert_eq!(w.status, Status::Sending);
        w.update(Msg::Rejected(vec![FieldError {
            field: "note".into(),
            code: ErrorCode::UnknownChoice,
        }]));
        assert_eq!(w.step, 1);
        assert_eq!(w.status, Status::Editing);
    }

    const POLL: &str = r#"{"id":"p","title":"Un nom","poll":{"closes":"2027-01-31T23:59:00+01:00"},
        "questions":[{"id":"nom","type":"choice","label":"Quel nom ?","required":true,
        "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]}]}"#;

    fn at(s: &str) -> i64 {
        voix_form::time::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn a_vote_is_remembered_and_its_results_fetched_and_focused() {
        let form = Form::from_json(POLL).unwrap();
        let mut w = Widget::at(form, Locale::Fr, at("2026-12-04T12:00:00Z"), false);
        assert_eq!(w.start(), vec![], "results after the vote only");
        input(&mut w, "nom", "b");
        submit(&mut w, "id");
        let fx = w.update(Msg::Delivered);
        assert_eq!(
            fx,
            vec![
                Effect::Render,
                Effect::RememberVote,
                Effect::FetchResults,
                Effect::Focus(view::POLL_ID)
            ]
        );
        assert!(w.view().text().contains("Merci pour votre vote !"));
        assert!(w.view().text().contains("Chargement des résultats…"));
        w.update(Msg::Results(None));
        assert!(w.view().text().contains("ne sont pas disponibles"));
    }

    #[test]
    fn a_browser_that_voted_or_a_closed_poll_shows_results_not_the_form() {
        let form = Form::from_json(POLL).unwrap();
        let mut voted = Widget::at(form.clone(), Locale::Fr, at("2026-12-04T12:00:00Z"), true);
        assert_eq!(voted.start(), vec![Effect::FetchResults]);
        assert!(voted.view().find(&|e| e.tag == "form").is_none());
        assert!(voted.view().text().contains("Vous avez déjà voté"));
        let mut closed = Widget::at(form.clone(), Locale::Fr, at("2027-02-01T00:00:00Z"), false);
        assert_eq!(closed.start(), vec![Effect::FetchResults]);
        assert!(closed.view().text().contains("Ce sondage est clos."));
        let not_open = Form::from_json(&POLL.replace(
            r#""closes":"2027-01-31T23:59:00+01:00""#,
            r#""opens":"2027-01-01T00:00:00Z""#,
        ))
        .unwrap();
        let mut early = Widget::at(not_open, Locale::Fr, at("2026-12-04T12:00:00Z"), false);
        assert_eq!(early.start(), vec![], "nothing to show yet");
        assert!(early.view().text().contains("pas encore ouvert"));
        // Without one_vote, a browser that voted may vote again.
        let many =
            Form::from_json(&POLL.replace(r#""poll":{"#, r#""poll":{"one_vote":false,"#)).unwrap();
        let again = Widget::at(many, Locale::Fr, at("2026-12-04T12:00:00Z"), true);
        assert!(again.view().find(&|e| e.tag == "form").is_some());
    }
}
