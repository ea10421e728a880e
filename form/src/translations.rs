//! A definition's own translations: its title, description, question labels and help in other
//! languages.
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
//! The same serde model is read by the collector (JSON, TOML) and by the widget (an inline
//! definition); [`Translations::read`] checks it against the form, naming the path of each
//! mistake (`translations.de.questions.nope: no question with this id`).

use std::fmt;

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{MapAccess, Visitor},
};

use crate::{
    Form, QuestionKind,
    answer::is_blank,
    i18n::Locale,
    shape::{Shape, opt},
};

/// The language of a definition without `lang`.
pub const DEFAULT_LANG: &str = "fr";

/// The member of a definition holding its translations.
pub const FIELD: &str = "translations";

/// The members of one translation (see [`crate::shape`]).
pub const SHAPE: Shape = Shape::Object(&[
    opt("title", Shape::Str),
    opt("description", Shape::Str),
    opt("questions", Shape::Map(&QUESTION_SHAPE)),
]);

/// The members of one question's translation.
pub const QUESTION_SHAPE: Shape = Shape::Object(&[
    opt("label", Shape::Str),
    opt("help", Shape::Str),
    opt("choices", Shape::Map(&Shape::Str)),
    opt("min_label", Shape::Str),
    opt("max_label", Shape::Str),
]);

