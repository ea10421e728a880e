//! Form definitions as webmasters write them (JSON or TOML) and as the widget receives them.
//!
//! One serde model serves everyone: the widget reads it from a JavaScript object through
//! serde-wasm-bindgen, the collector from JSON or TOML files, and the collector writes it back
//! for `GET /v1/forms/{id}`. A question is written flat — `{ "id", "type", "label", … }` —
//! because that is what people type, and read as [`QuestionDef`] (flat, every field optional
//! but the common ones) before it becomes a typed [`Question`]: no `#[serde(flatten)]`, no
//! internally tagged enum, whose buffering costs the widget kilobytes and whose errors are vague.
//!
//! Every error names its path (`questions[1].max_length: …`): [`crate::shape`] refuses unknown
//! members first, [`Form::read`] reads through `serde_path_to_error`, and the rules a field
//! alone cannot express (a field that does not belong to the question's type, duplicate ids)
//! are checked on the typed value.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    Error, Result, cat,
    i18n::itoa,
    shape::{self, Shape, Tree},
    translations::{self, Translations},
};

/// Default maximum length of a free-text answer, in characters.
pub const DEFAULT_TEXT_MAX_LENGTH: u32 = 1000;
/// Longest id accepted for a form or a question.
pub const MAX_ID_LEN: usize = 64;
/// How a bad id is explained (keep in step with [`MAX_ID_LEN`]).
const ID_RULE: &str = " must be 1 to 64 characters among a-z 0-9 _ -";

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The `type` of a question as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    /// [`QuestionKind::Smileys`].
    Smileys,
    /// [`QuestionKind::Text`].
    Text,
}

impl KindName {
    fn as_str(self) -> &'static str {
        match self {
            KindName::Smileys => "smileys",
            KindName::Text => "text",
        }
    }
}

/// A question exactly as written: flat, with the fields of every type. [`Question`] is read
/// through it, which checks that each field belongs to the question's `type`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a question (an object with id, type, label…)"
)]
pub struct QuestionDef {
    /// See [`Question::id`].
    pub id: String,
    /// The kind of question.
    #[serde(rename = "type")]
    pub kind: Option<KindName>,
    /// See [`Question::label`].
    pub label: String,
    /// See [`Question::help`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// See [`Question::required`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Text only: see [`QuestionKind::Text`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Text only: see [`QuestionKind::Text`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiline: Option<bool>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What a definition holds, as written: the form, the language it is written in and its
/// translations (see [`crate::translations`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a form definition (an object with id, title, questions…)"
)]
pub struct Definition {
    /// See [`Form::id`].
    pub id: String,
    /// The language the definition is written in (a locale tag, French when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// See [`Form::title`].
    pub title: String,
    /// See [`Form::description`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// See [`Form::questions`].
    pub questions: Vec<Question>,
    /// The definition's words in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<translations::Table>,
}

/// The members of each object of a definition (checked before the typed read, see
/// [`crate::shape`]). A test holds these names equal to the serde structs'.
pub const DEFINITION_SHAPE: Shape = Shape::Object(&[
    ("id", Shape::Leaf),
    ("lang", Shape::Leaf),
    ("title", Shape::Leaf),
    ("description", Shape::Leaf),
    ("questions", Shape::List(&QUESTION_SHAPE)),
    ("translations", Shape::Map(&translations::SHAPE)),
]);

/// The members a question may have, whatever its type.
pub const QUESTION_SHAPE: Shape = Shape::Object(&[
    ("id", Shape::Leaf),
    ("type", Shape::Leaf),
    ("label", Shape::Leaf),
    ("help", Shape::Leaf),
    ("required", Shape::Leaf),
    ("max_length", Shape::Leaf),
    ("multiline", Shape::Leaf),
]);

impl TryFrom<QuestionDef> for Question {
    type Error = String;

