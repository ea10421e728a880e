//! A definition's own translations: its title, description, question labels and help in other
//! languages, read by the collector only.
//!
//! ```toml
//! lang = "fr"                       # the language the definition is written in (default fr)
//! [translations.en]
//! title = "Your opinion of this page"
//! [translations.en.questions.note]
//! label = "Overall, how did it go?"
//! ```
//!
//! A translation may be partial: what it leaves out stays in the definition's language, and
//! [`Localized::lang_of`] says which language each text ended up in, for `lang` attributes.
//!
//! The widget reads definitions with the strict [`Form::from_value`], which refuses a
//! `translations` member like any unknown field (with a message naming it): this reader, its
//! messages and the locale tables it checks against cost the widget's wasm nothing, because
//! nothing there calls them. The module is compiled with `std` (the collector) and in tests.

use crate::prelude::*;

use crate::{
    Error, Form, Result,
    answer::is_blank,
    i18n::Locale,
    json::{self, Fields, Value},
    schema::FORM_FIELDS,
};

/// The language of a definition without `lang`.
pub const DEFAULT_LANG: &str = "fr";

/// The member of a definition holding its translations.
pub const FIELD: &str = "translations";

const TRANSLATION_FIELDS: &str = "title, description, questions";
const QUESTION_FIELDS: &str = "label, help";

/// The translations of one definition, checked against it: each in a known locale other than
/// the definition's own, naming only questions it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Translations {
    base: Locale,
    by_locale: Vec<(Locale, Translation)>,
}

/// The words of a definition in one other language. `None` (or a question left out) means the
/// definition's own text is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Translation {
    /// The title.
    pub title: Option<String>,
    /// The description (only if the definition has one).
    pub description: Option<String>,
    /// Question texts, by question id, in the order written.
    pub questions: Vec<(String, QuestionText)>,
}

/// The words of one question in one other language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuestionText {
    /// The label.
    pub label: Option<String>,
    /// The help (only if the question has one).
    pub help: Option<String>,
}

/// A form's words in one language, and which of them are actually in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    /// The form with its words replaced where a translation exists.
    pub form: Form,
    /// The language asked for.
    pub locale: Locale,
    /// The language the definition is written in: that of every text not translated.
    pub base: Locale,
    title: bool,
    description: bool,
    // Per question, in the form's order: whether its label / help were translated.
    labels: Vec<bool>,
    helps: Vec<bool>,
}

