//! A form's results: what `GET /v1/forms/{id}/results` publishes, what the widget shows after a
//! poll vote, and the arithmetic behind both — pure, so every number is unit-tested and the
//! collector and the widget agree on it.
//!
//! The collector counts in its database (`GROUP BY question, value`), never by reading every
//! answer; [`Counts`] is what it hands over, and [`results`] turns counts into the published
//! form: per question the counts and percentages of each option, the total, the mean where
//! options have scores (smileys, stars, scales, NPS), the NPS score with its three groups, and
//! for free text only how many answered — never the texts, which may hold anything.
//!
//! Percentages of a single-answer question are whole numbers that add up to exactly 100
//! ([`percentages`], largest remainder). For multiple choice each option's percentage is the
//! share of the respondents who chose it, so they may add up to more than 100.

use serde::{Deserialize, Serialize};

use crate::{
    Form, Question, QuestionKind,
    answer::{Answers, OTHER},
    i18n::Locale,
    schema::{KindName, Smiley},
};

/// The results of one form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormResults {
    /// The form id.
    pub form: String,
    /// How many responses are stored for the form.
    pub responses: u64,
    /// When these numbers were computed, RFC 3339 UTC.
    #[serde(default)]
    pub generated_at: String,
    /// One entry per question, in form order.
    pub questions: Vec<QuestionResult>,
}

/// The aggregate of one question. One flat shape for every kind: what does not apply is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// The question id.
    pub id: String,
    /// The question's type.
    #[serde(rename = "type")]
    pub kind: KindName,
    /// The question as shown to residents.
    #[serde(default)]
    pub label: String,
    /// Kinds with options: responses that answered with one of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Kinds with options: every option in display order, answered or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionCount>,
    /// Kinds with scores: the mean score, two decimals (`null` with no answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Option<f64>>,
    /// Text, email and consent: how many answered. Never what they wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<u64>,
    /// NPS only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nps: Option<Nps>,
}

/// One option of a question and how often it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionCount {
    /// The answer value (e.g. `good`, `3`, a choice id).
    pub value: String,
    /// Its text (the choice's label, the smiley's name in the results' locale).
    #[serde(default)]
    pub label: String,
    /// How many responses chose it.
    pub count: u64,
    /// Its whole percentage (see the module).
    pub percent: u32,
}

/// A Net Promoter Score: the share of promoters (9–10) minus that of detractors (0–6), from
/// −100 to 100; passives answered 7 or 8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nps {
    /// Promoters' percentage minus detractors' (of the rounded shares, so it matches them).
    pub score: i32,
    /// Answers 9 or 10.
    pub promoters: u64,
    /// Answers 7 or 8.
    pub passives: u64,
    /// Answers 0 to 6.
    pub detractors: u64,
    /// The three groups' whole percentages (promoters, passives, detractors), adding up to 100.
    pub percents: [u32; 3],
}

/// How many times each value was given to each question, and to how many responses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Responses stored.
    pub responses: u64,
    /// `(question id, value) → count`. A multiple-choice answer counts once per value; text
    /// answers are counted under the empty value (only how many answered matters).
    pub values: Vec<(String, String, u64)>,
    /// `question id → responses that answered it` (for multiple choice, respondents).
    pub answered: Vec<(String, u64)>,
}

impl Counts {
    /// The counts of `answers` (what a database would compute; for tests and small sets).
    pub fn of<'a>(form: &Form, answers: impl IntoIterator<Item = &'a Answers>) -> Counts {
        let mut c = Counts::default();
        for a in answers {
            c.responses += 1;
            for q in &form.questions {
                let Some(answer) = a.get(&q.id).filter(|v| !v.is_blank()) else {
                    continue;
                };
                c.add_answered(&q.id);
                if q.kind.options().is_some() {
                    for v in answer.values() {
                        c.add(&q.id, v, 1);
                    }
                }
            }
        }
        c
    }

    /// Adds `n` to the count of `value` for question `q`.
    pub fn add(&mut self, q: &str, value: &str, n: u64) {
        match self
            .values
            .iter_mut()
            .find(|(qq, v, _)| qq == q && v == value)
        {
            Some(e) => e.2 += n,
            None => self.values.push((q.to_owned(), value.to_owned(), n)),
        }
    }

    fn add_answered(&mut self, q: &str) {
        match self.answered.iter_mut().find(|(qq, _)| qq == q) {
            Some(e) => e.1 += 1,
            None => self.answered.push((q.to_owned(), 1)),
        }
    }

    fn value(&self, q: &str, value: &str) -> u64 {
        self.values
            .iter()
            .filter(|(qq, v, _)| qq == q && v == value)
            .map(|e| e.2)
            .sum()
    }

    fn answered_count(&self, q: &str) -> u64 {
        self.answered
            .iter()
            .find(|(qq, _)| qq == q)
            .map_or(0, |e| e.1)
    }
}

