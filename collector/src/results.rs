//! Results of a form: per-question aggregates computed from the stored responses, as served by
//! `GET /v1/forms/{id}/results`. Pure functions over a [`Form`] and its [`StoredResponse`]s — no
//! I/O, no clock (the caller passes `generated_at`) — so every number is unit-tested.
//!
//! What is published is counts only. Free-text answers are counted (`answered`), never shown:
//! residents type names, addresses and worse into comment boxes, and results may be public.
//! The texts are for the admin export ([`crate::export`]) only.
//!
//! Percentages are whole numbers that add up to exactly 100 (largest-remainder method, see
//! [`percentages`]): a results bar reading 33 + 33 + 33 = 99 gets reported as a bug by the first
//! person who adds them up.
//!
//! A new kind of question adds one arm to [`aggregate_question`]: a kind with a fixed set of
//! options (stars, scales, choices) builds its [`Tally`] with [`tally`] and gets counts,
//! percentages and (when the options have scores) a mean for free.
//!
//! Scaling: everything is recomputed from every stored response on each request. That is
//! thousands of rows for a town-hall form and costs milliseconds; a form with millions of answers
//! would want the store to count (`GROUP BY question, value`) instead.
//!
//! # Example
//! ```
//! use voix_collector::{results, store::StoredResponse};
//! use voix_form::{Form, answer::Answers};
//! let form = Form::from_json(
//!     r#"{"id":"avis","title":"Avis","questions":[{"id":"note","type":"smileys","label":"Note"}]}"#,
//! ).unwrap();
//! let response = |v: &str| StoredResponse {
//!     id: "r".into(),
//!     submission_id: None,
//!     received_at: "2026-01-01T00:00:00Z".parse().unwrap(),
//!     answers: [("note".to_owned(), v.to_owned())].into_iter().collect::<Answers>(),
//! };
//! let now = "2026-01-02T00:00:00Z".parse().unwrap();
//! let r = results::aggregate(&form, &[response("good"), response("bad")], now);
//! let json = serde_json::to_value(&r).unwrap();
//! assert_eq!(json["responses"], 2);
//! assert_eq!(json["questions"][0]["options"][2]["percent"], 50);
//! assert_eq!(json["questions"][0]["mean"], 2.0);
//! ```

use jiff::Timestamp;
use serde::Serialize;
use voix_form::{
    Form,
    i18n::Locale,
    schema::{Question, QuestionKind, Smiley},
};

use crate::store::StoredResponse;

/// The results of one form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormResults {
    /// The form id.
    pub form: String,
    /// How many responses are stored for the form.
    pub responses: u64,
    /// When these numbers were computed (RFC 3339 UTC in JSON).
    pub generated_at: Timestamp,
    /// One entry per question, in form order.
    pub questions: Vec<QuestionResult>,
}

/// The aggregate of one question, tagged by the question's `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionResult {
    /// Counts per smiley, worst first, and the mean on the 1 (bad) to 3 (good) scale.
    Smileys {
        /// The question id.
        id: String,
        /// The question as shown to residents.
        label: String,
        /// Counts, percentages and mean.
        #[serde(flatten)]
        tally: Tally,
    },
    /// Free text: only how many residents wrote something. Never the texts.
    Text {
        /// The question id.
        id: String,
        /// The question as shown to residents.
        label: String,
        /// Responses with a (non-blank) answer to this question.
        answered: u64,
    },
}

/// Counts of a question with a fixed set of options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Responses that answered this question with one of the options.
    pub total: u64,
    /// Every option, in display order, answered or not.
    pub options: Vec<OptionCount>,
    /// Mean of the options' scores over the answers, two decimals; `null` with no answer or
    /// for options without scores.
    pub mean: Option<f64>,
}

/// One option of a [`Tally`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionCount {
    /// The answer value (e.g. `good`).
    pub value: String,
    /// Its text, in the collector's locale (e.g. `Très bien`).
    pub label: String,
    /// How many responses chose it.
    pub count: u64,
    /// `count` as a whole percentage of `total`; the options' percentages add up to 100
    /// (all 0 when `total` is 0).
    pub percent: u32,
}

