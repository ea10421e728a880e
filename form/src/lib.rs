//! `voix-form` owns what a Voix form *is*: its definition ([`schema`]), what a resident sends
//! ([`answer`]), whether that is acceptable ([`validate`]), the words shown per locale
//! ([`i18n`]) and a pure view tree of the form ([`view`]) with an escaped-HTML renderer
//! ([`html`]).
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
//! answers.insert("note".into(), "good".into());
//! assert!(validate(&form, &answers).is_ok());
//! ```

pub mod answer;
pub mod code;
pub mod html;
pub mod i18n;
pub mod json;
pub mod schema;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod validate;
pub mod view;

pub use code::ErrorCode;
pub use schema::{Form, Question, QuestionKind};

/// Errors raised while reading a form definition.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The TOML text is malformed or does not describe a form.
    #[cfg(feature = "toml")]
    #[error("invalid form definition: {0}")]
    Toml(#[from] toml::de::Error),
    /// The text is not JSON, does not describe a form, or breaks a rule (duplicate ids…).
    #[error("invalid form definition: {0}")]
    Invalid(String),
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
