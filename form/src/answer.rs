//! Answers and the submission wire format.
//!
//! The widget POSTs a [`Submission`] as JSON (in a `text/plain` body, so the browser sends a
//! CORS-simple request without a preflight). The format is versioned by `v`; a collector rejects
//! versions it does not know with `unsupported_version`.

use crate::prelude::*;

use crate::json::{self, Fields, Value};

/// The submission wire-format version this crate writes and reads.
pub const WIRE_VERSION: u32 = 1;

/// Answers by question id, kept sorted by id. A question left blank has no entry.
///
/// A sorted `Vec` rather than a `BTreeMap`: a form has a handful of answers, and the map's code
/// costs several kilobytes of wasm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(Vec<(String, String)>);

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
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| self.0[i].1.as_str())
    }

    /// Sets the answer to question `key`, returning the previous one.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes the answer to question `key`.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// `(question id, answer)` pairs, by question id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }

    /// Reads a JSON object of strings (the stored form of answers).
    pub fn from_json(text: &str) -> Result<Answers, String> {
        let v = json::parse(text).map_err(|e| e.to_string())?;
        Answers::from_value(&v, "answers")
    }

    fn from_value(v: &Value, path: &str) -> Result<Answers, String> {
        let Value::Object(members) = v else {
            return Err(format!("{path}: expected an object, found {}", v.kind()));
        };
        let mut answers = Answers::new();
        for (k, v) in members {
            match v {
                Value::String(s) => {
                    answers.insert(k.clone(), s.clone());
                }
                other => {
                    return Err(format!(
                        "{path}.{k}: expected a string, found {}",
                        other.kind()
                    ));
                }
            }
        }
        Ok(answers)
    }

    /// The answers as a compact JSON object, keys in order.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_str(&mut out, k);
            out.push(':');
            json::write_str(&mut out, v);
        }
        out.push('}');
        out
    }
}

impl core::ops::Index<&str> for Answers {
    type Output = str;

    fn index(&self, key: &str) -> &str {
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

/// What the widget sends for one completed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Wire-format version, [`WIRE_VERSION`].
    pub v: u32,
    /// Idempotency id chosen by the widget (random, no meaning); repeats are stored once.
    pub id: Option<String>,
    /// The answers.
    pub answers: Answers,
}

impl Submission {
    /// A submission of `answers` in the current wire version.
    pub fn new(answers: Answers) -> Self {
        Submission {
            v: WIRE_VERSION,
            id: None,
            answers,
        }
    }

    /// Reads a submission. Unknown fields and non-string answers are refused with their path.
    /// The version is read but not checked here (see [`crate::validate::validate_submission`]).
    pub fn from_json(text: &str) -> Result<Submission, String> {
        Submission::from_value(&json::parse(text).map_err(|e| e.to_string())?)
    }

    /// [`Submission::from_json`] on an already parsed value.
    pub fn from_value(v: &Value) -> Result<Submission, String> {
        let mut f = Fields::new(v, "")?;
        let version = f
            .opt_u32("v")?
            .ok_or_else(|| "(top level): missing field `v`".to_owned())?;
        let id = f.opt_string("id")?;
        let answers = match f.get("answers") {
            Some(v) => Answers::from_value(v, "answers")?,
            None => return Err("(top level): missing field `answers`".into()),
        };
        f.finish("v, id, answers")?;
        Ok(Submission {
            v: version,
            id,
            answers,
        })
    }

    /// The submission as compact JSON, as the widget sends it.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"v\":");
        out.push_str(&crate::i18n::itoa(self.v as usize));
        if let Some(id) = &self.id {
            out.push_str(",\"id\":");
            json::write_str(&mut out, id);
        }
        out.push_str(",\"answers\":");
        out.push_str(&self.answers.to_json());
        out.push('}');
        out
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

/// Drops answers that are empty or only white space: a blank box is no answer.
pub fn normalize(answers: &mut Answers) {
    answers.retain(|_, v| !is_blank(v));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_stable() {
        let mut a = Answers::new();
        a.insert("note".into(), "good".into());
        let s = Submission::new(a);
        assert_eq!(s.to_json(), r#"{"v":1,"answers":{"note":"good"}}"#);
        let back = Submission::from_json(r#"{"v":1,"id":"x","answers":{"a":"é\n"}}"#).unwrap();
        assert_eq!(back.id.as_deref(), Some("x"));
        assert_eq!(Submission::from_json(&back.to_json()).unwrap(), back);
        for (bad, needle) in [
            (r#"{"v":1,"answers":{},"ip":"1"}"#, "unknown field `ip`"),
            (
                r#"{"v":1,"answers":{"a":1}}"#,
                "answers.a: expected a string",
            ),
            (r#"{"v":1,"answers":[]}"#, "answers: expected an object"),
            (r#"{"answers":{}}"#, "missing field `v`"),
            (r#"{"v":-1,"answers":{}}"#, "v: expected a whole number"),
            (r#"{"v":1}"#, "missing field `answers`"),
            ("[1]", "expected an object"),
            ("{", "expected a quoted key"),
            ("", "unexpected end"),
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
        a.insert("a".into(), "  \n".into());
        a.insert("b".into(), " x ".into());
        normalize(&mut a);
        assert_eq!(a.len(), 1);
        assert_eq!(&a["b"], " x ");
    }

    #[test]
    fn answers_stay_sorted_and_unique() {
        let mut a = Answers::new();
        for k in ["c", "a", "b", "a"] {
            a.insert(k.into(), k.to_uppercase());
        }
        assert_eq!(a.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(a.insert("b".into(), "x".into()).as_deref(), Some("B"));
        assert_eq!(a.remove("a").as_deref(), Some("A"));
        assert_eq!(a.remove("a"), None);
        assert_eq!(a.to_json(), r#"{"b":"x","c":"C"}"#);
        assert_eq!(Answers::from_json(&a.to_json()).unwrap(), a);
    }
}
