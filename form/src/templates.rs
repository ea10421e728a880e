//! Built-in form templates, usable by name: `data-template="jdma"` on a placeholder, or
//! `template = "jdma"` for a form in the collector's configuration.
//!
//! `jdma` follows the questions of "Je donne mon avis", the French State's satisfaction
//! questionnaire: how it went overall (three smileys), how clear the information was (1 to 5),
//! which help the resident used (several answers, or "I did not need help"), then free text
//! with the warning not to type personal data. Written in French, with an English translation.
//! It is built here in code rather than read from a JSON text, so the widget needs no JSON
//! reader to offer it.

use crate::{
    Form, Question, QuestionKind,
    schema::Choice,
    translations::{OrderedMap, QuestionText, Table, Translation, Translations},
};

/// The names of the built-in templates.
pub const NAMES: &[&str] = &["jdma"];

/// The template `name` as a form with id `id`, and its translations; `None` for an unknown
/// name (see [`NAMES`]).
pub fn template(name: &str, id: &str) -> Option<(Form, Translations)> {
    match name {
        "jdma" => Some(jdma(id)),
        _ => None,
    }
}

fn q(id: &str, label: &str, kind: QuestionKind) -> Question {
    Question {
        id: id.into(),
        label: label.into(),
        help: None,
        required: false,
        kind,
        show_if: None,
        step: None,
    }
}

fn choice(id: &str, label: &str) -> Choice {
    Choice {
        id: id.into(),
        label: label.into(),
        exclusive: false,
    }
}

/// "Je donne mon avis", in two steps.
fn jdma(id: &str) -> (Form, Translations) {
    let mut overall = q(
        "satisfaction",
        "De façon générale, comment ça s’est passé ?",
        QuestionKind::Smileys { count: 3 },
    );
    overall.required = true;
    let mut clarity = q(
        "clarte",
        "Les informations étaient-elles claires ?",
        QuestionKind::Scale {
            min: 1,
            max: 5,
            min_label: Some("Pas claires du tout".into()),
            max_label: Some("Très claires".into()),
        },
    );
    clarity.step = Some(2);
    let mut none = choice("aucune", "Je n’ai pas eu besoin d’aide");
    none.exclusive = true;
    let help = q(
        "aide",
        "Qu’avez-vous fait pour obtenir de l’aide ?",
        QuestionKind::Multiple {
            choices: vec![
                choice("proche", "J’ai demandé à un proche"),
                choice("association", "J’ai demandé à une association"),
                choice(
                    "service",
                    "J’ai contacté le service (accueil, téléphone, courriel)",
                ),
                choice(
                    "internet",
                    "J’ai cherché sur internet (moteur de recherche, forum…)",
                ),
                none,
            ],
            other: true,
            min_selected: None,
            max_selected: None,
        },
    );
    let mut more = q(
        "commentaire",
        "Souhaitez-vous nous en dire plus ?",
        QuestionKind::Text {
            max_length: 1000,
            multiline: true,
            personal_data_warning: true,
        },
    );
    more.step = Some(3);
    let form = Form {
        id: id.into(),
        title: "Je donne mon avis".into(),
        description: Some(
            "Votre avis nous aide à améliorer ce service. Le questionnaire est anonyme.".into(),
        ),
        questions: vec![overall, clarity, help, more],
        poll: None,
        challenge: false,
    };
    let text = |label: &str| QuestionText {
        label: Some(label.into()),
        ..QuestionText::default()
    };
    let mut clarity_en = text("Was the information clear?");
    clarity_en.min_label = Some("Not clear at all".into());
    clarity_en.max_label = Some("Very clear".into());
    let mut help_en = text("What did you do to get help?");
    help_en.choices = OrderedMap(vec![
        ("proche".into(), "I asked someone close to me".into()),
        ("association".into(), "I asked an association".into()),
        (
            "service".into(),
            "I contacted the service (desk, phone, email)".into(),
        ),
        (
            "internet".into(),
            "I searched the internet (search engine, forum…)".into(),
        ),
        ("aucune".into(), "I did not need help".into()),
    ]);
    let en = Translation {
        title: Some("Give your opinion".into()),
        description: Some(
            "Your opinion helps us improve this service. The questionnaire is anonymous.".into(),
        ),
        questions: OrderedMap(vec![
            ("satisfaction".into(), text("Overall, how did it go?")),
            ("clarte".into(), clarity_en),
            ("aide".into(), help_en),
            (
                "commentaire".into(),
                text("Would you like to tell us more?"),
            ),
        ]),
    };
    let table: Table = OrderedMap(vec![("en".into(), en)]);
    // Built and checked like any definition; a mistake here fails the tests, not a resident.
    let translations = Translations::read(&form, None, Some(table)).unwrap_or_default();
    (form, translations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{i18n::Locale, translations::Text};

    #[test]
    fn jdma_is_a_valid_form_in_three_steps_translated_into_english() {
        let (form, t) = template("jdma", "avis").unwrap();
        form.check().unwrap();
        assert_eq!(form.id, "avis");
        assert_eq!(form.steps(), [1, 2, 2, 3]);
        // The translation was accepted (read with the same rules as a definition's).
        assert_eq!(t.locales().collect::<Vec<_>>(), [Locale::En]);
        let en = form.localized(&t, Locale::En);
        assert_eq!(en.form.title, "Give your opinion");
        assert_eq!(en.lang_of(Text::Choice("aide", "aucune")), Locale::En);
        // It reads back from its own JSON, as the collector serves it.
        assert_eq!(Form::from_json(&form.to_json()).unwrap(), form);
        assert!(template("nope", "avis").is_none());
    }
}
