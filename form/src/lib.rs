//! `voix-form` owns what a Voix form *is*: its definition ([`schema`]), what a resident sends
//! ([`answer`]), whether that is acceptable ([`validate`]), the words shown per locale
//! ([`i18n`]), a definition's own translations ([`translations`]) and a pure view tree of the
//! form ([`view`]) with an escaped-HTML renderer ([`html`]).
//!
//! One serde model: the widget reads it from JavaScript objects through serde-wasm-bindgen
//! (the browser parses the JSON), the collector from JSON and TOML files and request bodies.
//!
//! It has no web dependencies: the widget (wasm) and the collector (server) both link it, so an
//! answer valid in the browser is valid on the server, and the collector can render the very same
//! form as plain HTML for visitors without JavaScript.
//!
//! # Example
//! ```
//! use voix_form::{Form, answer::Answers, validate::validate};
//! let form = Form::from_json(r#"{
//!   "id": "avis", "title": "Votre avis",
//!   "questions": [{ "id": "note", "type": "smileys", "label": "Comment ça s'est passé ?",
//!                   "required": true }]
//! }"#).unwrap();
//! let mut answers = Answers::new();
//! assert!(validate(&form, &answers).is_err());
//! answers.insert("note".into(), "good");
//! assert!(validate(&form, &answers).is_ok());
//! ```

pub mod answer;
pub mod code;
pub mod html;
pub mod i18n;
pub mod results;
pub mod schema;
pub mod shape;
pub mod templates;
pub mod time;
pub mod translations;
pub mod validate;
pub mod view;

pub use code::{ErrorBody, ErrorCode};
pub use schema::{Form, Question, QuestionKind};

/// Errors raised while reading a form definition.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The TOML text is malformed or does not describe a form.
    #[cfg(feature = "toml")]
    #[error("invalid form definition: {0}")]
    Toml(#[from] toml::de::Error),
    /// The text is not JSON, does not describe a form, or breaks a rule (duplicate ids…); the
    /// message names the path of what is wrong.
    #[error("invalid form definition: {0}")]
    Invalid(String),
}

impl Error {
    /// What is wrong, without the "invalid form definition" prefix.
    pub fn detail(&self) -> String {
        match self {
            #[cfg(feature = "toml")]
            Error::Toml(e) => e.to_string(),
            Error::Invalid(s) => s.clone(),
        }
    }
}

/// `parts` joined: how messages are built in code the widget ships. Plain concatenation is all
/// these messages need, and it keeps `format!`'s machinery out of the widget's hot paths.
///
/// # Example
/// ```
/// assert_eq!(voix_form::cat(&["a", "-", "b"]), "a-b");
/// ```
pub fn cat(parts: &[&str]) -> String {
    // Not `concat()`: its generic join is several times this size in wasm.
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Result type of this crate.
pub type Result<T> = core::result::Result<T, Error>;