/// The published results of `form` from `counts`, with option labels in `locale`.
/// Values that are no option of their question (a definition edited after answers came in)
/// are left out rather than guessed at.
pub fn results(form: &Form, counts: &Counts, locale: Locale, generated_at: &str) -> FormResults {
    FormResults {
        form: form.id.clone(),
        responses: counts.responses,
        generated_at: generated_at.to_owned(),
        questions: form
            .questions
            .iter()
            .map(|q| question(q, counts, locale))
            .collect(),
    }
}

fn question(q: &Question, counts: &Counts, locale: Locale) -> QuestionResult {
    let s = locale.strings();
    let mut r = QuestionResult {
        id: q.id.clone(),
        kind: q.kind.name(),
        label: q.label.clone(),
        total: None,
        options: Vec::new(),
        mean: None,
        answered: None,
        nps: None,
    };
    let Some(values) = q.kind.options() else {
        r.answered = Some(counts.answered_count(&q.id));
        return r;
    };
    let label = |v: &str| -> String {
        match &q.kind {
            QuestionKind::Smileys { .. } => {
                Smiley::from_key(v).map_or("", |sm| s.smiley(sm)).into()
            }
            QuestionKind::YesNo if v == "yes" => s.yes.into(),
            QuestionKind::YesNo => s.no.into(),
            _ if v == OTHER && q.kind.has_other() => s.other.into(),
            _ => q
                .kind
                .choice(v)
                .map_or_else(|| v.to_owned(), |c| c.label.clone()),
        }
    };
    let n: Vec<u64> = values.iter().map(|v| counts.value(&q.id, v)).collect();
    let multiple = q.kind.is_multiple();
    let total = if multiple {
        counts.answered_count(&q.id)
    } else {
        n.iter().sum()
    };
    let percents = if multiple {
        n.iter()
            .map(|&c| {
                if total == 0 {
                    0
                } else {
                    ((u128::from(c) * 200 + u128::from(total)) / (2 * u128::from(total))) as u32
                }
            })
            .collect()
    } else {
        percentages(&n)
    };
    // Scores for the mean: position on the scale (smileys, stars), the number itself (scales).
    let score = |v: &str, i: usize| -> Option<f64> {
        match &q.kind {
            QuestionKind::Smileys { .. } | QuestionKind::Stars => Some(i as f64 + 1.0),
            QuestionKind::Scale { .. } | QuestionKind::Nps { .. } => v.parse().ok(),
            _ => None,
        }
    };
    if values
        .iter()
        .enumerate()
        .all(|(i, v)| score(v, i).is_some())
    {
        let sum: f64 = values
            .iter()
            .enumerate()
            .map(|(i, v)| score(v, i).unwrap_or(0.0) * n[i] as f64)
            .sum();
        r.mean = Some((total > 0).then(|| round2(sum / total as f64)));
    }
    if let QuestionKind::Nps { .. } = q.kind {
        let group = |lo: usize, hi: usize| n[lo..=hi].iter().sum::<u64>();
        let (detractors, passives, promoters) = (group(0, 6), group(7, 8), group(9, 10));
        let p = percentages(&[promoters, passives, detractors]);
        r.nps = Some(Nps {
            score: p[0] as i32 - p[2] as i32,
            promoters,
            passives,
            detractors,
            percents: [p[0], p[1], p[2]],
        });
    }
    r.total = Some(total);
    r.options = values
        .iter()
        .zip(n)
        .zip(percents)
        .map(|((v, count), percent)| OptionCount {
            value: v.clone(),
            label: label(v),
            count,
            percent,
        })
        .collect();
    r
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
/// use voix_form::results::percentages;
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
    use super::*;
    use crate::answer::Answer;

    fn form(json: &str) -> Form {
        Form::from_json(json).unwrap()
    }

    fn answers(pairs: &[(&str, Answer)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn one(v: &str) -> Answer {
        Answer::One(v.into())
    }

    #[test]
    fn percentages_add_up_and_follow_the_counts() {
        assert_eq!(percentages(&[1, 1, 1]), [34, 33, 33]);
        assert_eq!(percentages(&[0, 0, 0]), [0, 0, 0]);
        assert_eq!(percentages(&[]), Vec::<u32>::new());
        assert_eq!(percentages(&[5]), [100]);
        assert_eq!(percentages(&[1, 2, 3, 4, 5, 6, 7]).iter().sum::<u32>(), 100);
        // Exhaustively on small counts: they add up, each is within 1 of the exact share, and
        // a larger count never gets a smaller percentage.
        for a in 0..12u64 {
            for b in 0..12u64 {
                for c in 0..12u64 {
                    let counts = [a, b, c];
                    let p = percentages(&counts);
                    let total = a + b + c;
                    if total == 0 {
                        continue;
                    }
                    assert_eq!(p.iter().sum::<u32>(), 100, "{counts:?}");
                    for (i, &x) in counts.iter().enumerate() {
                        let exact = x as f64 * 100.0 / total as f64;
                        assert!((p[i] as f64 - exact).abs() < 1.0, "{counts:?} {p:?}");
                        for (j, &y) in counts.iter().enumerate() {
                            if x > y {
                                assert!(p[i] >= p[j], "{counts:?} {p:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn zero_votes() {
        let f = form(
            r#"{"id":"p","title":"t","poll":{},"questions":[{"id":"nom","type":"choice","label":"Quel nom ?",
                "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]}]}"#,
        );
        let r = results(&f, &Counts::of(&f, []), Locale::Fr, "now");
        let q = &r.questions[0];
        assert_eq!(r.responses, 0);
        assert_eq!(q.total, Some(0));
        assert_eq!(q.options.len(), 2);
        assert!(q.options.iter().all(|o| o.count == 0 && o.percent == 0));
        assert_eq!(q.mean, None, "choices have no mean");
    }

    #[test]
    fn every_kind() {
        let f = form(
            r#"{"id":"f","title":"t","questions":[
                {"id":"s","type":"smileys","label":"S"},
                {"id":"st","type":"stars","label":"St"},
                {"id":"sc","type":"scale","label":"Sc","min":0,"max":4},
                {"id":"n","type":"nps","label":"N"},
                {"id":"y","type":"yes_no","label":"Y"},
                {"id":"m","type":"multiple","label":"M","other":true,
                 "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]},
                {"id":"t","type":"text","label":"T"}
            ]}"#,
        );
        let rows = [
            answers(&[
                ("s", one("good")),
                ("st", one("5")),
                ("sc", one("4")),
                ("n", one("10")),
                ("y", one("yes")),
                ("m", Answer::Many(vec!["a".into(), "b".into()])),
                ("t", one("secret text")),
            ]),
            answers(&[
                ("s", one("bad")),
                ("st", one("2")),
                ("sc", one("0")),
                ("n", one("8")),
                ("y", one("no")),
                ("m", Answer::Many(vec!["a".into(), "other".into()])),
                ("m.other", one("autre")),
            ]),
            answers(&[("n", one("3")), ("s", one("nonsense"))]),
        ];
        let r = results(&f, &Counts::of(&f, &rows), Locale::Fr, "now");
        assert_eq!(r.responses, 3);
        let q = |id: &str| r.questions.iter().find(|q| q.id == id).unwrap();
        // Smileys: a value that is no option is left out of the counts.
        assert_eq!(q("s").total, Some(2));
        assert_eq!(q("s").mean, Some(Some(2.0)));
        assert_eq!(q("s").options[0].label, "Pas bien");
        assert_eq!(q("st").mean, Some(Some(3.5)));
        assert_eq!(q("sc").mean, Some(Some(2.0)));
        assert_eq!(q("sc").options.len(), 5);
        let nps = q("n").nps.clone().unwrap();
        assert_eq!((nps.promoters, nps.passives, nps.detractors), (1, 1, 1));
        assert_eq!(nps.percents, [34, 33, 33]);
        assert_eq!(nps.score, 1);
        assert_eq!(q("n").mean, Some(Some(7.0)));
        assert_eq!(q("y").options[0].label, "Oui");
        assert_eq!(q("y").mean, None);
        // Multiple: shares of respondents, which may add up to more than 100.
        let m = q("m");
        assert_eq!(m.total, Some(2));
        let pct: Vec<u32> = m.options.iter().map(|o| o.percent).collect();
        assert_eq!(pct, [100, 50, 50]);
        assert_eq!(m.options[2].label, "Autre");
        // Text: how many answered, never what.
        assert_eq!(q("t").answered, Some(1));
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("secret"), "{json}");
        assert!(!json.contains("autre\""), "{json}");
        // The widget reads what the collector writes.
        let back: FormResults = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn nps_score_extremes() {
        let f = form(r#"{"id":"f","title":"t","questions":[{"id":"n","type":"nps","label":"N"}]}"#);
        let all = |v: &str| vec![answers(&[("n", one(v))]); 4];
        let r = results(&f, &Counts::of(&f, &all("10")), Locale::Fr, "now");
        assert_eq!(r.questions[0].nps.as_ref().unwrap().score, 100);
        let r = results(&f, &Counts::of(&f, &all("0")), Locale::Fr, "now");
        assert_eq!(r.questions[0].nps.as_ref().unwrap().score, -100);
        let r = results(&f, &Counts::of(&f, &all("7")), Locale::Fr, "now");
        assert_eq!(r.questions[0].nps.as_ref().unwrap().score, 0);
        let r = results(&f, &Counts::of(&f, []), Locale::Fr, "now");
        let nps = r.questions[0].nps.as_ref().unwrap();
        assert_eq!((nps.score, nps.percents), (0, [0, 0, 0]));
        assert_eq!(r.questions[0].mean, Some(None));
    }
}
