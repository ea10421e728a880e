//! The shape of a definition — which members each object may have, of which type, which are
//! required — checked on the parsed document before the typed read.
//!
//! Why: webmasters misspell fields (`titel`, `max_lenght`), write `"5"` for `5`, forget a
//! `label`; each mistake must be refused with one message that says where it is. serde's
//! `deny_unknown_fields` catches unknown members for serde_json and TOML, but the widget reads
//! definitions from JavaScript objects through serde-wasm-bindgen, which looks up the declared
//! fields only and never sees the others; and tracking paths through serde
//! (`serde_path_to_error`) cost the widget's wasm more than every question kind together. So
//! the document is checked here, once, on any tree that can say what a value is ([`Tree`]): a
//! JavaScript object in the widget, a `serde_json::Value` or a `toml::Value` in the collector.
//! Both sides refuse the same definitions with the same words, each naming its path
//! (`questions[1].max_length: expected a whole number from 1 to 4294967295, found a string`),
//! and the typed read that follows cannot fail on what was checked.
//!
//! The shapes in [`crate::schema`] and [`crate::translations`] list the same names as their
//! serde structs; a test holds them equal, so adding a field to one without the other fails.

use crate::cat;

/// The shape of a value.
#[derive(Debug)]
pub enum Shape {
    /// A string.
    Str,
    /// `true` or `false`.
    Bool,
    /// A whole number from the first to the second, inclusive.
    Int(i64, i64),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of strings.
    Strs,
    /// An object with these members.
    Object(&'static [Field]),
    /// A list of values of this shape.
    List(&'static Shape),
    /// An object whose keys are free (ids, language tags) and whose values have this shape.
    Map(&'static Shape),
}

/// A member of an object shape.
#[derive(Debug)]
pub struct Field {
    /// Its name.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// Whether it must be present.
    pub required: bool,
}

/// A required member.
pub const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

/// An optional member.
pub const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

/// What a value is, as far as shapes care.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null` (or JavaScript's `undefined`).
    Null,
    /// A boolean.
    Bool,
    /// A number, and whether the document wrote it as a whole number.
    Number(f64, bool),
    /// A string.
    Str(String),
    /// A list.
    List,
    /// An object (a table).
    Object,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Null => "null".into(),
            Kind::Bool => "a boolean".into(),
            Kind::Number(n, _) => cat(&["the number ", &number(*n)]),
            Kind::Str(_) => "a string".into(),
            Kind::List => "a list".into(),
            Kind::Object => "an object".into(),
        }
    }
}

/// `n` without a useless `.0`.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let digits = crate::i18n::itoa(n.abs() as usize);
        if n < 0.0 {
            cat(&["-", &digits])
        } else {
            digits
        }
    } else {
        n.to_string()
    }
}

/// A parsed document that can be walked.
pub trait Tree: Sized {
    /// What this value is.
    fn kind(&self) -> Kind;
    /// The object's own keys in order (empty if this is not an object).
    fn keys(&self) -> Vec<String>;
    /// The member `key` of an object.
    fn member(&self, key: &str) -> Option<Self>;
    /// The elements of a list (empty if this is not one).
    fn items(&self) -> Vec<Self>;
}

/// Checks `value` against `shape`; the error is `path: what is wrong`.
pub fn check<T: Tree>(value: &T, shape: &Shape) -> Result<(), String> {
    walk(value, shape, &mut String::new())
}

fn at(path: &str) -> &str {
    if path.is_empty() { "(top level)" } else { path }
}

fn wrong(path: &str, expected: &str, found: &Kind) -> String {
    cat(&[
        at(path),
        ": expected ",
        expected,
        ", found ",
        &found.describe(),
    ])
}

fn walk<T: Tree>(value: &T, shape: &Shape, path: &mut String) -> Result<(), String> {
    let kind = value.kind();
    match shape {
        Shape::Str => match kind {
            Kind::Str(_) => Ok(()),
            other => Err(wrong(path, "a string", &other)),
        },
        Shape::Bool => match kind {
            Kind::Bool => Ok(()),
            other => Err(wrong(path, "true or false", &other)),
        },
        Shape::Int(lo, hi) => match kind {
            Kind::Number(n, true) if n >= *lo as f64 && n <= *hi as f64 => Ok(()),
            other => Err(wrong(
                path,
                &cat(&[
                    "a whole number from ",
                    &number(*lo as f64),
                    " to ",
                    &number(*hi as f64),
                ]),
                &other,
            )),
        },
        Shape::OneOf(names) => match kind {
            Kind::Str(s) if names.contains(&s.as_str()) => Ok(()),
            Kind::Str(s) => Err(cat(&[
                at(path),
                ": unknown value `",
                &s,
                "` (expected one of: ",
                &names.join(", "),
                ")",
            ])),
            other => Err(wrong(path, "a string", &other)),
        },
        Shape::Strs => {
            if kind != Kind::List {
                return Err(wrong(path, "a list of strings", &kind));
            }
            each_item(value, &Shape::Str, path)
        }
        Shape::List(inner) => {
            if kind != Kind::List {
                return Err(wrong(path, "a list", &kind));
            }
            each_item(value, inner, path)
        }
        Shape::Map(inner) => {
            if kind != Kind::Object {
                return Err(wrong(path, "an object", &kind));
            }
            for key in value.keys() {
                if let Some(member) = value.member(&key) {
                    descend(&member, inner, path, &key)?;
                }
            }
            Ok(())
        }
        Shape::Object(fields) => {
            if kind != Kind::Object {
                return Err(wrong(path, "an object", &kind));
            }
            let keys = value.keys();
            for key in &keys {
                let Some(field) = fields.iter().find(|f| f.name == key) else {
                    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                    return Err(cat(&[
                        at(path),
                        ": unknown field `",
                        key,
                        "` (expected one of: ",
                        &names.join(", "),
                        ")",
                    ]));
                };
                let Some(member) = value.member(key) else {
                    continue;
                };
                // An explicit `null` (or `undefined`) is the same as leaving the field out.
                if member.kind() == Kind::Null {
                    continue;
                }
                descend(&member, &field.shape, path, key)?;
            }
            for field in fields.iter().filter(|f| f.required) {
                let present = keys.iter().any(|k| k == field.name)
                    && value
                        .member(field.name)
                        .is_some_and(|m| m.kind() != Kind::Null);
                if !present {
                    return Err(cat(&[at(path), ": missing field `", field.name, "`"]));
                }
            }
            Ok(())
        }
    }
}

