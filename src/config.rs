//! Configuration of one widget: which form, which endpoint, which language.
//!
//! Precedence, lowest first: built-in defaults < the script tag's `data-*` attributes < the
//! placeholder's `data-*` attributes < the [`Options`] object of the JS API
//! (`Voix.mount(element, options)`, `Voix.open(formId, options)`, the ES module's `mount`), which
//! the loader also uses for `<voix-form form endpoint lang>` and upgraded links. The endpoint
//! defaults to the origin the script was loaded from, so
//! `<script src="https://avis.mairie.fr/voix.js">` posts to `https://avis.mairie.fr`.
//! This module is pure: the web layer passes attribute look-ups in, and URL parsing too — the
//! browser's own URL parser is the authority on what a URL means, and it costs no wasm.

use serde::Deserialize;
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
/// Attribute choosing the widget's own colours: `light`, `dark` or `auto`.
pub const ATTR_THEME: &str = "data-theme";
/// Attribute replacing some of the widget's words: a JSON object, or the id of a
/// `<script type="application/json">` holding one.
pub const ATTR_STRINGS: &str = "data-strings";
/// The themes, the default first.
pub const THEMES: [&str; 3] = ["light", "dark", "auto"];
/// Path of a form definition under the endpoint.
pub const FORMS_PATH: &str = "/v1/forms/";

/// The options object of the JS API, read through serde-wasm-bindgen. Every member is optional
/// and wins over the element's and the script's `data-*` attribute of the same meaning.
/// serde-wasm-bindgen reads declared fields only, so unknown names are found by
/// [`unknown_options`] first (the native tests read with `deny_unknown_fields` to hold
/// [`OPTION_NAMES`] equal to the fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Options {
    /// Form id (`data-form`).
    pub form: Option<String>,
    /// Endpoint (`data-endpoint`).
    pub endpoint: Option<String>,
    /// Language of the widget's own words (`data-lang`).
    pub lang: Option<String>,
    /// The id of a `<script type="application/json">` holding the definition
    /// (`data-definition`). The option may also be the definition itself, an object: the web
    /// layer takes that out before this read and reads it as a form definition.
    pub definition: Option<String>,
    /// The widget's own colours (`data-theme`): `light`, `dark` or `auto`.
    pub theme: Option<String>,
    /// Replacements for the widget's words (`data-strings`): the id of a
    /// `<script type="application/json">`, or JSON text. The option may also be the object
    /// itself: the web layer takes that out before this read, as for `definition`.
    pub strings: Option<String>,
}

/// The names of [`Options`]' members, in the order messages list them.
pub const OPTION_NAMES: [&str; 6] = ["form", "endpoint", "lang", "definition", "theme", "strings"];

/// The keys of an options object that are not options, in their order.
pub fn unknown_options(keys: &[String]) -> Vec<String> {
    keys.iter()
        .filter(|k| !OPTION_NAMES.contains(&k.as_str()))
        .cloned()
        .collect()
}

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
    /// `data-theme`, if given: one of [`THEMES`].
    pub theme: Option<String>,
    /// `data-strings`, if given: JSON text or the id of the element holding it.
    pub strings: Option<String>,
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
    /// `data-theme` is not one of [`THEMES`].
    UnknownTheme(String),
    /// No `data-endpoint` and the script's own URL is unknown.
    NoEndpoint,
    /// The options object has members that are not options.
    UnknownOptions(Vec<String>),
    /// The options object could not be read (not an object, a member of the wrong type).
    BadOptions(String),
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
            ConfigError::UnknownTheme(t) => cat(&[
                "data-theme \"",
                t,
                "\" is not a theme: use one of ",
                &THEMES.join(", "),
            ]),
            ConfigError::NoEndpoint => "no endpoint: add data-endpoint=\"https://…\" to the \
                script tag or the placeholder (or the endpoint option)"
                .into(),
            ConfigError::UnknownOptions(names) => {
                let mut msg = String::from("unknown option");
                if names.len() > 1 {
                    msg.push('s');
                }
                for (i, name) in names.iter().enumerate() {
                    msg.push_str(if i == 0 { " \"" } else { ", \"" });
                    msg.push_str(name);
                    msg.push('"');
                }
                msg.push_str(" (the options are ");
                msg.push_str(&OPTION_NAMES.join(", "));
                msg.push(')');
                msg
            }
            ConfigError::BadOptions(why) => cat(&["options: ", why]),
        }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for ConfigError {}

