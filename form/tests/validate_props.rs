//! Properties of validation over every question kind (issue 14): a valid answer is accepted, and
//! an answer that breaks exactly one rule is refused with that rule's code, on that field, and
//! nothing else.
//!
//! The valid values are written out here (not taken from `QuestionKind::options`), so the test
//! does not lean on the code it checks.

use proptest::{collection::vec, prelude::*, sample::subsequence};
use voix_form::{
    ErrorCode, Form,
    answer::{Answer, Answers},
    validate::{FieldError, validate},
};

/// One question of each kind, some required, one shown only on a condition.
const FORM: &str = r#"{"id":"props","title":"Every kind","questions":[
  {"id":"s3","type":"smileys","label":"Three","required":true},
  {"id":"s5","type":"smileys","label":"Five","count":5},
  {"id":"st","type":"stars","label":"Stars"},
  {"id":"sc","type":"scale","label":"Scale","min":1,"max":7},
  {"id":"nps","type":"nps","label":"NPS"},
  {"id":"yn","type":"yes_no","label":"Yes or no","required":true},
  {"id":"why","type":"text","label":"Why not?","required":true,
   "show_if":{"question":"yn","equals":"no"}},
  {"id":"ch","type":"choice","label":"Choice","other":true,
   "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"},{"id":"c","label":"C"}]},
  {"id":"mu","type":"multiple","label":"Multiple","other":true,"min_selected":2,"max_selected":3,
   "choices":[{"id":"w","label":"W"},{"id":"x","label":"X"},{"id":"y","label":"Y"},
              {"id":"z","label":"Z"},{"id":"none","label":"None","exclusive":true}]},
  {"id":"tx","type":"text","label":"Text","max_length":20},
  {"id":"em","type":"email","label":"Email"},
  {"id":"co","type":"consent","label":"I agree","required":true}
]}"#;

/// Longest text of an "other" choice (`schema::OTHER_MAX_LENGTH`).
const OTHER_MAX: usize = 200;

fn form() -> Form {
    Form::from_json(FORM).unwrap()
}

fn one(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(values).prop_map(str::to_owned)
}

/// Text that is not blank, of `min..=max` characters (any script, no control characters).
fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    vec(
        prop_oneof![Just('a'), Just('é'), Just('字'), Just(' '), any::<char>()],
        min..=max,
    )
    .prop_map(|chars| {
        chars
            .into_iter()
            .map(|c| if c.is_control() { 'x' } else { c })
            .collect::<String>()
    })
    .prop_map(|mut s| {
        // Not blank: the first character is a letter.
        if !s.is_empty() {
            s.replace_range(..s.chars().next().unwrap().len_utf8(), "q");
        }
        s
    })
}

fn email() -> impl Strategy<Value = String> {
    "[a-z0-9._-]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}"
}

/// A valid set of answers to [`FORM`]: each optional question answered or not, each answer a
/// valid value for its kind.
fn valid() -> impl Strategy<Value = Answers> {
    let smileys3 = one(&["bad", "average", "good"]);
    let smileys5 = prop::option::of(one(&["very_bad", "bad", "average", "fine", "good"]));
    let stars = prop::option::of(one(&["1", "2", "3", "4", "5"]));
    let scale = prop::option::of(one(&["1", "2", "3", "4", "5", "6", "7"]));
    let nps = prop::option::of((0..=10u8).prop_map(|n| n.to_string()));
    let yes_no = prop_oneof![
        Just(("yes".to_owned(), None)),
        text(1, 30).prop_map(|why| ("no".to_owned(), Some(why))),
    ];
    let choice = prop::option::of(prop_oneof![
        one(&["a", "b", "c"]).prop_map(|c| (c, None)),
        text(1, OTHER_MAX).prop_map(|t| ("other".to_owned(), Some(t))),
    ]);
    let multiple = prop::option::of(prop_oneof![
        Just((vec!["none".to_owned()], None)),
        subsequence(vec!["w", "x", "y", "z"], 2..=3)
            .prop_map(|v| (v.into_iter().map(str::to_owned).collect::<Vec<_>>(), None)),
        (subsequence(vec!["w", "x", "y", "z"], 1..=2), text(1, 40)).prop_map(|(v, t)| {
            let mut v: Vec<String> = v.into_iter().map(str::to_owned).collect();
            v.push("other".to_owned());
            (v, Some(t))
        }),
    ]);
    let free = prop::option::of(text(1, 20));
    let mail = prop::option::of(email());
    (
        (smileys3, smileys5, stars, scale, nps, yes_no),
        (choice, multiple, free, mail),
    )
        .prop_map(|((s3, s5, st, sc, nps, (yn, why)), (ch, mu, tx, em))| {
            let mut a = Answers::new();
            let mut put = |k: &str, v: Option<Answer>| {
                if let Some(v) = v {
                    a.insert(k.to_owned(), v);
                }
            };
            put("s3", Some(s3.into()));
            put("s5", s5.map(Into::into));
            put("st", st.map(Into::into));
            put("sc", sc.map(Into::into));
            put("nps", nps.map(Into::into));
            put("yn", Some(yn.into()));
            put("why", why.map(Into::into));
            if let Some((c, other)) = ch {
                put("ch", Some(c.into()));
                put("ch.other", other.map(Into::into));
            }
            if let Some((m, other)) = mu {
                put("mu", Some(m.into()));
                put("mu.other", other.map(Into::into));
            }
            put("tx", tx.map(Into::into));
            put("em", em.map(Into::into));
            put("co", Some("yes".into()));
            a
        })
}

