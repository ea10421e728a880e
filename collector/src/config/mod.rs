//! The collector's configuration file (TOML) and the form definitions it names.
//!
//! Forms come from files (`forms = [...]`, TOML or JSON) or from a built-in template by name
//! (`[form.ID]` with `template = "jdma"`: the form gets that id; see
//! [`voix_form::templates`]).
//!
//! Loading is strict on purpose: an unknown key, a form file that does not parse or two forms
//! with one id stop the collector before it serves anything, with a message naming the file and
//! the key, because a typo silently ignored is a form that silently collects nothing. Relative
//! paths resolve against the configuration file's directory, so the collector behaves the same
//! whatever directory it is started from.
//!
//! Two layers, put together by `figment`: the file (read by `toml`, strict, its mistakes named
//! with line and column), then the `VOIX_*` environment variables, which win (containers and
//! systemd units set them). A variable is its key in capitals after `VOIX_`
//! (`VOIX_MAX_BODY_BYTES`, `VOIX_RATE_LIMIT_BURST` for `rate_limit.burst`); lists are
//! comma-separated; numbers and `true`/`false` (`yes`/`no`, `1`/`0`, `on`/`off`) are read from the
//! text by figment. Other `VOIX_*` variables are not the collector's and are left alone.
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
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use voix_form::{Form, schema::ResultsShown, translations::Translations};

use crate::{Error, Result, defence::Defences, store::DatabaseUrl};

mod env;
mod origins;
#[cfg(test)]
pub(crate) mod tests;

pub use origins::AllowedOrigins;

/// Address listened on when the file says nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Database used when the file says nothing (relative to the configuration file).
pub const DEFAULT_DATABASE: &str = "voix.db";
/// Largest request body accepted when the file says nothing. A full form of free text fits;
/// anything bigger is not a resident typing.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
/// Answers accepted per client and form per minute when the file says nothing: a resident
/// answers once; ten a minute leaves room for a shared office connection.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 10;
/// Answers a client may send at once before the per-minute rate applies.
pub const DEFAULT_RATE_BURST: u32 = 5;
/// Prefix of the environment variables that override the file (`VOIX_LISTEN`…).
pub const ENV_PREFIX: &str = "VOIX_";
/// Connections served at once when the file says nothing; the next ones wait in the kernel's
/// queue. Each is a file descriptor: the systemd unit's `LimitNOFILE` leaves room for them.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Seconds a request's header may take to arrive whole (from the connection's opening, or from
/// the previous response on a kept-alive one) when the file says nothing.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Seconds from a request's header to its response (body read, answer stored) when the file
/// says nothing.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
/// Seconds `SIGTERM` waits for requests in flight when the file says nothing; below systemd's
/// default `TimeoutStopSec` (90 s) and the unit's 30 s.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// Per-form behaviour of the collector. Top-level keys of the file give the defaults; a
/// `[form.ID]` table overrides them for one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSettings {
    /// Origins whose pages may post answers (the collector's own origin always may).
    pub allowed_origins: AllowedOrigins,
    /// Whether `GET /v1/forms/{id}/results` answers everyone (otherwise only the admin token).
    /// Not for a poll, whose `poll.results` decides (see `AppState::results_public`).
    pub public_results: bool,
    /// Per-client rate limit of answers.
    pub rate_limit: RateLimit,
    /// Answers older than this many days are deleted; `None` keeps them.
    pub retain_days: Option<u32>,
    /// Honeypot, minimum time, proof of work (see `defence`): on by default for polls.
    pub defences: Defences,
}

/// A token-bucket rate: `burst` answers at once, then `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained answers per minute (0 = unlimited).
    pub per_minute: u32,
    /// Answers allowed at once.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_minute: DEFAULT_RATE_PER_MINUTE,
            burst: DEFAULT_RATE_BURST,
        }
    }
}

