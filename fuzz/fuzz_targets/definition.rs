//! Form definitions as webmasters write them: JSON when the first byte is even, TOML when odd.
//! A definition that is read must be written and read back the same, and render (the no-JS
//! page's view and HTML) in every locale.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voix_form::{
    Form,
    answer::Answers,
    html::render,
    i18n::Locale,
    view::{ViewState, view},
};

fuzz_target!(|data: &[u8]| {
    let Some((&format, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let read = if format % 2 == 0 {
        Form::from_json_with_translations(text)
    } else {
        Form::from_toml_with_translations(text)
    };
    let Ok((form, translations)) = read else {
        return;
    };
    let again = Form::from_json(&form.to_json()).expect("a form reads its own JSON");
    assert_eq!(again, form, "the JSON of a form reads as another form");
    for &locale in Locale::ALL {
        let localized = form.localized(&translations, locale);
        let answers = Answers::new();
        let state = ViewState {
            action: Some("/f/x"),
            langs: Some(&localized),
            ..ViewState::new(&answers, locale)
        };
        let tree = view(&localized.form, &state);
        let _ = render(&tree);
    }
});