    fn try_from(d: QuestionDef) -> core::result::Result<Question, String> {
        let Some(name) = d.kind else {
            return Err("missing field `type` (expected `smileys` or `text`)".into());
        };
        // Fields set that this type does not have: refused, as a misplaced field is a mistake.
        let mut foreign: Vec<&str> = Vec::new();
        let kind = match name {
            KindName::Smileys => {
                if d.max_length.is_some() {
                    foreign.push("max_length");
                }
                if d.multiline.is_some() {
                    foreign.push("multiline");
                }
                QuestionKind::Smileys
            }
            KindName::Text => {
                let max_length = d.max_length.unwrap_or(DEFAULT_TEXT_MAX_LENGTH);
                if max_length == 0 {
                    return Err("field `max_length` must be at least 1".into());
                }
                QuestionKind::Text {
                    max_length,
                    multiline: d.multiline.unwrap_or(false),
                }
            }
        };
        if let Some(field) = foreign.first() {
            return Err(cat(&[
                "field `",
                field,
                "` is not allowed for type `",
                name.as_str(),
                "`",
            ]));
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
    fn from(q: Question) -> QuestionDef {
        let mut d = QuestionDef {
            id: q.id,
            kind: None,
            label: q.label,
            help: q.help,
            required: q.required,
            ..QuestionDef::default()
        };
        d.kind = Some(match q.kind {
            QuestionKind::Smileys => KindName::Smileys,
            QuestionKind::Text {
                max_length,
                multiline,
            } => {
                d.max_length = Some(max_length);
                d.multiline = Some(multiline);
                KindName::Text
            }
        });
        d
    }
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

/// Whether `id` is a valid form or question id: 1 to 64 of `a-z 0-9 _ -`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Form {
    /// Reads a definition from any serde source — a JavaScript object (serde-wasm-bindgen),
    /// JSON, TOML — and checks it: the form ([`Form::check`]) and its translations. `tree` is
    /// the same document as a [`Tree`], to refuse unknown members first (see [`crate::shape`]).
    /// Errors name their path.
    pub fn read<'de, T: Tree, D: Deserializer<'de>>(
        tree: &T,
        source: D,
    ) -> Result<(Form, Translations)> {
        shape::check(tree, &DEFINITION_SHAPE).map_err(Error::Invalid)?;
        let def: Definition = serde_path_to_error::deserialize(source).map_err(|e| {
            Error::Invalid(path_error(&e.path().to_string(), &e.inner().to_string()))
        })?;
        Form::from_definition(def)
    }

    /// Checks a definition read as written and splits it into the form and its translations.
    pub fn from_definition(def: Definition) -> Result<(Form, Translations)> {
        let form = Form {
            id: def.id,
            title: def.title,
            description: def.description,
            questions: def.questions,
        };
        form.check()?;
        let translations = Translations::read(&form, def.lang.as_deref(), def.translations)
            .map_err(Error::Invalid)?;
        Ok((form, translations))
    }

    /// Reads a form from JSON text and checks it; its translations, if any, are checked and
    /// dropped (see [`Form::from_json_with_translations`]).
    pub fn from_json(text: &str) -> Result<Form> {
        Form::from_json_with_translations(text).map(|(form, _)| form)
    }

    /// Reads a definition and its translations from JSON text.
    pub fn from_json_with_translations(text: &str) -> Result<(Form, Translations)> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::Invalid(e.to_string()))?;
        Form::read(&value, &value)
    }