/// How the collector holds connections: how many at once, and for how long (see `server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// Connections served at once; further clients wait in the kernel's accept queue.
    pub max: usize,
    /// A request's header must arrive whole within this, counted from the connection's opening
    /// or, on a kept-alive connection, from the previous response: it is also the idle
    /// keep-alive timeout.
    pub header_timeout: Duration,
    /// From a request's header to its response: reading the body and handling it. Past it the
    /// client gets 408 `request_timeout`.
    pub request_timeout: Duration,
    /// On `SIGTERM`, how long requests in flight may take to finish before their connections
    /// are dropped.
    pub shutdown_timeout: Duration,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            max: DEFAULT_MAX_CONNECTIONS,
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT_SECS),
        }
    }
}

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
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Bearer token of the admin API (`/v1/admin/…`); `None` disables it.
    pub admin_token: Option<String>,
    /// The forms, in file order.
    pub forms: Vec<Form>,
    /// The translations of each form's words, by form id (empty for a form without any).
    pub translations: BTreeMap<String, Translations>,
    /// The settings of every form, by form id (defaults merged with `[form.ID]`).
    pub settings: BTreeMap<String, FormSettings>,
    /// The top-level settings (what a form without a `[form.ID]` table gets).
    pub defaults: FormSettings,
    /// Take the client address for rate limiting from the right-most `X-Forwarded-For` entry
    /// instead of the TCP peer. Only safe when every request reaches the collector through a
    /// proxy that appends that header: otherwise any client writes its own entry and picks its
    /// own rate-limit bucket.
    pub trust_forwarded_for: bool,
    /// Connection limits and timeouts.
    pub connections: Connections,
}

impl Config {
    /// The settings of form `id` (the defaults if the id is unknown).
    pub fn settings(&self, id: &str) -> &FormSettings {
        self.settings.get(id).unwrap_or(&self.defaults)
    }
}

// The file as written; `deny_unknown_fields` turns a misspelt key into an error naming it.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    database: Option<String>,
    static_dir: Option<PathBuf>,
    dist_dir: Option<PathBuf>,
    allowed_origins: Option<Vec<String>>,
    max_body_bytes: Option<u64>,
    admin_token: Option<String>,
    public_results: Option<bool>,
    rate_limit: Option<RateLimitFile>,
    retain_days: Option<u32>,
    trust_forwarded_for: Option<bool>,
    max_connections: Option<u64>,
    header_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    shutdown_timeout_secs: Option<u64>,
    honeypot: Option<bool>,
    min_seconds: Option<u32>,
    proof_of_work: Option<bool>,
    pow_cost: Option<u32>,
    pow_difficulty: Option<u32>,
    pow_busy_per_hour: Option<u32>,
    #[serde(default)]
    forms: Vec<PathBuf>,
    #[serde(default)]
    form: BTreeMap<String, FormFile>,
}

#[derive(Deserialize, Serialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RateLimitFile {
    per_minute: Option<u32>,
    burst: Option<u32>,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct FormFile {
    /// A built-in form (`jdma`) instead of a file, with the table's id.
    template: Option<String>,
    allowed_origins: Option<Vec<String>>,
    public_results: Option<bool>,
    rate_limit: Option<RateLimitFile>,
    retain_days: Option<u32>,
    honeypot: Option<bool>,
    min_seconds: Option<u32>,
    proof_of_work: Option<bool>,
    pow_cost: Option<u32>,
    pow_difficulty: Option<u32>,
    pow_busy_per_hour: Option<u32>,
}

/// The defence keys, top level or per form; what is missing comes from the level above, then
/// from [`Defences::default_for`].
// Not `#[serde(flatten)]` into the file's structs: flatten defeats `deny_unknown_fields`.
#[derive(Default, Clone, Copy)]
struct DefencesFile {
    honeypot: Option<bool>,
    min_seconds: Option<u32>,
    proof_of_work: Option<bool>,
    pow_cost: Option<u32>,
    pow_difficulty: Option<u32>,
    pow_busy_per_hour: Option<u32>,
}

macro_rules! defences_of {
    ($f:expr) => {
        DefencesFile {
            honeypot: $f.honeypot,
            min_seconds: $f.min_seconds,
            proof_of_work: $f.proof_of_work,
            pow_cost: $f.pow_cost,
            pow_difficulty: $f.pow_difficulty,
            pow_busy_per_hour: $f.pow_busy_per_hour,
        }
    };
}

impl DefencesFile {
    /// `self` over `top` over the defaults of a poll or a form.
    fn resolve(self, top: DefencesFile, poll: bool) -> std::result::Result<Defences, String> {
        let base = Defences::default_for(poll);
        let pick = |own: Option<u32>, up: Option<u32>, d: u32| own.or(up).unwrap_or(d);
        let d = Defences {
            honeypot: self.honeypot.or(top.honeypot).unwrap_or(base.honeypot),
            min_seconds: pick(self.min_seconds, top.min_seconds, base.min_seconds),
            proof_of_work: self
                .proof_of_work
                .or(top.proof_of_work)
                .unwrap_or(base.proof_of_work),
            pow_cost: pick(self.pow_cost, top.pow_cost, base.pow_cost),
            pow_difficulty: pick(self.pow_difficulty, top.pow_difficulty, base.pow_difficulty),
            pow_busy_per_hour: pick(
                self.pow_busy_per_hour,
                top.pow_busy_per_hour,
                base.pow_busy_per_hour,
            ),
        };
        if d.min_seconds > 600 {
            return Err("min_seconds: at most 600 (a resident must not wait ten minutes)".into());
        }
        if !(1..=100_000).contains(&d.pow_cost) {
            return Err("pow_cost: between 1 and 100000 PBKDF2 iterations".into());
        }
        if !(1..=1_000_000).contains(&d.pow_difficulty) {
            return Err("pow_difficulty: between 1 and 1000000 attempts".into());
        }
        Ok(d)
    }
}

