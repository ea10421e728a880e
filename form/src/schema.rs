//! Form definitions as webmasters write them (JSON or TOML) and as the widget receives them.
//!
//! A question is written flat — `{ "id", "type", "label", … }` — because that is what people
//! type. It is read through [`QuestionDef`], which rejects unknown fields and fields that do not
//! belong to the question's type, then turned into the typed [`Question`].

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Default maximum length of a free-text answer, in characters.
pub const DEFAULT_TEXT_MAX_LENGTH: u32 = 1000;
/// Longest id accepted for a form or a question.
pub const MAX_ID_LEN: usize = 64;

/// A form: an id, a title and its questions, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// Stable identifier, `[a-z0-9_-]`, used in URLs and in `data-form`.
    pub id: String,
    /// Heading shown above the questions.
    pub title: String,
    /// Optional sentence shown under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The questions, in display order.
    pub questions: Vec<Question>,
}

/// One question of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QuestionDef", into = "QuestionDef")]
pub struct Question {
    /// Stable identifier, the key of its answer.
    pub id: String,
    /// The question as shown to the resident.
    pub label: String,
    /// Optional hint shown under the label.
    pub help: Option<String>,
    /// Whether an answer is needed to submit.
    pub required: bool,
    /// What kind of answer is asked for.
    pub kind: QuestionKind,
}

/// The kinds of question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// Three smileys: *Pas bien / Moyen / Très bien* (answers [`Smiley::key`]).
    Smileys,
    /// Free text, at most `max_length` characters.
    Text {
        /// Maximum length in characters (Unicode scalar values).
        max_length: u32,
        /// A multi-line box rather than a single line.
        multiline: bool,
    },
}

/// The three smileys, worst first. Each one has a text label (RGAA 13.5): the face is decoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smiley {
    /// "Pas bien".
    Bad,
    /// "Moyen".
    Average,
    /// "Très bien".
    Good,
}

impl Smiley {
    /// All smileys in display order.
    pub const ALL: [Smiley; 3] = [Smiley::Bad, Smiley::Average, Smiley::Good];

    /// The answer value sent for this smiley.
    pub fn key(self) -> &'static str {
        match self {
            Smiley::Bad => "bad",
            Smiley::Average => "average",
            Smiley::Good => "good",
        }
    }

    /// The smiley whose key is `key`.
    pub fn from_key(key: &str) -> Option<Smiley> {
        Smiley::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The emoji drawn for this smiley (decorative; the label carries the meaning).
    pub fn face(self) -> &'static str {
        match self {
            Smiley::Bad => "🙁",
            Smiley::Average => "😐",
            Smiley::Good => "🙂",
        }
    }
}

/// The flat shape of a question in a definition file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDef {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    multiline: Option<bool>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl TryFrom<QuestionDef> for Question {
    type Error = String;

    fn try_from(d: QuestionDef) -> std::result::Result<Self, String> {
        let only_for_text = |field: &str| {
            format!(
                "question `{}`: field `{field}` is not allowed for type `{}`",
                d.id, d.kind
            )
        };
        let kind = match d.kind.as_str() {
            "smileys" => {
                if d.max_length.is_some() {
                    return Err(only_for_text("max_length"));
                }
                if d.multiline.is_some() {
                    return Err(only_for_text("multiline"));
                }
                QuestionKind::Smileys
            }
            "text" => QuestionKind::Text {
                max_length: d.max_length.unwrap_or(DEFAULT_TEXT_MAX_LENGTH),
                multiline: d.multiline.unwrap_or(false),
            },
            other => {
                return Err(format!(
                    "question `{}`: unknown type `{other}` (expected `smileys` or `text`)",
                    d.id
                ));
            }
        };
        if d.max_length == Some(0) {
            return Err(format!("question `{}`: `max_length` must be at least 1", d.id));
        }
        Ok(Question {
            id: d.id,
            label: d.label,
            help: d.help,
            required: d.required,
            kind,
        })
    }
}

impl From<Question> for QuestionDef {
    fn from(q: Question) -> Self {
        let (kind, max_length, multiline) = match q.kind {
            QuestionKind::Smileys => ("smileys", None, None),
            QuestionKind::Text {
                max_length,
                multiline,
            } => ("text", Some(max_length), Some(multiline)),
        };
        QuestionDef {
            id: q.id,
            kind: kind.to_owned(),
            label: q.label,
            help: q.help,
            required: q.required,
            max_length,
            multiline,
        }
    }
}