/// An object read with its keys in the order written (a definition's languages, question ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> OrderedMap<V> {
    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<V>(core::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry::<String, V>()? {
                    out.push(entry);
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(Entries(core::marker::PhantomData))
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The `translations` member as written: language tag → translation.
pub type Table = OrderedMap<Translation>;

/// The translations of one definition, checked against it: each in a known locale other than
/// the definition's own, naming only questions it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Translations {
    base: Locale,
    by_locale: Vec<(Locale, Translation)>,
}

/// The words of a definition in one other language. `None` (or a question left out) means the
/// definition's own text is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of title, description, questions"
)]
pub struct Translation {
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The description (only if the definition has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Question texts, by question id, in the order written.
    #[serde(default)]
    pub questions: OrderedMap<QuestionText>,
}

/// The words of one question in one other language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of label, help, choices, min_label, max_label"
)]
pub struct QuestionText {
    /// The label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The help (only if the question has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Choice labels by choice id (choice questions).
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub choices: OrderedMap<String>,
    /// A scale's or NPS's low end label (only if the question has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    /// A scale's or NPS's high end label (only if the question has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
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
    // The texts that were translated, as `Text::key`s.
    translated: Vec<String>,
    // The form as written and the translation applied, for [`Localized::to_json`].
    written: Form,
    translation: Option<Translation>,
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
    /// The label of a choice: question id, choice id.
    Choice(&'a str, &'a str),
    /// The low end label of the scale or NPS with this id.
    MinLabel(&'a str),
    /// The high end label of the scale or NPS with this id.
    MaxLabel(&'a str),
}

impl Text<'_> {
    fn key(&self) -> String {
        match self {
            Text::Title => "title".into(),
            Text::Description => "description".into(),
            Text::Label(q) => format!("label:{q}"),
            Text::Help(q) => format!("help:{q}"),
            Text::Choice(q, c) => format!("choice:{q}:{c}"),
            Text::MinLabel(q) => format!("min:{q}"),
            Text::MaxLabel(q) => format!("max:{q}"),
        }
    }
}

impl Form {
    /// This form in `locale`: its words replaced where `translations` (read with this form)
    /// has them. Texts it does not translate stay as written, in `translations`' base language.
    pub fn localized(&self, translations: &Translations, locale: Locale) -> Localized {
        let t = translations.get(locale);
        let mut out = Localized {
            form: self.clone(),
            locale,
            base: translations.base,
            translated: Vec::new(),
            written: self.clone(),
            translation: t.cloned(),
        };
        let Some(t) = t else {
            return out;
        };
        let done = &mut out.translated;
        let form = &mut out.form;
        if let Some(title) = &t.title {
            form.title.clone_from(title);
            done.push(Text::Title.key());
        }
        if let (Some(d), Some(own)) = (&t.description, &mut form.description) {
            own.clone_from(d);
            done.push(Text::Description.key());
        }
        for q in &mut form.questions {
            let Some((_, qt)) = t.questions.0.iter().find(|(id, _)| *id == q.id) else {
                continue;
            };
            if let Some(label) = &qt.label {
                q.label.clone_from(label);
                done.push(Text::Label(&q.id).key());
            }
            if let (Some(h), Some(own)) = (&qt.help, &mut q.help) {
                own.clone_from(h);
                done.push(Text::Help(&q.id).key());
            }
            let id = q.id.clone();
            match &mut q.kind {
                QuestionKind::Choice { choices, .. } | QuestionKind::Multiple { choices, .. } => {
                    for (cid, label) in &qt.choices.0 {
                        if let Some(c) = choices.iter_mut().find(|c| c.id == *cid) {
                            c.label.clone_from(label);
                            done.push(Text::Choice(&id, cid).key());
                        }
                    }
                }
                QuestionKind::Scale {
                    min_label,
                    max_label,
                    ..
                }
                | QuestionKind::Nps {
                    min_label,
                    max_label,
                } => {
                    if let (Some(l), Some(own)) = (&qt.min_label, min_label) {
                        own.clone_from(l);
                        done.push(Text::MinLabel(&id).key());
                    }
                    if let (Some(l), Some(own)) = (&qt.max_label, max_label) {
                        own.clone_from(l);
                        done.push(Text::MaxLabel(&id).key());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

impl Translations {
    /// Checks a definition's `lang` (French when `None`) and `translations` against its form.
    pub fn read(
        form: &Form,
        lang: Option<&str>,
        table: Option<Table>,
    ) -> Result<Translations, String> {
        let base = match lang {
            Some(tag) => locale_named(tag, "lang")?,
            None => Locale::parse(DEFAULT_LANG).unwrap_or_default(),
        };
        let mut out = Translations {
            base,
            by_locale: Vec::new(),
        };
        for (tag, t) in table.unwrap_or_default().0 {
            let path = format!("{FIELD}.{tag}");
            let locale = locale_named(&tag, &path)?;
            if locale == base {
                return Err(format!(
                    "{path}: the definition itself is written in `{tag}` (its `lang`); \
                     translate it into another language"
                ));
            }
            check(form, &t, &path)?;
            out.by_locale.push((locale, t));
        }
        Ok(out)
    }

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
}

/// The rules of one translation: no blank text, nothing to translate that the form lacks.
fn check(form: &Form, t: &Translation, path: &str) -> Result<(), String> {
    not_blank(&t.title, path, "title")?;
    not_blank(&t.description, path, "description")?;
    if t.description.is_some() && form.description.is_none() {
        return Err(format!(
            "{path}.description: the definition has no description to translate"
        ));
    }
    for (id, qt) in &t.questions.0 {
        let at = format!("{path}.questions.{id}");
        let Some(q) = form.question(id) else {
            return Err(format!("{at}: no question with this id"));
        };
        not_blank(&qt.label, &at, "label")?;
        not_blank(&qt.help, &at, "help")?;
        if qt.help.is_some() && q.help.is_none() {
            return Err(format!(
                "{at}.help: question `{id}` has no help to translate"
            ));
        }
        for (cid, label) in &qt.choices.0 {
            if q.kind.choice(cid).is_none() {
                return Err(format!(
                    "{at}.choices.{cid}: question `{id}` has no choice with this id"
                ));
            }
            not_blank(&Some(label.clone()), &format!("{at}.choices"), cid)?;
        }
        let (min, max) = match &q.kind {
            QuestionKind::Scale {
                min_label,
                max_label,
                ..
            }
            | QuestionKind::Nps {
                min_label,
                max_label,
            } => (min_label.is_some(), max_label.is_some()),
            _ => (false, false),
        };
        for (key, value, has) in [
            ("min_label", &qt.min_label, min),
            ("max_label", &qt.max_label, max),
        ] {
            not_blank(value, &at, key)?;
            if value.is_some() && !has {
                return Err(format!(
                    "{at}.{key}: question `{id}` has no {key} to translate"
                ));
            }
        }
    }
    Ok(())
}

fn not_blank(text: &Option<String>, path: &str, key: &str) -> Result<(), String> {
    match text {
        Some(s) if is_blank(s) => Err(format!("{path}.{key}: must not be blank")),
        _ => Ok(()),
    }
}

impl Localized {
    /// The language `text` is shown in: the one asked for if it was translated, else the
    /// definition's own.
    pub fn lang_of(&self, text: Text<'_>) -> Locale {
        if self.translated.contains(&text.key()) {
            self.locale
        } else {
            self.base
        }
    }

    /// The language of the served definition: the one asked for if anything was translated
    /// into it, else the definition's own.
    pub fn lang(&self) -> Locale {
        if self.translated.is_empty() {
            self.base
        } else {
            self.locale
        }
    }

    /// The form as compact JSON for the widget (`GET /v1/forms/{id}?lang=xx`): as written, with
    /// its `lang` unless French, and as its only `translations` member the translation into the
    /// language asked for, if it has one. The widget puts the translated words in place itself
    /// and marks each text with the language it is really in (RGAA 8.7), as the no-JS page
    /// does; a definition without a translation is served exactly as written.
    pub fn to_json(&self) -> String {
        let lang = self.base.tag();
        let mut def = self
            .written
            .definition((lang != DEFAULT_LANG).then_some(lang));
        if let Some(t) = &self.translation {
            def.translations = Some(OrderedMap(vec![(self.locale.tag().to_owned(), t.clone())]));
        }
        // Strings, numbers and booleans only: serialising cannot fail.
        serde_json::to_string(&def).unwrap_or_default()
    }
}

/// The locale whose tag is exactly `tag`; the error names `path`.
fn locale_named(tag: &str, path: &str) -> Result<Locale, String> {
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

    fn read(extra: &str) -> crate::Result<(Form, Translations)> {
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

    // What `?lang=en` serves: the form as written and its English translation alone, which the
    // widget applies itself, so it knows which texts stay in French (RGAA 8.7).
    #[test]
    fn the_served_translation_is_what_the_widget_reads() {
        let two = r#", "translations": { "en": { "title": "Your opinion" },
            "de": { "title": "Ihre Meinung" } }"#;
        let (form, t) = read(two).unwrap();
        let en = form.localized(&t, Locale::En);
        let json = en.to_json();
        assert!(!json.contains(r#""lang""#), "written in French: {json}");
        assert!(
            json.contains(r#""translations":{"en":{"title":"Your opinion""#),
            "{json}"
        );
        assert!(
            !json.contains("Ihre Meinung"),
            "only the language asked for: {json}"
        );
        let (again, read_back) = Form::from_json_with_translations(&json).unwrap();
        assert_eq!(again, form);
        let widget = again.localized(&read_back, Locale::En);
        assert_eq!(widget.form, en.form);
        assert_eq!(widget.lang_of(Text::Title), Locale::En);
        assert_eq!(widget.lang_of(Text::Label("note")), Locale::Fr);
        // A language without a translation gets the definition as written.
        assert_eq!(form.localized(&t, Locale::Ar).to_json(), form.to_json());
    }

    #[test]
    fn the_plain_reader_checks_translations_and_drops_them() {
        let form = Form::from_json(&definition(FULL_EN)).unwrap();
        assert_eq!(form, Form::from_json(&definition("")).unwrap());
        let e = Form::from_json(&definition(
            r#", "translations": { "en": { "titel": "x" } }"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("translations.en: unknown field `titel`"), "{e}");
    }

    #[test]
    fn lang_is_the_definition_s_language() {
        let form = Form::from_json(&definition(r#", "lang": "en""#)).unwrap();
        assert_eq!(form, Form::from_json(&definition("")).unwrap());
        let e = Form::from_json(&definition(r#", "lang": 1"#))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("lang: expected a string, found the number 1"),
            "{e}"
        );
        // A definition written in English may be translated into French.
        let (form, t) = read(
            r#", "lang": "en", "translations": { "fr": { "title": "Votre avis, en français" } }"#,
        )
        .unwrap();
        assert_eq!(t.base(), Locale::En);
        let fr = form.localized(&t, Locale::Fr);
        assert_eq!(fr.lang_of(Text::Title), Locale::Fr);
        assert_eq!(fr.lang_of(Text::Label("note")), Locale::En);
        // Served as written, in English, with the French translation beside.
        let json = fr.to_json();
        assert!(json.contains(r#""lang":"en""#), "{json}");
        assert!(json.contains(r#""translations":{"fr":"#), "{json}");
        let en = form.localized(&t, Locale::En);
        assert!(en.to_json().contains(r#""lang":"en""#), "{}", en.to_json());
        assert!(!en.to_json().contains("translations"), "{}", en.to_json());
        assert_eq!(
            error(r#", "lang": "zz""#),
            "invalid form definition: lang: unknown language `zz` (expected one of: \
             fr, en, de, es, it, nl, ar)"
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
                "translations: expected an object, found a list",
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
                "translations.en.title: expected a string, found the number 3",
            ),
            (
                r#", "translations": { "en": { "questions": { "nope": { "label": "No" } } } }"#,
                "translations.en.questions.nope: no question with this id",
            ),
            (
                r#", "translations": { "en": { "questions": [] } }"#,
                "translations.en.questions: expected an object, found a list",
            ),
            (
                r#", "translations": { "en": { "questions": { "note": { "type": "text" } } } }"#,
                "translations.en.questions.note: unknown field `type` \
                 (expected one of: label, help, choices, min_label, max_label)",
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
                 questions, poll, challenge, translations)"
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

    #[test]
    fn every_locale_can_be_a_translation() {
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
        let e = Form::from_toml_with_translations(
            "id = \"a\"\ntitle = \"t\"\n[[questions]]\nid = \"c\"\ntype = \"text\"\nlabel = \"l\"\n[translations.en]\ntitel = \"t\"",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("translations.en: unknown field `titel`"), "{e}");
    }

    #[test]
    fn shapes_list_exactly_the_serde_fields() {
        use crate::schema::tests::{serde_fields, shape_fields};
        assert_eq!(shape_fields(&SHAPE), serde_fields::<Translation>());
        assert_eq!(
            shape_fields(&QUESTION_SHAPE),
            serde_fields::<QuestionText>()
        );
    }
}
