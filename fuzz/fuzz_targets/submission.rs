//! The body of `POST /v1/forms/{id}/responses`, read by the collector's endpoint code and
//! validated against a form of every kind (see `voix_collector::fuzzing::submission`).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use voix_form::Form;

include!("every_kind.rs");

static FORM: LazyLock<Form> = LazyLock::new(|| Form::from_json(EVERY_KIND).unwrap());

fuzz_target!(|data: &[u8]| {
    voix_collector::fuzzing::submission(&FORM, data);
});
