//! `voix-form` owns what a Voix form *is*: its definition ([`schema`]), what a resident sends
//! ([`answer`]), whether that is acceptable ([`validate`]), the words shown per locale
//! ([`i18n`]), a definition's own translations (`translations`, with the `std` feature) and a
//! pure view tree of the form ([`view`]) with an escaped-HTML renderer ([`html`]).
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

#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

/// What `no_std` leaves out of the prelude, for every module.
mod prelude {
    pub use alloc::{
        borrow::ToOwned,
        boxed::Box,
        format,
        string::{String, ToString},
        vec,
        vec::Vec,
    };
}

pub mod answer;
pub mod code;
pub mod html;
pub mod i18n;
pub mod json;
pub mod schema;
#[cfg(feature = "serde")]
mod serde_impls;
// Read by the collector only (see the module): never part of the widget's build.
#[cfg(any(feature = "std", test))]
pub mod translations;
pub mod validate;
pub mod view;

use prelude::*;

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

/// `parts` joined: how messages are built in code the widget ships. `format!` would link
/// `core::fmt` — about 3 KB of compressed wasm — for what is only ever string concatenation.
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
