//! The no-JS page's post: an `application/x-www-form-urlencoded` body, read strictly.
//!
//! Decoded here rather than with `serde_urlencoded` or `form_urlencoded`: both replace bytes that
//! are not UTF-8 with U+FFFD, and an answer must be stored as typed or refused, never altered.

use std::borrow::Cow;

use percent_encoding::percent_decode;
use voix_form::{
    Form,
    answer::{Answer, Answers},
};

/// Name of the hidden field holding the submission id. A question could be called `_id` too
/// (ids are `a-z 0-9 _ -`); on this page the hidden field would win and that question could not
/// be answered.
pub(super) const SUBMISSION_FIELD: &str = "_id";

/// Name of the hidden field holding the render token (see [`crate::defence`]); same caveat.
pub(super) const TOKEN_FIELD: &str = "_token";

/// A decoded post.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Posted {
    pub(super) answers: Answers,
    pub(super) submission_id: Option<String>,
    /// The render token, if posted.
    pub(super) token: Option<String>,
    /// Whether the hidden trap field ([`voix_form::answer::HONEYPOT`]) was filled.
    pub(super) trapped: bool,
}

/// Why a body is not a post of our form.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// A name or value is not UTF-8 once percent-decoded.
    NotUtf8,
    /// A question that takes one answer (or `_id`, or an "other" text) is given twice. Our page
    /// never does that (one box or one radio group per question); picking one of two answers
    /// would store something nobody chose.
    Repeated,
}

/// Reads an `application/x-www-form-urlencoded` body: the answers to the form's questions and
/// the submission id. A multiple-choice question's ticked boxes come as its name repeated, once
/// per box, and become one list ([`Answer::Many`], in the order posted); the text of an "other"
/// choice comes as `question.other`; a ticked consent box as `question=yes`. Other names (a
/// named submit button, a field a browser extension adds, `x.other` for a question without
/// "other") are ignored. Line ends typed in a text box arrive as CRLF (browsers normalise them
/// so) and are stored as `\n`, as the widget sends them.
pub(super) fn parse(form: &Form, body: &[u8]) -> Result<Posted, Unreadable> {
    let mut answers = Answers::new();
    let mut submission_id = None;
    let mut token = None;
    let mut trapped = false;
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name)?;
        if name == SUBMISSION_FIELD {
            if submission_id.replace(decode(value)?).is_some() {
                return Err(Unreadable::Repeated);
            }
        } else if name == TOKEN_FIELD {
            if token.replace(decode(value)?).is_some() {
                return Err(Unreadable::Repeated);
            }
        } else if name == voix_form::answer::HONEYPOT {
            // Repeated or not, filled is filled.
            trapped |= !decode(value)?.trim().is_empty();
        } else if let Some(q) = form.question(&name) {
            let value = decode(value)?.replace("\r\n", "\n");
            if q.kind.is_multiple() {
                let mut values = match answers.remove(&name) {
                    Some(Answer::Many(v)) => v,
                    _ => Vec::new(),
                };
                values.push(value);
                answers.insert(name, Answer::Many(values));
            } else if answers.insert(name, value).is_some() {
                return Err(Unreadable::Repeated);
            }
        } else if let Some(id) = name.strip_suffix(".other")
            && form.question(id).is_some_and(|q| q.kind.has_other())
        {
            let value = decode(value)?.replace("\r\n", "\n");
            if answers.insert(name, value).is_some() {
                return Err(Unreadable::Repeated);
            }
        }
    }
    Ok(Posted {
        answers,
        submission_id,
        token,
        trapped,
    })
}

// `+` is a space, then percent-decoding; the bytes must be UTF-8 (the page is, so browsers post
// UTF-8), never guessed at or replaced.
fn decode(raw: &[u8]) -> Result<String, Unreadable> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| Unreadable::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::nojs::test_form as form;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_urlencoded_utf8() {
        let p = parse(
            &form(),
            b"note=good&c=Tr%C3%A8s+bien+%2B+clair%0D%0Amerci&_id=abc&send=&zzz=1&&c2",
        )
        .unwrap();
        assert_eq!(
            p.answers,
            answers(&[("note", "good"), ("c", "Très bien + clair\nmerci")])
        );
        assert_eq!(p.submission_id.as_deref(), Some("abc"));
        assert_eq!(parse(&form(), b"").unwrap().answers, Answers::new());
        // A name without `=` is an empty value; a malformed escape is kept as typed.
        assert_eq!(
            parse(&form(), b"c=100%&note").unwrap().answers,
            answers(&[("c", "100%"), ("note", "")])
        );
    }

    #[test]
    fn refuses_repeats_and_bad_utf8() {
        assert_eq!(
            parse(&form(), b"note=good&note=bad"),
            Err(Unreadable::Repeated)
        );
        assert_eq!(parse(&form(), b"_id=a&_id=b"), Err(Unreadable::Repeated));
        assert_eq!(parse(&form(), b"c=%C3"), Err(Unreadable::NotUtf8));
        assert_eq!(parse(&form(), b"%FF=1"), Err(Unreadable::NotUtf8));
        // Repeats of names we ignore do not matter.
        assert!(parse(&form(), b"x=1&x=2").is_ok());
    }

    #[test]
    fn multiple_choices_other_texts_and_consent() {
        let form = Form::from_json(
            r#"{"id":"f","title":"T","questions":[
                {"id":"m","type":"multiple","label":"M","other":true,
                 "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]},
                {"id":"c","type":"choice","label":"C",
                 "choices":[{"id":"x","label":"X"},{"id":"y","label":"Y"}]},
                {"id":"ok","type":"consent","label":"OK"}]}"#,
        )
        .unwrap();
        let p = parse(
            &form,
            b"m=b&m=other&m.other=Le+bus&ok=yes&c.other=ignored&c=x",
        )
        .unwrap();
        assert_eq!(
            p.answers["m"],
            Answer::Many(vec!["b".into(), "other".into()])
        );
        assert_eq!(p.answers["m.other"], "Le bus");
        assert_eq!(p.answers["ok"], "yes");
        assert_eq!(p.answers["c"], "x");
        assert!(p.answers.get("c.other").is_none());
        // One box ticked is still a list; none is no answer.
        let p = parse(&form, b"m=a").unwrap();
        assert_eq!(p.answers["m"], Answer::Many(vec!["a".into()]));
        assert!(parse(&form, b"").unwrap().answers.get("m").is_none());
        // One answer given twice is refused, list or not.
        assert_eq!(parse(&form, b"c=x&c=x"), Err(Unreadable::Repeated));
        assert_eq!(
            parse(&form, b"m.other=a&m.other=b"),
            Err(Unreadable::Repeated)
        );
    }
}
