//! Which members each object of a definition may have, checked before the typed read.
//!
//! Why: webmasters misspell fields (`titel`, `max_lenght`), and a misspelt optional field read
//! as absent is a silent bug in their form. serde's `deny_unknown_fields` catches that for
//! serde_json and TOML, but the widget reads definitions from JavaScript objects through
//! serde-wasm-bindgen, which looks up the declared fields only and never sees the others. So
//! the members are checked here, once, on any tree that can list an object's keys ([`Tree`]):
//! a JavaScript object in the widget, a `serde_json::Value` or a `toml::Value` in the collector.
//! Both sides therefore refuse the same definitions with the same words, and each message names
//! the path of the offending member (`questions[1]: unknown field `colour` …`).
//!
//! The shapes below list the same names as the serde structs in [`crate::schema`] and
//! [`crate::translations`]; a test holds them equal, so adding a field to one without the
//! other fails the build's tests.

/// The shape of a value: which members an object may have, and the shapes below them.
#[derive(Debug)]
pub enum Shape {
    /// Anything (its type is checked by the typed read).
    Leaf,
    /// An object with these members (any subset of them).
    Object(&'static [(&'static str, Shape)]),
    /// An array of values of this shape.
    List(&'static Shape),
    /// An object whose keys are free (ids, language tags) and whose values have this shape.
    Map(&'static Shape),
}

/// A parsed document that can be walked: just enough to find unknown members.
pub trait Tree: Sized {
    /// The object's own keys in order, or `None` if this is not an object.
    fn keys(&self) -> Option<Vec<String>>;
    /// The member `key` of an object.
    fn member(&self, key: &str) -> Option<Self>;
    /// The elements of an array, or `None` if this is not one.
    fn items(&self) -> Option<Vec<Self>>;
}

/// Checks that every object in `value` has only the members its `shape` allows. The error is
/// `path: unknown field `name` (expected one of: a, b, c)`.
pub fn check<T: Tree>(value: &T, shape: &Shape) -> Result<(), String> {
    walk(value, shape, &mut String::new())
}

fn walk<T: Tree>(value: &T, shape: &Shape, path: &mut String) -> Result<(), String> {
    let fields = match shape {
        Shape::Leaf => return Ok(()),
        Shape::List(inner) => {
            for (i, item) in value.items().unwrap_or_default().iter().enumerate() {
                let len = path.len();
                path.push('[');
                path.push_str(&crate::i18n::itoa(i));
                path.push(']');
                walk(item, inner, path)?;
                path.truncate(len);
            }
            return Ok(());
        }
        Shape::Map(_) => None,
        Shape::Object(fields) => Some(*fields),
    };
    // serde reads a struct from a list too (by position), which no webmaster means.
    if value.items().is_some() {
        let at = if path.is_empty() { "(top level)" } else { path };
        return Err(crate::cat(&[at, ": expected an object, found a list"]));
    }
    // Not an object: nothing to check here; the typed read says what it expected.
    for key in value.keys().unwrap_or_default() {
        let inner = match (shape, fields) {
            (Shape::Map(inner), _) => *inner,
            (_, Some(fields)) => match fields.iter().find(|(name, _)| *name == key) {
                Some((_, inner)) => inner,
                None => return Err(unknown(path, &key, fields)),
            },
            _ => &Shape::Leaf,
        };
        let Some(member) = value.member(&key) else {
            continue;
        };
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&key);
        walk(&member, inner, path)?;
        path.truncate(len);
    }
    Ok(())
}

fn unknown(path: &str, key: &str, fields: &[(&str, Shape)]) -> String {
    let mut expected = String::new();
    for (i, (name, _)) in fields.iter().enumerate() {
        if i > 0 {
            expected.push_str(", ");
        }
        expected.push_str(name);
    }
    let at = if path.is_empty() { "(top level)" } else { path };
    crate::cat(&[
        at,
        ": unknown field `",
        key,
        "` (expected one of: ",
        &expected,
        ")",
    ])
}

impl Tree for serde_json::Value {
    fn keys(&self) -> Option<Vec<String>> {
        self.as_object().map(|m| m.keys().cloned().collect())
    }
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key).cloned()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}

#[cfg(feature = "toml")]
impl Tree for toml::Value {
    fn keys(&self) -> Option<Vec<String>> {
        self.as_table().map(|t| t.keys().cloned().collect())
    }
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key).cloned()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}
