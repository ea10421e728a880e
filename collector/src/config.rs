//! The collector's configuration file (TOML) and the form definitions it names.
//!
//! Loading is strict on purpose: an unknown key, a form file that does not parse or two forms
//! with one id stop the collector before it serves anything, with a message naming the file and
//! the key, because a typo silently ignored is a form that silently collects nothing. Relative
//! paths resolve against the configuration file's directory, so the collector behaves the same
//! whatever directory it is started from.
//!
//! # Example
//! ```
//! use std::path::Path;
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(
//!     dir.path().join("avis.json"),
//!     r#"{"id":"avis","title":"Avis","questions":[{"id":"note","type":"smileys","label":"Note"}]}"#,
//! ).unwrap();
//! let path = dir.path().join("voix.toml");
//! let config = voix_collector::Config::parse(r#"forms = ["avis.json"]"#, &path).unwrap();
//! assert_eq!(config.forms[0].id, "avis");
//! assert_eq!(config.max_body_bytes, 16384);
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use voix_form::Form;

use crate::{Error, Result, store::DatabaseUrl};

/// Address listened on when the file says nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Database used when the file says nothing (relative to the configuration file).
pub const DEFAULT_DATABASE: &str = "voix.db";
/// Largest request body accepted when the file says nothing. A full form of free text fits;
/// anything bigger is not a resident typing.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// The loaded configuration, paths resolved, forms parsed and checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where answers are stored.
    pub database: DatabaseUrl,
    /// A site served at `/` (the demo pages).
    pub static_dir: Option<PathBuf>,
    /// The built widget files, served at `/` before `static_dir`.
    pub dist_dir: Option<PathBuf>,
    /// Origins whose pages may post answers (the collector's own origin always may).
    pub allowed_origins: AllowedOrigins,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The forms, in file order.
    pub forms: Vec<Form>,
}

// The file as written; `deny_unknown_fields` turns a misspelt key into an error naming it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    database: Option<String>,
    static_dir: Option<PathBuf>,
    dist_dir: Option<PathBuf>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    max_body_bytes: Option<u64>,
    #[serde(default)]
    forms: Vec<PathBuf>,
}

impl Config {
    /// Reads the configuration file at `path` and the form files it names.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.to_owned(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parses configuration `text` as if read from `path` (which locates relative paths and
    /// names the file in errors); form files are read from disk.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let fail = |message: String| Error::Config {
            path: path.to_owned(),
            message,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| fail(toml_message(&e, text)))?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            }
        };

        let listen_text = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = parse_listen(listen_text).map_err(|m| fail(format!("listen: {m}")))?;
        let database =
            DatabaseUrl::parse(file.database.as_deref().unwrap_or(DEFAULT_DATABASE), &base)
                .map_err(|m| fail(format!("database: {m}")))?;
        let static_dir = file.static_dir.as_deref().map(resolve);
        if let Some(dir) = &static_dir
            && !dir.is_dir()
        {
            return Err(fail(format!(
                "static_dir: {} is not a directory",
                dir.display()
            )));
        }
        // dist_dir may not exist yet: it is produced by `cargo xtask dist`, and the collector
        // is useful (forms, answers) before the widget is built. `serve` warns instead.
        let dist_dir = file.dist_dir.as_deref().map(resolve);
        let allowed_origins = AllowedOrigins::parse(&file.allowed_origins)
            .map_err(|m| fail(format!("allowed_origins: {m}")))?;
        let max_body_bytes = match file.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(0) => return Err(fail("max_body_bytes: must be at least 1".into())),
            Some(n) => usize::try_from(n).map_err(|_| fail("max_body_bytes: too large".into()))?,
        };
        if file.forms.is_empty() {
            return Err(fail("forms: no form files listed; add at least one".into()));
        }
        let mut forms: Vec<Form> = Vec::with_capacity(file.forms.len());
        let mut sources: Vec<PathBuf> = Vec::with_capacity(file.forms.len());
        for p in &file.forms {
            let p = resolve(p);
            let form = load_form(&p)?;
            if let Some(i) = forms.iter().position(|f| f.id == form.id) {
                return Err(fail(format!(
                    "forms: form id `{}` is defined twice, in {} and {}",
                    form.id,
                    sources[i].display(),
                    p.display()
                )));
            }
            forms.push(form);
            sources.push(p);
        }
        Ok(Config {
            listen,
            database,
            static_dir,
            dist_dir,
            allowed_origins,
            max_body_bytes,
            forms,
        })
    }
}

/// Parses a listen address such as `127.0.0.1:8080` or `[::1]:0`.
pub fn parse_listen(text: &str) -> std::result::Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not an address like 127.0.0.1:8080"))
}

/// Reads one form definition, `.toml` or `.json`.
pub fn load_form(path: &Path) -> Result<Form> {
    let fail = |message: String| Error::FormFile {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let parsed = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Form::from_toml(&text),
        Some("json") => Form::from_json(&text),
        _ => return Err(fail("unknown file type, expected .toml or .json".into())),
    };
    parsed.map_err(|e| {
        fail(match e {
            voix_form::Error::Toml(e) => toml_message(&e, &text),
            voix_form::Error::Invalid(m) => m,
        })
    })
}

// toml's own Display draws a multi-line snippet; we print one line per error.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("line {line}, column {column}: {}", e.message().trim_end())
        }
        None => e.message().trim_end().to_owned(),
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The origins allowed to post answers cross-origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    list: Vec<String>,
}

impl AllowedOrigins {
    /// Checks and normalises entries: `"*"` or `http(s)://host[:port]`, without a path.
    ///
    /// # Example
    /// ```
    /// use voix_collector::config::AllowedOrigins;
    /// let o = AllowedOrigins::parse(&["https://Mairie.example/".into()]).unwrap();
    /// assert!(o.allows("https://mairie.example"));
    /// assert!(!o.allows("https://evil.example"));
    /// assert!(AllowedOrigins::parse(&["mairie.example".into()]).is_err());
    /// ```
    pub fn parse(entries: &[String]) -> std::result::Result<AllowedOrigins, String> {
        let mut out = AllowedOrigins::default();
        for entry in entries {
            let e = entry.trim();
            if e == "*" {
                out.any = true;
                continue;
            }
            let e = e.strip_suffix('/').unwrap_or(e).to_ascii_lowercase();
            let rest = e
                .strip_prefix("https://")
                .or_else(|| e.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => {
                    out.list.push(e)
                }
                _ => {
                    return Err(format!(
                        "`{entry}` is not an origin like https://example.org (or \"*\")"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Whether a page at `origin` (an `Origin` header value) may post.
    pub fn allows(&self, origin: &str) -> bool {
        self.any || self.list.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_an_offset() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("abc\nde", 5), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }

    #[test]
    fn origins() {
        let o = AllowedOrigins::parse(&["http://a.example:8080".into()]).unwrap();
        assert!(o.allows("http://a.example:8080"));
        assert!(!o.allows("http://a.example"));
        assert!(!o.allows("null"));
        let any = AllowedOrigins::parse(&["*".into()]).unwrap();
        assert!(any.allows("https://whatever.example"));
        assert!(!AllowedOrigins::default().allows("https://a.example"));
        for bad in ["ftp://a", "https://", "https://a/b", "a.example"] {
            assert!(AllowedOrigins::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen("127.0.0.1:0").unwrap().port(), 0);
        assert!(parse_listen("[::1]:8080").is_ok());
        assert!(parse_listen("localhost").is_err());
    }
}