/// An option offered by a question, as [`tally`] needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec<'a> {
    /// The answer value.
    pub value: &'a str,
    /// Its text.
    pub label: &'a str,
    /// Its place on the question's scale, for the mean; `None` for unordered choices.
    pub score: Option<f64>,
}

/// Aggregates `responses` to `form`. Answers to questions the form no longer has, and values
/// that are not options of their question (a definition edited after answers came in), are
/// left out of the counts rather than guessed at.
pub fn aggregate(
    form: &Form,
    responses: &[StoredResponse],
    generated_at: Timestamp,
) -> FormResults {
    FormResults {
        form: form.id.clone(),
        responses: responses.len() as u64,
        generated_at,
        questions: form
            .questions
            .iter()
            .map(|q| aggregate_question(q, responses))
            .collect(),
    }
}

/// The aggregate of question `q` over `responses`: one arm per kind of question.
pub fn aggregate_question(q: &Question, responses: &[StoredResponse]) -> QuestionResult {
    let answers = responses.iter().filter_map(|r| r.answers.get(&q.id));
    let (id, label) = (q.id.clone(), q.label.clone());
    match q.kind {
        QuestionKind::Smileys => {
            let labels = Locale::Fr.strings().smileys;
            let options: Vec<OptionSpec> = Smiley::ALL
                .iter()
                .zip(labels)
                .zip(1..)
                .map(|((s, label), score)| OptionSpec {
                    value: s.key(),
                    label,
                    score: Some(f64::from(score)),
                })
                .collect();
            QuestionResult::Smileys {
                id,
                label,
                tally: tally(&options, answers),
            }
        }
        QuestionKind::Text { .. } => QuestionResult::Text {
            id,
            label,
            answered: answers.filter(|a| !voix_form::answer::is_blank(a)).count() as u64,
        },
    }
}