/// Resolves one widget's configuration. `options` come from the JS API; `placeholder` and
/// `script` look attributes up; `script_origin` is the origin the script was loaded from;
/// `endpoint` turns a `data-endpoint` value into `origin + path` without a trailing slash, or
/// `None` when it is not an absolute http(s) URL without query or fragment.
pub fn resolve(
    options: &Options,
    placeholder: &dyn Fn(&str) -> Option<String>,
    script: &dyn Fn(&str) -> Option<String>,
    script_origin: Option<&str>,
    endpoint: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let clean = |v: Option<String>| {
        v.map(|v| v.trim_ascii().to_owned())
            .filter(|v| !v.is_empty())
    };
    let pick = |option: &Option<String>, name: &str| {
        clean(option.clone())
            .or_else(|| clean(placeholder(name)))
            .or_else(|| clean(script(name)))
    };
    let form = clean(options.form.clone())
        .or_else(|| clean(placeholder(ATTR_PLACEHOLDER)))
        .or_else(|| pick(&None, ATTR_FORM))
        .ok_or(ConfigError::MissingForm)?;
    if !is_valid_id(&form) {
        return Err(ConfigError::BadFormId(form));
    }
    let endpoint = match pick(&options.endpoint, ATTR_ENDPOINT) {
        Some(e) => endpoint(&e).ok_or(ConfigError::BadEndpoint(e))?,
        None => script_origin
            .map(str::to_owned)
            .ok_or(ConfigError::NoEndpoint)?,
    };
    let template = pick(&None, ATTR_TEMPLATE);
    if let Some(t) = &template
        && !voix_form::templates::NAMES.contains(&t.as_str())
    {
        return Err(ConfigError::UnknownTemplate(t.clone()));
    }
    let theme = pick(&options.theme, ATTR_THEME);
    if let Some(t) = &theme
        && !THEMES.contains(&t.as_str())
    {
        return Err(ConfigError::UnknownTheme(t.clone()));
    }
    Ok(Config {
        form,
        endpoint,
        definition: pick(&options.definition, ATTR_DEFINITION),
        lang: pick(&options.lang, ATTR_LANG),
        template,
        theme,
        strings: pick(&options.strings, ATTR_STRINGS),
    })
}

impl Config {
    /// URL of the form definition, with its translation into `locale` (`?lang=`): the
    /// collector serves the definition as written and that translation beside, which the
    /// widget puts in place, marking what stays in the definition's own language.
    pub fn definition_url(&self, locale: Locale) -> String {
        cat(&[
            &self.endpoint,
            FORMS_PATH,
            &self.form,
            "?lang=",
            locale.tag(),
        ])
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
        run_with(&Options::default(), ph, sc, script_origin)
    }