/// One of a form's own texts, for [`Localized::lang_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// The title.
    Title,
    /// The description.
    Description,
    /// The label of the question with this id.
    Label(&'a str),
    /// The help of the question with this id.
    Help(&'a str),
}

impl Form {
    /// Reads a definition and its translations from JSON (see
    /// [`Form::from_value_with_translations`]).
    pub fn from_json_with_translations(text: &str) -> Result<(Form, Translations)> {
        let v = json::parse(text).map_err(|e| Error::Invalid(e.describe()))?;
        Form::from_value_with_translations(&v)
    }

    /// Reads a definition and its translations from TOML (see
    /// [`Form::from_value_with_translations`]).
    #[cfg(feature = "toml")]
    pub fn from_toml_with_translations(text: &str) -> Result<(Form, Translations)> {
        let table: toml::Table = toml::from_str(text)?;
        Form::from_value_with_translations(&crate::schema::toml_to_json(toml::Value::Table(table)))
    }

    /// Reads a definition that may carry translations: the form itself goes through the strict
    /// reader ([`Form::from_value`], exactly as the widget reads it), then `lang` must name a
    /// known locale and `translations` must follow the rules of [`Translations`]. Errors name
    /// the path (`translations.de.questions.nope: no question with this id`).
    pub fn from_value_with_translations(v: &Value) -> Result<(Form, Translations)> {
        let mut rest = v.clone();
        let mut table = None;
        if let Value::Object(members) = &mut rest
            && let Some(i) = members.iter().position(|(k, _)| k == FIELD)
        {
            table = Some(members.remove(i).1);
        }
        let form = Form::from_value(&rest).map_err(|e| match e {
            // The strict reader lists what the widget accepts; here `translations` is fine too.
            Error::Invalid(m) => Error::Invalid(m.replace(
                &format!("(expected one of: {FORM_FIELDS})"),
                &format!("(expected one of: {FORM_FIELDS}, {FIELD})"),
            )),
            #[cfg(feature = "toml")]
            other => other,
        })?;
        let base = match v.get("lang") {
            Some(Value::String(tag)) => locale_named(tag, "lang").map_err(Error::Invalid)?,
            // Absent (a non-string was refused by the strict reader).
            _ => Locale::parse(DEFAULT_LANG).unwrap_or_default(),
        };
        let translations =
            Translations::read(&form, base, table.as_ref()).map_err(Error::Invalid)?;
        Ok((form, translations))
    }

    /// This form in `locale`: its words replaced where `translations` (read with this form)
    /// has them. Texts it does not translate stay as written, in `translations`' base language.
    pub fn localized(&self, translations: &Translations, locale: Locale) -> Localized {
        let n = self.questions.len();
        let mut out = Localized {
            form: self.clone(),
            locale,
            base: translations.base,
            title: false,
            description: false,
            labels: vec![false; n],
            helps: vec![false; n],
        };
        let Some(t) = translations.get(locale) else {
            return out;
        };
        let form = &mut out.form;
        if let Some(title) = &t.title {
            form.title.clone_from(title);
            out.title = true;
        }
        if let (Some(d), Some(own)) = (&t.description, &mut form.description) {
            own.clone_from(d);
            out.description = true;
        }
        for (i, q) in form.questions.iter_mut().enumerate() {
            let Some((_, qt)) = t.questions.iter().find(|(id, _)| *id == q.id) else {
                continue;
            };
            if let Some(label) = &qt.label {
                q.label.clone_from(label);
                out.labels[i] = true;
            }
            if let (Some(h), Some(own)) = (&qt.help, &mut q.help) {
                own.clone_from(h);
                out.helps[i] = true;
            }
        }
        out
    }
}

impl Translations {
    /// The language the definition is written in (its `lang`, French by default).
    pub fn base(&self) -> Locale {
        self.base
    }

    /// The languages translated into, in the order written.
    pub fn locales(&self) -> impl Iterator<Item = Locale> + '_ {
        self.by_locale.iter().map(|(l, _)| *l)
    }

    /// The translation into `locale`, if there is one.
    pub fn get(&self, locale: Locale) -> Option<&Translation> {
        self.by_locale
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, t)| t)
    }

    /// The `translations` member of `form`'s definition (`None`: there is none).
    fn read(
        form: &Form,
        base: Locale,
        table: Option<&Value>,
    ) -> core::result::Result<Translations, String> {
        let mut out = Translations {
            base,
            by_locale: Vec::new(),
        };
        let Some(table) = table else {
            return Ok(out);
        };
        let Value::Object(members) = table else {
            return Err(format!(
                "{FIELD}: expected a table of languages, found {}",
                table.kind()
            ));
        };
        for (tag, value) in members {
            let path = format!("{FIELD}.{tag}");
            let locale = locale_named(tag, &path)?;
            if locale == base {
                return Err(format!(
                    "{path}: the definition itself is written in `{tag}` (its `lang`); \
                     translate it into another language"
                ));
            }
            out.by_locale
                .push((locale, Translation::read(form, value, &path)?));
        }
        Ok(out)
    }
}

impl Translation {
    fn read(form: &Form, v: &Value, path: &str) -> core::result::Result<Translation, String> {
        let mut f = Fields::new(v, path)?;
        let title = text(&mut f, "title")?;
        let description = text(&mut f, "description")?;
        if description.is_some() && form.description.is_none() {
            return Err(format!(
                "{}: the definition has no description to translate",
                f.at("description")
            ));
        }
        let mut questions = Vec::new();
        match f.get("questions") {
            None => {}
            Some(Value::Object(members)) => {
                for (id, value) in members {
                    let at = format!("{path}.questions.{id}");
                    let Some(q) = form.question(id) else {
                        return Err(format!("{at}: no question with this id"));
                    };
                    let mut qf = Fields::new(value, &at)?;
                    let label = text(&mut qf, "label")?;
                    let help = text(&mut qf, "help")?;
                    if help.is_some() && q.help.is_none() {
                        return Err(format!(
                            "{}: question `{id}` has no help to translate",
                            qf.at("help")
                        ));
                    }
                    qf.finish(QUESTION_FIELDS)?;
                    questions.push((id.clone(), QuestionText { label, help }));
                }
            }
            Some(other) => {
                return Err(format!(
                    "{}: expected a table of question ids, found {}",
                    f.at("questions"),
                    other.kind()
                ));
            }
        }
        f.finish(TRANSLATION_FIELDS)?;
        Ok(Translation {
            title,
            description,
            questions,
        })
    }
}

impl Localized {
    /// The language `text` is shown in: the one asked for if it was translated, else the
    /// definition's own.
    pub fn lang_of(&self, text: Text<'_>) -> Locale {
        let index = |id: &str| self.form.questions.iter().position(|q| q.id == id);
        let translated = match text {
            Text::Title => self.title,
            Text::Description => self.description,
            Text::Label(id) => index(id).is_some_and(|i| self.labels[i]),
            Text::Help(id) => index(id).is_some_and(|i| self.helps[i]),
        };
        if translated { self.locale } else { self.base }
    }

