//! A small, strict JSON reader and writer.
//!
//! Why not serde_json: the widget ships as WebAssembly under a size budget, and serde_json with
//! derived deserializers (plus the float formatting serde's error paths pull in) cost tens of
//! kilobytes. Voix's documents are small and have no floats, so this reader keeps numbers as their
//! literal text, and the definition and submission readers in [`crate::schema`] and
//! [`crate::answer`] give errors that name the field and its path. Duplicate keys are refused and
//! nesting is bounded, because the collector reads untrusted bodies with it.

use crate::prelude::*;

use core::fmt;

use crate::{cat, i18n::itoa};

/// Deepest nesting accepted (arrays and objects).
pub const MAX_DEPTH: usize = 32;

/// A JSON value. Objects keep their keys in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as its literal text (validated against the JSON grammar).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// A short name of the value's type, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Where and why a text is not the JSON we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: &'static str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl SyntaxError {
    /// "`message` at line L column C".
    pub fn describe(&self) -> String {
        cat(&[
            self.message,
            " at line ",
            &itoa(self.line),
            " column ",
            &itoa(self.column),
        ])
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl core::error::Error for SyntaxError {}

/// Parses one JSON document (surrounding white space allowed, nothing else).
///
/// # Example
/// ```
/// use voix_form::json::{parse, Value};
/// let v = parse(r#"{"a": [1, "é\u00e9"]}"#).unwrap();
/// assert_eq!(v.get("a"), Some(&Value::Array(vec![
///     Value::Number("1".into()), Value::String("éé".into())])));
/// assert!(parse(r#"{"a": 1, "a": 2}"#).is_err());
/// ```
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        text,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn err(&self, message: &'static str) -> SyntaxError {
        // Counted on bytes, in one pass and without slicing: str slicing and range indexing
        // would link panic paths into the wasm.
        let (mut line, mut column) = (1, 1);
        for &b in self.s.iter().take(self.i) {
            if b == b'\n' {
                (line, column) = (line + 1, 1);
            } else if (b as i8) >= -0x40 {
                // Characters, not bytes: count the bytes that start a UTF-8 sequence.
                column += 1;
            }
        }
        SyntaxError {
            message,
            line,
            column,
        }
    }

    // The text from `from` to the cursor; both are always on character boundaries here.
    fn slice(&self, from: usize) -> &str {
        self.text.get(from..self.i).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self
            .s
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(lit))
        {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.eat(b"true") => Ok(Value::Bool(true)),
            _ if self.eat(b"false") => Ok(Value::Bool(false)),
            _ if self.eat(b"null") => Ok(Value::Null),
            None => Err(self.err("unexpected end of text")),
            _ => Err(self.err("expected a JSON value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.i += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        self.ws();
        if self.eat(b"}") {
            return Ok(Value::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a quoted key"));
            }
            let key_at = self.i;
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                self.i = key_at;
                return Err(self.err("duplicate key"));
            }
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected `:`"));
            }
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"}") {
                return Ok(Value::Object(members));
            }
            return Err(self.err("expected `,` or `}`"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b"]") {
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"]") {
                return Ok(Value::Array(items));
            }
            return Err(self.err("expected `,` or `]`"));
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.i;
        self.eat(b"-");
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - from
        };
        let int_at = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_at] == b'0') {
            return Err(self.err("invalid number"));
        }
        if self.eat(b".") && digits(self) == 0 {
            return Err(self.err("invalid number"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("invalid number"));
            }
        }
        Ok(Value::Number(self.slice(start).to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.err("invalid \\u escape"))?;
            code = code * 16 + digit;
            self.i += 1;
        }
        Ok(code)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let run = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(self.slice(run));
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) && self.eat(b"\\u") {
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.err("invalid surrogate pair"));
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.err("invalid surrogate pair"))?,
                            );
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(b"0123456789abcdef"[(c as usize) >> 4]));
                out.push(char::from(b"0123456789abcdef"[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `v` as compact JSON.
pub fn write(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write(&mut s, self);
        f.write_str(&s)
    }
}

/// Reads the members of one object, remembering which were used, so that [`Fields::finish`] can
/// refuse the unknown ones by name and path.
#[derive(Debug)]
pub struct Fields<'a> {
    path: String,
    members: &'a [(String, Value)],
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    /// The members of `v`, which must be an object; `path` names it in errors (`questions[2]`).
    pub fn new(v: &'a Value, path: &str) -> Result<Fields<'a>, String> {
        match v {
            Value::Object(members) => Ok(Fields {
                path: path.to_owned(),
                members,
                used: vec![false; members.len()],
            }),
            other => Err(cat(&[
                show(path),
                ": expected an object, found ",
                other.kind(),
            ])),
        }
    }

    /// The path of this object.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of member `key`.
    pub fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            cat(&[&self.path, ".", key])
        }
    }

    /// Member `key`, marked as used.
    pub fn get(&mut self, key: &str) -> Option<&'a Value> {
        let i = self.members.iter().position(|(k, _)| k == key)?;
        self.used[i] = true;
        Some(&self.members[i].1)
    }

    fn expected(&self, key: &str, what: &str, found: &Value) -> String {
        cat(&[&self.at(key), ": expected ", what, ", found ", found.kind()])
    }

    /// A required string member.
    pub fn string(&mut self, key: &str) -> Result<String, String> {
        self.opt_string(key)?
            .ok_or_else(|| cat(&[show(&self.path), ": missing field `", key, "`"]))
    }

    /// An optional string member.
    pub fn opt_string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.expected(key, "a string", v)),
        }
    }

    /// An optional boolean member.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.expected(key, "true or false", v)),
        }
    }

    /// An optional whole number from 0 to `u32::MAX`.
    pub fn opt_u32(&mut self, key: &str) -> Result<Option<u32>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => whole_number(n)
                .map(Some)
                .ok_or_else(|| cat(&[&self.at(key), ": expected a whole number, found ", n])),
            Some(v) => Err(self.expected(key, "a whole number", v)),
        }
    }

    /// Refuses any member not read; `allowed` lists the accepted names for the message
    /// (`"id, type, label"`).
    pub fn finish(self, allowed: &str) -> Result<(), String> {
        match self.used.iter().position(|u| !u) {
            None => Ok(()),
            Some(i) => Err(cat(&[
                show(&self.path),
                ": unknown field `",
                &self.members[i].0,
                "` (expected one of: ",
                allowed,
                ")",
            ])),
        }
    }
}