fn each_item<T: Tree>(value: &T, inner: &Shape, path: &mut String) -> Result<(), String> {
    for (i, item) in value.items().iter().enumerate() {
        let len = path.len();
        path.push('[');
        path.push_str(&crate::i18n::itoa(i));
        path.push(']');
        walk(item, inner, path)?;
        path.truncate(len);
    }
    Ok(())
}

fn descend<T: Tree>(member: &T, shape: &Shape, path: &mut String, key: &str) -> Result<(), String> {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    walk(member, shape, path)?;
    path.truncate(len);
    Ok(())
}

impl Tree for serde_json::Value {
    fn kind(&self) -> Kind {
        use serde_json::Value;
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(n) => {
                Kind::Number(n.as_f64().unwrap_or(f64::NAN), n.is_i64() || n.is_u64())
            }
            Value::String(s) => Kind::Str(s.clone()),
            Value::Array(_) => Kind::List,
            Value::Object(_) => Kind::Object,
        }
    }
    fn keys(&self) -> Vec<String> {
        self.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key).cloned()
    }
    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }
}

#[cfg(feature = "toml")]
impl Tree for toml::Value {
    fn kind(&self) -> Kind {
        use toml::Value;
        match self {
            Value::Boolean(_) => Kind::Bool,
            Value::Integer(i) => Kind::Number(*i as f64, true),
            Value::Float(f) => Kind::Number(*f, false),
            Value::String(s) => Kind::Str(s.clone()),
            // A date and time is read as its text, as the string fields that hold one expect.
            Value::Datetime(d) => Kind::Str(d.to_string()),
            Value::Array(_) => Kind::List,
            Value::Table(_) => Kind::Object,
        }
    }
    fn keys(&self) -> Vec<String> {
        self.as_table()
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key).cloned()
    }
    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const THING: Shape = Shape::Object(&[
        req("id", Shape::Str),
        opt("on", Shape::Bool),
        opt("n", Shape::Int(1, 5)),
        opt("kind", Shape::OneOf(&["a", "b"])),
        opt("tags", Shape::Strs),
        opt(
            "items",
            Shape::List(&Shape::Object(&[req("x", Shape::Str)])),
        ),
        opt("by", Shape::Map(&Shape::Int(0, 9))),
    ]);

    fn err(v: serde_json::Value) -> String {
        check(&v, &THING).unwrap_err()
    }

    #[test]
    fn accepts_what_fits() {
        let v = json!({"id": "a", "on": true, "n": 5, "kind": "b", "tags": ["x"],
                       "items": [{"x": "y"}], "by": {"k": 0}, "n2": null});
        assert!(err(v).contains("unknown field `n2`"));
        let v =
            json!({"id": "a", "on": null, "n": 1, "kind": "a", "tags": [], "items": [], "by": {}});
        assert_eq!(check(&v, &THING), Ok(()));
    }

    #[test]
    fn says_what_and_where() {
        for (v, message) in [
            (json!([]), "(top level): expected an object, found a list"),
            (json!({}), "(top level): missing field `id`"),
            (json!({"id": null}), "(top level): missing field `id`"),
            (
                json!({"id": 3}),
                "id: expected a string, found the number 3",
            ),
            (
                json!({"id": "a", "on": "yes"}),
                "on: expected true or false, found a string",
            ),
            (
                json!({"id": "a", "n": 6}),
                "n: expected a whole number from 1 to 5, found the number 6",
            ),
            (
                json!({"id": "a", "n": 1.5}),
                "n: expected a whole number from 1 to 5, found the number 1.5",
            ),
            (
                json!({"id": "a", "n": "2"}),
                "n: expected a whole number from 1 to 5, found a string",
            ),
            (
                json!({"id": "a", "kind": "c"}),
                "kind: unknown value `c` (expected one of: a, b)",
            ),
            (
                json!({"id": "a", "tags": "x"}),
                "tags: expected a list of strings, found a string",
            ),
            (
                json!({"id": "a", "tags": ["x", 1]}),
                "tags[1]: expected a string, found the number 1",
            ),
            (
                json!({"id": "a", "items": [{"x": "y"}, {}]}),
                "items[1]: missing field `x`",
            ),
            (
                json!({"id": "a", "items": [{"x": "y", "z": 1}]}),
                "items[0]: unknown field `z` (expected one of: x)",
            ),
            (
                json!({"id": "a", "by": {"k": -1}}),
                "by.k: expected a whole number from 0 to 9, found the number -1",
            ),
            (
                json!({"id": "a", "by": []}),
                "by: expected an object, found a list",
            ),
        ] {
            assert_eq!(err(v.clone()), message, "{v}");
        }
    }
}
