//! The one serde model, end to end but natively: what the collector writes, the widget reads,
//! and what the widget sends, the collector accepts. serde_json stands in for the browser's
//! `JSON.parse` / `JSON.stringify` + serde-wasm-bindgen, which the browser tests exercise
//! (`tests/browser.rs`); both drive the same derives.
#![cfg(not(target_arch = "wasm32"))]

use voix::state::{Effect, Msg, Widget, outcome};
use voix_form::{
    ErrorBody, ErrorCode, Form,
    answer::Submission,
    i18n::Locale,
    validate::{FieldError, validate_submission},
};

const DEFINITION: &str = r#"
id = "satisfaction"
title = "Votre avis"
description = "Anonyme."
[[questions]]
id = "note"
type = "smileys"
label = "Comment ça s'est passé ?"
required = true
[[questions]]
id = "commentaire"
type = "text"
label = "Un commentaire ?"
help = "N'indiquez pas de données personnelles."
max_length = 10
multiline = true
[translations.en]
title = "Your opinion"
[translations.en.questions.note]
label = "How did it go?"
"#;

/// What the collector reads from its TOML file and serves; what the widget makes of it.
fn served_and_read(locale: Locale) -> (Form, Form) {
    let (form, translations) = Form::from_toml_with_translations(DEFINITION).unwrap();
    let served = form.localized(&translations, locale).to_json();
    let value: serde_json::Value = serde_json::from_str(&served).unwrap();
    let (read, read_translations) = Form::read(&value, &value).unwrap();
    // The widget puts the translation in place itself.
    let shown = read.localized(&read_translations, locale).form;
    (form.localized(&translations, locale).form, shown)
}

#[test]
fn the_widget_reads_exactly_what_the_collector_serves() {
    for locale in [Locale::Fr, Locale::En] {
        let (served, read) = served_and_read(locale);
        assert_eq!(read, served, "{locale:?}");
    }
    assert_eq!(served_and_read(Locale::En).1.title, "Your opinion");
}

#[test]
fn the_collector_accepts_exactly_what_the_widget_sends() {
    let (form, _) = served_and_read(Locale::Fr);
    let mut w = Widget::new(form.clone(), Locale::Fr);
    for (field, value) in [("note", "good"), ("commentaire", "«é» \"x\"\n")] {
        w.update(Msg::Input {
            field: field.into(),
            value: value.into(),
        });
    }
    let fx = w.update(Msg::Submit {
        id: "0123456789abcdef0123456789abcdef".into(),
    });
    let Some(Effect::Post(sent)) = fx.into_iter().find(|e| matches!(e, Effect::Post(_))) else {
        panic!("no post");
    };
    let body = serde_json::to_string(&sent).unwrap();
    let received = Submission::from_json(&body).unwrap();
    assert_eq!(received, sent);
    assert_eq!(validate_submission(&form, &received), Ok(()));
}

#[test]
fn the_widget_understands_the_collector_s_refusal() {
    let refusal = ErrorBody {
        error: voix_form::code::ErrorDetail {
            code: Some(ErrorCode::Invalid),
            message: "Some answers were rejected; see `fields`.".into(),
            field: None,
            fields: vec![voix_form::code::FieldProblem {
                field: "commentaire".into(),
                code: Some(ErrorCode::TooLong),
                message: "10 caractères au plus.".into(),
            }],
        },
    };
    let text = serde_json::to_string(&refusal).unwrap();
    let read: ErrorBody = serde_json::from_str(&text).unwrap();
    assert_eq!(
        outcome(Some(422), Some(&read), true),
        Msg::Rejected(vec![FieldError {
            field: "commentaire".into(),
            code: ErrorCode::TooLong,
        }])
    );
}
