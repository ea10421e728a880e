//! Every question kind, condition and step, natively: what each accepts and refuses (with
//! which code), how it is drawn (controls, names, labels, ARIA), and how conditions and steps
//! decide what is shown, checked and sent.

use voix_form::{
    ErrorCode, Form,
    answer::{Answer, Answers},
    html,
    i18n::Locale,
    validate::{FieldError, validate, validate_step},
    view::{self, Element, Node, Status, ViewState},
};

fn form(json: &str) -> Form {
    Form::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

/// A form of one question (`"id":"q"`) whose other fields are `fields`.
fn one(fields: &str) -> Form {
    form(&format!(
        r#"{{"id":"f","title":"T","questions":[{{"id":"q","label":"Q ?",{fields}}}]}}"#
    ))
}

fn answers(pairs: &[(&str, Answer)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn s(v: &str) -> Answer {
    Answer::One(v.into())
}

fn many(vs: &[&str]) -> Answer {
    Answer::Many(vs.iter().map(|v| (*v).to_owned()).collect())
}

/// The codes of `validate`, as (field, code) pairs.
fn codes(f: &Form, a: &Answers) -> Vec<(String, ErrorCode)> {
    validate(f, a)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

fn ok(f: &Form, a: Answer) {
    assert_eq!(codes(f, &answers(&[("q", a.clone())])), vec![], "{a:?}");
}

fn refused(f: &Form, a: Answer, code: ErrorCode) {
    assert_eq!(
        codes(f, &answers(&[("q", a.clone())])),
        vec![("q".to_owned(), code)],
        "{a:?}"
    );
}

#[test]
fn smileys_three_or_five() {
    let three = one(r#""type":"smileys""#);
    for v in ["bad", "average", "good"] {
        ok(&three, s(v));
    }
    refused(&three, s("very_bad"), ErrorCode::UnknownChoice);
    refused(&three, s("fine"), ErrorCode::UnknownChoice);
    let five = one(r#""type":"smileys","count":5"#);
    for v in ["very_bad", "bad", "average", "fine", "good"] {
        ok(&five, s(v));
    }
    refused(&five, many(&["good"]), ErrorCode::UnknownChoice);
    let e = Form::from_json(
        r#"{"id":"f","title":"T","questions":[{"id":"q","label":"Q","type":"smileys","count":4}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("questions[0]: field `count` must be 3 or 5"),
        "{e}"
    );
}

#[test]
fn stars_scales_and_nps() {
    let stars = one(r#""type":"stars""#);
    for v in ["1", "3", "5"] {
        ok(&stars, s(v));
    }
    for v in ["0", "6", "2.5", "deux"] {
        refused(&stars, s(v), ErrorCode::UnknownChoice);
    }
    let scale = one(r#""type":"scale","min":0,"max":10,"min_label":"Non","max_label":"Oui""#);
    ok(&scale, s("0"));
    ok(&scale, s("10"));
    refused(&scale, s("11"), ErrorCode::UnknownChoice);
    let nps = one(r#""type":"nps""#);
    ok(&nps, s("0"));
    ok(&nps, s("10"));
    refused(&nps, s("-1"), ErrorCode::UnknownChoice);
    for (fields, message) in [
        (r#""min":2"#, "the scale must start at 0 or 1"),
        (r#""min":1,"max":11"#, "end at 10 at most"),
        (r#""min":1,"max":1"#, "end above its start"),
    ] {
        let e = Form::from_json(&format!(
            r#"{{"id":"f","title":"T","questions":[{{"id":"q","label":"Q","type":"scale",{fields}}}]}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains(message), "{fields}: {e}");
    }
}

#[test]
fn yes_no_email_and_consent() {
    let yn = one(r#""type":"yes_no","required":true"#);
    ok(&yn, s("yes"));
    ok(&yn, s("no"));
    refused(&yn, s("peut-être"), ErrorCode::UnknownChoice);
    assert_eq!(
        codes(&yn, &Answers::new()),
        vec![("q".to_owned(), ErrorCode::Required)]
    );
    let email = one(r#""type":"email""#);
    for good in [
        "a@b.fr",
        "prenom.nom+avis@mairie-saint-julien.fr",
        " a@b.fr ",
    ] {
        ok(&email, s(good));
    }
    for bad in [
        "a", "a@b", "@b.fr", "a@.fr", "a@b.", "a b@c.fr", "a@b..fr", "a@b,c.fr",
    ] {
        refused(&email, s(bad), ErrorCode::InvalidEmail);
    }
    refused(
        &email,
        s(&format!("{}@b.fr", "a".repeat(65))),
        ErrorCode::InvalidEmail,
    );
    // Optional: no answer is fine.
    assert_eq!(codes(&email, &Answers::new()), vec![]);
    let consent = one(r#""type":"consent","required":true"#);
    ok(&consent, s("yes"));
    refused(&consent, s("no"), ErrorCode::UnknownChoice);
    assert_eq!(
        codes(&consent, &Answers::new()),
        vec![("q".to_owned(), ErrorCode::Required)]
    );
}

const CHOICES: &str = r#""choices":[{"id":"a","label":"A"},{"id":"b","label":"B"},{"id":"c","label":"C"},{"id":"none","label":"Aucun","exclusive":true}]"#;

#[test]
fn single_choice_with_other() {
    let f = one(
        r#""type":"choice","other":true,"choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]"#,
    );
    ok(&f, s("a"));
    refused(&f, s("z"), ErrorCode::UnknownChoice);
    refused(&f, many(&["a", "b"]), ErrorCode::UnknownChoice);
    // "Other" needs its text, at most 200 characters.
    assert_eq!(
        codes(&f, &answers(&[("q", s("other"))])),
        vec![("q.other".to_owned(), ErrorCode::Required)]
    );
    assert_eq!(
        codes(
            &f,
            &answers(&[("q", s("other")), ("q.other", s("Le marché"))])
        ),
        vec![]
    );
    assert_eq!(
        codes(
            &f,
            &answers(&[("q", s("other")), ("q.other", s(&"x".repeat(201)))])
        ),
        vec![("q.other".to_owned(), ErrorCode::TooLong)]
    );
    // An "other" text without an "other" question is unknown.
    let plain = one(r#""type":"choice","choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]"#);
    assert_eq!(
        codes(&plain, &answers(&[("q", s("a")), ("q.other", s("x"))])),
        vec![("q.other".to_owned(), ErrorCode::UnknownQuestion)]
    );
}

#[test]
fn multiple_choice_limits_and_exclusive() {
    let f = one(&format!(
        r#""type":"multiple","min_selected":2,"max_selected":3,{CHOICES}"#
    ));
    ok(&f, many(&["a", "b"]));
    ok(&f, many(&["a", "b", "c"]));
    // The exclusive choice alone is fine, whatever the minimum.
    ok(&f, many(&["none"]));
    refused(&f, many(&["a"]), ErrorCode::TooFewChoices);
    refused(&f, many(&["a", "none"]), ErrorCode::ExclusiveChoice);
    refused(&f, many(&["a", "z"]), ErrorCode::UnknownChoice);
    // One value on its own (a single checkbox posted without JavaScript) counts as a list.
    refused(&f, s("a"), ErrorCode::TooFewChoices);
    let max = one(&format!(r#""type":"multiple","max_selected":1,{CHOICES}"#));
    refused(&max, many(&["a", "b"]), ErrorCode::TooManyChoices);
    for (fields, message) in [
        (
            r#""min_selected":3,"max_selected":2"#,
            "`min_selected` is above `max_selected`",
        ),
        (
            r#""max_selected":5"#,
            "must not exceed the number of choices (4)",
        ),
        (r#""min_selected":0"#, "must be at least 1"),
    ] {
        let e = Form::from_json(&format!(
            r#"{{"id":"f","title":"T","questions":[{{"id":"q","label":"Q","type":"multiple",{fields},{CHOICES}}}]}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains(message), "{fields}: {e}");
    }
    for (choices, message) in [
        (r#"[{"id":"a","label":"A"}]"#, "at least two choices"),
        (
            r#"[{"id":"a","label":"A"},{"id":"a","label":"B"}]"#,
            "choice id `a` is used twice",
        ),
        (
            r#"[{"id":"A","label":"A"},{"id":"b","label":"B"}]"#,
            "choices[0].id: choice id `A`",
        ),
        (
            r#"[{"id":"a","label":" "},{"id":"b","label":"B"}]"#,
            "choices[0].label: must not be blank",
        ),
        (
            r#"[{"id":"a","label":"A","exclusive":true},{"id":"b","label":"B","exclusive":true}]"#,
            "only one choice may be `exclusive`",
        ),
    ] {
        let e = Form::from_json(&format!(
            r#"{{"id":"f","title":"T","questions":[{{"id":"q","label":"Q","type":"multiple","choices":{choices}}}]}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains(message), "{choices}: {e}");
    }
    let e = Form::from_json(
        r#"{"id":"f","title":"T","questions":[{"id":"q","label":"Q","type":"choice","choices":[{"id":"a","label":"A","exclusive":true},{"id":"b","label":"B"}]}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("only a multiple-choice question has one"), "{e}");
}

#[test]
fn text_limits_count_characters() {
    let f = one(r#""type":"text","max_length":3,"personal_data_warning":true"#);
    ok(&f, s("ééé"));
    refused(&f, s("éééé"), ErrorCode::TooLong);
}

fn render(f: &Form, a: &Answers, step: u32) -> Node {
    view::view(
        f,
        &ViewState {
            step,
            ..ViewState::new(a, Locale::Fr)
        },
    )
}

fn all<'a>(n: &'a Node, pred: &dyn Fn(&Element) -> bool, out: &mut Vec<&'a Element>) {
    if let Node::Element(e) = n {
        if pred(e) {
            out.push(e);
        }
        for c in &e.children {
            all(c, pred, out);
        }
    }
}

fn inputs<'a>(n: &'a Node, name: &str) -> Vec<&'a Element> {
    let mut out = Vec::new();
    all(
        n,
        &|e| e.tag == "input" && e.attr("name") == Some(name),
        &mut out,
    );
    out
}

#[test]
fn every_group_is_a_fieldset_of_native_controls_with_text_names() {
    for (fields, ty, n, labels) in [
        (
            r#""type":"smileys","count":5"#,
            "radio",
            5,
            vec!["Très mal", "Bien"],
        ),
        (
            r#""type":"stars""#,
            "radio",
            5,
            vec!["1 étoile sur 5", "4 étoiles sur 5"],
        ),
        (
            r#""type":"scale","min":0,"max":4"#,
            "radio",
            5,
            vec!["0", "4"],
        ),
        (
            r#""type":"nps""#,
            "radio",
            11,
            vec!["0 : Pas du tout probable", "10 : Très probable"],
        ),
        (r#""type":"yes_no""#, "radio", 2, vec!["Oui", "Non"]),
        (
            r#""type":"choice","other":true,"choices":[{"id":"a","label":"Alpha"},{"id":"b","label":"Bêta"}]"#,
            "radio",
            3,
            vec!["Alpha", "Autre"],
        ),
        (
            &format!(r#""type":"multiple","max_selected":2,{CHOICES}"#),
            "checkbox",
            4,
            vec![
                "Aucun",
                "Plusieurs réponses possibles. Choisissez au plus 2 réponses.",
            ],
        ),
    ] {
        let f = one(fields);
        let v = render(&f, &Answers::new(), 1);
        let fs = v.find(&|e| e.tag == "fieldset").expect(fields);
        assert_eq!(
            Node::Element(fs.children[0].as_element().unwrap().clone()).text(),
            "Q ?",
            "the legend names the group: {fields}"
        );
        let found = inputs(&v, "q");
        assert_eq!(found.len(), n, "{fields}");
        assert!(found.iter().all(|i| i.attr("type") == Some(ty)), "{fields}");
        // The first control carries the question's id: error links land on it.
        assert_eq!(found[0].attr("id"), Some("v-q"), "{fields}");
        let text = v.text();
        for l in labels {
            assert!(text.contains(l), "{fields}: {l} in {text}");
        }
    }
}

#[test]
fn a_chosen_option_is_checked_and_marked() {
    let f = one(&format!(r#""type":"multiple",{CHOICES}"#));
    let v = render(&f, &answers(&[("q", many(&["b", "c"]))]), 1);
    let checked: Vec<_> = inputs(&v, "q")
        .into_iter()
        .filter(|i| i.attr("checked").is_some())
        .map(|i| i.attr("value").unwrap())
        .collect();
    assert_eq!(checked, ["b", "c"]);
    let stars = one(r#""type":"stars""#);
    let v = render(&stars, &answers(&[("q", s("3"))]), 1);
    let mut lit = Vec::new();
    all(&v, &|e| e.attr("class") == Some("star lit"), &mut lit);
    assert_eq!(lit.len(), 3, "stars up to the chosen one are lit");
}

#[test]
fn text_email_and_consent_controls() {
    let f = form(
        r#"{"id":"f","title":"T","questions":[
            {"id":"t","type":"text","label":"Texte","personal_data_warning":true},
            {"id":"e","type":"email","label":"Courriel","required":true},
            {"id":"c","type":"consent","label":"J'accepte"}]}"#,
    );
    let v = render(&f, &Answers::new(), 1);
    let t = v.find_id("v-t").unwrap();
    assert_eq!(
        t.attr("aria-describedby"),
        Some("v-t-warn v-t-count"),
        "the warning is read with the box"
    );
    assert!(
        Node::Element(v.find_id("v-t-warn").unwrap().clone())
            .text()
            .contains("N’indiquez pas de données personnelles")
    );
    let e = v.find_id("v-e").unwrap();
    assert_eq!(e.attr("type"), Some("email"));
    assert_eq!(e.attr("autocomplete"), Some("email"));
    assert!(e.attr("required").is_some());
    let c = v.find_id("v-c").unwrap();
    assert_eq!(c.attr("type"), Some("checkbox"));
    assert_eq!(c.attr("value"), Some("yes"));
    let label = v
        .find(&|e| e.tag == "label" && e.attr("for") == Some("v-c"))
        .unwrap();
    assert_eq!(Node::Element(label.clone()).text(), "J'accepte");
}

#[test]
fn the_other_box_appears_with_its_choice_and_always_without_javascript() {
    let f = one(
        r#""type":"choice","other":true,"choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]"#,
    );
    let without = render(&f, &answers(&[("q", s("a"))]), 1);
    assert!(without.find_id("v-q.other").is_none());
    let with = render(&f, &answers(&[("q", s("other"))]), 1);
    let other = with.find_id("v-q.other").unwrap();
    assert_eq!(other.attr("name"), Some("q.other"));
    let label = with
        .find(&|e| e.tag == "label" && e.attr("for") == Some("v-q.other"))
        .unwrap();
    assert_eq!(
        Node::Element(label.clone()).text(),
        "Précisez votre réponse « Autre »"
    );
    let nojs = html::render(&view::view(
        &f,
        &ViewState {
            action: Some("/f/f"),
            ..ViewState::new(&Answers::new(), Locale::Fr)
        },
    ));
    assert!(nojs.contains(r#"name="q.other""#), "{nojs}");
    // Its error is linked to it.
    let errors = [FieldError {
        field: "q.other".into(),
        code: ErrorCode::Required,
    }];
    let a = answers(&[("q", s("other"))]);
    let v = view::view(
        &f,
        &ViewState {
            errors: &errors,
            summary: true,
            ..ViewState::new(&a, Locale::Fr)
        },
    );
    let box_ = v.find_id("v-q.other").unwrap();
    assert_eq!(box_.attr("aria-describedby"), Some("v-q.other-err"));
    assert_eq!(box_.attr("aria-invalid"), Some("true"));
    let link = v.find(&|e| e.tag == "a").unwrap();
    assert_eq!(link.attr("data-focus"), Some("v-q.other"));
    assert_eq!(
        Node::Element(link.clone()).text(),
        "Q ? : Précisez votre réponse."
    );
}

const STEPPED: &str = r#"{"id":"f","title":"T","questions":[
    {"id":"note","type":"stars","label":"Note","required":true},
    {"id":"pourquoi","type":"text","label":"Pourquoi ?","required":true,
     "show_if":{"question":"note","less_than":3}},
    {"id":"service","step":2,"type":"choice","label":"Service","required":true,
     "choices":[{"id":"etat-civil","label":"État civil"},{"id":"urbanisme","label":"Urbanisme"}]},
    {"id":"urba","step":3,"type":"yes_no","label":"Permis ?","required":true,
     "show_if":{"question":"service","equals":"urbanisme"}},
    {"id":"fin","step":4,"type":"text","label":"Autre chose ?"}
]}"#;

#[test]
fn conditions_hide_validate_and_prune() {
    let f = form(STEPPED);
    let good = answers(&[("note", s("5")), ("service", s("etat-civil"))]);
    assert!(f.is_shown(0, &good));
    assert!(!f.is_shown(1, &good), "5 is not below 3");
    assert!(!f.is_shown(3, &good));
    // Hidden questions are not required…
    assert_eq!(codes(&f, &good), vec![]);
    // …and shown ones are.
    let bad = answers(&[("note", s("2")), ("service", s("urbanisme"))]);
    assert_eq!(
        codes(&f, &bad),
        vec![
            ("pourquoi".to_owned(), ErrorCode::Required),
            ("urba".to_owned(), ErrorCode::Required)
        ]
    );
    // A hidden question's answer is never sent: pruned before validating and sending.
    let mut a = answers(&[
        ("note", s("5")),
        ("pourquoi", s("typed before changing the note")),
        ("service", s("etat-civil")),
        ("urba", s("yes")),
    ]);
    f.prune(&mut a);
    assert_eq!(a.keys().collect::<Vec<_>>(), ["note", "service"]);
    // one_of, greater_than, and a condition on a hidden question (hidden too).
    let g = form(
        r#"{"id":"f","title":"T","questions":[
        {"id":"a","type":"nps","label":"A"},
        {"id":"b","type":"yes_no","label":"B","show_if":{"question":"a","greater_than":8}},
        {"id":"c","type":"text","label":"C","show_if":{"question":"b","one_of":["yes"]}}]}"#,
    );
    let a = answers(&[("a", s("9")), ("b", s("yes"))]);
    assert!(g.is_shown(1, &a) && g.is_shown(2, &a));
    let a = answers(&[("a", s("8")), ("b", s("yes"))]);
    assert!(
        !g.is_shown(1, &a) && !g.is_shown(2, &a),
        "c depends on hidden b"
    );
}

#[test]
fn steps_are_numbered_shown_and_checked_one_at_a_time() {
    let f = form(STEPPED);
    assert_eq!(f.steps(), [1, 1, 2, 3, 4]);
    let a = answers(&[("note", s("5")), ("service", s("etat-civil"))]);
    // Step 3 has only a hidden question: it is skipped.
    assert_eq!(f.shown_steps(&a), [1, 2, 4]);
    assert_eq!(
        f.shown_steps(&answers(&[("service", s("urbanisme"))])),
        [1, 2, 3, 4]
    );
    // "Next" checks the step's shown questions only.
    let e = validate_step(&f, &Answers::new(), 1).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "note");
    assert!(validate_step(&f, &a, 1).is_ok());
    assert!(validate_step(&f, &a, 2).is_ok());
    // The view shows the step's questions and where it is.
    let v = render(&f, &a, 2);
    let text = v.text();
    assert!(text.contains("Étape 2 sur 3"), "{text}");
    assert!(text.contains("Service") && !text.contains("Note"), "{text}");
    let prev = v
        .find(&|e| e.attr("data-action") == Some("previous"))
        .unwrap();
    assert_eq!(prev.attr("type"), Some("button"));
    let submit = v
        .find(&|e| e.tag == "button" && e.attr("type") == Some("submit"))
        .unwrap();
    assert_eq!(Node::Element(submit.clone()).text(), "Suivant");
    let last = render(&f, &a, 4);
    let submit = last
        .find(&|e| e.tag == "button" && e.attr("type") == Some("submit"))
        .unwrap();
    assert_eq!(Node::Element(submit.clone()).text(), "Envoyer");
    // Without JavaScript every step is on one page, with no step heading.
    let nojs = html::render(&view::view(
        &f,
        &ViewState {
            action: Some("/f/f"),
            ..ViewState::new(&a, Locale::Fr)
        },
    ));
    for label in ["Note", "Service", "Permis\u{a0}?", "Autre chose\u{a0}?"] {
        assert!(nojs.contains(label), "{label}");
    }
    assert!(!nojs.contains("Étape"), "{nojs}");
}

#[test]
fn conditions_and_steps_are_checked_when_read() {
    for (questions, message) in [
        (
            r#"{"id":"a","type":"text","label":"A","show_if":{"question":"b","equals":"x"}},{"id":"b","type":"text","label":"B"}"#,
            "questions[0].show_if.question: no earlier question `b`",
        ),
        (
            r#"{"id":"a","type":"yes_no","label":"A"},{"id":"b","type":"text","label":"B","show_if":{"question":"a","equals":"oui"}}"#,
            "questions[1].show_if: `oui` is not an answer to `a` (expected one of: yes, no)",
        ),
        (
            r#"{"id":"a","type":"yes_no","label":"A"},{"id":"b","type":"text","label":"B","show_if":{"question":"a","less_than":3}}"#,
            "need a question answered with a number",
        ),
        (
            r#"{"id":"a","type":"stars","label":"A"},{"id":"b","type":"text","label":"B","show_if":{"question":"a","less_than":3,"equals":"1"}}"#,
            "give exactly one of",
        ),
        (
            r#"{"id":"a","type":"text","label":"A","step":2},{"id":"b","type":"text","label":"B","step":1}"#,
            "questions[1].step: steps go in order",
        ),
        (
            r#"{"id":"a","type":"text","label":"A","step":0}"#,
            "field `step` must be at least 1",
        ),
    ] {
        let e = Form::from_json(&format!(
            r#"{{"id":"f","title":"T","questions":[{questions}]}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains(message), "{questions}\n{e}");
    }
}

#[test]
fn polls_are_one_choice_question_with_valid_dates() {
    let poll = |extra: &str, questions: &str| {
        Form::from_json(&format!(
            r#"{{"id":"p","title":"T","poll":{{{extra}}},"questions":[{questions}]}}"#
        ))
    };
    let choice = r#"{"id":"q","type":"choice","label":"Q","choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]}"#;
    let f = poll(
        r#""opens":"2026-12-01T09:00:00+01:00","closes":"2027-01-31T23:59:00+01:00""#,
        choice,
    )
    .unwrap();
    let p = f.poll.as_ref().unwrap();
    use voix_form::schema::{PollState, ResultsShown};
    assert_eq!(p.results, ResultsShown::AfterVote);
    assert!(p.one_vote, "one vote per browser by default");
    let at = |s: &str| voix_form::time::parse_rfc3339(s).unwrap();
    assert_eq!(p.state(at("2026-12-01T07:59:59Z")), PollState::NotOpen);
    assert_eq!(p.state(at("2026-12-01T08:00:00Z")), PollState::Open);
    assert_eq!(p.state(at("2027-01-31T22:59:00Z")), PollState::Closed);
    for (extra, questions, message) in [
        (
            "",
            r#"{"id":"q","type":"text","label":"Q"}"#,
            "exactly one question, of type `choice` or `multiple`",
        ),
        (
            "",
            &format!("{choice},{}", choice.replace(r#""id":"q""#, r#""id":"r""#)),
            "exactly one question",
        ),
        (
            r#""closes":"31/01/2027""#,
            choice,
            "poll.closes: `31/01/2027` is not a date and time",
        ),
        (
            r#""opens":"2027-01-01T00:00:00Z","closes":"2026-01-01T00:00:00Z""#,
            choice,
            "the poll closes before it opens",
        ),
        (
            r#""results":"sometimes""#,
            choice,
            "poll.results: unknown value `sometimes`",
        ),
        (
            r#""one_vote":"yes""#,
            choice,
            "poll.one_vote: expected true or false",
        ),
    ] {
        let e = poll(extra, questions).unwrap_err().to_string();
        assert!(e.contains(message), "{extra} {questions}\n{e}");
    }
}

#[test]
fn a_poll_shows_its_state_and_results_as_text() {
    use voix_form::{
        results::{Counts, results},
        schema::PollState,
        view::{PollView, ResultsView},
    };
    let f = form(
        r#"{"id":"p","title":"Un nom","poll":{},"questions":[{"id":"nom","type":"choice","label":"Quel nom ?",
            "choices":[{"id":"verne","label":"Jules-Verne"},{"id":"sand","label":"George-Sand"}]}]}"#,
    );
    let votes = [
        answers(&[("nom", s("verne"))]),
        answers(&[("nom", s("verne"))]),
        answers(&[("nom", s("sand"))]),
    ];
    let r = results(&f, &Counts::of(&f, &votes), Locale::Fr, "now");
    let mine = answers(&[("nom", s("sand"))]);
    let closed = view::view(
        &f,
        &ViewState {
            poll: Some(PollView {
                state: PollState::Closed,
                voted: false,
                results: ResultsView::Shown(&r),
            }),
            ..ViewState::new(&mine, Locale::Fr)
        },
    );
    let text = closed.text();
    assert!(text.contains("Ce sondage est clos."), "{text}");
    assert!(
        closed.find(&|e| e.tag == "form").is_none(),
        "no form once closed"
    );
    assert!(text.contains("Résultats (3 votes)"), "{text}");
    assert!(text.contains("Jules-Verne67\u{202f}% (2 votes)"), "{text}");
    assert!(
        text.contains("George-Sand — votre choix33\u{202f}% (1 vote)"),
        "{text}"
    );
    let meter = closed.find(&|e| e.tag == "meter").unwrap();
    assert_eq!(meter.attr("value"), Some("67"));
    assert_eq!(meter.attr("aria-hidden"), Some("true"), "the text says it");
    // Just voted: the thanks, the results, and the live region reads them.
    let sent = view::view(
        &f,
        &ViewState {
            status: Status::Sent,
            poll: Some(PollView {
                state: PollState::Open,
                voted: false,
                results: ResultsView::Shown(&r),
            }),
            ..ViewState::new(&mine, Locale::Fr)
        },
    );
    let live = sent.find(&|e| e.attr("role") == Some("status")).unwrap();
    assert_eq!(
        Node::Element(live.clone()).text(),
        "Merci pour votre vote ! Résultats : Jules-Verne 67\u{202f}%, George-Sand 33\u{202f}%."
    );
    // Voted earlier from this browser: no form, the results.
    let again = view::view(
        &f,
        &ViewState {
            poll: Some(PollView {
                state: PollState::Open,
                voted: true,
                results: ResultsView::Loading,
            }),
            ..ViewState::new(&Answers::new(), Locale::Fr)
        },
    );
    let text = again.text();
    assert!(
        text.contains("Vous avez déjà voté depuis ce navigateur."),
        "{text}"
    );
    assert!(text.contains("Chargement des résultats…"), "{text}");
    // Open and not voted: the form, with "Voter".
    let open = view::view(
        &f,
        &ViewState {
            poll: Some(PollView {
                state: PollState::Open,
                voted: false,
                results: ResultsView::None,
            }),
            ..ViewState::new(&Answers::new(), Locale::Fr)
        },
    );
    let button = open.find(&|e| e.tag == "button").unwrap();
    assert_eq!(Node::Element(button.clone()).text(), "Voter");
}