/// Counts `answers` among `options`; answers that are no option are ignored.
pub fn tally<'a>(options: &[OptionSpec], answers: impl IntoIterator<Item = &'a str>) -> Tally {
    let mut counts = vec![0u64; options.len()];
    for a in answers {
        if let Some(i) = options.iter().position(|o| o.value == a) {
            counts[i] += 1;
        }
    }
    let total: u64 = counts.iter().sum();
    let percents = percentages(&counts);
    let mean = if total == 0 || options.iter().any(|o| o.score.is_none()) {
        None
    } else {
        let sum: f64 = options
            .iter()
            .zip(&counts)
            .map(|(o, &c)| o.score.unwrap_or(0.0) * c as f64)
            .sum();
        Some(round2(sum / total as f64))
    };
    Tally {
        total,
        options: options
            .iter()
            .zip(counts)
            .zip(percents)
            .map(|((o, count), percent)| OptionCount {
                value: o.value.to_owned(),
                label: o.label.to_owned(),
                count,
                percent,
            })
            .collect(),
        mean,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Whole percentages of `counts` that add up to exactly 100 (all 0 when every count is 0), by
/// the largest-remainder method: every share is rounded down, then the points missing to reach
/// 100 go one each to the shares that lost the most in rounding — on a tie, to the larger
/// count, then to the earlier option. Each percentage is within 1 of the exact share, and a
/// larger count never gets a smaller percentage.
///
/// # Example
/// ```
/// use voix_collector::results::percentages;
/// assert_eq!(percentages(&[1, 1, 1]), [34, 33, 33]);
/// assert_eq!(percentages(&[2, 1]), [67, 33]);
/// assert_eq!(percentages(&[0, 0]), [0, 0]);
/// ```
pub fn percentages(counts: &[u64]) -> Vec<u32> {
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    // Exact share = 100·c / total = floor + remainder / total.
    let mut out: Vec<u32> = Vec::with_capacity(counts.len());
    let mut remainders: Vec<(u128, u64, usize)> = Vec::with_capacity(counts.len());
    for (i, &c) in counts.iter().enumerate() {
        let scaled = u128::from(c) * 100;
        // At most 100, so the conversion never fails.
        out.push(u32::try_from(scaled / total).unwrap_or(100));
        remainders.push((scaled % total, c, i));
    }
    let missing = 100 - out.iter().sum::<u32>() as usize;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in remainders.iter().take(missing) {
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use voix_form::answer::Answers;

    use super::*;

    fn form() -> Form {
        Form::from_json(
            r#"{"id":"avis","title":"Avis","questions":[
                {"id":"note","type":"smileys","label":"Note"},
                {"id":"commentaire","type":"text","label":"Un mot ?"}]}"#,
        )
        .unwrap()
    }

    fn response(answers: &[(&str, &str)]) -> StoredResponse {
        StoredResponse {
            id: "r".into(),
            submission_id: None,
            received_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            answers: answers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Answers>(),
        }
    }

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn smileys(r: &FormResults) -> &Tally {
        match &r.questions[0] {
            QuestionResult::Smileys { tally, .. } => tally,
            other => panic!("{other:?}"),
        }
    }

    fn counts_and_percents(t: &Tally) -> Vec<(u64, u32)> {
        t.options.iter().map(|o| (o.count, o.percent)).collect()
    }

    #[test]
    fn no_answers() {
        let r = aggregate(&form(), &[], now());
        assert_eq!(r.responses, 0);
        let t = smileys(&r);
        assert_eq!(t.total, 0);
        assert_eq!(counts_and_percents(t), [(0, 0), (0, 0), (0, 0)]);
        assert_eq!(t.mean, None);
        assert_eq!(
            r.questions[1],
            QuestionResult::Text {
                id: "commentaire".into(),
                label: "Un mot ?".into(),
                answered: 0
            }
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["questions"][0]["mean"], serde_json::Value::Null);
    }

    #[test]
    fn one_answer() {
        let r = aggregate(&form(), &[response(&[("note", "average")])], now());
        let t = smileys(&r);
        assert_eq!(t.total, 1);
        assert_eq!(counts_and_percents(t), [(0, 0), (1, 100), (0, 0)]);
        assert_eq!(t.mean, Some(2.0));
    }

    #[test]
    fn thirds_round_to_34_33_33() {
        let rs = [
            response(&[("note", "bad")]),
            response(&[("note", "average")]),
            response(&[("note", "good"), ("commentaire", "Merci")]),
        ];
        let r = aggregate(&form(), &rs, now());
        let t = smileys(&r);
        assert_eq!(counts_and_percents(t), [(1, 34), (1, 33), (1, 33)]);
        assert_eq!(t.mean, Some(2.0));
        assert!(matches!(
            r.questions[1],
            QuestionResult::Text { answered: 1, .. }
        ));
    }

    #[test]
    fn mean_is_rounded_and_unanswered_questions_do_not_count() {
        let rs = [
            response(&[("note", "good")]),
            response(&[("note", "good")]),
            response(&[("note", "bad")]),
            response(&[("commentaire", "seulement un mot")]),
        ];
        let r = aggregate(&form(), &rs, now());
        assert_eq!(r.responses, 4);
        let t = smileys(&r);
        assert_eq!(t.total, 3);
        // 7 / 3 = 2.333…
        assert_eq!(t.mean, Some(2.33));
        assert_eq!(counts_and_percents(t), [(1, 33), (0, 0), (2, 67)]);
    }

    #[test]
    fn stray_values_and_questions_are_ignored() {
        let rs = [
            response(&[("note", "great"), ("ancienne", "x")]),
            response(&[("note", "good"), ("commentaire", "  ")]),
        ];
        let r = aggregate(&form(), &rs, now());
        let t = smileys(&r);
        assert_eq!(t.total, 1);
        assert_eq!(counts_and_percents(t), [(0, 0), (0, 0), (1, 100)]);
        assert!(matches!(
            r.questions[1],
            QuestionResult::Text { answered: 0, .. }
        ));
        assert_eq!(r.questions.len(), 2);
    }

    #[test]
    fn json_shape() {
        let r = aggregate(&form(), &[response(&[("note", "good")])], now());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "form": "avis",
                "responses": 1,
                "generated_at": "2026-01-01T00:00:00Z",
                "questions": [
                    {"type": "smileys", "id": "note", "label": "Note", "total": 1, "mean": 3.0,
                     "options": [
                        {"value": "bad", "label": "Pas bien", "count": 0, "percent": 0},
                        {"value": "average", "label": "Moyen", "count": 0, "percent": 0},
                        {"value": "good", "label": "Très bien", "count": 1, "percent": 100}]},
                    {"type": "text", "id": "commentaire", "label": "Un mot ?", "answered": 0}
                ]
            })
        );
    }

    #[test]
    fn unordered_options_have_no_mean() {
        let options = [
            OptionSpec {
                value: "a",
                label: "A",
                score: None,
            },
            OptionSpec {
                value: "b",
                label: "B",
                score: None,
            },
        ];
        let t = tally(&options, ["a", "b", "b"]);
        assert_eq!(t.mean, None);
        assert_eq!(counts_and_percents(&t), [(1, 33), (2, 67)]);
    }

    #[test]
    fn percentages_known_cases() {
        assert_eq!(percentages(&[]), Vec::<u32>::new());
        assert_eq!(percentages(&[0]), [0]);
        assert_eq!(percentages(&[7]), [100]);
        assert_eq!(percentages(&[1, 1, 1]), [34, 33, 33]);
        assert_eq!(percentages(&[1, 1, 1, 1, 1, 1]), [17, 17, 17, 17, 16, 16]);
        assert_eq!(percentages(&[1, 2]), [33, 67]);
        assert_eq!(percentages(&[0, 1, 0]), [0, 100, 0]);
        assert_eq!(percentages(&[1, 3, 3]), [14, 43, 43]);
        // 0.5 and 1.5 lose as much in rounding: the point goes to the larger count.
        assert_eq!(percentages(&[1, 3, 196]), [0, 2, 98]);
        assert_eq!(percentages(&[999, 1]), [100, 0]);
        // 99.5 and 0.5: a tie again, so the larger count takes the point.
        assert_eq!(percentages(&[995, 5]), [100, 0]);
        assert_eq!(percentages(&[994, 6]), [99, 1]);
        assert_eq!(percentages(&[u64::MAX, u64::MAX]), [50, 50]);
        assert_eq!(percentages(&[u64::MAX, 1, 0]), [100, 0, 0]);
    }

    // The properties every caller relies on.
    fn check(counts: &[u64]) {
        let p = percentages(counts);
        assert_eq!(p.len(), counts.len(), "{counts:?}");
        let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
        if total == 0 {
            assert!(p.iter().all(|&x| x == 0), "{counts:?} -> {p:?}");
            return;
        }
        assert_eq!(p.iter().sum::<u32>(), 100, "{counts:?} -> {p:?}");
        for (i, (&c, &pi)) in counts.iter().zip(&p).enumerate() {
            // Within 1 of the exact share: floor(exact) <= p <= floor(exact) + 1, and exactly
            // the exact share when it is whole.
            let scaled = u128::from(c) * 100;
            let floor = scaled / total;
            let exact_is_whole = scaled % total == 0;
            let pi = u128::from(pi);
            assert!(
                pi == floor || (!exact_is_whole && pi == floor + 1),
                "{counts:?} -> {p:?} at {i}"
            );
            if c == 0 {
                assert_eq!(pi, 0, "{counts:?} -> {p:?}");
            }
            // Monotonic: a larger count never gets a smaller percentage.
            for (&d, &pj) in counts.iter().zip(&p) {
                if c > d {
                    assert!(pi >= u128::from(pj), "{counts:?} -> {p:?}");
                }
                if c == d {
                    assert!(pi.abs_diff(u128::from(pj)) <= 1, "{counts:?} -> {p:?}");
                }
            }
        }
    }

    #[test]
    fn percentages_properties_exhaustively_on_small_counts() {
        // Every vector of 1 to 4 counts, each 0..=12: 30 000 cases.
        for len in 1..=4u32 {
            let n = 13u64;
            for mut code in 0..n.pow(len) {
                let mut counts = Vec::new();
                for _ in 0..len {
                    counts.push(code % n);
                    code /= n;
                }
                check(&counts);
            }
        }
    }

    #[test]
    fn percentages_properties_on_random_counts() {
        // A fixed-seed xorshift: reproducible, and no dependency for a few random numbers.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 11) as usize + 1;
            // Mix magnitudes: small counts (many ties), large ones, and zeros.
            let counts: Vec<u64> = (0..len)
                .map(|_| match next() % 4 {
                    0 => 0,
                    1 => next() % 5,
                    2 => next() % 100_000,
                    _ => next() >> (next() % 64),
                })
                .collect();
            check(&counts);
        }
    }
}
