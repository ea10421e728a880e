//! Answers × form → accepted, or one error per field with a stable [`ErrorCode`].
//!
//! The widget runs this before sending (per step, then all) and the collector runs it again on
//! receipt: the same code, so a resident never sees the server refuse what the browser
//! accepted. Only questions shown (see [`Form::is_shown`]) are checked; the caller prunes the
//! answers of hidden ones first ([`Form::prune`]).

use crate::{
    ErrorCode, Form, Question, QuestionKind,
    answer::{Answer, Answers, OTHER, Submission, WIRE_VERSION, char_count, is_blank, other_key},
    schema::{EMAIL_MAX_LENGTH, OTHER_MAX_LENGTH, Smiley},
};

/// One problem with one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The question id, or `id.other` for the text of its "other" choice.
    pub field: String,
    /// What is wrong.
    pub code: ErrorCode,
}

/// Checks `answers` against `form`. Errors come in question order; answers to unknown questions
/// come last. Blank answers count as missing (see [`crate::answer::normalize`]).
pub fn validate(form: &Form, answers: &Answers) -> Result<(), Vec<FieldError>> {
    let mut errors = check(form, answers, None);
    for key in answers.keys() {
        let known = match key.strip_suffix(".other") {
            Some(id) => form.question(id).is_some_and(|q| q.kind.has_other()),
            None => form.question(key).is_some(),
        };
        if !known {
            errors.push(FieldError {
                field: key.to_owned(),
                code: ErrorCode::UnknownQuestion,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks the questions of step `step` that are shown (the "Next" button of a multi-step form).
pub fn validate_step(form: &Form, answers: &Answers, step: u32) -> Result<(), Vec<FieldError>> {
    let errors = check(form, answers, Some(step));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check(form: &Form, answers: &Answers, step: Option<u32>) -> Vec<FieldError> {
    let steps = form.steps();
    let mut errors = Vec::new();
    for (i, q) in form.questions.iter().enumerate() {
        if step.is_some_and(|s| steps[i] != s) || !form.is_shown(i, answers) {
            continue;
        }
        errors.extend(check_question(q, answers));
    }
    errors
}

/// The first problem with the answer to `q` in `answers`, if any: its own value, then the text
/// of its "other" choice.
pub fn check_question(q: &Question, answers: &Answers) -> Option<FieldError> {
    let own = |code| {
        Some(FieldError {
            field: q.id.clone(),
            code,
        })
    };
    let answer = answers.get(&q.id).filter(|a| !a.is_blank());
    let Some(answer) = answer else {
        return if q.required {
            own(ErrorCode::Required)
        } else {
            None
        };
    };
    if let Some(code) = check_value(&q.kind, answer) {
        return own(code);
    }
    if q.kind.has_other() && answer.contains(OTHER) {
        let key = other_key(&q.id);
        let text = answers.text(&key).filter(|t| !is_blank(t));
        let code = match text {
            None => Some(ErrorCode::Required),
            Some(t) if char_count(t) > OTHER_MAX_LENGTH as usize => Some(ErrorCode::TooLong),
            Some(_) => None,
        };
        return code.map(|code| FieldError { field: key, code });
    }
    None
}

/// What is wrong with a (non-blank) answer to a question of `kind`.
fn check_value(kind: &QuestionKind, answer: &Answer) -> Option<ErrorCode> {
    match kind {
        QuestionKind::Multiple {
            min_selected,
            max_selected,
            choices,
            ..
        } => {
            let values: Vec<&str> = answer.values().filter(|v| !is_blank(v)).collect();
            let options = kind.options().unwrap_or_default();
            if values.iter().any(|v| !options.iter().any(|o| o == v)) {
                return Some(ErrorCode::UnknownChoice);
            }
            let exclusive = choices
                .iter()
                .any(|c| c.exclusive && values.contains(&c.id.as_str()));
            if exclusive && values.len() > 1 {
                return Some(ErrorCode::ExclusiveChoice);
            }
            let n = values.len() as u32;
            if !exclusive && min_selected.is_some_and(|m| n < m) {
                return Some(ErrorCode::TooFewChoices);
            }
            if max_selected.is_some_and(|m| n > m) {
                return Some(ErrorCode::TooManyChoices);
            }
            None
        }
        _ => {
            // Every other kind takes a single value.
            let Some(value) = answer.as_one() else {
                return Some(ErrorCode::UnknownChoice);
            };
            match kind {
                QuestionKind::Text { max_length, .. } => {
                    (char_count(value) > *max_length as usize).then_some(ErrorCode::TooLong)
                }
                QuestionKind::Email => (!is_email(value.trim())).then_some(ErrorCode::InvalidEmail),
                QuestionKind::Consent => (value != "yes").then_some(ErrorCode::UnknownChoice),
                QuestionKind::Smileys { count } => {
                    let ok = Smiley::of(*count).iter().any(|s| s.key() == value);
                    (!ok).then_some(ErrorCode::UnknownChoice)
                }
                _ => {
                    let options = kind.options().unwrap_or_default();
                    (!options.iter().any(|o| o == value)).then_some(ErrorCode::UnknownChoice)
                }
            }
        }
    }
}

/// Whether `s` has the shape of an email address: `local@domain.tld`, no spaces, at most 254
/// characters. Deliberately loose — only the resident's mail server knows more — and the same
/// on both sides.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let fine = |c: char| !c.is_whitespace() && !c.is_control() && c != '@' && c != ',';
    !local.is_empty()
        && local.len() <= 64
        && char_count(s) <= EMAIL_MAX_LENGTH as usize
        && local.chars().all(fine)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(fine)
}

/// Checks a whole submission: its version, then its answers.
pub fn validate_submission(form: &Form, s: &Submission) -> Result<(), SubmissionError> {
    if s.v != WIRE_VERSION {
        return Err(SubmissionError::Version(s.v));
    }
    validate(form, &s.answers).map_err(SubmissionError::Fields)
}

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionError {
    /// The wire version is not [`WIRE_VERSION`].
    Version(u32),
    /// Some answers are invalid.
    Fields(Vec<FieldError>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::from_json(
            r#"{"id":"f","title":"t","questions":[
                {"id":"note","type":"smileys","label":"Note","required":true},
                {"id":"c","type":"text","label":"Commentaire","max_length":5}
            ]}"#,
        )
        .unwrap()
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn codes(r: Result<(), Vec<FieldError>>) -> Vec<(String, ErrorCode)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn accepts_a_complete_answer() {
        assert_eq!(
            validate(&form(), &answers(&[("note", "good"), ("c", "merci")])),
            Ok(())
        );
        assert_eq!(validate(&form(), &answers(&[("note", "bad")])), Ok(()));
    }

    #[test]
    fn required_missing_or_blank() {
        let want = vec![("note".to_string(), ErrorCode::Required)];
        assert_eq!(codes(validate(&form(), &answers(&[]))), want);
        assert_eq!(codes(validate(&form(), &answers(&[("note", "  ")]))), want);
    }

    #[test]
    fn too_long_counts_characters_not_bytes() {
        // five characters, ten bytes: fine
        assert_eq!(
            validate(&form(), &answers(&[("note", "good"), ("c", "ééééé")])),
            Ok(())
        );
        assert_eq!(
            codes(validate(
                &form(),
                &answers(&[("note", "good"), ("c", "éééééé")])
            )),
            vec![("c".to_string(), ErrorCode::TooLong)]
        );
    }

    #[test]
    fn unknown_choice_and_unknown_question() {
        assert_eq!(
            codes(validate(
                &form(),
                &answers(&[("note", "great"), ("zzz", "1")])
            )),
            vec![
                ("note".to_string(), ErrorCode::UnknownChoice),
                ("zzz".to_string(), ErrorCode::UnknownQuestion)
            ]
        );
    }

    #[test]
    fn version_is_checked_first() {
        let mut s = Submission::new(answers(&[]));
        s.v = 2;
        assert_eq!(
            validate_submission(&form(), &s),
            Err(SubmissionError::Version(2))
        );
        s.v = 1;
        assert!(matches!(
            validate_submission(&form(), &s),
            Err(SubmissionError::Fields(_))
        ));
    }
}
