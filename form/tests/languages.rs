//! The view in the resident's language: the form's words marked with the language they are
//! really in (RGAA 8.7), a site's string overrides, numbers and dates written by whatever
//! formatter the page has (the browser's `Intl` in the widget).
#![cfg(feature = "locales")]

use voix_form::{
    Form,
    answer::{Answer, Answers},
    i18n::{Locale, StringsPatch},
    results::{Counts, results},
    schema::PollState,
    view::{self, Node, Numbers, PollView, ResultsView, ViewState},
};

const DEFINITION: &str = r#"{"id":"f","title":"Votre avis","description":"Anonyme.",
  "questions":[
    {"id":"note","type":"smileys","label":"Comment ça s'est passé ?","help":"Une seule réponse."},
    {"id":"service","type":"choice","label":"Quel service ?",
     "choices":[{"id":"accueil","label":"L'accueil"},{"id":"site","label":"Le site"}]}
  ],
  "translations":{
    "en":{"title":"Your opinion","questions":{
      "note":{"label":"How did it go?"},
      "service":{"choices":{"site":"The website"}}}},
    "ar":{"title":"رأيكم"}}}"#;

fn html_in(locale: Locale) -> String {
    let (form, translations) = Form::from_json_with_translations(DEFINITION).unwrap();
    let localized = form.localized(&translations, locale);
    let answers = Answers::new();
    voix_form::html::render(&view::view(
        &localized.form,
        &ViewState {
            langs: Some(&localized),
            ..ViewState::new(&answers, locale)
        },
    ))
}

#[test]
fn words_left_in_the_definition_s_language_are_marked() {
    let en = html_in(Locale::En);
    // Translated: plain.
    assert!(
        en.contains(r#"<h2 id="v-title" class="title">Your opinion</h2>"#),
        "{en}"
    );
    assert!(en.contains("<legend>How did it go?</legend>"), "{en}");
    assert!(
        en.contains(r#"<span class="lbl">The website</span>"#),
        "{en}"
    );
    // Left in French: marked.
    assert!(
        en.contains(r#"<p class="desc"><span lang="fr">Anonyme.</span></p>"#),
        "{en}"
    );
    assert!(
        en.contains(r#"<span lang="fr">Une seule réponse.</span>"#),
        "{en}"
    );
    assert!(
        en.contains("<legend><span lang=\"fr\">Quel service\u{a0}?</span></legend>"),
        "{en}"
    );
    assert!(
        en.contains(r#"<span class="lbl"><span lang="fr">L&#39;accueil</span></span>"#),
        "{en}"
    );
    // The widget's own words are English.
    assert!(en.contains("Not good") && en.contains(">Send<"), "{en}");
    // On a right-to-left page, a left-to-right text keeps its direction.
    let ar = html_in(Locale::Ar);
    assert!(
        ar.contains(r#"<h2 id="v-title" class="title">رأيكم</h2>"#),
        "{ar}"
    );
    assert!(
        ar.contains("<bdi lang=\"fr\">Quel service\u{a0}?</bdi>"),
        "{ar}"
    );
    assert!(
        ar.starts_with(r#"<div class="voix" lang="ar" dir="rtl">"#),
        "{ar}"
    );
    // In the definition's own language nothing is marked.
    let fr = html_in(Locale::Fr);
    assert!(!fr.contains("<span lang=") && !fr.contains("<bdi"), "{fr}");
}

#[test]
fn a_site_replaces_one_string_and_keeps_the_others() {
    let form = Form::from_json(DEFINITION).unwrap();
    let patch: StringsPatch =
        serde_json::from_str(r#"{"submit":"Je donne mon avis","required":" "}"#).unwrap();
    let strings = Locale::Fr.strings().patched(&patch).unwrap();
    let answers = Answers::new();
    let v = view::view(
        &form,
        &ViewState {
            strings: Some(strings),
            ..ViewState::new(&answers, Locale::Fr)
        },
    );
    let button = v.find(&|e| e.tag == "button").unwrap();
    assert_eq!(Node::Element(button.clone()).text(), "Je donne mon avis");
    assert!(v.text().contains("Pas bien"), "the rest is the locale's");
}

/// Numbers as a test formatter writes them, so the view is seen to use it.
#[derive(Debug)]
struct Marked;

impl Numbers for Marked {
    fn count(&self, n: u64) -> String {
        format!("«{n}»")
    }
    fn percent(&self, n: u32, _: &voix_form::i18n::Strings) -> String {
        format!("{n} pour cent")
    }
    fn date(&self, ms: i64) -> String {
        format!("le jour {}", ms / 86_400_000)
    }
}

#[test]
fn numbers_percentages_and_dates_come_from_the_page_s_formatter() {
    let form = Form::from_json(
        r#"{"id":"p","title":"T","poll":{"closes":"2026-01-02T00:00:00Z"},"questions":[
            {"id":"q","type":"choice","label":"Q","choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]}]}"#,
    )
    .unwrap();
    let votes: Vec<Answers> = (0..1234)
        .map(|i| {
            [(
                "q".to_owned(),
                Answer::One(if i % 2 == 0 { "a" } else { "b" }.into()),
            )]
            .into_iter()
            .collect()
        })
        .collect();
    let r = results(&form, &Counts::of(&form, &votes), Locale::Fr, "now");
    let answers = Answers::new();
    let poll = Some(PollView {
        state: PollState::Closed,
        voted: false,
        results: ResultsView::Shown(&r),
    });
    let with = view::view(
        &form,
        &ViewState {
            poll,
            numbers: Some(&Marked),
            ..ViewState::new(&answers, Locale::Fr)
        },
    )
    .text();
    assert!(with.contains("Résultats («1234» votes)"), "{with}");
    assert!(with.contains("50 pour cent («617» votes)"), "{with}");
    assert!(with.contains("Clos le le jour 20455."), "{with}");
    // Without a formatter: digits, the locale's percent sign, dates in UTC.
    let plain = view::view(
        &form,
        &ViewState {
            poll,
            ..ViewState::new(&answers, Locale::Fr)
        },
    )
    .text();
    assert!(plain.contains("50\u{202f}% (617 votes)"), "{plain}");
    assert!(plain.contains("Clos le 2026-01-02 00:00 UTC."), "{plain}");
}
