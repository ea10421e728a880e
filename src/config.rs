//! Configuration of one widget: which form, which endpoint, which language.
//!
//! Precedence, lowest first: built-in defaults < the script tag's `data-*` attributes < the
//! placeholder's `data-*` attributes. The endpoint defaults to the origin the script was loaded
//! from, so `<script src="https://avis.mairie.fr/voix.js">` posts to `https://avis.mairie.fr`.
//! This module is pure: the web layer passes attribute look-ups in, and URL parsing too — the
//! browser's own URL parser is the authority on what a URL means, and it costs no wasm.

use voix_form::{cat, i18n::Locale, schema::is_valid_id};

/// Attribute on a placeholder naming its form (may be empty to use the script's `data-form`).
pub const ATTR_PLACEHOLDER: &str = "data-voix-form";
/// Attribute naming the form.
pub const ATTR_FORM: &str = "data-form";
/// Attribute overriding the endpoint (an absolute http(s) URL).
pub const ATTR_ENDPOINT: &str = "data-endpoint";
/// Attribute naming the id of a `<script type="application/json">` holding the definition.
pub const ATTR_DEFINITION: &str = "data-definition";
/// Attribute choosing the language (BCP 47 tag).
pub const ATTR_LANG: &str = "data-lang";
/// Attribute naming a built-in template (`jdma`) to use as the definition.
pub const ATTR_TEMPLATE: &str = "data-template";
/// Path of a form definition under the endpoint.
pub const FORMS_PATH: &str = "/v1/forms/";

/// The resolved configuration of one widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Form id.
    pub form: String,
    /// Endpoint origin (and optional path prefix), without a trailing slash.
    pub endpoint: String,
    /// Id of an inline JSON definition, if the placeholder points to one.
    pub definition: Option<String>,
    /// `data-lang`, if given.
    pub lang: Option<String>,
    /// `data-template`, if given: a built-in definition instead of a fetched one.
    pub template: Option<String>,
}

/// Why a widget could not be configured. Each message tells the webmaster what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Neither the placeholder nor the script names a form.
    MissingForm,
    /// The form id has characters that are not allowed.
    BadFormId(String),
    /// `data-endpoint` is not an absolute http(s) URL.
    BadEndpoint(String),
    /// `data-template` names no built-in template.
    UnknownTemplate(String),
    /// No `data-endpoint` and the script's own URL is unknown.
    NoEndpoint,
}

