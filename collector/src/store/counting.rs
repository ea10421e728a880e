//! What the database counts, so that results never read every answer: the rows of
//! `answer_counts`, kept in the transaction that stores an answer (added) and in the one that
//! purges it (taken away), on both backends.
//!
//! What one response adds is exactly what [`Counts::of`] says of it — the very function the
//! results model is defined by — so the counters of a form always equal `Counts::of` over its
//! stored answers (tested on both backends, and as a property). A form the store was not told
//! about ([`crate::store::Store::count_forms`]) only counts its responses.
//!
//! How a form is counted depends only on its question ids and on which of them count values
//! (those with options: smileys, stars, scales, NPS, yes/no, choices); that is its [`spec`].
//! The spec it was counted with is stored beside the counts, and a collector that starts with a
//! definition that counts otherwise counts that form again from its stored answers.

use std::collections::BTreeMap;

use voix_form::{Form, answer::Answers, results::Counts};

/// `question` of the row holding a form's number of responses.
const RESPONSES: &str = "";
/// `value` of the row holding how many responses answered a question.
const ANSWERED: &str = "";

/// How `form` is counted: each question id, with `v` when its values are counted, `a` when only
/// whether it was answered; e.g. `note:v,commentaire:a`.
pub(crate) fn spec(form: &Form) -> String {
    form.questions
        .iter()
        .map(|q| {
            let how = if q.kind.options().is_some() { "v" } else { "a" };
            format!("{}:{how}", q.id)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What one stored response adds to its form's counts: [`Counts::of`] of its answers, or only
/// the response itself for a form the store was not told about.
pub(crate) fn of_response(form: Option<&Form>, answers: &Answers) -> Counts {
    match form {
        Some(form) => Counts::of(form, [answers]),
        None => Counts {
            responses: 1,
            ..Counts::default()
        },
    }
}

/// Changes to the counters: `(form, question, value) → delta`, in key order. Writers apply
/// them in that order, so two transactions updating the same rows never wait for each other in
/// a cycle (PostgreSQL with several collectors).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tally(BTreeMap<(String, String, String), i64>);

impl Tally {
    /// Adds `counts` of form `form_id`, each multiplied by `sign` (1 stored, -1 deleted).
    pub(crate) fn add(&mut self, form_id: &str, counts: &Counts, sign: i64) {
        let mut bump = |question: &str, value: &str, n: u64| {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            *self
                .0
                .entry((form_id.to_owned(), question.to_owned(), value.to_owned()))
                .or_default() += sign * n;
        };
        if counts.responses > 0 {
            bump(RESPONSES, ANSWERED, counts.responses);
        }
        for (q, n) in &counts.answered {
            bump(q, ANSWERED, *n);
        }
        for (q, v, n) in &counts.values {
            bump(q, v, *n);
        }
    }

    /// `(form, question, value, delta)` in key order, zero deltas left out.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (&str, &str, &str, i64)> {
        self.0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((f, q, v), n)| (f.as_str(), q.as_str(), v.as_str(), *n))
    }

    /// Whether there is nothing to write.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows().next().is_none()
    }
}

/// A form's stored answers counted again, one response at a time (a changed definition, or a
/// form never counted): what each adds, summed into the rows to write.
#[derive(Debug)]
pub(crate) struct Recount<'f> {
    form: &'f Form,
    tally: Tally,
    /// Responses counted so far.
    pub(crate) responses: u64,
}

impl<'f> Recount<'f> {
    pub(crate) fn new(form: &'f Form) -> Recount<'f> {
        Recount {
            form,
            tally: Tally::default(),
            responses: 0,
        }
    }

    /// Counts one stored response.
    pub(crate) fn add(&mut self, answers: &Answers) {
        self.tally
            .add(&self.form.id, &of_response(Some(self.form), answers), 1);
        self.responses += 1;
    }

    /// The counters to write (after deleting the form's old ones).
    pub(crate) fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// The counts of one form from its rows of `answer_counts` (`question, value, n`).
pub(crate) fn from_rows(rows: impl IntoIterator<Item = (String, String, i64)>) -> Counts {
    let mut counts = Counts::default();
    for (question, value, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        if question == RESPONSES {
            counts.responses += n;
        } else if value == ANSWERED {
            counts.answered.push((question, n));
        } else {
            counts.values.push((question, value, n));
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use voix_form::answer::Answer;

    use super::*;

    fn form() -> Form {
        Form::from_json(
            r#"{"id":"f","title":"T","questions":[
                {"id":"note","type":"smileys","label":"N"},
                {"id":"m","type":"multiple","label":"M","other":true,
                 "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]},
                {"id":"c","type":"text","label":"C"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_spec_names_what_is_counted() {
        assert_eq!(spec(&form()), "note:v,m:v,c:a");
    }

    #[test]
    fn a_tally_round_trips_through_rows() {
        let form = form();
        let mut a = Answers::new();
        a.insert("note".into(), "good");
        a.insert("m".into(), Answer::Many(vec!["a".into(), "other".into()]));
        a.insert("m.other".into(), "secret");
        a.insert("c".into(), "secret too");
        let counts = of_response(Some(&form), &a);
        let mut tally = Tally::default();
        tally.add("f", &counts, 1);
        tally.add("f", &counts, 1);
        let rows: Vec<_> = tally
            .rows()
            .map(|(_, q, v, n)| (q.to_owned(), v.to_owned(), n))
            .collect();
        // No text is ever a value.
        assert!(
            rows.iter().all(|(_, v, _)| !v.contains("secret")),
            "{rows:?}"
        );
        let back = from_rows(rows);
        assert_eq!(back.responses, 2);
        let twice = Counts::of(&form, [&a, &a]);
        let sorted = |c: &Counts| {
            let mut v = c.values.clone();
            v.sort();
            let mut a = c.answered.clone();
            a.sort();
            (c.responses, v, a)
        };
        assert_eq!(sorted(&back), sorted(&twice));
        // Taking both away leaves nothing to write.
        tally.add("f", &counts, -2);
        assert!(tally.is_empty());
    }

    #[test]
    fn an_unknown_form_counts_responses_only() {
        let mut a = Answers::new();
        a.insert("x".into(), "y");
        let c = of_response(None, &a);
        assert_eq!((c.responses, c.values.len(), c.answered.len()), (1, 0, 0));
    }
}