    fn run_with(
        options: &Options,
        ph: &[(&str, &str)],
        sc: &[(&str, &str)],
        script_origin: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let (ph, sc) = (attrs(ph), attrs(sc));
        resolve(
            options,
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
            c.definition_url(Locale::De),
            "https://avis.mairie.fr/v1/forms/satisfaction?lang=de"
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
        let theme = |t: &str| {
            run(
                &[("data-voix-form", "a"), ("data-theme", t)],
                &[],
                Some("https://a.fr"),
            )
        };
        assert_eq!(
            theme("sombre"),
            Err(ConfigError::UnknownTheme("sombre".into()))
        );
        assert_eq!(
            ConfigError::UnknownTheme("sombre".into()).message(),
            "data-theme \"sombre\" is not a theme: use one of light, dark, auto"
        );
        for t in THEMES {
            assert_eq!(theme(t).unwrap().theme.as_deref(), Some(t));
        }
        // The script's data-theme and data-strings hold for every placeholder.
        let c = run(
            &[("data-voix-form", "a")],
            &[("data-theme", "auto"), ("data-strings", "mots")],
            Some("https://a.fr"),
        )
        .unwrap();
        assert_eq!(
            (c.theme.as_deref(), c.strings.as_deref()),
            (Some("auto"), Some("mots"))
        );
    }

    #[test]
    fn options_win_over_the_placeholder_and_the_script() {
        let options = Options {
            form: Some(" sondage ".into()),
            endpoint: Some("https://c.fr/voix/".into()),
            lang: Some("de".into()),
            theme: Some("dark".into()),
            ..Options::default()
        };
        let ph = [("data-voix-form", "avis"), ("data-lang", "en")];
        let sc = [("data-form", "x"), ("data-definition", "def-x")];
        let c = run_with(&options, &ph, &sc, Some("https://cdn.fr")).unwrap();
        assert_eq!(c.form, "sondage");
        assert_eq!(c.endpoint, "https://c.fr/voix");
        assert_eq!(c.lang.as_deref(), Some("de"));
        assert_eq!(c.theme.as_deref(), Some("dark"));
        // What the options leave out still comes from the attributes.
        assert_eq!(c.definition.as_deref(), Some("def-x"));
        // Blank options count as absent.
        let blank = Options {
            form: Some("  ".into()),
            ..Options::default()
        };
        let c = run_with(&blank, &ph, &sc, Some("https://cdn.fr")).unwrap();
        assert_eq!(
            (c.form.as_str(), c.endpoint.as_str()),
            ("avis", "https://cdn.fr")
        );
        // An element without any attribute (the JS API's own element) takes everything from
        // the options; a bad value in them is refused like an attribute's.
        let only = |o: Options| run_with(&o, &[], &[], None);
        let c = only(Options {
            form: Some("f".into()),
            endpoint: Some("https://a.fr".into()),
            ..Options::default()
        })
        .unwrap();
        assert_eq!(
            (c.form.as_str(), c.endpoint.as_str()),
            ("f", "https://a.fr")
        );
        assert_eq!(
            only(Options {
                form: Some("f".into()),
                ..Options::default()
            }),
            Err(ConfigError::NoEndpoint)
        );
        assert_eq!(
            only(Options {
                form: Some("F!".into()),
                ..Options::default()
            }),
            Err(ConfigError::BadFormId("F!".into()))
        );
    }

    #[test]
    fn options_are_read_by_serde_and_unknown_names_are_refused_by_name() {
        let read = |json: &str| serde_json::from_str::<Options>(json);
        assert_eq!(read("{}").unwrap(), Options::default());
        let o = read(r#"{"form":"a","endpoint":"https://x.fr","lang":"en","definition":"def-a"}"#)
            .unwrap();
        assert_eq!(o.definition.as_deref(), Some("def-a"));
        assert_eq!(o.lang.as_deref(), Some("en"));
        assert_eq!(read(r#"{"form":null}"#).unwrap(), Options::default());
        // Every listed name is a member (and, with deny_unknown_fields, nothing else is).
        for name in OPTION_NAMES {
            let o = read(&format!(r#"{{"{name}":"v"}}"#)).unwrap();
            assert_ne!(o, Options::default(), "{name} is not read");
        }
        assert!(read(r#"{"colour":"red"}"#).is_err());
        let keys = ["form", "colour", "lang", "onSubmit"].map(String::from);
        let unknown = unknown_options(&keys);
        assert_eq!(unknown, ["colour", "onSubmit"]);
        assert_eq!(
            ConfigError::UnknownOptions(unknown).message(),
            "unknown options \"colour\", \"onSubmit\" (the options are form, endpoint, lang, \
             definition, theme, strings)"
        );
        assert_eq!(
            ConfigError::UnknownOptions(vec!["x".into()]).message(),
            "unknown option \"x\" (the options are form, endpoint, lang, definition, theme, strings)"
        );
        assert!(unknown_options(&OPTION_NAMES.map(String::from)).is_empty());
        assert_eq!(
            ConfigError::BadOptions("not an object".into()).message(),
            "options: not an object"
        );
        // The message's list is the list.
        let msg = ConfigError::UnknownOptions(vec!["x".into()]).message();
        assert!(msg.ends_with(&format!("(the options are {})", OPTION_NAMES.join(", "))));
    }

    #[test]
    fn locale_precedence() {
        assert_eq!(locale(Some("en"), Some("fr")), Locale::En);
        assert_eq!(locale(Some("zz"), Some("en-GB")), Locale::En);
        assert_eq!(locale(None, None), Locale::Fr);
        assert_eq!(locale(None, Some("pt")), Locale::Fr);
    }
}
