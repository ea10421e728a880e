//! Answers and the submission wire format.
//!
//! The widget POSTs a [`Submission`] as JSON (in a `text/plain` body, so the browser sends a
//! CORS-simple request without a preflight). The format is versioned by `v`; a collector rejects
//! versions it does not know with `unsupported_version`.

use std::fmt;

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{MapAccess, SeqAccess, Visitor},
    ser::SerializeMap,
};

/// The submission wire-format version this crate writes and reads.
pub const WIRE_VERSION: u32 = 1;

/// One answer: a single value (a choice key, a number, a text) or, for a multiple-choice
/// question, the list of chosen keys. On the wire a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A single value.
    One(String),
    /// Several values (multiple choice), in the order chosen.
    Many(Vec<String>),
}

impl Answer {
    /// The single value, if this is one.
    pub fn as_one(&self) -> Option<&str> {
        match self {
            Answer::One(s) => Some(s),
            Answer::Many(_) => None,
        }
    }

    /// Every value: the single one, or each of the list.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Answer::One(s) => (Some(s.as_str()), &[][..]),
            Answer::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }

    /// Whether `value` is (one of) the answer's values.
    pub fn contains(&self, value: &str) -> bool {
        self.values().any(|v| v == value)
    }

    /// Whether there is no answer: empty or white space only, or an empty list.
    pub fn is_blank(&self) -> bool {
        self.values().all(is_blank)
    }

    /// The values joined by `sep` (one value: itself), e.g. for a CSV cell.
    pub fn joined(&self, sep: &str) -> String {
        let mut out = String::new();
        for (i, v) in self.values().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(v);
        }
        out
    }
}

impl From<String> for Answer {
    fn from(s: String) -> Answer {
        Answer::One(s)
    }
}

impl From<&str> for Answer {
    fn from(s: &str) -> Answer {
        Answer::One(s.to_owned())
    }
}

impl From<Vec<String>> for Answer {
    fn from(v: Vec<String>) -> Answer {
        Answer::Many(v)
    }
}

impl PartialEq<str> for Answer {
    fn eq(&self, other: &str) -> bool {
        self.as_one() == Some(other)
    }
}

impl PartialEq<&str> for Answer {
    fn eq(&self, other: &&str) -> bool {
        self.as_one() == Some(*other)
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::One(v) => s.serialize_str(v),
            Answer::Many(v) => s.collect_seq(v),
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Answer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Answer, E> {
                Ok(Answer::One(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Answer, E> {
                Ok(Answer::One(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Answer, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(Answer::Many(out))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

/// Answers by question id, kept sorted by id. A question left blank has no entry. The text of
/// an "other, please specify" choice is kept under `question-id.other` (ids cannot contain a
/// dot, so it never collides with a question).
///
/// A sorted `Vec` rather than a `BTreeMap`: a form has a handful of answers, and the map's code
/// costs kilobytes of wasm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(Vec<(String, Answer)>);

/// The key of the "other, please specify" text of question `id`.
pub fn other_key(id: &str) -> String {
    crate::cat(&[id, ".other"])
}

/// The value of an "other, please specify" choice.
pub const OTHER: &str = "other";

impl Answers {
    /// No answers.
    pub fn new() -> Answers {
        Answers(Vec::new())
    }

    // Ok(index) of `key`, or Err(index where it would go). A form has a handful of answers: a
    // linear scan is as fast as a binary search here, and smaller.
    fn find(&self, key: &str) -> Result<usize, usize> {
        for (i, (k, _)) in self.0.iter().enumerate() {
            match k.as_str().cmp(key) {
                core::cmp::Ordering::Less => {}
                core::cmp::Ordering::Equal => return Ok(i),
                core::cmp::Ordering::Greater => return Err(i),
            }
        }
        Err(self.0.len())
    }

    /// The answer to question `key`.
    pub fn get(&self, key: &str) -> Option<&Answer> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// The answer to question `key` if it is a single value.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Answer::as_one)
    }

    /// Sets the answer to question `key`, returning the previous one.
    pub fn insert(&mut self, key: String, value: impl Into<Answer>) -> Option<Answer> {
        let value = value.into();
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes the answer to question `key`.
    pub fn remove(&mut self, key: &str) -> Option<Answer> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// `(question id, answer)` pairs, by question id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The question ids answered, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// How many answers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no answer.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the answers for which `keep(id, answer)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Answer) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }
}

impl Serialize for Answers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Answers, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Answers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of strings or arrays of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Answers, A::Error> {
                let mut a = Answers::new();
                while let Some((k, v)) = m.next_entry::<String, Answer>()? {
                    if a.get(&k).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate answer to `{k}`"
                        )));
                    }
                    a.insert(k, v);
                }
                Ok(a)
            }
        }
        d.deserialize_map(Entries)
    }
}

impl core::ops::Index<&str> for Answers {
    type Output = Answer;