/// Whether `id` is a valid form or question id: 1 to 64 of `a-z 0-9 _ -`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Form {
    /// Reads a form from JSON and checks it (see [`Form::check`]).
    pub fn from_json(text: &str) -> Result<Form> {
        let form: Form = serde_json::from_str(text)?;
        form.check()?;
        Ok(form)
    }

    /// Reads a form from TOML and checks it (see [`Form::check`]).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Form> {
        let form: Form = toml::from_str(text)?;
        form.check()?;
        Ok(form)
    }

    /// Checks the rules serde cannot express: valid and unique ids, at least one question.
    pub fn check(&self) -> Result<()> {
        if !is_valid_id(&self.id) {
            return Err(Error::Invalid(format!(
                "form id `{}` must be 1 to {MAX_ID_LEN} characters among a-z 0-9 _ -",
                self.id
            )));
        }
        if self.questions.is_empty() {
            return Err(Error::Invalid(format!("form `{}` has no questions", self.id)));
        }
        for (i, q) in self.questions.iter().enumerate() {
            if !is_valid_id(&q.id) {
                return Err(Error::Invalid(format!(
                    "question id `{}` must be 1 to {MAX_ID_LEN} characters among a-z 0-9 _ -",
                    q.id
                )));
            }
            if self.questions[..i].iter().any(|p| p.id == q.id) {
                return Err(Error::Invalid(format!("question id `{}` is used twice", q.id)));
            }
            if q.label.trim().is_empty() {
                return Err(Error::Invalid(format!("question `{}` has an empty label", q.id)));
            }
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SATISFACTION: &str = r#"{
        "id": "satisfaction",
        "title": "Votre avis sur cette page",
        "questions": [
            { "id": "note", "type": "smileys", "label": "Comment ça s'est passé ?", "required": true },
            { "id": "commentaire", "type": "text", "label": "Un commentaire ?", "multiline": true,
              "max_length": 500, "help": "N'indiquez pas de données personnelles." }
        ]
    }"#;

    #[test]
    fn reads_both_kinds_from_json() {
        let f = Form::from_json(SATISFACTION).unwrap();
        assert_eq!(f.questions.len(), 2);
        assert_eq!(f.questions[0].kind, QuestionKind::Smileys);
        assert!(f.questions[0].required);
        assert_eq!(
            f.questions[1].kind,
            QuestionKind::Text {
                max_length: 500,
                multiline: true
            }
        );
        assert!(!f.questions[1].required);
    }

    #[test]
    fn text_defaults() {
        let f = Form::from_json(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
        )
        .unwrap();
        assert_eq!(
            f.questions[0].kind,
            QuestionKind::Text {
                max_length: DEFAULT_TEXT_MAX_LENGTH,
                multiline: false
            }
        );
    }

    #[test]
    fn json_round_trip() {
        let f = Form::from_json(SATISFACTION).unwrap();
        let again = Form::from_json(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(f, again);
    }

    #[test]
    fn rejects_unknown_fields_naming_them() {
        let e = Form::from_json(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("colour"), "{e}");
        let e = Form::from_json(r#"{"id":"a","title":"t","questions":[],"titel":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("titel"), "{e}");
    }

    #[test]
    fn rejects_fields_of_another_type_and_unknown_types() {
        let e = Form::from_json(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","max_length":3}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("max_length") && e.contains("smileys"), "{e}");
        let e = Form::from_json(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"stars","label":"l"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown type `stars`"), "{e}");
    }

    #[test]
    fn rejects_bad_and_duplicate_ids_and_empty_forms() {
        for (json, needle) in [
            (r#"{"id":"A b","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#, "form id"),
            (r#"{"id":"a","title":"t","questions":[]}"#, "no questions"),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"c","type":"smileys","label":"m"}]}"#,
                "used twice",
            ),
            (r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":" "}]}"#, "empty label"),
            (r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#, "at least 1"),
        ] {
            let e = Form::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[cfg(feature = "toml")]
    #[test]
    fn reads_toml() {
        let f = Form::from_toml(
            r#"
            id = "satisfaction"
            title = "Votre avis"
            [[questions]]
            id = "note"
            type = "smileys"
            label = "Comment ça s'est passé ?"
            required = true
            [[questions]]
            id = "commentaire"
            type = "text"
            label = "Un commentaire ?"
            max_length = 300
            "#,
        )
        .unwrap();
        assert_eq!(f.questions.len(), 2);
        assert_eq!(f.question("commentaire").unwrap().kind, QuestionKind::Text { max_length: 300, multiline: false });
    }

    #[test]
    fn smiley_keys_round_trip() {
        for s in Smiley::ALL {
            assert_eq!(Smiley::from_key(s.key()), Some(s));
        }
        assert_eq!(Smiley::from_key("great"), None);
    }
}