fn rate_limit(
    base: RateLimit,
    file: Option<RateLimitFile>,
) -> std::result::Result<RateLimit, String> {
    let Some(f) = file else {
        return Ok(base);
    };
    let r = RateLimit {
        per_minute: f.per_minute.unwrap_or(base.per_minute),
        burst: f.burst.unwrap_or(base.burst),
    };
    if r.per_minute > 0 && r.burst == 0 {
        return Err("burst must be at least 1 when per_minute is set".into());
    }
    Ok(r)
}

impl Config {
    /// Reads the configuration file at `path` and the form files it names; `VOIX_*`
    /// environment variables override the file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.to_owned(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse_with_env(&text, path, &|k| std::env::var(k).ok())
    }

    /// Parses configuration `text` as if read from `path` (which locates relative paths and
    /// names the file in errors); form files are read from disk. No environment.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        Config::parse_with_env(text, path, &|_| None)
    }

    /// [`Config::parse`] with `env` looking up the `VOIX_*` overrides.
    pub fn parse_with_env(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let fail = |message: String| Error::Config {
            path: path.to_owned(),
            message,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| fail(toml_message(&e, text)))?;
        let file = file.with_env(env).map_err(fail)?;
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
        let defaults = FormSettings {
            allowed_origins: AllowedOrigins::parse(file.allowed_origins.as_deref().unwrap_or(&[]))
                .map_err(|m| fail(format!("allowed_origins: {m}")))?,
            public_results: file.public_results.unwrap_or(false),
            rate_limit: rate_limit(RateLimit::default(), file.rate_limit)
                .map_err(|m| fail(format!("rate_limit: {m}")))?,
            retain_days: file.retain_days.filter(|d| *d > 0),
            defences: DefencesFile::default()
                .resolve(defences_of!(file), false)
                .map_err(fail)?,
        };
        let admin_token = match file.admin_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.len() < 16 => {
                return Err(fail(
                    "admin_token: use at least 16 characters (e.g. `openssl rand -hex 24`)".into(),
                ));
            }
            Some(t) => Some(t.to_owned()),
        };
        let max_body_bytes = match file.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(0) => return Err(fail("max_body_bytes: must be at least 1".into())),
            Some(n) => usize::try_from(n).map_err(|_| fail("max_body_bytes: too large".into()))?,
        };
        let connections = connections(&file).map_err(fail)?;
        if file.forms.is_empty() && !file.form.values().any(|f| f.template.is_some()) {
            return Err(fail(
                "forms: no form files listed and no `[form.ID]` with a `template`; add at least one"
                    .into(),
            ));
        }
        let mut forms: Vec<Form> = Vec::with_capacity(file.forms.len());
        let mut sources: Vec<PathBuf> = Vec::with_capacity(file.forms.len());
        let mut translations = BTreeMap::new();
        for p in &file.forms {
            let p = resolve(p);
            let (form, translated) = load_form(&p)?;
            if let Some(i) = forms.iter().position(|f| f.id == form.id) {
                return Err(fail(format!(
                    "forms: form id `{}` is defined twice, in {} and {}",
                    form.id,
                    sources[i].display(),
                    p.display()
                )));
            }
            translations.insert(form.id.clone(), translated);
            forms.push(form);
            sources.push(p);
        }
        for (id, table) in &file.form {
            let Some(name) = &table.template else {
                continue;
            };
            let at = format!("form.{id}.template");
            if let Some(i) = forms.iter().position(|f| &f.id == id) {
                return Err(fail(format!(
                    "{at}: form id `{id}` is also defined in {}; use one or the other",
                    sources[i].display()
                )));
            }
            if !voix_form::schema::is_valid_id(id) {
                return Err(fail(format!(
                    "{at}: `{id}` is not a form id (1 to 64 characters among a-z 0-9 _ -)"
                )));
            }
            let Some((form, translated)) = voix_form::templates::template(name, id) else {
                return Err(fail(format!(
                    "{at}: no template `{name}`; known: {}",
                    voix_form::templates::NAMES.join(", ")
                )));
            };
            translations.insert(form.id.clone(), translated);
            forms.push(form);
            sources.push(PathBuf::from(format!("template {name}")));
        }
        let mut settings = BTreeMap::new();
        for id in file.form.keys() {
            if !forms.iter().any(|f| &f.id == id) {
                return Err(fail(format!(
                    "form.{id}: no form with id `{id}` among the form files (or give it a \
                     `template`)"
                )));
            }
        }
        for form in &forms {
            let own = file.form.get(&form.id);
            let at = |key: &str| format!("form.{}.{key}", form.id);
            // A poll's definition decides who reads its results; `public_results` may only
            // repeat it (true, unless `results = "never"`).
            if let (Some(poll), Some(public)) = (&form.poll, own.and_then(|o| o.public_results))
                && public != (poll.results != ResultsShown::Never)
            {
                let why = if public {
                    "its definition says `results = \"never\"` (under [poll]), which keeps them \
                     for the admin token"
                } else {
                    "the widget shows a poll's results; to keep them for the admin token, write \
                     `results = \"never\"` under [poll] in its definition"
                };
                return Err(fail(format!(
                    "{}: `{}` is a poll and {why}; remove this key",
                    at("public_results"),
                    form.id
                )));
            }
            let defences = own
                .map(|o| defences_of!(o))
                .unwrap_or_default()
                .resolve(defences_of!(file), form.poll.is_some())
                .map_err(|m| fail(at(&m)))?;
            let s = match own {
                None => FormSettings {
                    defences,
                    ..defaults.clone()
                },
                Some(o) => FormSettings {
                    defences,
                    allowed_origins: match &o.allowed_origins {
                        Some(list) => AllowedOrigins::parse(list)
                            .map_err(|m| fail(format!("{}: {m}", at("allowed_origins"))))?,
                        None => defaults.allowed_origins.clone(),
                    },
                    public_results: o.public_results.unwrap_or(defaults.public_results),
                    rate_limit: rate_limit(defaults.rate_limit, o.rate_limit)
                        .map_err(|m| fail(format!("{}: {m}", at("rate_limit"))))?,
                    retain_days: match o.retain_days {
                        Some(0) => None,
                        Some(d) => Some(d),
                        None => defaults.retain_days,
                    },
                },
            };
            settings.insert(form.id.clone(), s);
        }
        // The served definition tells the widget to solve a challenge before it is asked.
        for form in &mut forms {
            form.challenge = settings[&form.id].defences.proof_of_work;
        }
        Ok(Config {
            listen,
            database,
            static_dir,
            dist_dir,
            max_body_bytes,
            admin_token,
            forms,
            translations,
            settings,
            defaults,
            trust_forwarded_for: file.trust_forwarded_for.unwrap_or(false),
            connections,
        })
    }
}

