//! Form definitions as webmasters write them (JSON or TOML) and as the widget receives them.
//!
//! A question is written flat — `{ "id", "type", "label", … }` — because that is what people
//! type. It is read field by field ([`crate::json::Fields`]): unknown fields, and fields that do
//! not belong to the question's type, are refused with their path (`questions[1].colour`).
//! JSON and TOML go through the same reader, so both accept exactly the same definitions.

use crate::prelude::*;

use crate::{
    Error, Result, cat,
    i18n::itoa,
    json::{self, Fields, Value},
};

/// Default maximum length of a free-text answer, in characters.
pub const DEFAULT_TEXT_MAX_LENGTH: u32 = 1000;
/// Longest id accepted for a form or a question.
pub const MAX_ID_LEN: usize = 64;
/// How a bad id is explained (keep in step with [`MAX_ID_LEN`]).
const ID_RULE: &str = " must be 1 to 64 characters among a-z 0-9 _ -";

// The fields each object accepts, as shown in "unknown field" messages.
pub(crate) const FORM_FIELDS: &str = "id, lang, title, description, questions";
const COMMON_FIELDS: &str = "id, type, label, help, required";
const TEXT_FIELDS: &str = "id, type, label, help, required, max_length, multiline";

/// A form: an id, a title and its questions, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Stable identifier, `[a-z0-9_-]`, used in URLs and in `data-form`.
    pub id: String,
    /// Heading shown above the questions.
    pub title: String,
    /// Optional sentence shown under the title.
    pub description: Option<String>,
    /// The questions, in display order.
    pub questions: Vec<Question>,
}

/// One question of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// The CSS classes of the face drawn for this smiley. The face is drawn in CSS, not with an
    /// emoji: emoji fonts are missing on some systems (a blank box instead of a face), and a
    /// drawn face follows the text colour, forced colours included. It is decoration: the label
    /// carries the meaning.
    pub fn face_class(self) -> &'static str {
        match self {
            Smiley::Bad => "face bad",
            Smiley::Average => "face average",
            Smiley::Good => "face good",
        }
    }
}

impl Question {
    fn from_value(v: &Value, path: &str) -> core::result::Result<Question, String> {
        let mut f = Fields::new(v, path)?;
        let id = f.string("id")?;
        let kind_name = f.string("type")?;
        let label = f.string("label")?;
        let help = f.opt_string("help")?;
        let required = f.opt_bool("required")?.unwrap_or(false);
        let (kind, allowed) = match kind_name.as_str() {
            "smileys" => (QuestionKind::Smileys, COMMON_FIELDS),
            "text" => {
                let max_length = f.opt_u32("max_length")?.unwrap_or(DEFAULT_TEXT_MAX_LENGTH);
                if max_length == 0 {
                    return Err(cat(&[&f.at("max_length"), ": must be at least 1"]));
                }
                let multiline = f.opt_bool("multiline")?.unwrap_or(false);
                (
                    QuestionKind::Text {
                        max_length,
                        multiline,
                    },
                    TEXT_FIELDS,
                )
            }
            other => {
                return Err(cat(&[
                    &f.at("type"),
                    ": unknown type `",
                    other,
                    "` (expected `smileys` or `text`)",
                ]));
            }
        };
        f.finish(allowed)
            .map_err(|e| cat(&[&e, " — for type `", &kind_name, "`"]))?;
        Ok(Question {
            id,
            label,
            help,
            required,
            kind,
        })
    }

    fn to_value(&self) -> Value {
        let s = |v: &str| Value::String(v.to_owned());
        let mut m = vec![("id".to_owned(), s(&self.id))];
        let kind = match self.kind {
            QuestionKind::Smileys => "smileys",
            QuestionKind::Text { .. } => "text",
        };
        m.push(("type".into(), s(kind)));
        m.push(("label".into(), s(&self.label)));
        if let Some(h) = &self.help {
            m.push(("help".into(), s(h)));
        }
        if self.required {
            m.push(("required".into(), Value::Bool(true)));
        }
        if let QuestionKind::Text {
            max_length,
            multiline,
        } = self.kind
        {
            m.push(("max_length".into(), Value::Number(max_length.to_string())));
            m.push(("multiline".into(), Value::Bool(multiline)));
        }
        Value::Object(m)
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
        let v = json::parse(text).map_err(|e| Error::Invalid(e.describe()))?;
        Form::from_value(&v)
    }

