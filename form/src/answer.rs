//! Answers and the submission wire format.
//!
//! The widget POSTs a [`Submission`] as JSON (in a `text/plain` body, so the browser sends a
//! CORS-simple request without a preflight). The format is versioned by `v`; a collector rejects
//! versions it does not know with `unsupported_version`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The submission wire-format version this crate writes and reads.
pub const WIRE_VERSION: u32 = 1;

/// Answers by question id. A question left blank has no entry.
pub type Answers = BTreeMap<String, String>;

/// What the widget sends for one completed form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Wire-format version, [`WIRE_VERSION`].
    pub v: u32,
    /// Idempotency id chosen by the widget (random, no meaning); repeats are stored once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
}

/// Drops answers that are empty or only white space: a blank box is no answer.
pub fn normalize(answers: &mut Answers) {
    answers.retain(|_, v| !v.trim().is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_stable() {
        let mut a = Answers::new();
        a.insert("note".into(), "good".into());
        let s = Submission::new(a);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"v":1,"answers":{"note":"good"}}"#
        );
        let back: Submission = serde_json::from_str(r#"{"v":1,"id":"x","answers":{}}"#).unwrap();
        assert_eq!(back.id.as_deref(), Some("x"));
        assert!(serde_json::from_str::<Submission>(r#"{"v":1,"answers":{},"ip":"1"}"#).is_err());
    }

    #[test]
    fn normalize_drops_blank_answers() {
        let mut a = Answers::new();
        a.insert("a".into(), "  \n".into());
        a.insert("b".into(), " x ".into());
        normalize(&mut a);
        assert_eq!(a.len(), 1);
        assert_eq!(a["b"], " x ");
    }
}
