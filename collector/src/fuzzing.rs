//! The ways in of the fuzz targets (`fuzz/`, `cargo xtask fuzz`): the collector's readers of
//! what strangers and webmasters write, driven without a socket or a database. Each function
//! panics when an invariant breaks, so the fuzzer reports it. Not an API: hidden from the docs,
//! and may change with the targets.

use std::path::Path;

use voix_form::{
    Form,
    answer::{Submission as Wire, normalize},
    validate::validate,
};

use crate::Config;

/// A `POST /v1/forms/{id}/responses` body: read as the endpoint reads it, then normalised,
/// pruned and validated against `form` as the intake does. An accepted body's answers survive
/// the wire format unchanged.
pub fn submission(form: &Form, body: &[u8]) {
    let Some(mut answers) = crate::routes::read_submission(body) else {
        return;
    };
    let wire = Wire::new(answers.clone());
    let again = Wire::from_json(&wire.to_json()).expect("what we write, we read");
    assert_eq!(again.answers, answers, "the answers change on the wire");
    normalize(&mut answers);
    assert!(
        answers.iter().all(|(_, a)| !a.is_blank()),
        "a blank answer survived normalisation"
    );
    form.prune(&mut answers);
    let _ = validate(form, &answers);
}

/// A `POST /f/{id}` body (urlencoded): read as the no-JS page reads it, normalised, pruned and
/// validated.
/// Whatever is read answers a question of `form`, or is the "Other" text (`<id>.other`) of one.
pub fn nojs_post(form: &Form, body: &[u8]) {
    let Some((answers, _verdict)) = crate::routes::read_nojs_post(form, body) else {
        return;
    };
    for (key, _) in answers.iter() {
        let id = key.strip_suffix(".other").unwrap_or(key);
        assert!(form.question(id).is_some(), "`{key}` is no question");
    }
}

/// A configuration file's text, read as if it were `dir/voix.toml`; forms are read from `dir`.
/// The caller keeps the file names in `forms` inside `dir` (the fuzzer must not read
/// `/dev/zero`).
pub fn config(text: &str, dir: &Path) {
    if let Ok(config) = Config::parse(text, &dir.join("voix.toml")) {
        assert!(!config.forms.is_empty(), "a configuration without forms");
        for form in &config.forms {
            let _ = config.settings(&form.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    include!("../../fuzz/fuzz_targets/every_kind.rs");

    /// Every committed seed of each target, through the target's own function: what the fuzzer
    /// starts from must hold. The no-JS seed answering "Other" (`ch.other=autre`) once failed
    /// the target's own check, which took the "Other" text for a question of its own.
    #[test]
    fn every_seed_passes_its_target() {
        let form = Form::from_json(EVERY_KIND).unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
        let mut ran = 0;
        for (target, run) in [
            ("submission", submission as fn(&Form, &[u8])),
            ("nojs_post", nojs_post),
        ] {
            for seed in std::fs::read_dir(seeds.join(target)).unwrap() {
                run(&form, &std::fs::read(seed.unwrap().path()).unwrap());
                ran += 1;
            }
        }
        assert!(ran >= 8, "{ran} seeds");
    }
}