// The connection keys, each at least 1: a zero would refuse every connection or cut every
// request at once.
fn connections(file: &ConfigFile) -> std::result::Result<Connections, String> {
    let at_least_one = |key: &str, value: Option<u64>, default: u64| match value {
        None => Ok(default),
        Some(0) => Err(format!("{key}: must be at least 1")),
        Some(n) => Ok(n),
    };
    let secs = |key: &str, value: Option<u64>, default: u64| {
        at_least_one(key, value, default).map(Duration::from_secs)
    };
    let max = at_least_one(
        "max_connections",
        file.max_connections,
        DEFAULT_MAX_CONNECTIONS as u64,
    )?;
    Ok(Connections {
        max: usize::try_from(max).map_err(|_| "max_connections: too large".to_owned())?,
        header_timeout: secs(
            "header_timeout_secs",
            file.header_timeout_secs,
            DEFAULT_HEADER_TIMEOUT_SECS,
        )?,
        request_timeout: secs(
            "request_timeout_secs",
            file.request_timeout_secs,
            DEFAULT_REQUEST_TIMEOUT_SECS,
        )?,
        shutdown_timeout: secs(
            "shutdown_timeout_secs",
            file.shutdown_timeout_secs,
            DEFAULT_SHUTDOWN_TIMEOUT_SECS,
        )?,
    })
}

/// Parses a listen address such as `127.0.0.1:8080` or `[::1]:0`.
pub fn parse_listen(text: &str) -> std::result::Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not an address like 127.0.0.1:8080"))
}

/// Reads one form definition, `.toml` or `.json`, with its translations.
pub fn load_form(path: &Path) -> Result<(Form, Translations)> {
    let fail = |message: String| Error::FormFile {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let parsed = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Form::from_toml_with_translations(&text),
        Some("json") => Form::from_json_with_translations(&text),
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