    fn index(&self, key: &str) -> &Answer {
        self.get(key)
            .unwrap_or_else(|| panic!("no answer to {key}"))
    }
}

impl FromIterator<(String, String)> for Answers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Answers {
        let mut a = Answers::new();
        for (k, v) in iter {
            a.insert(k, v);
        }
        a
    }
}

impl FromIterator<(String, Answer)> for Answers {
    fn from_iter<I: IntoIterator<Item = (String, Answer)>>(iter: I) -> Answers {
        let mut a = Answers::new();
        for (k, v) in iter {
            a.insert(k, v);
        }
        a
    }
}

/// What the widget sends for one completed form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a submission (an object with v, id, answers)"
)]
pub struct Submission {
    /// Wire-format version, [`WIRE_VERSION`].
    pub v: u32,
    /// Idempotency id chosen by the widget (random, no meaning); repeats are stored once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The answers.
    pub answers: Answers,
    /// The proof of work, as the ALTCHA v2 protocol sends it: base64 of the JSON
    /// `{"challenge": …, "solution": …}`; needed by forms that ask for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altcha: Option<String>,
    /// The form's hidden trap field, [`HONEYPOT`]: empty from a person, filled by a robot
    /// that fills every field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hp: Option<String>,
}

/// The `name` of the hidden trap field ("honeypot") of the widget's form and the no-JS page
/// (sent as the submission's `hp`). A name robots are glad to fill; browsers do not autofill it
/// (`autocomplete="off"`). Like `_id` on the no-JS page, it is not a name a question should take.
pub const HONEYPOT: &str = "_website";

impl Submission {
    /// A submission of `answers` in the current wire version.
    pub fn new(answers: Answers) -> Self {
        Submission {
            v: WIRE_VERSION,
            id: None,
            answers,
            altcha: None,
            hp: None,
        }
    }

    /// Reads a submission from JSON text. Unknown fields and non-string answers are refused
    /// with their path. The version is read but not checked here (see
    /// [`crate::validate::validate_submission`]).
    pub fn from_json(text: &str) -> Result<Submission, String> {
        let mut d = serde_json::Deserializer::from_str(text);
        let s = serde_path_to_error::deserialize(&mut d).map_err(|e| {
            crate::schema::path_error(&e.path().to_string(), &e.inner().to_string())
        })?;
        d.end().map_err(|e| e.to_string())?;
        Ok(s)
    }

