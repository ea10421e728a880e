//! Answers × form → accepted, or one error per field with a stable [`ErrorCode`].
//!
//! The widget runs this before sending and the collector runs it again on receipt: the same code,
//! so a resident never sees the server refuse what the browser accepted.

use crate::{
    ErrorCode, Form, QuestionKind,
    answer::{Answers, Submission, WIRE_VERSION, char_count, is_blank},
    schema::Smiley,
};

/// One problem with one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The question id.
    pub field: String,
    /// What is wrong.
    pub code: ErrorCode,
}

/// Checks `answers` against `form`. Errors come in question order; answers to unknown questions
/// come last. Blank answers count as missing (see [`crate::answer::normalize`]).
pub fn validate(form: &Form, answers: &Answers) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for q in &form.questions {
        if let Some(code) = check_one(&q.kind, q.required, answers.get(&q.id)) {
            errors.push(FieldError {
                field: q.id.clone(),
                code,
            });
        }
    }
    for key in answers.keys() {
        if form.question(key).is_none() {
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

/// Checks one answer. `None` or blank text means "not answered".
pub fn check_one(kind: &QuestionKind, required: bool, value: Option<&str>) -> Option<ErrorCode> {
    let value = value.filter(|v| !is_blank(v));
    let Some(value) = value else {
        return required.then_some(ErrorCode::Required);
    };
    match kind {
        QuestionKind::Smileys => Smiley::from_key(value)
            .is_none()
            .then_some(ErrorCode::UnknownChoice),
        QuestionKind::Text { max_length, .. } => {
            (char_count(value) > *max_length as usize).then_some(ErrorCode::TooLong)
        }
    }
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