/// One rule broken on purpose: the field it is reported on, its code, and how to break it.
#[derive(Debug, Clone)]
struct Break {
    field: String,
    code: ErrorCode,
    how: How,
}

#[derive(Debug, Clone)]
enum How {
    /// Remove the answer (and its "other" text).
    Remove,
    /// Set the answer to this.
    Set(Answer),
    /// Set the question's answer, and its "other" text to this (or remove it).
    WithOther(Answer, Option<String>),
    /// Answer `yn` "no" and leave `why`, which that shows, unanswered.
    HideNothing,
}

fn many(values: &[&str]) -> Answer {
    Answer::Many(values.iter().map(|v| (*v).to_owned()).collect())
}

/// Every rule of `validate` that [`FORM`] lets one break, on each kind it applies to.
fn breaks() -> impl Strategy<Value = Break> {
    let b = |field: &str, code, how| Break {
        field: field.to_owned(),
        code,
        how,
    };
    let set = |s: &str| How::Set(s.into());
    prop_oneof![
        // required
        Just(b("s3", ErrorCode::Required, How::Remove)),
        Just(b("co", ErrorCode::Required, How::Remove)),
        Just(b("s3", ErrorCode::Required, set("   "))),
        Just(b("yn", ErrorCode::Required, How::Remove)),
        Just(b("why", ErrorCode::Required, How::HideNothing)),
        Just(b(
            "ch.other",
            ErrorCode::Required,
            How::WithOther("other".into(), None)
        )),
        Just(b(
            "mu.other",
            ErrorCode::Required,
            How::WithOther(many(&["w", "other"]), Some(" ".into()))
        )),
        // too_long
        text(21, 60).prop_map(|t| Break {
            field: "tx".to_owned(),
            code: ErrorCode::TooLong,
            how: How::Set(t.into()),
        }),
        text(OTHER_MAX + 1, OTHER_MAX + 40).prop_map(|t| Break {
            field: "ch.other".to_owned(),
            code: ErrorCode::TooLong,
            how: How::WithOther("other".into(), Some(t)),
        }),
        // unknown_choice, on every kind with fixed values
        (
            prop::sample::select(vec!["s3", "s5", "st", "sc", "nps", "yn", "ch", "co"]),
            "[a-z0-9]{1,8}|very_bad|fine|0|6|8|11|no"
        )
            .prop_filter("a value the question really lacks", |(q, v)| !valid_for(
                q, v
            ))
            .prop_map(|(q, v)| Break {
                field: q.to_owned(),
                code: ErrorCode::UnknownChoice,
                how: How::Set(v.into()),
            }),
        prop::sample::select(vec!["s3", "st", "tx", "co"]).prop_map(|q| Break {
            field: q.to_owned(),
            code: ErrorCode::UnknownChoice,
            how: How::Set(many(&["good", "1"])),
        }),
        Just(b(
            "mu",
            ErrorCode::UnknownChoice,
            How::Set(many(&["w", "v"]))
        )),
        // unknown_question
        "[a-z][a-z0-9_-]{0,10}"
            .prop_filter("not a question of the form", |k| form()
                .question(k)
                .is_none())
            .prop_map(|k| Break {
                field: k,
                code: ErrorCode::UnknownQuestion,
                how: How::Set("x".into()),
            }),
        Just(b("tx.other", ErrorCode::UnknownQuestion, set("x"))),
        // invalid_email
        prop::sample::select(vec![
            "nobody", "a@b", "a b@c.fr", "@c.fr", "a@.fr", "a@c..fr"
        ])
        .prop_map(|e| Break {
            field: "em".to_owned(),
            code: ErrorCode::InvalidEmail,
            how: How::Set(e.into()),
        }),
        // multiple choice
        prop::sample::select(vec!["w", "x", "y", "z"]).prop_map(|c| Break {
            field: "mu".to_owned(),
            code: ErrorCode::TooFewChoices,
            how: How::Set(many(&[c])),
        }),
        Just(b(
            "mu",
            ErrorCode::TooManyChoices,
            How::Set(many(&["w", "x", "y", "z"]))
        )),
        prop::sample::select(vec!["w", "x", "y", "z"]).prop_map(|c| Break {
            field: "mu".to_owned(),
            code: ErrorCode::ExclusiveChoice,
            how: How::Set(many(&["none", c])),
        }),
    ]
}