    /// Reads a form from TOML and checks it (see [`Form::check`]).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Form> {
        let table: toml::Table = toml::from_str(text)?;
        Form::from_value(&toml_to_json(toml::Value::Table(table)))
    }

    /// Reads a form from a parsed JSON value and checks it.
    pub fn from_value(v: &Value) -> Result<Form> {
        let read = || -> core::result::Result<Form, String> {
            let mut f = Fields::new(v, "")?;
            let id = f.string("id")?;
            // The language the definition is written in. Accepted (a string) so that one file
            // serves the widget and the collector, but not kept: the widget shows the words as
            // written, and only the collector, which reads translations, needs to know it
            // (`Form::from_value_with_translations`). Keeping it costs the widget's wasm bytes.
            f.opt_string("lang")?;
            let title = f.string("title")?;
            let description = f.opt_string("description")?;
            let questions = match f.get("questions") {
                Some(Value::Array(items)) => {
                    // A loop, not `collect::<Result<Vec<_>>>()`: the adapter costs 2 KB of wasm.
                    let mut questions = Vec::with_capacity(items.len());
                    for (i, q) in items.iter().enumerate() {
                        let path = cat(&["questions[", &itoa(i), "]"]);
                        questions.push(Question::from_value(q, &path)?);
                    }
                    questions
                }
                Some(other) => {
                    return Err(cat(&["questions: expected an array, found ", other.kind()]));
                }
                None => return Err("(top level): missing field `questions`".into()),
            };
            f.finish(FORM_FIELDS)?;
            Ok(Form {
                id,
                title,
                description,
                questions,
            })
        };
        let form = read().map_err(Error::Invalid)?;
        form.check()?;
        Ok(form)
    }

    /// The definition as compact JSON (what `GET /v1/forms/{id}` serves).
    pub fn to_json(&self) -> String {
        self.to_json_in(None)
    }

    /// The definition as compact JSON, saying it is written in `lang` (a `lang` member) when
    /// that is given.
    pub fn to_json_in(&self, lang: Option<&str>) -> String {
        let s = |v: &str| Value::String(v.to_owned());
        let mut m = vec![("id".to_owned(), s(&self.id))];
        if let Some(l) = lang {
            m.push(("lang".into(), s(l)));
        }
        m.push(("title".into(), s(&self.title)));
        if let Some(d) = &self.description {
            m.push(("description".into(), s(d)));
        }
        m.push((
            "questions".into(),
            Value::Array(self.questions.iter().map(Question::to_value).collect()),
        ));
        Value::Object(m).to_string()
    }

    /// Checks the rules a reader cannot see field by field: valid and unique ids, at least one question.
    pub fn check(&self) -> Result<()> {
        let bad = |parts: &[&str]| Err(Error::Invalid(cat(parts)));
        if !is_valid_id(&self.id) {
            return bad(&["form id `", &self.id, "`", ID_RULE]);
        }
        if self.questions.is_empty() {
            return bad(&["form `", &self.id, "` has no questions"]);
        }
        for (i, q) in self.questions.iter().enumerate() {
            if !is_valid_id(&q.id) {
                return bad(&["question id `", &q.id, "`", ID_RULE]);
            }
            if self.questions.iter().take(i).any(|p| p.id == q.id) {
                return bad(&["question id `", &q.id, "` is used twice"]);
            }
            if crate::answer::is_blank(&q.label) {
                return bad(&["question `", &q.id, "` has an empty label"]);
            }
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// TOML → the JSON value model, so TOML definitions go through the same reader.
#[cfg(feature = "toml")]
pub(crate) fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::Number(i.to_string()),
        toml::Value::Float(f) => Value::Number(f.to_string()),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
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
        let again = Form::from_json(&f.to_json()).unwrap();
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
            (
                r#"{"id":"A b","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
                "form id",
            ),
            (r#"{"id":"a","title":"t","questions":[]}"#, "no questions"),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"c","type":"smileys","label":"m"}]}"#,
                "used twice",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":" "}]}"#,
                "empty label",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#,
                "at least 1",
            ),
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
        assert_eq!(
            f.question("commentaire").unwrap().kind,
            QuestionKind::Text {
                max_length: 300,
                multiline: false
            }
        );
    }

    #[test]
    fn smiley_keys_round_trip() {
        for s in Smiley::ALL {
            assert_eq!(Smiley::from_key(s.key()), Some(s));
        }
        assert_eq!(Smiley::from_key("great"), None);
    }
}