impl ConfigError {
    /// The message for the webmaster (built without `core::fmt`, see [`voix_form::cat`]).
    pub fn message(&self) -> String {
        match self {
            ConfigError::MissingForm => "no form given: write the form id in the placeholder, \
                e.g. <div data-voix-form=\"satisfaction\"></div>"
                .into(),
            ConfigError::BadFormId(id) => cat(&[
                "form id \"",
                id,
                "\" is not valid: use 1 to 64 characters among a-z 0-9 _ -",
            ]),
            ConfigError::BadEndpoint(e) => cat(&[
                "data-endpoint \"",
                e,
                "\" is not valid: use an absolute URL such as https://avis.example.fr",
            ]),
            ConfigError::UnknownTemplate(t) => cat(&[
                "data-template \"",
                t,
                "\" is not a built-in template: use one of ",
                &voix_form::templates::NAMES.join(", "),
            ]),
            ConfigError::NoEndpoint => "no endpoint: add data-endpoint=\"https://…\" to the \
                script tag or the placeholder"
                .into(),
        }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for ConfigError {}

/// Resolves one widget's configuration. `placeholder` and `script` look attributes up;
/// `script_origin` is the origin the script was loaded from; `endpoint` turns a `data-endpoint`
/// value into `origin + path` without a trailing slash, or `None` when it is not an absolute
/// http(s) URL without query or fragment.
pub fn resolve(
    placeholder: &dyn Fn(&str) -> Option<String>,
    script: &dyn Fn(&str) -> Option<String>,
    script_origin: Option<&str>,
    endpoint: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let pick = |name: &str| {
        placeholder(name)
            .or_else(|| script(name))
            .map(|v| v.trim_ascii().to_owned())
            .filter(|v| !v.is_empty())
    };
    let form = placeholder(ATTR_PLACEHOLDER)
        .map(|v| v.trim_ascii().to_owned())
        .filter(|v| !v.is_empty())
        .or_else(|| pick(ATTR_FORM))
        .ok_or(ConfigError::MissingForm)?;
    if !is_valid_id(&form) {
        return Err(ConfigError::BadFormId(form));
    }
    let endpoint = match pick(ATTR_ENDPOINT) {
        Some(e) => endpoint(&e).ok_or(ConfigError::BadEndpoint(e))?,
        None => script_origin
            .map(str::to_owned)
            .ok_or(ConfigError::NoEndpoint)?,
    };
    let template = pick(ATTR_TEMPLATE);
    if let Some(t) = &template
        && !voix_form::templates::NAMES.contains(&t.as_str())
    {
        return Err(ConfigError::UnknownTemplate(t.clone()));
    }
    Ok(Config {
        form,
        endpoint,
        definition: pick(ATTR_DEFINITION),
        lang: pick(ATTR_LANG),
        template,
    })
}

impl Config {
    /// URL of the form definition.
    pub fn definition_url(&self) -> String {
        cat(&[&self.endpoint, FORMS_PATH, &self.form])
    }

    /// URL of the form's published results.
    pub fn results_url(&self) -> String {
        cat(&[&self.endpoint, FORMS_PATH, &self.form, "/results"])
    }

    /// URL answers are posted to.
    pub fn responses_url(&self) -> String {
        cat(&[&self.endpoint, FORMS_PATH, &self.form, "/responses"])
    }
}

/// The display locale: `data-lang`, else the host page's `<html lang>`, else French.
pub fn locale(data_lang: Option<&str>, html_lang: Option<&str>) -> Locale {
    data_lang
        .and_then(Locale::parse)
        .or_else(|| html_lang.and_then(Locale::parse))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn attrs(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Stands in for the browser's URL parser (the web layer's `endpoint`): enough to test
    // precedence and error mapping here; the real one is exercised in the browser tests.
    fn endpoint(url: &str) -> Option<String> {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && !url.contains(['?', '#']);
        ok.then(|| url.trim_end_matches('/').to_owned())
    }

    fn run(
        ph: &[(&str, &str)],
        sc: &[(&str, &str)],
        script_origin: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let (ph, sc) = (attrs(ph), attrs(sc));
        resolve(
            &|k| ph.get(k).cloned(),
            &|k| sc.get(k).cloned(),
            script_origin,
            &endpoint,
        )
    }

    #[test]
    fn endpoint_defaults_to_the_script_origin() {
        let c = run(
            &[("data-voix-form", "satisfaction")],
            &[],
            Some("https://avis.mairie.fr"),
        )
        .unwrap();
        assert_eq!(c.form, "satisfaction");
        assert_eq!(c.endpoint, "https://avis.mairie.fr");
        assert_eq!(
            c.responses_url(),
            "https://avis.mairie.fr/v1/forms/satisfaction/responses"
        );
        assert_eq!(
            c.definition_url(),
            "https://avis.mairie.fr/v1/forms/satisfaction"
        );
    }

    #[test]
    fn placeholder_overrides_script() {
        let c = run(
            &[
                ("data-voix-form", ""),
                ("data-endpoint", "https://b.fr/api/"),
                ("data-lang", "en"),
            ],
            &[
                ("data-form", "avis"),
                ("data-endpoint", "https://a.fr"),
                ("data-lang", "fr"),
            ],
            Some("https://cdn.fr"),
        )
        .unwrap();
        assert_eq!(c.form, "avis");
        assert_eq!(c.endpoint, "https://b.fr/api");
        assert_eq!(c.lang.as_deref(), Some("en"));
        let c = run(
            &[("data-voix-form", "x")],
            &[("data-form", "avis"), ("data-endpoint", "https://a.fr")],
            None,
        )
        .unwrap();
        assert_eq!(
            (c.form.as_str(), c.endpoint.as_str()),
            ("x", "https://a.fr")
        );
    }

    #[test]
    fn clear_errors() {
        assert_eq!(
            run(&[], &[], Some("https://a.fr")),
            Err(ConfigError::MissingForm)
        );
        assert_eq!(
            run(&[("data-voix-form", "Bad Id")], &[], Some("https://a.fr")),
            Err(ConfigError::BadFormId("Bad Id".into()))
        );
        assert_eq!(
            run(
                &[("data-voix-form", "a"), ("data-endpoint", "ftp://x")],
                &[],
                None
            ),
            Err(ConfigError::BadEndpoint("ftp://x".into()))
        );
        assert_eq!(
            run(&[("data-voix-form", "a")], &[], None),
            Err(ConfigError::NoEndpoint)
        );
        assert_eq!(
            run(
                &[("data-voix-form", "a"), ("data-template", "jdmaa")],
                &[],
                Some("https://a.fr")
            ),
            Err(ConfigError::UnknownTemplate("jdmaa".into()))
        );
        let msg = ConfigError::UnknownTemplate("jdmaa".into()).to_string();
        assert!(msg.contains("jdma"), "{msg}");
        let c = run(
            &[("data-voix-form", "a"), ("data-template", "jdma")],
            &[],
            Some("https://a.fr"),
        )
        .unwrap();
        assert_eq!(c.template.as_deref(), Some("jdma"));
        assert_eq!(c.results_url(), "https://a.fr/v1/forms/a/results");
        let msg = ConfigError::MissingForm.to_string();
        assert!(msg.contains("data-voix-form"), "{msg}");
    }

    #[test]
    fn locale_precedence() {
        assert_eq!(locale(Some("en"), Some("fr")), Locale::En);
        assert_eq!(locale(Some("zz"), Some("en-GB")), Locale::En);
        assert_eq!(locale(None, None), Locale::Fr);
        assert_eq!(locale(None, Some("pt")), Locale::Fr);
    }
}