    /// Reads a form from TOML text and checks it (translations checked and dropped).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Form> {
        Form::from_toml_with_translations(text).map(|(form, _)| form)
    }

    /// Reads a definition and its translations from TOML text.
    #[cfg(feature = "toml")]
    pub fn from_toml_with_translations(text: &str) -> Result<(Form, Translations)> {
        let table: toml::Table = toml::from_str(text)?;
        let value = toml::Value::Table(table);
        Form::read(&value, value.clone())
    }

    /// The definition as written, without translations, saying it is written in `lang` when
    /// that is given.
    pub fn definition(&self, lang: Option<&str>) -> Definition {
        Definition {
            id: self.id.clone(),
            lang: lang.map(str::to_owned),
            title: self.title.clone(),
            description: self.description.clone(),
            questions: self.questions.clone(),
            translations: None,
        }
    }

    /// The definition as compact JSON (what `GET /v1/forms/{id}` serves).
    pub fn to_json(&self) -> String {
        self.to_json_in(None)
    }

    /// The definition as compact JSON, with a `lang` member when `lang` is given.
    pub fn to_json_in(&self, lang: Option<&str>) -> String {
        // Strings, numbers and booleans only: serialising cannot fail.
        serde_json::to_string(&self.definition(lang)).unwrap_or_default()
    }

    /// Checks the rules a reader cannot see field by field: valid and unique ids, at least one question.
    pub fn check(&self) -> Result<()> {
        let bad = |parts: &[&str]| Err(Error::Invalid(cat(parts)));
        if !is_valid_id(&self.id) {
            return bad(&["id: form id `", &self.id, "`", ID_RULE]);
        }
        if self.questions.is_empty() {
            return bad(&["questions: form `", &self.id, "` has no questions"]);
        }
        for (i, q) in self.questions.iter().enumerate() {
            let at = cat(&["questions[", &itoa(i), "]"]);
            if !is_valid_id(&q.id) {
                return bad(&[&at, ".id: question id `", &q.id, "`", ID_RULE]);
            }
            if self.questions.iter().take(i).any(|p| p.id == q.id) {
                return bad(&[&at, ".id: question id `", &q.id, "` is used twice"]);
            }
            if crate::answer::is_blank(&q.label) {
                return bad(&[&at, ".label: question `", &q.id, "` has an empty label"]);
            }
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// `path: message`, or `(top level): message`.
pub(crate) fn path_error(path: &str, message: &str) -> String {
    // serde-wasm-bindgen's errors are JS `Error`s, which print as "Error: …".
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    // toml's errors add lines locating the key, which the path already names.
    let message = message.lines().next().unwrap_or_default().trim_end();
    if path == "." || path.is_empty() {
        cat(&["(top level): ", message])
    } else {
        cat(&[path, ": ", message])
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    fn err(json: &str) -> String {
        Form::from_json(json).unwrap_err().to_string()
    }

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
    fn json_round_trip_and_stable_output() {
        let f = Form::from_json(SATISFACTION).unwrap();
        let again = Form::from_json(&f.to_json()).unwrap();
        assert_eq!(f, again);
        assert_eq!(
            f.to_json_in(Some("fr")),
            r#"{"id":"satisfaction","lang":"fr","title":"Votre avis sur cette page","questions":[{"id":"note","type":"smileys","label":"Comment ça s'est passé ?","required":true},{"id":"commentaire","type":"text","label":"Un commentaire ?","help":"N'indiquez pas de données personnelles.","max_length":500,"multiline":true}]}"#
        );
    }

    #[test]
    fn rejects_unknown_fields_naming_them_with_their_path() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
        );
        assert_eq!(
            e,
            "invalid form definition: questions[0]: unknown field `colour` (expected one of: \
             id, type, label, help, required, max_length, multiline)"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[],"titel":"x"}"#);
        assert!(e.contains("(top level): unknown field `titel`"), "{e}");
    }

    #[test]
    fn wrong_types_name_their_path() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"d","type":"text","label":"l","max_length":"5"}]}"#,
        );
        assert!(
            e.contains("questions[1].max_length: invalid type: string"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":3,"questions":[]}"#);
        assert!(
            e.contains("title: invalid type: integer `3`, expected a string"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t"}"#);
        assert!(e.contains("(top level): missing field `questions`"), "{e}");
        let e = err(r#"[1]"#);
        assert!(
            e.contains("(top level): expected an object, found a list"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[["c","text","l"]]}"#);
        assert!(
            e.contains("questions[0]: expected an object, found a list"),
            "{e}"
        );
        let e = err(r#"{"id":"a","title":"t","questions":[{"id":"c","label":"l"}]}"#);
        assert!(e.contains("questions[0]: missing field `type`"), "{e}");
    }

    #[test]
    fn rejects_fields_of_another_type_and_unknown_types() {
        let e = err(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","max_length":3}]}"#,
        );
        assert!(
            e.contains("questions[0]: field `max_length` is not allowed for type `smileys`"),
            "{e}"
        );
        let e =
            err(r#"{"id":"a","title":"t","questions":[{"id":"c","type":"stars","label":"l"}]}"#);
        assert!(
            e.contains("questions[0].type: unknown variant `stars`, expected `smileys` or `text`"),
            "{e}"
        );
    }

    #[test]
    fn rejects_bad_and_duplicate_ids_and_empty_forms() {
        for (json, needle) in [
            (
                r#"{"id":"A b","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
                "id: form id",
            ),
            (r#"{"id":"a","title":"t","questions":[]}"#, "no questions"),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"},{"id":"c","type":"smileys","label":"m"}]}"#,
                "questions[1].id: question id `c` is used twice",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":" "}]}"#,
                "empty label",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#,
                "questions[0]: field `max_length` must be at least 1",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":-1}]}"#,
                "questions[0].max_length: invalid value: integer `-1`",
            ),
        ] {
            let e = err(json);
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[cfg(feature = "toml")]
    #[test]
    fn reads_toml_with_the_same_rules() {
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
        let e = Form::from_toml(
            "id = \"a\"\ntitle = \"t\"\n[[questions]]\nid = \"c\"\ntype = \"text\"\nlabel = \"l\"\nmax_lenght = 3\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("questions[0]: unknown field `max_lenght`"),
            "{e}"
        );
        let e = Form::from_toml("id = \"a\"\ntitle = 3\nquestions = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("title: invalid type: integer `3`, expected a string"),
            "{e}"
        );
    }

    /// The mistakes a webmaster makes, each refused with one message naming where it is —
    /// the same message whether the definition is JSON or TOML (and, in the browser tests, a
    /// JavaScript object).
    #[cfg(feature = "toml")]
    #[test]
    fn every_mistake_is_named_with_its_path_in_json_and_toml() {
        const HEAD: &str = "id = \"a\"\ntitle = \"t\"\n";
        const Q: &str = "[[questions]]\nid = \"c\"\ntype = \"text\"\nlabel = \"l\"\n";
        for (json, toml, expected) in [
            (
                r#"{"id":"a","titel":"t","questions":[]}"#,
                "id = \"a\"\ntitel = \"t\"\nquestions = []\n".to_owned(),
                "(top level): unknown field `titel` (expected one of: id, lang, title, \
                 description, questions, translations)",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_lenght":3}]}"#,
                format!("{HEAD}{Q}max_lenght = 3\n"),
                "questions[0]: unknown field `max_lenght`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"smileys","label":"l","multiline":true}]}"#,
                format!(
                    "{HEAD}[[questions]]\nid = \"c\"\ntype = \"smileys\"\nlabel = \"l\"\nmultiline = true\n"
                ),
                "questions[0]: field `multiline` is not allowed for type `smileys`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","required":"yes"}]}"#,
                format!("{HEAD}{Q}required = \"yes\"\n"),
                "questions[0].required: invalid type: string \"yes\", expected a boolean",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"texte","label":"l"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"c\"\ntype = \"texte\"\nlabel = \"l\"\n"),
                "questions[0].type: unknown variant `texte`, expected `smileys` or `text`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"c\"\ntype = \"text\"\n"),
                "questions[0]: missing field `label`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"C d","type":"text","label":"l"}]}"#,
                format!("{HEAD}[[questions]]\nid = \"C d\"\ntype = \"text\"\nlabel = \"l\"\n"),
                "questions[0].id: question id `C d` must be 1 to 64 characters",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","max_length":0}]}"#,
                format!("{HEAD}{Q}max_length = 0\n"),
                "questions[0]: field `max_length` must be at least 1",
            ),
            (
                r#"{"id":"a","lang":"xx","title":"t","questions":[{"id":"c","type":"text","label":"l"}]}"#,
                format!("id = \"a\"\nlang = \"xx\"\ntitle = \"t\"\n{Q}"),
                "lang: unknown language `xx`",
            ),
            (
                r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}],"translations":{"en":{"questions":{"d":{"label":"L"}}}}}"#,
                format!("{HEAD}{Q}[translations.en.questions.d]\nlabel = \"L\"\n"),
                "translations.en.questions.d: no question with this id",
            ),
        ] {
            let from_json = err(json);
            let from_toml = Form::from_toml(&toml).unwrap_err().to_string();
            assert!(from_json.contains(expected), "{json}\n{from_json}");
            assert_eq!(from_toml, from_json, "TOML and JSON disagree:\n{toml}");
        }
    }

    #[test]
    fn smiley_keys_round_trip() {
        for s in Smiley::ALL {
            assert_eq!(Smiley::from_key(s.key()), Some(s));
        }
        assert_eq!(Smiley::from_key("great"), None);
    }

    /// The field names of a serde struct, as its derive lists them (what `deny_unknown_fields`
    /// accepts): read by a deserializer that only records the list it is handed.
    pub(crate) fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        struct Fields(std::rc::Rc<std::cell::RefCell<Vec<&'static str>>>);
        impl<'de> Deserializer<'de> for Fields {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: serde::de::Visitor<'de>>(
                self,
                _: V,
            ) -> core::result::Result<V::Value, Self::Error> {
                Err(serde::de::Error::custom("not a struct"))
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> core::result::Result<V::Value, Self::Error> {
                self.0.borrow_mut().extend(fields);
                Err(serde::de::Error::custom("done"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let seen = std::rc::Rc::default();
        let _ = T::deserialize(Fields(std::rc::Rc::clone(&seen)));
        seen.take()
    }

    pub(crate) fn shape_fields(shape: &Shape) -> Vec<&'static str> {
        match shape {
            Shape::Object(fields) => fields.iter().map(|(n, _)| *n).collect(),
            other => panic!("not an object shape: {other:?}"),
        }
    }

    #[test]
    fn shapes_list_exactly_the_serde_fields() {
        assert_eq!(
            shape_fields(&DEFINITION_SHAPE),
            serde_fields::<Definition>()
        );
        assert_eq!(shape_fields(&QUESTION_SHAPE), serde_fields::<QuestionDef>());
    }

    #[test]
    fn the_shape_check_and_serde_refuse_the_same_unknown_fields() {
        // serde's own `deny_unknown_fields` is the safety net behind the shape check: both refuse.
        let text = r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#;
        assert!(serde_json::from_str::<Definition>(text).is_err());
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(shape::check(&value, &DEFINITION_SHAPE).is_err());
    }
}