/// `n` as a `u32` if it is written as plain digits and fits (the generic integer parser is
/// larger wasm than this loop).
pub fn whole_number(n: &str) -> Option<u32> {
    if n.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for b in n.bytes() {
        let d = char::from(b).to_digit(10)?;
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(v)
}

fn show(path: &str) -> &str {
    if path.is_empty() { "(top level)" } else { path }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Value {
        Value::Number(s.into())
    }

    #[test]
    fn parses_every_kind() {
        let v = parse(r#" { "a": null, "b": [true, false], "c": -1.5e3, "d": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" } "#)
            .unwrap();
        assert_eq!(v.get("a"), Some(&Value::Null));
        assert_eq!(
            v.get("b"),
            Some(&Value::Array(vec![Value::Bool(true), Value::Bool(false)]))
        );
        assert_eq!(v.get("c"), Some(&n("-1.5e3")));
        assert_eq!(
            v.get("d").and_then(Value::as_str),
            Some("x\"\\/\u{8}\u{c}\n\r\té😀")
        );
        assert_eq!(parse("[]").unwrap(), Value::Array(vec![]));
        assert_eq!(parse("{}").unwrap(), Value::Object(vec![]));
        assert_eq!(parse("0").unwrap(), n("0"));
    }

    #[test]
    fn refuses_what_json_refuses() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"a",
            "tru",
            "{a:1}",
            "[1] 2",
            "\"\u{1}\"",
            "\"\\ud800\\u0041\"",
            "{\"a\" 1}",
            "NaN",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn refuses_duplicates_and_deep_nesting_with_positions() {
        let e = parse("{\n  \"a\": 1,\n  \"a\": 2}").unwrap_err();
        assert_eq!((e.message, e.line, e.column), ("duplicate key", 3, 3));
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(parse(&deep).unwrap_err().message, "nested too deeply");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn writes_and_reads_back() {
        let v = Value::Object(vec![
            ("s".into(), Value::String("a\"b\\c\n\u{1}é<".into())),
            ("n".into(), n("12")),
            (
                "l".into(),
                Value::Array(vec![Value::Null, Value::Bool(true)]),
            ),
        ]);
        let text = v.to_string();
        assert_eq!(text, r#"{"s":"a\"b\\c\n\u0001é<","n":12,"l":[null,true]}"#);
        assert_eq!(parse(&text).unwrap(), v);
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number("0"), Some(0));
        assert_eq!(whole_number("4294967295"), Some(u32::MAX));
        for bad in ["", "4294967296", "-1", "1.0", "1e3", "+1"] {
            assert_eq!(whole_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_name_unknown_members_and_types() {
        let v = parse(r#"{"id":"x","n":"3","extra":1}"#).unwrap();
        let mut f = Fields::new(&v, "questions[0]").unwrap();
        assert_eq!(f.string("id").unwrap(), "x");
        assert_eq!(
            f.opt_u32("n").unwrap_err(),
            "questions[0].n: expected a whole number, found a string"
        );
        assert_eq!(
            f.finish("id, n").unwrap_err(),
            "questions[0]: unknown field `extra` (expected one of: id, n)"
        );
        let v = parse(r#"{"n": 1.5}"#).unwrap();
        let mut f = Fields::new(&v, "").unwrap();
        assert_eq!(
            f.opt_u32("n").unwrap_err(),
            "n: expected a whole number, found 1.5"
        );
        assert_eq!(
            f.string("id").unwrap_err(),
            "(top level): missing field `id`"
        );
    }
}
