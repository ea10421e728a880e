//! Form results, as served by `GET /v1/forms/{id}/results`: the stored answers counted, then
//! turned into the published shape by voix-form's [`voix_form::results`] (percentages that add
//! up, means, NPS), the same model the widget reads to show a poll's results.
//!
//! What is published is counts only. Free-text answers are counted (`answered`), never shown:
//! residents type names, addresses and worse into comment boxes, and results may be public.
//! The texts are for the admin export ([`crate::export`]) only.
//!
//! # Example
//! ```
//! use voix_collector::{results, store::StoredResponse};
//! use voix_form::{Form, answer::Answers};
//! let form = Form::from_json(
//!     r#"{"id":"avis","title":"Avis","questions":[{"id":"note","type":"smileys","label":"Note"}]}"#,
//! ).unwrap();
//! let response = |v: &str| StoredResponse {
//!     id: "r".into(),
//!     submission_id: None,
//!     received_at: "2026-01-01T00:00:00Z".parse().unwrap(),
//!     answers: [("note".to_owned(), v.to_owned())].into_iter().collect::<Answers>(),
//! };
//! let r = results::aggregate(&form, &[response("good"), response("bad")], "2026-01-02T00:00:00Z".parse().unwrap());
//! let json = serde_json::to_value(&r).unwrap();
//! assert_eq!(json["responses"], 2);
//! assert_eq!(json["questions"][0]["options"][2]["percent"], 50);
//! assert_eq!(json["questions"][0]["mean"], 2.0);
//! ```

use jiff::Timestamp;
use voix_form::{
    Form,
    i18n::Locale,
    results::{Counts, FormResults},
};

use crate::store::StoredResponse;

/// The results of `form` over `responses`, with option labels in French (the collector's
/// locale). Answers to questions the form no longer has, and values that are not options of
/// their question (a definition edited after answers came in), are left out of the counts.
pub fn aggregate(
    form: &Form,
    responses: &[StoredResponse],
    generated_at: Timestamp,
) -> FormResults {
    let counts = Counts::of(form, responses.iter().map(|r| &r.answers));
    voix_form::results::results(form, &counts, Locale::Fr, &generated_at.to_string())
}