    /// The language of the served definition: the one asked for if anything was translated
    /// into it, else the definition's own.
    pub fn lang(&self) -> Locale {
        let any =
            self.title || self.description || self.labels.iter().chain(&self.helps).any(|&t| t);
        if any { self.locale } else { self.base }
    }

    /// The form as compact JSON for the widget: no `translations`, and a `lang` member unless it
    /// is French (so a French definition is served exactly as before).
    pub fn to_json(&self) -> String {
        let lang = self.lang().tag();
        self.form.to_json_in((lang != DEFAULT_LANG).then_some(lang))
    }
}

/// The locale whose tag is exactly `tag`; the error names `path`.
fn locale_named(tag: &str, path: &str) -> core::result::Result<Locale, String> {
    match Locale::parse(tag) {
        Some(l) if l.tag() == tag => Ok(l),
        Some(l) => Err(format!(
            "{path}: write the language as `{}`, not `{tag}`",
            l.tag()
        )),
        None => {
            let known: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
            Err(format!(
                "{path}: unknown language `{tag}` (expected one of: {})",
                known.join(", ")
            ))
        }
    }
}

/// An optional, non-blank string member.
fn text(f: &mut Fields<'_>, key: &str) -> core::result::Result<Option<String>, String> {
    match f.opt_string(key)? {
        Some(s) if is_blank(&s) => Err(format!("{}: must not be blank", f.at(key))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The fields shared by every test definition; `{}` is where the extra members go.
    fn definition(extra: &str) -> String {
        format!(
            r#"{{
            "id": "avis", "title": "Votre avis", "description": "Anonyme.",
            "questions": [
                {{ "id": "note", "type": "smileys", "label": "Comment ça s'est passé ?",
                   "required": true }},
                {{ "id": "commentaire", "type": "text", "label": "Un commentaire ?",
                   "help": "Pas de données personnelles." }}
            ]{extra}
        }}"#
        )
    }

    const FULL_EN: &str = r#", "translations": { "en": {
        "title": "Your opinion", "description": "Anonymous.",
        "questions": {
            "note": { "label": "How did it go?" },
            "commentaire": { "label": "A comment?", "help": "No personal data." }
        } } }"#;

    fn read(extra: &str) -> Result<(Form, Translations)> {
        Form::from_json_with_translations(&definition(extra))
    }

    fn error(extra: &str) -> String {
        read(extra).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_full_translation() {
        let (form, t) = read(FULL_EN).unwrap();
        assert_eq!(form, Form::from_json(&definition("")).unwrap());
        assert_eq!(t.base(), Locale::Fr);
        assert_eq!(t.locales().collect::<Vec<_>>(), [Locale::En]);
        let en = form.localized(&t, Locale::En);
        assert_eq!(en.form.title, "Your opinion");
        assert_eq!(en.form.description.as_deref(), Some("Anonymous."));
        assert_eq!(en.form.questions[0].label, "How did it go?");
        assert_eq!(en.form.questions[1].label, "A comment?");
        assert_eq!(
            en.form.questions[1].help.as_deref(),
            Some("No personal data.")
        );
        // Only words change: ids, kinds and rules are the definition's.
        assert_eq!(en.form.questions[0].kind, form.questions[0].kind);
        assert!(en.form.questions[0].required);
        for text in [
            Text::Title,
            Text::Description,
            Text::Label("note"),
            Text::Label("commentaire"),
            Text::Help("commentaire"),
        ] {
            assert_eq!(en.lang_of(text), Locale::En, "{text:?}");
        }
        assert_eq!(en.lang(), Locale::En);
    }

    #[test]
    fn partial_translations_fall_back_to_the_definition_s_words() {
        let (form, t) = read(
            r#", "translations": { "en": { "title": "Your opinion",
                "questions": { "commentaire": { "label": "A comment?" } } } }"#,
        )
        .unwrap();
        let en = form.localized(&t, Locale::En);
        assert_eq!(en.form.title, "Your opinion");
        assert_eq!(en.lang_of(Text::Title), Locale::En);
        assert_eq!(en.form.description.as_deref(), Some("Anonyme."));
        assert_eq!(en.lang_of(Text::Description), Locale::Fr);
        assert_eq!(en.form.questions[0].label, "Comment ça s'est passé ?");
        assert_eq!(en.lang_of(Text::Label("note")), Locale::Fr);
        assert_eq!(en.form.questions[1].label, "A comment?");
        assert_eq!(en.lang_of(Text::Label("commentaire")), Locale::En);
        assert_eq!(
            en.form.questions[1].help.as_deref(),
            Some("Pas de données personnelles.")
        );
        assert_eq!(en.lang_of(Text::Help("commentaire")), Locale::Fr);
        assert_eq!(en.lang(), Locale::En);
        // An empty translation changes nothing.
        let (form, t) = read(r#", "translations": { "en": {} }"#).unwrap();
        let en = form.localized(&t, Locale::En);
        assert_eq!(en.form, form);
        assert_eq!(en.lang(), Locale::Fr);
    }

    #[test]
    fn untranslated_locales_and_the_base_get_the_definition_as_written() {
        let (form, t) = read(FULL_EN).unwrap();
        let fr = form.localized(&t, Locale::Fr);
        assert_eq!(fr.form, form);
        assert_eq!(fr.lang_of(Text::Label("note")), Locale::Fr);
        assert_eq!(fr.lang(), Locale::Fr);
        // Served exactly as before: no `lang`, no `translations`.
        assert_eq!(fr.to_json(), form.to_json());
        let (form, none) = read("").unwrap();
        assert_eq!(none, Translations::default());
        assert_eq!(form.localized(&none, Locale::En).form, form);
        assert_eq!(form.localized(&none, Locale::En).lang(), Locale::Fr);
    }

    #[test]
    fn the_served_translation_is_what_the_widget_reads() {
        let (form, t) = read(FULL_EN).unwrap();
        let json = form.localized(&t, Locale::En).to_json();
        assert!(json.contains(r#""lang":"en""#), "{json}");
        assert!(!json.contains(FIELD), "{json}");
        let again = Form::from_json(&json).unwrap();
        assert_eq!(again, form.localized(&t, Locale::En).form);
    }

    #[test]
    fn the_widget_s_reader_still_refuses_translations_by_name() {
        let e = Form::from_json(&definition(FULL_EN))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "(top level): unknown field `translations` \
                 (expected one of: id, lang, title, description, questions)"
            ),
            "{e}"
        );
    }

    #[test]
    fn lang_is_the_definition_s_language() {
        // Both readers accept it; the widget's does not keep it.
        let form = Form::from_json(&definition(r#", "lang": "en""#)).unwrap();
        assert_eq!(form, Form::from_json(&definition("")).unwrap());
        let e = Form::from_json(&definition(r#", "lang": 1"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("lang: expected a string, found a number"), "{e}");
        // A definition written in English may be translated into French.
        let (form, t) = read(
            r#", "lang": "en", "translations": { "fr": { "title": "Votre avis, en français" } }"#,
        )
        .unwrap();
        assert_eq!(t.base(), Locale::En);
        let fr = form.localized(&t, Locale::Fr);
        assert_eq!(fr.lang_of(Text::Title), Locale::Fr);
        assert_eq!(fr.lang_of(Text::Label("note")), Locale::En);
        // French is the default: a translated French definition has no `lang` member.
        assert!(!fr.to_json().contains("lang"), "{}", fr.to_json());
        let en = form.localized(&t, Locale::En);
        assert!(en.to_json().contains(r#""lang":"en""#), "{}", en.to_json());
        assert_eq!(
            error(r#", "lang": "zz""#),
            "invalid form definition: lang: unknown language `zz` (expected one of: \
             fr, en"
                .to_owned()
                + if cfg!(feature = "locales") {
                    ", de, es, it, nl, ar)"
                } else {
                    ")"
                }
        );
        assert!(
            error(r#", "lang": "en-GB""#).contains("lang: write the language as `en`, not `en-GB`")
        );
    }

    #[test]
    fn each_rule_names_its_path() {
        for (extra, message) in [
            (
                r#", "translations": { "fr": { "title": "Avis" } }"#,
                "translations.fr: the definition itself is written in `fr` (its `lang`); \
                 translate it into another language",
            ),
            (
                r#", "lang": "en", "translations": { "en": {} }"#,
                "translations.en: the definition itself is written in `en`",
            ),
            (
                r#", "translations": { "xx": {} }"#,
                "translations.xx: unknown language `xx` (expected one of: fr, en",
            ),
            (
                r#", "translations": { "EN": {} }"#,
                "translations.EN: write the language as `en`, not `EN`",
            ),
            (
                r#", "translations": ["en"]"#,
                "translations: expected a table of languages, found an array",
            ),
            (
                r#", "translations": { "en": "Your opinion" }"#,
                "translations.en: expected an object, found a string",
            ),
            (
                r#", "translations": { "en": { "titel": "Your opinion" } }"#,
                "translations.en: unknown field `titel` \
                 (expected one of: title, description, questions)",
            ),
            (
                r#", "translations": { "en": { "title": " " } }"#,
                "translations.en.title: must not be blank",
            ),
            (
                r#", "translations": { "en": { "title": 3 } }"#,
                "translations.en.title: expected a string, found a number",
            ),
            (
                r#", "translations": { "en": { "questions": { "nope": { "label": "No" } } } }"#,
                "translations.en.questions.nope: no question with this id",
            ),
            (
                r#", "translations": { "en": { "questions": [] } }"#,
                "translations.en.questions: expected a table of question ids, found an array",
            ),
            (
                r#", "translations": { "en": { "questions": { "note": { "type": "text" } } } }"#,
                "translations.en.questions.note: unknown field `type` \
                 (expected one of: label, help)",
            ),
            (
                r#", "translations": { "en": { "questions": { "note": { "label": "" } } } }"#,
                "translations.en.questions.note.label: must not be blank",
            ),
            (
                r#", "translations": { "en": { "questions": { "note": { "help": "Help" } } } }"#,
                "translations.en.questions.note.help: question `note` has no help to translate",
            ),
            (
                r#", "translations": { "en": { "questions": { "commentaire": { "help": "\n" } } } }"#,
                "translations.en.questions.commentaire.help: must not be blank",
            ),
        ] {
            let e = error(extra);
            assert!(e.contains(message), "{extra}\n{e}");
        }
    }

    #[test]
    fn no_description_to_translate() {
        let e = Form::from_json_with_translations(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l"}],
                "translations":{"en":{"description":"D."}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(
                "translations.en.description: the definition has no description to translate"
            ),
            "{e}"
        );
    }

    #[test]
    fn the_form_itself_is_still_read_strictly() {
        let e = error(r#", "titel": "x", "translations": {}"#);
        assert!(
            e.contains(
                "unknown field `titel` (expected one of: id, lang, title, description, \
                 questions, translations)"
            ),
            "{e}"
        );
        let e = Form::from_json_with_translations(
            r#"{"id":"a","title":"t","questions":[{"id":"c","type":"text","label":"l","colour":1}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("questions[0]: unknown field `colour`"), "{e}");
    }

    #[cfg(feature = "locales")]
    #[test]
    fn every_collector_locale_can_be_a_translation() {
        let (form, t) = read(
            r#", "translations": {
                "en": { "title": "Your opinion" }, "de": { "title": "Ihre Meinung" },
                "es": { "title": "Su opinión" }, "it": { "title": "La sua opinione" },
                "nl": { "title": "Uw mening" }, "ar": { "title": "رأيكم" } }"#,
        )
        .unwrap();
        assert_eq!(t.locales().count(), 6);
        assert_eq!(form.localized(&t, Locale::De).form.title, "Ihre Meinung");
        assert_eq!(form.localized(&t, Locale::Ar).form.title, "رأيكم");
        assert_eq!(
            form.localized(&t, Locale::Ar).lang_of(Text::Label("note")),
            Locale::Fr
        );
        let e = error(r#", "translations": { "de": { "questions": { "nope": {} } } }"#);
        assert!(
            e.contains("translations.de.questions.nope: no question with this id"),
            "{e}"
        );
    }

    #[cfg(not(feature = "locales"))]
    #[test]
    fn without_the_locales_feature_only_french_and_english_exist() {
        let e = error(r#", "translations": { "de": {} }"#);
        assert!(
            e.contains("translations.de: unknown language `de` (expected one of: fr, en)"),
            "{e}"
        );
    }

    #[cfg(feature = "toml")]
    #[test]
    fn reads_toml_translations() {
        let (form, t) = Form::from_toml_with_translations(
            r#"
            id = "satisfaction"
            title = "Votre avis"
            description = "Anonyme."
            [[questions]]
            id = "note"
            type = "smileys"
            label = "Comment ça s'est passé ?"
            [translations.en]
            title = "Your opinion of this page"
            [translations.en.questions.note]
            label = "Overall, how did it go?"
            "#,
        )
        .unwrap();
        let en = form.localized(&t, Locale::En);
        assert_eq!(en.form.title, "Your opinion of this page");
        assert_eq!(en.form.questions[0].label, "Overall, how did it go?");
        assert_eq!(en.lang_of(Text::Description), Locale::Fr);
        // The strict reader, as in the widget, refuses the same file by name.
        let e = Form::from_toml(
            "id = \"a\"\ntitle = \"t\"\nquestions = []\n[translations.en]\ntitle = \"t\"",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `translations`"), "{e}");
    }
}