fn valid_for(question: &str, value: &str) -> bool {
    let values: &[&str] = match question {
        "s3" => &["bad", "average", "good"],
        "s5" => &["very_bad", "bad", "average", "fine", "good"],
        "st" => &["1", "2", "3", "4", "5"],
        "sc" => &["1", "2", "3", "4", "5", "6", "7"],
        "nps" => &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        "yn" => &["yes", "no"],
        "ch" => &["a", "b", "c", "other"],
        "co" => &["yes"],
        _ => &[],
    };
    values.contains(&value)
}

/// `answers` with `broken` applied (to the field's question, for an `x.other` field).
fn apply(mut answers: Answers, broken: &Break) -> Answers {
    let field = broken.field.as_str();
    let question = field.strip_suffix(".other").unwrap_or(field);
    match &broken.how {
        How::Remove => {
            answers.remove(question);
            answers.remove(&format!("{question}.other"));
        }
        How::Set(v) => {
            answers.insert(field.to_owned(), v.clone());
        }
        How::WithOther(v, other) => {
            answers.insert(question.to_owned(), v.clone());
            let key = format!("{question}.other");
            answers.remove(&key);
            if let Some(t) = other {
                answers.insert(key, t.clone());
            }
        }
        How::HideNothing => {
            answers.insert("yn".to_owned(), "no");
            answers.remove("why");
        }
    }
    // Keep the rest valid: a question the change hid, or an "other" text whose choice is no
    // longer chosen, loses its answer, as the widget would prune it.
    if answers.get("yn").is_none_or(|a| *a != "no") {
        answers.remove("why");
    }
    for q in ["ch", "mu"] {
        let other = format!("{q}.other");
        if field != other && !answers.get(q).is_some_and(|a| a.contains("other")) {
            answers.remove(&other);
        }
    }
    answers
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_answer_is_accepted(answers in valid()) {
        prop_assert_eq!(validate(&form(), &answers), Ok(()), "{:?}", answers);
    }

    #[test]
    fn an_answer_breaking_one_rule_is_refused_with_that_rule_s_code(
        answers in valid(),
        broken in breaks(),
    ) {
        let answers = apply(answers, &broken);
        let expected = vec![FieldError { field: broken.field.clone(), code: broken.code }];
        prop_assert_eq!(validate(&form(), &answers), Err(expected), "{:?}", answers);
    }
}

/// Every code `validate` can give for a field is among those the property breaks, so a new rule
/// without a case here fails.
#[test]
fn the_properties_cover_every_answer_code() {
    use ErrorCode::*;
    let covered = [
        Required,
        TooLong,
        UnknownChoice,
        UnknownQuestion,
        InvalidEmail,
        TooFewChoices,
        TooManyChoices,
        ExclusiveChoice,
    ];
    let source = include_str!("../src/validate.rs");
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    for code in ErrorCode::ALL {
        let name = format!("ErrorCode::{code:?}");
        // `ErrorCode::Invalid` is not `ErrorCode::InvalidEmail`.
        let named = source
            .match_indices(&name)
            .any(|(i, _)| !source[i + name.len()..].starts_with(|c: char| c.is_alphanumeric()));
        assert_eq!(
            named,
            covered.contains(&code),
            "{code:?}: validate.rs {} it, the properties {}",
            if named { "gives" } else { "does not give" },
            if covered.contains(&code) {
                "cover it"
            } else {
                "do not"
            }
        );
    }
}