    /// The submission as compact JSON, as the widget sends it.
    pub fn to_json(&self) -> String {
        // Strings and a number only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Whether `s` is empty or only white space (a blank box is no answer).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// The length of `s` in characters (Unicode scalar values), as limits are counted.
///
/// Counted on bytes — every byte that does not continue a UTF-8 sequence starts a character —
/// which is what `chars().count()` computes, in a fraction of the wasm.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// Drops answers that are empty or only white space (a blank box is no answer), and blank or
/// repeated values from lists.
pub fn normalize(answers: &mut Answers) {
    for (_, a) in answers.0.iter_mut() {
        if let Answer::Many(values) = a {
            let mut seen: Vec<String> = Vec::new();
            for v in values.drain(..) {
                if !is_blank(&v) && !seen.contains(&v) {
                    seen.push(v);
                }
            }
            *values = seen;
        }
    }
    answers.retain(|_, v| !v.is_blank());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_stable() {
        let mut a = Answers::new();
        a.insert("note".into(), "good");
        let s = Submission::new(a);
        assert_eq!(s.to_json(), r#"{"v":1,"answers":{"note":"good"}}"#);
        let back = Submission::from_json(r#"{"v":1,"id":"x","answers":{"a":"é\n"}}"#).unwrap();
        assert_eq!(back.id.as_deref(), Some("x"));
        assert_eq!(Submission::from_json(&back.to_json()).unwrap(), back);
        for (bad, needle) in [
            (r#"{"v":1,"answers":{},"ip":"1"}"#, "unknown field `ip`"),
            (
                r#"{"v":1,"answers":{"a":1}}"#,
                "answers.a: invalid type: integer `1`, expected a string or an array of strings",
            ),
            (
                r#"{"v":1,"answers":[]}"#,
                "answers: invalid type: sequence, expected an object of strings or arrays of strings",
            ),
            (r#"{"answers":{}}"#, "(top level): missing field `v`"),
            (r#"{"v":-1,"answers":{}}"#, "v: invalid value: integer `-1`"),
            (r#"{"v":1}"#, "missing field `answers`"),
            ("[1]", "expected a submission"),
            ("{", "EOF while parsing"),
            ("", "EOF while parsing"),
            (r#"{"v":1,"answers":{}} x"#, "trailing characters"),
            (r#"{"v":1,"v":1,"answers":{}}"#, "duplicate field `v`"),
            (
                r#"{"v":1,"answers":{"a":"x","a":"y"}}"#,
                "answers: duplicate answer to `a`",
            ),
        ] {
            let e = Submission::from_json(bad).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn counts_characters_like_chars() {
        for s in ["", "abc", "é", "ééé", "😀a", "a\u{301}", "日本語"] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
        assert!(is_blank(" \n\t\u{a0}"));
        assert!(!is_blank(" x "));
    }

    #[test]
    fn normalize_drops_blank_answers() {
        let mut a = Answers::new();
        a.insert("a".into(), "  \n");
        a.insert("b".into(), " x ");
        a.insert(
            "c".into(),
            vec!["x".into(), " ".into(), "y".into(), "x".into()],
        );
        a.insert("d".into(), vec![" ".to_owned()]);
        normalize(&mut a);
        assert_eq!(a.len(), 2);
        assert_eq!(a["b"], " x ");
        assert_eq!(a["c"], Answer::Many(vec!["x".into(), "y".into()]));
    }

    #[test]
    fn lists_on_the_wire() {
        let s = Submission::from_json(r#"{"v":1,"answers":{"m":["a","b"],"t":"x"}}"#).unwrap();
        assert_eq!(s.answers["m"], Answer::Many(vec!["a".into(), "b".into()]));
        assert!(s.answers["m"].contains("b"));
        assert_eq!(s.answers["m"].joined("; "), "a; b");
        assert_eq!(s.to_json(), r#"{"v":1,"answers":{"m":["a","b"],"t":"x"}}"#);
        let e = Submission::from_json(r#"{"v":1,"answers":{"m":["a",1]}}"#).unwrap_err();
        assert!(e.contains("answers.m"), "{e}");
    }

    #[test]
    fn answers_stay_sorted_and_unique() {
        let mut a = Answers::new();
        for k in ["c", "a", "b", "a"] {
            a.insert(k.into(), k.to_uppercase());
        }
        assert_eq!(a.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(a.insert("b".into(), "x"), Some(Answer::One("B".into())));
        assert_eq!(a.remove("a"), Some(Answer::One("A".into())));
        assert_eq!(a.remove("a"), None);
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text, r#"{"b":"x","c":"C"}"#);
        assert_eq!(serde_json::from_str::<Answers>(&text).unwrap(), a);
    }
}
