//! The no-JS page's post: an `application/x-www-form-urlencoded` body, read strictly.
//!
//! Decoded here rather than with `serde_urlencoded` or `form_urlencoded`: both replace bytes that
//! are not UTF-8 with U+FFFD, and an answer must be stored as typed or refused, never altered.

use std::borrow::Cow;

use percent_encoding::percent_decode;
use voix_form::{Form, answer::Answers};

/// Name of the hidden field holding the submission id. A question could be called `_id` too
/// (ids are `a-z 0-9 _ -`); on this page the hidden field would win and that question could not
/// be answered.
pub(super) const SUBMISSION_FIELD: &str = "_id";

/// A decoded post.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Posted {
    pub(super) answers: Answers,
    pub(super) submission_id: Option<String>,
}

/// Why a body is not a post of our form.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// A name or value is not UTF-8 once percent-decoded.
    NotUtf8,
    /// A question (or `_id`) is given twice. Our page never does that (one box or one radio
    /// group per question); picking one of two answers would store something nobody chose.
    Repeated,
}

/// Reads an `application/x-www-form-urlencoded` body: the answers to the form's questions and
/// the submission id. Other names (a named submit button, a field a browser extension adds) are
/// ignored. Line ends typed in a text box arrive as CRLF (browsers normalise them so) and are
/// stored as `\n`, as the widget sends them.
pub(super) fn parse(form: &Form, body: &[u8]) -> Result<Posted, Unreadable> {
    let mut answers = Answers::new();
    let mut submission_id = None;
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
        } else if form.question(&name).is_some() {
            let value = decode(value)?.replace("\r\n", "\n");
            if answers.insert(name, value).is_some() {
                return Err(Unreadable::Repeated);
            }
        }
    }
    Ok(Posted {
        answers,
        submission_id,
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
}
